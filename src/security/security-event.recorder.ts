import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';

import type { JsonObject } from '../database/json-object.type';
import type { SecurityEventKind } from './security-event.entity';
import { SecurityEventRepository, type SecurityEventTally } from './security-event.repository';

export interface SecurityEventInput {
  kind: SecurityEventKind;
  actor: string;
  sourceIp: string | undefined;
  path: string;
  details?: JsonObject;
}

const WINDOW_MS = 60_000;
const FLUSH_INTERVAL_MS = 2_000;
/** Distinct tallies held between flushes; beyond it, new callers are counted together. */
const MAX_TALLIES = 5_000;
const OVERFLOW = '(overflow)';

/**
 * Records refused and over-limit calls without letting them cost anything: a call only bumps
 * an in-memory tally (per kind, caller, path and minute), and the tallies are added to
 * `security_events` in one statement every two seconds and at shutdown. A flood of refused
 * calls therefore writes a bounded number of rows, never waits on the database, and never
 * takes the custody audit chain's lock, which custody's own appends need. The price is that
 * a crash loses the last two seconds of counts; the log line of each refusal remains.
 */
@Injectable()
export class SecurityEventRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SecurityEventRecorder.name);
  private tallies = new Map<string, SecurityEventTally>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly events: SecurityEventRepository) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  record(event: SecurityEventInput): void {
    const now = new Date();
    this.merge({
      kind: event.kind,
      actor: event.actor.slice(0, 128),
      sourceIp: (event.sourceIp ?? 'unknown').slice(0, 64),
      path: event.path.slice(0, 256),
      windowStart: new Date(Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS),
      count: 1,
      firstSeen: now,
      lastSeen: now,
      details: event.details ?? {},
    });
  }

  private merge(tally: SecurityEventTally): void {
    const keyOf = (t: SecurityEventTally) => [t.kind, t.actor, t.sourceIp, t.path, t.windowStart.getTime()].join('\u0001');
    let key = keyOf(tally);
    if (!this.tallies.has(key) && this.tallies.size >= MAX_TALLIES) {
      tally = { ...tally, actor: OVERFLOW, sourceIp: OVERFLOW };
      key = keyOf(tally);
    }
    const existing = this.tallies.get(key);
    if (existing === undefined) {
      this.tallies.set(key, tally);
      return;
    }
    existing.count += tally.count;
    if (tally.firstSeen < existing.firstSeen) existing.firstSeen = tally.firstSeen;
    if (tally.lastSeen >= existing.lastSeen) {
      existing.lastSeen = tally.lastSeen;
      existing.details = tally.details;
    }
  }

  /** Writes what has been counted so far; tests call it instead of waiting for the timer. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.tallies.size === 0) return;
    const batch = [...this.tallies.values()];
    this.tallies = new Map();
    try {
      await this.events.add(batch);
      for (const tally of batch) {
        if (tally.count > 1) this.logger.warn({ ...tally, details: undefined }, `${tally.kind} x${tally.count}`);
      }
    } catch (error) {
      // Put the counts back: the next flush retries them with whatever arrived meanwhile.
      for (const tally of batch) this.merge(tally);
      this.logger.error({ err: error, tallies: batch.length }, 'could not record security events; will retry');
    }
  }
}
