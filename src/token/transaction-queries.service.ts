import { Injectable } from '@nestjs/common';
import { getAddress, isAddress } from 'viem';

import { HavenTokenService } from '../chain/haven-token.service';
import { ValidationError } from '../errors/app.errors';
import type { Transaction } from '../transactions/transaction.entity';
import { TransactionRepository } from '../transactions/transaction.repository';
import type { TransactionListQuery } from './dto/transaction-list.query';
import { BalanceResponseDto } from './dto/transaction-response.dto';
import { InvalidAddressError, TransactionNotFoundError } from './token.errors';
import { formatTokenAmount } from './token-amount';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads: one transaction, a page of them (keyset, newest first), a balance. `clientId`
 * scopes a read to one client's rows (the client API always passes it); absent, every
 * client's rows (the admin API). Another client's transaction is answered as not found, so
 * its existence does not leak either.
 */
@Injectable()
export class TransactionQueries {
  constructor(
    private readonly transactions: TransactionRepository,
    private readonly token: HavenTokenService,
  ) {}

  async get(txId: string, clientId?: string): Promise<Transaction> {
    const row = UUID.test(txId) ? await this.transactions.findById(txId) : null;
    if (row === null || (clientId !== undefined && row.clientId !== clientId)) throw new TransactionNotFoundError(txId);
    return row;
  }

  async list(query: TransactionListQuery & { clientId?: string }): Promise<{ items: Transaction[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20;
    const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // One more than the page: whether it exists says if there is a next page.
    const rows = await this.transactions.newestFirst({
      clientId: query.clientId,
      userId: query.userId,
      status: query.status,
      beforeId,
      take: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
  }

  async balance(address: string): Promise<BalanceResponseDto> {
    if (!isAddress(address)) throw new InvalidAddressError('address');
    const checksummed = getAddress(address);
    const wei = await this.token.balanceOf(checksummed);
    return { address: checksummed, balance: formatTokenAmount(wei), balanceWei: wei.toString() };
  }
}

const encodeCursor = (id: string): string => Buffer.from(id).toString('base64url');

function decodeCursor(text: string): string {
  const id = Buffer.from(text, 'base64url').toString();
  if (!UUID.test(id)) throw new ValidationError([{ field: 'cursor', problems: ['cursor is not one this API returned'] }]);
  return id;
}
