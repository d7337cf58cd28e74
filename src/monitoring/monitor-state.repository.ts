import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The tick that ran last, as `/health` shows it. */
export interface LastTick {
  tick: bigint;
  instanceId: string;
  startedAt: Date;
  durationMs: number | null;
}

/** How long the tick ledger keeps its rows. */
const TICK_HISTORY_DAYS = 7;
/** pg advisory lock held by the instance running a tick: "HVMN". */
const TICK_RUNNING_LOCK = 0x4856_4d4e;

/** The one owner of `monitor_ticks` and `monitor_state`. */
@Injectable()
export class MonitorStateRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` unless another instance's tick is still running: a tick slower than the
   * interval (a loaded database, a slow RPC) must not overlap the next one, which would read the
   * conditions and baseline before the slow one wrote them and raise the same alert twice. A
   * session lock on a connection held for the tick, not a transaction: the checks make RPC calls.
   * `undefined` when another tick runs.
   */
  async whileNoOtherTickRuns<T>(work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [TICK_RUNNING_LOCK])) as [{ locked: boolean }];
      if (!locked) return undefined;
      try {
        return await work();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [TICK_RUNNING_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /** Records that `instanceId` runs `tick`; false if another instance claimed it first. */
  async claimTick(tick: bigint, instanceId: string): Promise<boolean> {
    const rows = await this.dataSource.query<Array<{ tick: string }>>(
      `INSERT INTO monitor_ticks (tick, instance_id) VALUES ($1, $2) ON CONFLICT (tick) DO NOTHING RETURNING tick`,
      [tick.toString(), instanceId],
    );
    return rows.length === 1;
  }

  async finishTick(tick: bigint, durationMs: number): Promise<void> {
    await this.dataSource.query(`UPDATE monitor_ticks SET duration_ms = $2 WHERE tick = $1`, [tick.toString(), Math.round(durationMs)]);
  }

  async pruneTicks(): Promise<void> {
    await this.dataSource.query(`DELETE FROM monitor_ticks WHERE started_at < now() - make_interval(days => $1)`, [TICK_HISTORY_DAYS]);
  }

  async lastTick(): Promise<LastTick | null> {
    const rows = await this.dataSource.query<Array<{ tick: string; instance_id: string; started_at: Date; duration_ms: number | null }>>(
      `SELECT tick, instance_id, started_at, duration_ms FROM monitor_ticks ORDER BY tick DESC LIMIT 1`,
    );
    if (rows.length === 0) return null;
    const [row] = rows;
    return { tick: BigInt(row.tick), instanceId: row.instance_id, startedAt: row.started_at, durationMs: row.duration_ms };
  }

  async get<T>(key: string): Promise<T | null> {
    const rows = await this.dataSource.query<Array<{ value: T }>>(`SELECT value FROM monitor_state WHERE key = $1`, [key]);
    return rows[0]?.value ?? null;
  }

  /** Several keys in one read; missing ones are absent from the map. */
  async getMany(keys: readonly string[]): Promise<Map<string, unknown>> {
    const rows = await this.dataSource.query<Array<{ key: string; value: unknown }>>(
      `SELECT key, value FROM monitor_state WHERE key = ANY($1::varchar[])`,
      [keys],
    );
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  /** Every value whose key starts with `prefix`. */
  async getByPrefix<T>(prefix: string): Promise<Array<{ key: string; value: T }>> {
    return this.dataSource.query<Array<{ key: string; value: T }>>(`SELECT key, value FROM monitor_state WHERE starts_with(key, $1)`, [
      prefix,
    ]);
  }

  async set(key: string, value: object): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO monitor_state (key, value, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [key, JSON.stringify(value)],
    );
  }
}
