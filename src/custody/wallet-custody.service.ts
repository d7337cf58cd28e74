import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { type Address, getAddress, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';

import { findOpenBreaker } from '../circuit-breaker/circuit-breaker.errors';
import { AppConfigService } from '../config/app-config.service';
import type { JsonObject } from '../database/json-object.type';
import { type AuditActor, WalletAuditService } from './audit/wallet-audit.service';
import { KeyDecryptionError, SignerWalletInUseError, WalletAlreadyExistsError, WalletNotFoundError, WalletRevokedError } from './custody.errors';
import { KeyVault, type SealedKey } from './crypto/key-vault';
import type { WalletStatus } from './wallet-custody.entity';

/** A custodial wallet as the API shows it: never the key, sealed or not. */
export interface WalletView {
  wallet_id: string;
  address: Address;
  status: WalletStatus;
  encryption_scheme: string;
  key_version: number;
  metadata: unknown;
  created_at: string;
  rotated_at: string | null;
  revoked_at: string | null;
}

export interface WalletDetails extends WalletView {
  /** Earlier keys of this wallet, newest first: rotation keeps them for the record. */
  history: WalletView[];
}

interface CustodyRow {
  id: string;
  wallet_id: string;
  wallet_address: string;
  encrypted_private_key: string;
  encryption_scheme: 'fernet' | 'kms';
  key_version: number;
  encrypted_data_key: string | null;
  status: WalletStatus;
  metadata: unknown;
  created_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Custodial wallets: one keypair per `wallet_id` at a time, its private key sealed by the
 * `KeyVault` before it is written. Keys leave this class only inside `withSigner`, as a
 * signing account that lives for one callback. Every operation is audited in the same
 * database transaction as its change; opening a key is HIGH.
 */
@Injectable()
export class WalletCustodyService {
  private readonly logger = new Logger(WalletCustodyService.name);
  /** The wallet the pipeline signs with (`BACKEND_SIGNER_WALLET_ID`), if it signs with custody. */
  private readonly signerWalletId?: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly vault: KeyVault,
    private readonly audit: WalletAuditService,
    config: AppConfigService,
  ) {
    this.signerWalletId = config.get('chain').signerWalletId;
  }

  async create(walletId: string, metadata: JsonObject, actor: AuditActor): Promise<WalletView> {
    const sealed = await this.newKeypair(walletId);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const row = await this.insert(manager, walletId, sealed, metadata);
        await this.audit.record({ ...actor, walletId, action: 'wallet_created', severity: 'MEDIUM', details: { address: row.wallet_address } }, manager);
        return view(row);
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        await this.audit.record({ ...actor, walletId, action: 'wallet_create_refused', severity: 'LOW', details: { reason: 'already exists' } });
        throw new WalletAlreadyExistsError(walletId);
      }
      throw error;
    }
  }

  /** The wallet's current row (active, else the latest) with its earlier keys. */
  async get(walletId: string, actor: AuditActor): Promise<WalletDetails> {
    const rows = await this.rowsOf(walletId);
    await this.audit.record({ ...actor, walletId, action: 'wallet_viewed', severity: 'LOW', details: { found: rows.length > 0 } });
    if (rows.length === 0) throw new WalletNotFoundError(walletId);
    return detailsOf(rows);
  }

  async list(query: { status?: WalletStatus; limit: number; offset: number }, actor: AuditActor): Promise<{ items: WalletView[]; total: number }> {
    const where = `($1::varchar IS NULL OR status = $1)`;
    const [rows, [{ total }]] = await Promise.all([
      this.dataSource.query(`SELECT * FROM wallet_custody WHERE ${where} ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, [
        query.status ?? null,
        query.limit,
        query.offset,
      ]) as Promise<CustodyRow[]>,
      this.dataSource.query(`SELECT count(*)::int AS total FROM wallet_custody WHERE ${where}`, [query.status ?? null]) as Promise<[{ total: number }]>,
    ]);
    await this.audit.record({ ...actor, walletId: null, action: 'wallets_listed', severity: 'LOW', details: { status: query.status ?? null, count: rows.length } });
    return { items: rows.map(view), total };
  }

  /** A new keypair under the same wallet id; the old row stays, as `rotated`. Not the signer's. */
  async rotate(walletId: string, actor: AuditActor): Promise<WalletDetails> {
    await this.refuseIfSigner(walletId, 'rotate', actor);
    const sealed = await this.newKeypair(walletId);
    await this.dataSource.transaction(async (manager) => {
      const active = await this.lockActive(manager, walletId);
      await manager.query(`UPDATE wallet_custody SET status = 'rotated', rotated_at = now(), updated_at = now() WHERE id = $1`, [active.id]);
      const row = await this.insert(manager, walletId, sealed, active.metadata as JsonObject);
      await this.audit.record(
        { ...actor, walletId, action: 'wallet_rotated', severity: 'HIGH', details: { previous_address: active.wallet_address, address: row.wallet_address } },
        manager,
      );
    });
    return detailsOf(await this.rowsOf(walletId));
  }

  /** The key is never used again; the row stays for the record. Not the signer's. */
  async revoke(walletId: string, actor: AuditActor): Promise<WalletDetails> {
    await this.refuseIfSigner(walletId, 'revoke', actor);
    await this.dataSource.transaction(async (manager) => {
      const active = await this.lockActive(manager, walletId);
      await manager.query(`UPDATE wallet_custody SET status = 'revoked', revoked_at = now(), updated_at = now() WHERE id = $1`, [active.id]);
      await this.audit.record({ ...actor, walletId, action: 'wallet_revoked', severity: 'HIGH', details: { address: active.wallet_address } }, manager);
    });
    return detailsOf(await this.rowsOf(walletId));
  }

  /** The active wallet's address, for requests that name a user but no address. */
  async activeAddress(walletId: string): Promise<Address | null> {
    const [row] = (await this.dataSource.query(`SELECT wallet_address FROM wallet_custody WHERE wallet_id = $1 AND status = 'active'`, [
      walletId,
    ])) as Array<{ wallet_address: string }>;
    return row === undefined ? null : getAddress(row.wallet_address);
  }

  /**
   * Opens the wallet's active key, hands `sign` an account for it, and wipes the key bytes
   * when `sign` settles. The access is audited (HIGH) before the key is opened, so even a
   * crash mid-way leaves a trace. A revoked or rotated key never signs.
   */
  async withSigner<T>(walletId: string, actor: AuditActor, purpose: string, sign: (account: PrivateKeyAccount) => Promise<T>): Promise<T> {
    const row = await this.activeRow(walletId);
    await this.audit.record({ ...actor, walletId, action: 'private_key_decrypted', severity: 'HIGH', details: { purpose, address: row.wallet_address } });
    const key = await this.open(row);
    try {
      const account = privateKeyToAccount(`0x${key.toString('hex')}` as Hex);
      if (account.address.toLowerCase() !== row.wallet_address.toLowerCase()) throw new KeyDecryptionError(walletId, 'key does not match the address');
      // The hex string viem needs cannot be wiped (JS strings are immutable); it is dropped with the account.
      return await sign(account);
    } finally {
      key.fill(0);
    }
  }

  /** Reads the key sealed in `row` and seals it again under the current key; for custody:reencrypt. */
  async reseal(manager: EntityManager, rowId: string): Promise<'resealed' | 'current'> {
    const [row] = (await manager.query(`SELECT * FROM wallet_custody WHERE id = $1 FOR UPDATE`, [rowId])) as CustodyRow[];
    if (row === undefined || this.vault.isCurrent(sealedOf(row))) return 'current';
    const key = await this.open(row);
    try {
      const sealed = await this.vault.seal(key, row.wallet_id);
      await manager.query(
        `UPDATE wallet_custody SET encrypted_private_key = $2, encryption_scheme = $3, key_version = $4, encrypted_data_key = $5, updated_at = now()
          WHERE id = $1`,
        [row.id, sealed.encryptedPrivateKey, sealed.encryptionScheme, sealed.keyVersion, sealed.encryptedDataKey],
      );
      return 'resealed';
    } finally {
      key.fill(0);
    }
  }

  /**
   * The pipeline's signer is changed by configuration, never in place: a rotated key's new
   * address holds no role on the token and running instances keep the address they read at
   * start; a revoked key fails every send. Checked before any key is made (a KMS call), so a
   * refusal writes only its audit entry. Only this instance's configuration is known here.
   */
  private async refuseIfSigner(walletId: string, operation: 'rotate' | 'revoke', actor: AuditActor): Promise<void> {
    if (walletId !== this.signerWalletId) return;
    await this.audit.record({ ...actor, walletId, action: `wallet_${operation}_refused`, severity: 'MEDIUM', details: { reason: 'signer wallet in use' } });
    throw new SignerWalletInUseError(walletId, operation);
  }

  private async newKeypair(walletId: string): Promise<SealedKey & { address: Address }> {
    const privateKey = generatePrivateKey();
    const key = Buffer.from(privateKey.slice(2), 'hex');
    try {
      return { ...(await this.vault.seal(key, walletId)), address: privateKeyToAccount(privateKey).address };
    } finally {
      key.fill(0);
    }
  }

  private async insert(manager: EntityManager, walletId: string, sealed: SealedKey & { address: Address }, metadata: JsonObject): Promise<CustodyRow> {
    const [row] = (await manager.query(
      `INSERT INTO wallet_custody (wallet_id, wallet_address, encrypted_private_key, encryption_scheme, key_version, encrypted_data_key, status, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, 'active', $7) RETURNING *`,
      [walletId, sealed.address.toLowerCase(), sealed.encryptedPrivateKey, sealed.encryptionScheme, sealed.keyVersion, sealed.encryptedDataKey, metadata],
    )) as CustodyRow[];
    return row;
  }

  private async open(row: CustodyRow): Promise<Buffer> {
    try {
      const key = await this.vault.open(sealedOf(row), row.wallet_id);
      // Keys written by the Python backend are hex text (with or without 0x), not raw bytes.
      return key.length === 32 ? key : hexText(key, row.wallet_id);
    } catch (error) {
      const open = findOpenBreaker(error);
      if (open) throw open;
      if (error instanceof KeyDecryptionError) throw error;
      this.logger.error({ walletId: row.wallet_id, scheme: row.encryption_scheme, error: (error as Error).name }, 'wallet key could not be opened');
      throw new KeyDecryptionError(row.wallet_id, (error as Error).name);
    }
  }

  private async activeRow(walletId: string): Promise<CustodyRow> {
    return activeOf(walletId, await this.rowsOf(walletId));
  }

  /** The active row, with every row of the wallet locked, so two rotations cannot interleave. */
  private async lockActive(manager: EntityManager, walletId: string): Promise<CustodyRow> {
    return activeOf(walletId, await this.rowsOf(walletId, { manager, forUpdate: true }));
  }

  /** Newest first, the active row (if any) at the head. */
  private async rowsOf(walletId: string, options: { manager?: EntityManager; forUpdate?: boolean } = {}): Promise<CustodyRow[]> {
    return (options.manager ?? this.dataSource).query(
      `SELECT * FROM wallet_custody WHERE wallet_id = $1 ORDER BY (status = 'active') DESC, created_at DESC, id${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [walletId],
    ) as Promise<CustodyRow[]>;
  }
}

/** The wallet's active row; a wallet whose key was revoked says so rather than "not found". */
function activeOf(walletId: string, rows: readonly CustodyRow[]): CustodyRow {
  const active = rows.find((row) => row.status === 'active');
  if (active) return active;
  if (rows.some((row) => row.status === 'revoked')) throw new WalletRevokedError(walletId);
  throw new WalletNotFoundError(walletId);
}

function detailsOf([current, ...history]: readonly CustodyRow[]): WalletDetails {
  return { ...view(current), history: history.map(view) };
}

function sealedOf(row: CustodyRow): SealedKey {
  return {
    encryptedPrivateKey: row.encrypted_private_key,
    encryptionScheme: row.encryption_scheme,
    keyVersion: row.key_version,
    encryptedDataKey: row.encrypted_data_key,
  };
}

function hexText(text: Buffer, walletId: string): Buffer {
  const hex = text.toString('utf8').trim().replace(/^0x/i, '');
  text.fill(0);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new KeyDecryptionError(walletId, 'not a private key');
  return Buffer.from(hex, 'hex');
}

function view(row: CustodyRow): WalletView {
  return {
    wallet_id: row.wallet_id,
    address: getAddress(row.wallet_address),
    status: row.status,
    encryption_scheme: row.encryption_scheme,
    key_version: row.key_version,
    metadata: row.metadata,
    created_at: row.created_at.toISOString(),
    rotated_at: row.rotated_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
