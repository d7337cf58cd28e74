import type { IncomingHttpHeaders } from 'node:http';

import { type Answer, type RecordingReceiver, startRecordingReceiver } from './recording-receiver';

export type { Answer } from './recording-receiver';

/** One POST as the receiver saw it. */
interface AlertPost {
  path: string;
  headers: IncomingHttpHeaders;
  /** `X-Haven-Delivery`: the same on every attempt of one delivery. */
  deliveryId: string;
  rawBody: string;
  // The three formats differ; each test reads the fields of the one it checks.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One POST and what it was answered. */
export type ReceivedAlert = AlertPost & { answeredStatus: number };

export interface AlertReceiver extends Omit<RecordingReceiver<AlertPost>, 'delivered'> {
  /** A URL on this receiver: `http://127.0.0.1:<port><path>`. */
  url(path: string): string;
  /** Those answered 2xx on `path` (every path if omitted): the deliveries that arrived. */
  delivered(path?: string): ReceivedAlert[];
}

/**
 * Slack, PagerDuty and generic webhook receivers on loopback, told apart by path; 200 unless
 * the test answers otherwise.
 */
export async function startAlertReceiver(): Promise<AlertReceiver> {
  const receiver = await startRecordingReceiver<AlertPost>(
    ({ path, headers, rawBody }) => ({
      path,
      headers,
      deliveryId: String(headers['x-haven-delivery']),
      rawBody,
      body: JSON.parse(rawBody) as unknown,
    }),
    { status: 200 } satisfies Answer,
  );
  return {
    ...receiver,
    received: receiver.received,
    url: (path) => `${receiver.origin}${path}`,
    delivered: (path) => receiver.delivered().filter((post) => path === undefined || post.path === path),
  };
}
