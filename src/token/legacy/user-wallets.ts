import { Injectable } from '@nestjs/common';

import { WalletAlreadyExistsError, WalletNotFoundError as NoCustodyWalletError, WalletRevokedError } from '../../custody/custody.errors';
import { WalletCustodyService } from '../../custody/wallet-custody.service';
import { MintLimits } from '../mint-limits';
import { auditActorOf, type LegacyCaller } from './legacy-caller';

/**
 * Opens the custodial wallet of a user's first mint on the Python backend's route. Partner
 * apps never created wallets there (and cannot here: creating one is an admin route), so a
 * first mint must not fail for want of one. Created through custody, so it is sealed and
 * audited (`wallet_created`, actor `client:<name>`) like any other.
 */
@Injectable()
export class UserWallets {
  constructor(
    private readonly custody: WalletCustodyService,
    private readonly mintLimits: MintLimits,
  ) {}

  /** Makes sure `userId` has an active wallet for a mint of `wei`; refuses a user whose wallet was revoked. */
  async openForMint(userId: string, wei: bigint, caller: LegacyCaller): Promise<void> {
    // A mint refused anyway opens no wallet: no key is made and audited for a request that fails.
    this.mintLimits.refuseAboveMaximum(wei, caller);
    const actor = auditActorOf(caller);
    try {
      // A revoked wallet was shut on purpose: a mint must not bring the user a new one.
      if ((await this.custody.get(userId, actor)).status === 'revoked') throw new WalletRevokedError(userId);
      return;
    } catch (error) {
      if (!(error instanceof NoCustodyWalletError)) throw error;
    }
    try {
      await this.custody.create(userId, { opened_by: 'first mint on POST /token/mint', client: caller.client }, actor);
    } catch (error) {
      // A concurrent first mint for the same user opened it: it is there all the same.
      if (!(error instanceof WalletAlreadyExistsError)) throw error;
    }
  }
}
