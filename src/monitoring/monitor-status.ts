import { Injectable } from '@nestjs/common';

import { AppConfigService } from '../config/app-config.service';
import { ConditionTracker } from './condition-tracker';
import { MonitorStateRepository } from './monitor-state.repository';

/** The monitor as `/health` shows it. */
export interface MonitorStatusReport {
  interval_seconds: number;
  /** When the last tick (on any instance) started; null before the first. */
  last_tick_at: string | null;
  last_tick_instance: string | null;
  /** Null while it runs, or if its instance died mid-tick. */
  last_tick_duration_ms: number | null;
  /** Conditions raised and not yet cleared, counted by alert category. */
  active_conditions: Record<string, number>;
}

/** Reads what the last tick left in the database, whichever instance ran it. */
@Injectable()
export class MonitorStatus {
  constructor(
    private readonly config: AppConfigService,
    private readonly ledger: MonitorStateRepository,
    private readonly conditions: ConditionTracker,
  ) {}

  async report(): Promise<MonitorStatusReport> {
    const [last, raised] = await Promise.all([this.ledger.lastTick(), this.conditions.allRaised()]);
    const active: Record<string, number> = {};
    for (const { category } of Object.values(raised)) active[category] = (active[category] ?? 0) + 1;
    return {
      interval_seconds: this.config.get('monitoring').intervalSeconds,
      last_tick_at: last?.startedAt.toISOString() ?? null,
      last_tick_instance: last?.instanceId ?? null,
      last_tick_duration_ms: last?.durationMs ?? null,
      active_conditions: active,
    };
  }
}
