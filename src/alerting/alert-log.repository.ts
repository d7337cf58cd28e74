import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { JsonObject } from '../database/json-object.type';
import { AlertLog } from './alert-log.entity';

/** A new alert row; everything else starts at its column default (`open`, one occurrence). */
export type NewAlertLog = Pick<AlertLog, 'severity' | 'category' | 'title' | 'details' | 'dedupKey'>;

/** The one owner of `alert_logs`. */
@Injectable()
export class AlertLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Counts a repeat on the newest open alert with `dedupKey` that last occurred within
   * `windowMinutes`, in one statement so concurrent repeats all count. Its id, or null if
   * there is none.
   */
  async groupRepeat(dedupKey: string, details: JsonObject, windowMinutes: number): Promise<string | null> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [grouped] = await this.dataSource.query<[Array<{ id: string }>, number]>(
      `UPDATE alert_logs SET occurrences = occurrences + 1, last_occurred_at = now(), details = $2, updated_at = now()
        WHERE id = (SELECT id FROM alert_logs WHERE dedup_key = $1 AND status = 'open'
                      AND last_occurred_at > now() - make_interval(mins => $3)
                    ORDER BY last_occurred_at DESC LIMIT 1)
        RETURNING id`,
      [dedupKey, details, windowMinutes],
    );
    return grouped[0]?.id ?? null;
  }

  async insert(alert: NewAlertLog): Promise<string> {
    const { identifiers } = await this.dataSource.getRepository(AlertLog).insert(alert);
    return identifiers[0].id as string;
  }
}
