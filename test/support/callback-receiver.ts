import { type RecordingReceiver, startRecordingReceiver } from './recording-receiver';

/** The body of a status callback, as docs/callbacks.md describes it. */
export interface CallbackBody {
  event: string;
  txId: string;
  kind: 'mint' | 'burn';
  status: string;
  previousStatus: string;
  userId: string;
  address: string;
  amount: string;
  amountWei: string;
  chainId: number;
  txHash: string | null;
  blockNumber: string | null;
  confirmations: number | null;
  reorgCount: number;
  error: { code: string; message: string } | null;
  occurredAt: string;
}

/** One POST as the receiver saw it. */
interface CallbackPost {
  path: string;
  deliveryId: string;
  event: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: string;
  body: CallbackBody;
}

/** One POST and what it was answered. */
export type ReceivedCallback = CallbackPost & { answeredStatus: number };

export interface CallbackReceiver extends Omit<RecordingReceiver<CallbackPost>, 'answerWith'> {
  /** A URL on this receiver: `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** The status to answer a POST with; 204 unless told otherwise. */
  answerWith(decide: (request: { path: string; deliveryId: string }) => number): void;
}

/** A partner app's callback endpoint on loopback. */
export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const receiver = await startRecordingReceiver<CallbackPost>(
    ({ path, headers, rawBody }) => ({
      path,
      deliveryId: String(headers['x-haven-delivery']),
      event: String(headers['x-haven-event']),
      signature: headers['x-haven-signature'] as string | undefined,
      timestamp: headers['x-haven-timestamp'] as string | undefined,
      rawBody,
      body: JSON.parse(rawBody) as CallbackBody,
    }),
    { status: 204 },
  );
  return {
    ...receiver,
    received: receiver.received,
    url: (path = '/haven') => `${receiver.origin}${path}`,
    answerWith: (decide) => receiver.answerWith((post) => ({ status: decide(post) })),
  };
}
