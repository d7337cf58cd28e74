import { parseUnits } from 'viem';

import type { FinalAnswer } from './client';

/** What the client was told about one request it got a transaction for. */
export interface AcceptedRequest {
  txId: string;
  kind: 'mint' | 'burn';
  userId: string;
  amountWei: bigint;
  idempotencyKey: string;
}

type Route = 'single' | 'bulk' | 'redeem';

/** Everything the load sent and was answered: the client's side of the reconciliation. */
export class LoadLedger {
  readonly accepted = new Map<string, AcceptedRequest>();
  /** Final refusals, by route and code (`single 422 DAILY_MINT_LIMIT_EXCEEDED`). */
  readonly rejected: Record<string, number> = {};
  /** Requests (or bulk items) that never got a final answer. */
  unanswered = { mint: 0, burn: 0 };
  sent = { mint: 0, burn: 0, bulkRequests: 0 };
  /** Accept latency (ms) of the attempt that got the answer, per route. */
  readonly latencies: Record<Route, number[]> = { single: [], bulk: [], redeem: [] };
  /** Keys answered with two different transactions: idempotency broken. */
  readonly keyConflicts: string[] = [];
  readonly crashes: string[] = [];
  private readonly txIdByKey = new Map<string, string>();

  record(kind: 'mint' | 'burn', key: string, userId: string, amountWei: bigint, answer: FinalAnswer | undefined, route: Route): void {
    this.sent[kind]++;
    if (answer === undefined) return void this.unanswered[kind]++;
    if (answer.status !== 202) return this.reject(`${route} ${answer.status} ${String(answer.body?.error ?? '')}`);
    this.latencies[route].push(answer.latencyMs);
    this.accept({ txId: answer.body.txId, kind, userId, amountWei, idempotencyKey: key });
  }

  recordBulk(items: ReadonlyArray<{ idempotencyKey: string; userId: string; amount: string }>, answer: FinalAnswer | undefined): void {
    this.sent.mint += items.length;
    this.sent.bulkRequests++;
    if (answer === undefined) return void (this.unanswered.mint += items.length);
    if (answer.status !== 202) {
      for (let i = 0; i < items.length; i++) this.reject(`bulk ${answer.status} ${String(answer.body?.error ?? '')}`);
      return;
    }
    this.latencies.bulk.push(answer.latencyMs);
    const outcomes = answer.body.items as Array<{
      index: number;
      outcome: string;
      transaction?: { txId: string };
      error?: { code: string };
    }>;
    for (const outcome of outcomes) {
      const item = items[outcome.index];
      if (outcome.outcome === 'rejected' || outcome.transaction === undefined) {
        this.reject(`bulk item ${outcome.error?.code ?? 'no transaction'}`);
        continue;
      }
      const { idempotencyKey, userId, amount } = item;
      this.accept({ txId: outcome.transaction.txId, kind: 'mint', userId, amountWei: parseUnits(amount, 18), idempotencyKey });
    }
  }

  noteCrash(error: unknown): void {
    this.crashes.push(String(error));
  }

  private accept(request: AcceptedRequest): void {
    const earlier = this.txIdByKey.get(request.idempotencyKey);
    if (earlier !== undefined && earlier !== request.txId) this.keyConflicts.push(request.idempotencyKey);
    this.txIdByKey.set(request.idempotencyKey, request.txId);
    this.accepted.set(request.txId, request);
  }

  private reject(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }
}
