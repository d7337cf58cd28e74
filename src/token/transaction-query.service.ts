import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { getAddress, isAddress } from 'viem';

import { HavenTokenService } from '../chain/haven-token.service';
import { ValidationError } from '../errors/app.errors';
import { Transaction } from '../transactions/transaction.entity';
import { BalanceResponseDto } from './dto/transaction-response.dto';
import type { TransactionListQuery } from './dto/transaction-list.query';
import { formatTokenAmount } from './token-amount';
import { InvalidAddressError, TransactionNotFoundError } from './token.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads for clients: one transaction, a page of them (keyset, newest first), a balance. */
@Injectable()
export class TransactionQueries {
  constructor(
    @InjectRepository(Transaction) private readonly transactions: Repository<Transaction>,
    private readonly token: HavenTokenService,
  ) {}

  async get(txId: string): Promise<Transaction> {
    const row = UUID.test(txId) ? await this.transactions.findOneBy({ id: txId }) : null;
    if (row === null) throw new TransactionNotFoundError(txId);
    return row;
  }

  async list(query: TransactionListQuery): Promise<{ items: Transaction[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20;
    const builder = this.transactions.createQueryBuilder('t').orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').take(limit + 1);
    if (query.userId !== undefined) builder.andWhere('t.user_id = :userId', { userId: query.userId });
    if (query.status !== undefined) builder.andWhere('t.status = :status', { status: query.status });
    if (query.cursor !== undefined) {
      // Compared with the cursor row's own timestamp: PostgreSQL keeps microseconds, a JS
      // Date only milliseconds, and a rounded cursor would skip rows.
      builder.andWhere('(t.created_at, t.id) < (SELECT c.created_at, c.id FROM transactions c WHERE c.id = :cursorId)', {
        cursorId: decodeCursor(query.cursor),
      });
    }
    const rows = await builder.getMany();
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
