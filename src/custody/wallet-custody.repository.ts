import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In, IsNull, MoreThan, Not } from 'typeorm';

import type { SealedKey } from './crypto/key-vault';
import { type EncryptionScheme, WalletCustody, type WalletStatus } from './wallet-custody.entity';

/** A keypair about to be stored as its wallet's active one. */
export type NewWallet = Pick<WalletCustody, 'walletId' | 'walletAddress' | 'metadata'> & SealedKey;

/** A row of the Python backend's `wallet_custody`, as `custody:import` stores it. */
export type ImportedWallet = NewWallet & Pick<WalletCustody, 'status' | 'createdAt' | 'rotatedAt' | 'revokedAt' | 'lastUsedAt'>;

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

  /** walletId → active address, for many wallets in one read. */
  async activeAddresses(walletIds: readonly string[]): Promise<Array<{ walletId: string; walletAddress: string }>> {
    if (walletIds.length === 0) return [];
    return this.dataSource.getRepository(WalletCustody).find({
      select: { walletId: true, walletAddress: true },
      where: { walletId: In([...new Set(walletIds)]), status: 'active' },
    });
  }

  /** Addresses of the wallet's active and rotated keys: what its owner may still hold HAVEN in. */
  async unrevokedAddresses(walletId: string): Promise<string[]> {
    const rows = await this.dataSource.getRepository(WalletCustody).find({
      select: { walletAddress: true },
      where: [
        { walletId, status: 'active' },
        { walletId, status: 'rotated' },
      ],
    });
    return rows.map((row) => row.walletAddress);
  }

  /** Fails with a unique violation (23505) if the wallet already has an active row. */
  async insertActive(manager: EntityManager, wallet: NewWallet): Promise<WalletCustody> {
    const values = { ...wallet, status: 'active' as const, rotatedAt: null, revokedAt: null, lastUsedAt: null };
    // Not create()/save(): TypeORM deep-merges plain objects there, which silently drops an
    // object-valued key named after a member of Object.prototype (`{"toString": {...}}`) from the
    // metadata. insert() writes it as given; only the columns the database generated are taken back.
    const { generatedMaps } = await manager.getRepository(WalletCustody).insert({ ...values });
    return Object.assign(new WalletCustody(), generatedMaps[0], values);
  }

  /**
   * A row copied from the Python backend by `custody:import`, with its own status and
   * timestamps. Like `insertActive`, an active row fails with 23505 if the wallet has one here.
   */
  async insertImported(manager: EntityManager, wallet: ImportedWallet): Promise<void> {
    await manager.getRepository(WalletCustody).insert({ ...wallet });
  }

  /** Rows holding the key of `address` (stored lower-case), whatever their wallet or status. */
  withAddress(manager: EntityManager, address: string): Promise<Array<Pick<WalletCustody, 'id' | 'walletId' | 'status'>>> {
    return manager
      .getRepository(WalletCustody)
      .find({ select: { id: true, walletId: true, status: true }, where: { walletAddress: address.toLowerCase() } });
  }

  /** Records that the row's key signed just now: one UPDATE, no read. */
  async markUsed(id: string): Promise<void> {
    // `updated_at` set to itself: TypeORM would otherwise bump it, and the row itself did not change.
    await this.dataSource
      .createQueryBuilder()
      .update(WalletCustody)
      .set({ lastUsedAt: () => 'now()', updatedAt: () => '"updated_at"' })
      .where({ id })
      .updateEntity(false)
      .execute();
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
    const { encryptedPrivateKey, encryptionScheme, keyVersion, encryptedDataKey, kmsKeyId } = sealed;
    await manager.update(WalletCustody, { id }, { encryptedPrivateKey, encryptionScheme, keyVersion, encryptedDataKey, kmsKeyId });
  }

  /**
   * Up to `limit` rows not sealed under `version` of `scheme`, in id order after `afterId`:
   * what re-encryption has left to do. Under KMS that includes rows that do not name their
   * KMS key (see `KeyVault.isCurrent`).
   */
  notSealedUnder(
    version: number,
    scheme: EncryptionScheme,
    afterId: string,
    limit: number,
  ): Promise<Array<Pick<WalletCustody, 'id' | 'walletId' | 'keyVersion' | 'encryptionScheme' | 'kmsKeyId'>>> {
    return this.dataSource.getRepository(WalletCustody).find({
      select: { id: true, walletId: true, keyVersion: true, encryptionScheme: true, kmsKeyId: true },
      where: [
        { keyVersion: Not(version), id: MoreThan(afterId) },
        { encryptionScheme: Not(scheme), id: MoreThan(afterId) },
        ...(scheme === 'kms' ? [{ encryptionScheme: scheme, kmsKeyId: IsNull(), id: MoreThan(afterId) }] : []),
      ],
      order: { id: 'ASC' },
      take: limit,
    });
  }
}
