import { Injectable, Logger } from '@nestjs/common';

import type { AlertSeverity } from '../alerting/alert.constants';
import { type AlertInput, AlertService } from '../alerting/alert.service';
import { MonitorStateRepository } from './monitor-state.repository';

/** A condition that holds now; its `dedupKey` names it for as long as it holds. */
export type Condition = AlertInput & { dedupKey: string };

/** A condition raised and not yet cleared, as remembered between ticks. */
export interface RaisedCondition {
  category: string;
  severity: AlertSeverity;
  since: string;
}

export type RaisedConditions = Record<string, RaisedCondition>;

const STATE_PREFIX = 'conditions:';

/** Who resolves an alert whose condition cleared. */
const RESOLVED_BY = 'monitor';

/**
 * Alerts once per condition: raised the tick it first holds, resolved (`resolveCondition`) the
 * tick it no longer does. What was raised is kept in `monitor_state` per check, so the next
 * tick knows it whichever instance runs it. A raise or resolve that fails is tried again next
 * tick. An alert resolved by hand while its condition still holds stays resolved until the
 * condition clears and comes back.
 */
@Injectable()
export class ConditionTracker {
  private readonly logger = new Logger(ConditionTracker.name);

  constructor(
    private readonly alerts: AlertService,
    private readonly state: MonitorStateRepository,
  ) {}

  async raised(check: string): Promise<RaisedConditions> {
    return (await this.state.get<RaisedConditions>(STATE_PREFIX + check)) ?? {};
  }

  /** Every raised condition, across checks. */
  async allRaised(): Promise<RaisedConditions> {
    const rows = await this.state.getByPrefix<RaisedConditions>(STATE_PREFIX);
    return Object.assign({}, ...rows.map((row) => row.value)) as RaisedConditions;
  }

  /** `holding`: every condition of `check` that holds now; the others it raised are cleared. */
  async reconcile(check: string, holding: readonly Condition[]): Promise<void> {
    const before = await this.raised(check);
    const now = new Map(holding.map((condition) => [condition.dedupKey, condition]));
    const after: RaisedConditions = {};
    for (const [key, condition] of now) {
      if (before[key] !== undefined) {
        after[key] = before[key];
        continue;
      }
      try {
        await this.alerts.raise(condition);
        after[key] = { category: condition.category, severity: condition.severity, since: new Date().toISOString() };
      } catch (error) {
        this.logger.error({ err: error, dedupKey: key }, 'could not raise a monitor alert; trying again next tick');
      }
    }
    for (const key of Object.keys(before)) {
      if (now.has(key)) continue;
      try {
        await this.alerts.resolveCondition(key, RESOLVED_BY);
      } catch (error) {
        this.logger.error({ err: error, dedupKey: key }, 'could not resolve a cleared monitor alert; trying again next tick');
        after[key] = before[key];
      }
    }
    await this.state.set(STATE_PREFIX + check, after);
  }
}
