import { Injectable, Logger } from '@nestjs/common';

import { AlertService } from '../../alerting/alert.service';
import type { TransactionKind } from '../transaction.entity';

/**
 * Conditions outside any one request that stop sending: the requests are fine and stay
 * queued until the condition clears, instead of failing for good.
 */
export type HoldReason = 'fees_above_cap' | 'contract_paused' | 'minter_role_missing' | 'burner_role_missing';

export interface SendingHold {
  reason: HoldReason;
  since: Date;
  details: Record<string, string>;
}

const TITLES: Record<HoldReason, string> = {
  fees_above_cap: 'Sending held: network fees are above MAX_FEE_PER_GAS_GWEI',
  contract_paused: 'Sending held: the HAVEN contract is paused',
  minter_role_missing: 'Mints held: the signing wallet lacks MINTER_ROLE',
  burner_role_missing: 'Redemptions held: the signing wallet lacks BURNER_ROLE',
};

const ALL_KINDS: readonly TransactionKind[] = ['mint', 'burn'];

/** Which kinds of request each hold stops. */
const HELD_KINDS: Record<HoldReason, readonly TransactionKind[]> = {
  fees_above_cap: ALL_KINDS,
  contract_paused: ALL_KINDS,
  minter_role_missing: ['mint'],
  burner_role_missing: ['burn'],
};

/**
 * This instance's view of what holds sending back. Each hold is logged and raised as an
 * alert once when it starts, and logged and its alert resolved when it clears (on the instance
 * that saw it start); `/health` lists the active ones.
 */
@Injectable()
export class SendingHolds {
  private readonly logger = new Logger(SendingHolds.name);
  private readonly holds = new Map<HoldReason, SendingHold>();

  constructor(private readonly alerts: AlertService) {}

  hold(reason: HoldReason, details: Record<string, string> = {}): void {
    if (this.holds.has(reason)) return;
    this.holds.set(reason, { reason, since: new Date(), details });
    this.logger.warn({ reason, ...details }, `${TITLES[reason]}; accepted requests stay queued`);
    this.alerts
      .raise({
        severity: 'warning',
        category: 'pipeline_held',
        title: TITLES[reason],
        // What happened and what to do; the requests themselves are fine and wait in the queue.
        message: {
          fees_above_cap: `The network base fee (${details.baseFeeGwei ?? '?'} gwei) is above MAX_FEE_PER_GAS_GWEI (${details.capGwei ?? '?'} gwei). Accepted mints and redemptions stay queued and are sent once fees fall below the cap. If fees stay high, raise MAX_FEE_PER_GAS_GWEI to what you accept to pay.`,
          contract_paused:
            'The HAVEN contract is paused on chain, so every mint and redemption would revert. Accepted requests stay queued and are sent once it is unpaused. Find out who paused it and why; unpause it (PAUSER_ROLE) when it is safe.',
          minter_role_missing:
            'The signing wallet does not hold MINTER_ROLE on the HAVEN contract, so mints would revert. Accepted mints stay queued; redemptions continue. Grant MINTER_ROLE to the signing wallet (BACKEND_PRIVATE_KEY or BACKEND_SIGNER_WALLET_ID) using an account with DEFAULT_ADMIN_ROLE on the contract.',
          burner_role_missing:
            'The signing wallet does not hold BURNER_ROLE on the HAVEN contract, so redemptions would revert. Accepted redemptions stay queued; mints continue. Grant BURNER_ROLE to the signing wallet (BACKEND_PRIVATE_KEY or BACKEND_SIGNER_WALLET_ID) using an account with DEFAULT_ADMIN_ROLE on the contract.',
        }[reason],
        data: { reason, ...details },
        dedupKey: `pipeline_held:${reason}`,
      })
      .catch((error: unknown) => this.logger.error({ err: error, reason }, 'could not record the hold alert'));
  }

  release(reason: HoldReason): void {
    const held = this.holds.get(reason);
    if (held === undefined) return;
    this.holds.delete(reason);
    this.logger.log({ reason, heldSeconds: Math.round((Date.now() - held.since.getTime()) / 1000) }, 'sending resumed');
    this.alerts
      .resolveCondition(`pipeline_held:${reason}`, 'pipeline')
      .catch((error: unknown) => this.logger.error({ err: error, reason }, 'could not resolve the hold alert'));
  }

  active(): SendingHold[] {
    return [...this.holds.values()];
  }

  /** Kinds of request nothing can send right now. */
  heldKinds(): TransactionKind[] {
    return [...new Set([...this.holds.keys()].flatMap((reason) => HELD_KINDS[reason]))];
  }

  /** Whether no kind of request can be sent right now. */
  holdsEverything(): boolean {
    return this.heldKinds().length === ALL_KINDS.length;
  }
}
