import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, MoreThan, Not } from 'typeorm';

import type { SealedKey } from './crypto/key-vault';
import { type EncryptionScheme, WalletCustody, type WalletStatus } from './wallet-custody.entity';

/** A keypair about to be stored as its wallet's active one. */
export type NewWallet = Pick<WalletCustody, 'walletId' | 'walletAddress' | 'metadata'> & SealedKey;

/**
 * The one owner of `wallet_custody`: the sealed keys of custodial wallets, every row a
 * wallet has had. Read and written through the ORM; methods that take an `EntityManager` run
 * inside the caller's transaction (see `transaction`), so a change commits with its audit entry.
 */
@Injectable()
export class WalletCustodyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Every row of the wallet, newest first with the active one (if any) at the head; locked with `forUpdate`. */
  async rowsOf(walletId: string, options: { manager?: EntityManager; forUpdate?: boolean } = {}): Promise<WalletCustody[]> {
    const rows = await (options.manager ?? this.dataSource.manager).getRepository(WalletCustody).find({
      where: { walletId },
      order: { createdAt: 'DESC', id: 'ASC' },
      ...(options.forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    // A stable sort: the rest stay newest first.
    return rows.sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active'));
  }

  /** A page of rows of every wallet, newest first, and how many there are in all. */
  async page(query: { status?: WalletStatus; limit: number; offset: number }): Promise<{ rows: WalletCustody[]; total: number }> {
    const [rows, total] = await this.dataSource.getRepository(WalletCustody).findAndCount({
      where: query.status === undefined ? {} : { status: query.status },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    return { rows, total };
  }

  async activeAddress(walletId: string): Promise<string | null> {
    const row = await this.dataSource
      .getRepository(WalletCustody)
      .findOne({ select: { walletAddress: true }, where: { walletId, status: 'active' } });
    return row?.walletAddress ?? null;
  }

  /** Fails with a unique violation (23505) if the wallet already has an active row. */
  insertActive(manager: EntityManager, wallet: NewWallet): Promise<WalletCustody> {
    const wallets = manager.getRepository(WalletCustody);
    return wallets.save(wallets.create({ ...wallet, status: 'active', rotatedAt: null, revokedAt: null }));
  }

  /** The row's key is never used again: `rotated` (a newer key took over) or `revoked`. */
  async retire(manager: EntityManager, id: string, status: 'rotated' | 'revoked'): Promise<void> {
    await manager.update(
      WalletCustody,
      { id },
      status === 'rotated' ? { status, rotatedAt: () => 'now()' } : { status, revokedAt: () => 'now()' },
    );
  }

  /** The row, locked until the caller's transaction ends. */
  lockById(manager: EntityManager, id: string): Promise<WalletCustody | null> {
    return manager.getRepository(WalletCustody).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async updateSealedKey(manager: EntityManager, id: string, sealed: SealedKey): Promise<void> {
    const { encryptedPrivateKey, encryptionScheme, keyVersion, encryptedDataKey } = sealed;
    await manager.update(WalletCustody, { id }, { encryptedPrivateKey, encryptionScheme, keyVersion, encryptedDataKey });
  }

  /** Up to `limit` rows not sealed under `version` of `scheme`, in id order after `afterId`: what re-encryption has left to do. */
  notSealedUnder(
    version: number,
    scheme: EncryptionScheme,
    afterId: string,
    limit: number,
  ): Promise<Array<Pick<WalletCustody, 'id' | 'walletId' | 'keyVersion' | 'encryptionScheme'>>> {
    return this.dataSource.getRepository(WalletCustody).find({
      select: { id: true, walletId: true, keyVersion: true, encryptionScheme: true },
      where: [
        { keyVersion: Not(version), id: MoreThan(afterId) },
        { encryptionScheme: Not(scheme), id: MoreThan(afterId) },
      ],
      order: { id: 'ASC' },
      take: limit,
    });
  }
}
