import { Injectable } from '@nestjs/common';

import type { AppConfig } from '../config/app-config';
import { AppConfigService } from '../config/app-config.service';
import { SecurityEventRecorder } from '../security/security-event.recorder';
import { type BatchReservation, DailyMintLedger, type LedgerEntry } from './daily-mint-ledger';
import { DailyMintLimitExceededError, MintAmountAboveMaximumError } from './token.errors';
import { formatTokenAmount } from './token-amount';

export interface MintLimitContext {
  client: string;
  sourceIp: string | undefined;
  path: string;
}

const NOTHING_RESERVED: LedgerEntry = { release: async () => {} };

/** Per amount of a batch that did not fit the day's allowance: its position and its error. */
export interface BatchLimits {
  refused: ReadonlyMap<number, DailyMintLimitExceededError>;
  release: BatchReservation['release'];
}

/**
 * `MAX_MINT_AMOUNT` per request and `DAILY_MINT_LIMIT_PER_CLIENT` per client and UTC day: a
 * partner that sends wei where whole tokens are expected is refused, not obeyed 10^18 times
 * over. Every breach is answered 422 and counted in `security_events`.
 */
@Injectable()
export class MintLimits {
  private readonly limits: AppConfig['limits'];

  constructor(
    config: AppConfigService,
    private readonly ledger: DailyMintLedger,
    private readonly securityEvents: SecurityEventRecorder,
  ) {
    this.limits = config.get('limits');
  }

  /** Checks a new mint of `wei` and reserves it against the day's allowance; throws on a breach. */
  async reserve(wei: bigint, context: MintLimitContext): Promise<LedgerEntry> {
    this.refuseAboveMaximum(wei, context);
    const { dailyMintLimitPerClientWei } = this.limits;
    if (dailyMintLimitPerClientWei === undefined) return NOTHING_RESERVED;
    const entry = await this.ledger.reserve(context.client, wei, dailyMintLimitPerClientWei);
    if ('release' in entry) return entry;
    this.breach(context, { limit: 'daily', amount: formatTokenAmount(wei), remaining: formatTokenAmount(entry.remainingWei) });
    throw new DailyMintLimitExceededError(formatTokenAmount(dailyMintLimitPerClientWei), formatTokenAmount(entry.remainingWei));
  }

  /**
   * Reserves each of a batch's amounts (each already within MAX_MINT_AMOUNT) against the day's
   * allowance in order, in one round trip; those that do not fit are refused as single
   * requests would be, each breach recorded.
   */
  async reserveEach(weis: readonly bigint[], context: MintLimitContext): Promise<BatchLimits> {
    const { dailyMintLimitPerClientWei: limit } = this.limits;
    if (limit === undefined || weis.length === 0) return { refused: new Map(), release: async () => {} };
    const reservation = await this.ledger.reserveEach(context.client, weis, limit);
    const refused = new Map<number, DailyMintLimitExceededError>();
    for (const [position, remainingWei] of reservation.refused) {
      const remaining = formatTokenAmount(remainingWei);
      this.breach(context, { limit: 'daily', amount: formatTokenAmount(weis[position]), remaining });
      refused.set(position, new DailyMintLimitExceededError(formatTokenAmount(limit), remaining));
    }
    return { refused, release: reservation.release };
  }

  /** Throws (and records the breach) if one mint of `wei` is above `MAX_MINT_AMOUNT`; reserves nothing. */
  refuseAboveMaximum(wei: bigint, context: MintLimitContext): void {
    const { maxMintAmountWei } = this.limits;
    if (wei <= maxMintAmountWei) return;
    this.breach(context, { limit: 'per_request', amount: formatTokenAmount(wei), maximum: formatTokenAmount(maxMintAmountWei) });
    throw new MintAmountAboveMaximumError(formatTokenAmount(maxMintAmountWei));
  }

  private breach(context: MintLimitContext, details: Record<string, string>): void {
    this.securityEvents.record({
      kind: 'mint_limit_exceeded',
      actor: `client:${context.client}`,
      sourceIp: context.sourceIp,
      path: context.path,
      details,
    });
  }
}
