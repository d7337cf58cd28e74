import { Injectable } from '@nestjs/common';

import { AlertCategory } from '../../alerting/alert.constants';
import { CircuitBreakerRegistry } from '../../circuit-breaker/circuit-breaker.registry';
import { AppConfigService } from '../../config/app-config.service';
import { type Condition, ConditionTracker } from '../condition-tracker';
import { MonitorStateRepository } from '../monitor-state.repository';
import type { MonitorCheck } from './monitor-check';

/** Breakers whose staying open stops the product (mints and burns), as opposed to a side channel. */
const PRODUCT_BREAKERS = new Set(['blockchain', 'kms']);

/** Since when each breaker has not been closed (epoch ms), across reopenings after failed probes. */
interface BreakerWatch {
  openSince: Record<string, number>;
}

const STATE_KEY = 'breaker_watch';

/**
 * A circuit breaker not closed for longer than BREAKER_OPEN_ALERT_MINUTES: one `circuit_breaker`
 * alert (critical for `blockchain` and `kms`, error for the others,
 * `circuit_breaker:<name>:open_too_long`), on top of the alert its opening raised; resolved once
 * it closes. A breaker that goes half-open and reopens after a failed probe counts as open all
 * along: its `openedAt` restarts, but the outage does not.
 */
@Injectable()
export class BreakerOpenCheck implements MonitorCheck {
  readonly name = 'circuit_breaker_open';

  constructor(
    private readonly breakers: CircuitBreakerRegistry,
    private readonly config: AppConfigService,
    private readonly state: MonitorStateRepository,
    private readonly conditions: ConditionTracker,
  ) {}

  async run(): Promise<void> {
    const limitMs = this.config.get('monitoring').breakerOpenAlertMinutes * 60_000;
    const before = (await this.state.get<BreakerWatch>(STATE_KEY)) ?? { openSince: {} };
    const now = Date.now();
    const watch: BreakerWatch = { openSince: {} };
    const holding: Condition[] = [];
    for (const { name, snapshot } of this.breakers.list()) {
      if (snapshot.state === 'closed') continue;
      const since = Math.min(before.openSince[name] ?? now, snapshot.openedAt ?? now);
      watch.openSince[name] = since;
      if (now - since < limitMs) continue;
      const minutes = Math.floor((now - since) / 60_000);
      holding.push({
        severity: PRODUCT_BREAKERS.has(name) ? 'critical' : 'error',
        category: AlertCategory.CIRCUIT_BREAKER,
        title: `Circuit breaker '${name}' open for ${minutes} minutes`,
        message:
          `The '${name}' breaker has not closed since ${new Date(since).toISOString()} (${minutes} minutes, longer than ` +
          `BREAKER_OPEN_ALERT_MINUTES ${limitMs / 60_000}); it is ${snapshot.state.replace('_', '-')} after ${snapshot.failureCount} failures. ` +
          'Its dependency is still failing: check that it is reachable and healthy. After a fix the breaker closes on its own after ' +
          `successful probes, or reset it with POST /api/v1/admin/health/circuit-breakers/${name}/reset.`,
        data: { breaker: name, state: snapshot.state, open_since: new Date(since).toISOString(), failure_count: snapshot.failureCount },
        dedupKey: `circuit_breaker:${name}:open_too_long`,
      });
    }
    await this.state.set(STATE_KEY, watch);
    await this.conditions.reconcile(this.name, holding);
  }
}
