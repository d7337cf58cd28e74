import { Injectable } from '@nestjs/common';
import type { Address } from 'viem';

import { HavenTokenService } from '../../chain/haven-token.service';
import type { TransactionKind } from '../transaction.entity';
import type { HoldReason } from './sending-holds';

/**
 * Why a call reverts for everyone rather than for one request: the contract paused, or the
 * signer without the role the call needs. Read from the contract itself, not guessed from
 * revert text, so a node that returns no revert data cannot make a bad burn look global.
 */
@Injectable()
export class ContractConditions {
  constructor(private readonly token: HavenTokenService) {}

  /** The holds that explain a revert of `kind` sent by `signer`; empty if the request is at fault. Throws if the chain cannot say. */
  async blocking(kind: TransactionKind, signer: Address): Promise<HoldReason[]> {
    const role = kind === 'mint' ? 'MINTER_ROLE' : 'BURNER_ROLE';
    const [paused, hasRole] = await Promise.all([this.token.paused(), this.token.hasRole(role, signer)]);
    const reasons: HoldReason[] = [];
    if (paused) reasons.push('contract_paused');
    if (!hasRole) reasons.push(kind === 'mint' ? 'minter_role_missing' : 'burner_role_missing');
    return reasons;
  }
}
