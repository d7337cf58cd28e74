import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';

import type { Transaction } from './transaction.entity';
import type { NewTransaction } from './transaction.repository';
import { TransactionBatchStore } from './transaction-batch.store';

/** As many rows as one bulk request stores in one statement. */
export const MAX_ROWS_PER_STATEMENT = 1_000;

interface PendingInsert {
  row: NewTransaction;
  resolve: (created: Transaction | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Stores single requests as `queued` rows, the requests of one event-loop turn together: one
 * `insertQueued` statement per client for all of them, instead of one each. Under load dozens
 * of requests reach this point in the same turn; each statement costs PostgreSQL a commit and
 * this process a socket write, the largest single cost in intake's profile. Nothing waits for
 * company: a turn's requests go as soon as the turn ends, alone if alone.
 *
 * Every request keeps its own outcome. Its row is inserted or its key was already taken, under
 * the one unique (client, idempotency key) index the bulk route shares. A key given twice in
 * one turn goes into the next turn's statement, so that the second request finds the first
 * one's row as a retry does. A statement refused for one row's content (a data or constraint
 * error: nothing was written) is retried row by row, so one bad row fails only its own request.
 */
@Injectable()
export class QueuedInsertBatcher {
  private pending: PendingInsert[] = [];
  private flushScheduled = false;

  constructor(private readonly store: TransactionBatchStore) {}

  /** The row stored for `row`, or `undefined` when the client had already used its key. */
  insert(row: NewTransaction): Promise<Transaction | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const turn = this.pending;
    this.pending = [];
    const byClient = new Map<string, Map<string, PendingInsert>>();
    for (const pending of turn) {
      const { clientId, idempotencyKey } = pending.row;
      const statement = byClient.get(clientId) ?? byClient.set(clientId, new Map()).get(clientId)!;
      if (statement.has(idempotencyKey) || statement.size >= MAX_ROWS_PER_STATEMENT) this.pending.push(pending);
      else statement.set(idempotencyKey, pending);
    }
    if (this.pending.length > 0) this.scheduleFlush();
    for (const [clientId, statement] of byClient) void this.write(clientId, [...statement.values()]);
  }

  private async write(clientId: string, inserts: PendingInsert[]): Promise<void> {
    let created: Transaction[];
    try {
      created = await this.store.insertQueued(
        clientId,
        inserts.map(({ row }) => row),
      );
    } catch (error) {
      if (inserts.length > 1 && refusedForContent(error)) {
        for (const insert of inserts) void this.write(clientId, [insert]);
        return;
      }
      for (const { reject } of inserts) reject(error);
      return;
    }
    const byKey = new Map(created.map((row) => [row.idempotencyKey, row]));
    for (const { row, resolve } of inserts) resolve(byKey.get(row.idempotencyKey));
  }
}

/**
 * PostgreSQL refused the statement for what a row holds: SQLSTATE class 22 (data exception) or
 * 23 (integrity constraint violation). It wrote nothing. Any other failure (a timeout, a lost
 * connection, a server shutting down) says nothing of the rows and may not even mean nothing
 * was written: each request fails as it would have alone, and its client retries with its key.
 */
function refusedForContent(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
