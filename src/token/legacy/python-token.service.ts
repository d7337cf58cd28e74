import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { HavenTokenService } from '../../chain/haven-token.service';
import { USER_ID_PATTERN, USER_ID_RULE } from '../../common/ids';
import { WalletCustodyService } from '../../custody/wallet-custody.service';
import { ValidationError } from '../../errors/app.errors';
import type { TransactionKind } from '../../transactions/transaction.entity';
import { IDEMPOTENCY_KEY } from '../request-identity';
import { WalletNotFoundError } from '../token.errors';
import { formatTokenAmount } from '../token-amount';
import { type Stored, type TokenRequest, TransactionIntake } from '../transaction-intake.service';
import type { PythonMintRequestDto, PythonRedeemRequestDto } from './dto/python-token-request.dto';
import type { PythonBalanceResponseDto, PythonTransactionResponseDto } from './dto/python-token-response.dto';
import { legacyAmountToWei } from './legacy-amount';
import type { LegacyCaller } from './legacy-caller';
import { MissingIdempotencyKeyFieldError, UserWalletNotFoundError } from './python-token.errors';
import { UserWallets } from './user-wallets';

/**
 * The Python backend's client routes, translated onto the modern pipeline: the same
 * TransactionIntake (tenancy, idempotency, limits, ownership and balance checks), the user's
 * custodial wallet as the only address, answers in the Python backend's shapes.
 */
@Injectable()
export class PythonTokenService {
  constructor(
    private readonly custody: WalletCustodyService,
    private readonly intake: TransactionIntake,
    private readonly token: HavenTokenService,
    private readonly userWallets: UserWallets,
  ) {}

  async mint(body: PythonMintRequestDto, caller: LegacyCaller): Promise<PythonTransactionResponseDto> {
    const wei = legacyAmountToWei(body.amount);
    // No key: a new request every time, as on the Python backend. Nothing is derived from the
    // body, which would merge two real rewards of the same amount into one.
    const key = body.idempotency_key == null ? `legacy-mint:${randomUUID()}` : checkedKey(body.idempotency_key);
    const request: TokenRequest = { userId: body.user_id, amount: formatTokenAmount(wei), reason: body.reason };
    try {
      return answer('mint', await this.intake.acceptOutcome('mint', request, key, caller));
    } catch (error) {
      if (!(error instanceof WalletNotFoundError)) throw error;
    }
    await this.userWallets.openForMint(body.user_id, wei, caller);
    return answer('mint', await this.accept('mint', request, key, caller));
  }

  async redeem(body: PythonRedeemRequestDto, caller: LegacyCaller): Promise<PythonTransactionResponseDto> {
    const wei = legacyAmountToWei(body.amount);
    if (body.idempotency_key == null) throw new MissingIdempotencyKeyFieldError();
    const key = checkedKey(body.idempotency_key);
    const destination = body.withdrawal_address == null ? '' : ` to ${body.withdrawal_address}`;
    const request: TokenRequest = {
      userId: body.user_id,
      amount: formatTokenAmount(wei),
      reason: `withdrawal via ${body.withdrawal_method}${destination}`,
    };
    // No address: the intake burns from the user's active custodial wallet, within its balance
    // less the redemptions in flight, exactly as /api/v1/token/redeem without `from`.
    return answer('burn', await this.accept('burn', request, key, caller));
  }

  async balance(userId: string): Promise<PythonBalanceResponseDto> {
    if (!USER_ID_PATTERN.test(userId)) throw new ValidationError([{ field: 'user_id', problems: [`user_id must be ${USER_ID_RULE}`] }]);
    const address = await this.custody.activeAddress(userId);
    if (address === null) throw new UserWalletNotFoundError(userId);
    const wei = await this.token.balanceOf(address);
    return { user_id: userId, wallet_address: address, balance: formatTokenAmount(wei), balance_wei: wei.toString() };
  }

  /** The intake, its "no wallet" in words that name no address to give instead. */
  private async accept(kind: TransactionKind, request: TokenRequest, key: string, caller: LegacyCaller): Promise<Stored> {
    try {
      return await this.intake.acceptOutcome(kind, request, key, caller);
    } catch (error) {
      throw error instanceof WalletNotFoundError ? new UserWalletNotFoundError(request.userId) : error;
    }
  }
}

function checkedKey(key: string): string {
  if (!IDEMPOTENCY_KEY.test(key)) throw new MissingIdempotencyKeyFieldError();
  return key;
}

function answer(kind: TransactionKind, { row, created }: Stored): PythonTransactionResponseDto {
  const what = kind === 'mint' ? 'Mint' : 'Redemption';
  return created
    ? { status: 'queued', tx_id: row.id, message: `${what} queued` }
    : { status: 'duplicate', tx_id: row.id, message: `${what} already requested with this idempotency_key; nothing more is sent` };
}
