import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';
import { SecurityEvent, type SecurityEventKind } from './security-event.entity';

export interface SecurityEventTally {
  kind: SecurityEventKind;
  actor: string;
  sourceIp: string;
  path: string;
  windowStart: Date;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  details: JsonObject;
}

/** The one owner of `security_events`. */
@Injectable()
export class SecurityEventRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Adds the tallies to their rows in one statement, creating the rows a minute first needs. */
  async add(tallies: readonly SecurityEventTally[]): Promise<void> {
    if (tallies.length === 0) return;
    const columns = 9;
    const values = tallies.map((_, row) => `(${Array.from({ length: columns }, (__, col) => `$${row * columns + col + 1}`).join(', ')})`);
    await this.dataSource.query(
      `INSERT INTO security_events (kind, actor, source_ip, path, window_start, count, first_seen, last_seen, details)
       VALUES ${values.join(', ')}
       ON CONFLICT (kind, actor, source_ip, path, window_start) DO UPDATE SET
         count = security_events.count + EXCLUDED.count,
         first_seen = least(security_events.first_seen, EXCLUDED.first_seen),
         last_seen = greatest(security_events.last_seen, EXCLUDED.last_seen),
         details = EXCLUDED.details`,
      tallies.flatMap((tally) => [
        tally.kind,
        tally.actor,
        tally.sourceIp,
        tally.path,
        tally.windowStart,
        tally.count,
        tally.firstSeen,
        tally.lastSeen,
        JSON.stringify(tally.details),
      ]),
    );
  }

  /** Newest first, for the admin API and tests. */
  recent(limit: number, kind?: SecurityEventKind): Promise<SecurityEvent[]> {
    return this.dataSource.getRepository(SecurityEvent).find({
      where: kind === undefined ? {} : { kind },
      order: { lastSeen: 'DESC', id: 'DESC' },
      take: limit,
    });
  }
}
