import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type Address, getAddress, type Hex } from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';

import { findOpenBreaker } from '../circuit-breaker/circuit-breaker.errors';
import { AppConfigService } from '../config/app-config.service';
import type { JsonObject } from '../database/json-object.type';
import { ValidationError } from '../errors/app.errors';
import { type AuditActor, WalletAuditService } from './audit/wallet-audit.service';
import { KeyVault, type SealedKey } from './crypto/key-vault';
import {
  KeyDecryptionError,
  PrivateKeyExportRefusedError,
  SignerWalletInUseError,
  WalletAlreadyExistsError,
  WalletNotFoundError,
  WalletRevokedError,
} from './custody.errors';
import type { WalletCustody, WalletStatus } from './wallet-custody.entity';
import { WalletCustodyRepository } from './wallet-custody.repository';
import { metadataProblem } from './wallet-metadata';

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
  /** When the key last signed; null if it never has (here or, for imported rows, in the Python backend). */
  last_used_at: string | null;
}

export interface WalletDetails extends WalletView {
  /** Earlier keys of this wallet, newest first: rotation keeps them for the record. */
  history: WalletView[];
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
    private readonly wallets: WalletCustodyRepository,
    private readonly vault: KeyVault,
    private readonly audit: WalletAuditService,
    config: AppConfigService,
  ) {
    this.signerWalletId = config.get('chain').signerWalletId;
  }

  async create(walletId: string, metadata: JsonObject, actor: AuditActor): Promise<WalletView> {
    // Before the keypair: a KMS call and a sealed key would be wasted on a row jsonb refuses.
    const problem = metadataProblem(metadata);
    if (problem !== null) throw new ValidationError([{ field: 'metadata', problems: [problem] }]);
    const sealed = await this.newKeypair(walletId);
    try {
      return await this.wallets.transaction(async (manager) => {
        const row = await this.insert(manager, walletId, sealed, metadata);
        await this.audit.record(
          { ...actor, walletId, action: 'wallet_created', severity: 'MEDIUM', details: { address: row.walletAddress } },
          manager,
        );
        return view(row);
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        await this.audit.record({
          ...actor,
          walletId,
          action: 'wallet_create_refused',
          severity: 'LOW',
          details: { reason: 'already exists' },
        });
        throw new WalletAlreadyExistsError(walletId);
      }
      throw error;
    }
  }

  /** The wallet's current row (active, else the latest) with its earlier keys. */
  async get(walletId: string, actor: AuditActor): Promise<WalletDetails> {
    const rows = await this.wallets.rowsOf(walletId);
    await this.audit.record({ ...actor, walletId, action: 'wallet_viewed', severity: 'LOW', details: { found: rows.length > 0 } });
    if (rows.length === 0) throw new WalletNotFoundError(walletId);
    return detailsOf(rows);
  }

  async list(
    query: { status?: WalletStatus; limit: number; offset: number },
    actor: AuditActor,
  ): Promise<{ items: WalletView[]; total: number }> {
    const { rows, total } = await this.wallets.page(query);
    await this.audit.record({
      ...actor,
      walletId: null,
      action: 'wallets_listed',
      severity: 'LOW',
      details: { status: query.status ?? null, count: rows.length },
    });
    return { items: rows.map(view), total };
  }

  /** A new keypair under the same wallet id; the old row stays, as `rotated`. Not the signer's. */
  async rotate(walletId: string, actor: AuditActor): Promise<WalletDetails> {
    await this.refuseIfSigner(walletId, 'rotate', actor);
    const sealed = await this.newKeypair(walletId);
    await this.wallets.transaction(async (manager) => {
      const active = await this.lockActive(manager, walletId);
      await this.wallets.retire(manager, active.id, 'rotated');
      const row = await this.insert(manager, walletId, sealed, active.metadata);
      await this.audit.record(
        {
          ...actor,
          walletId,
          action: 'wallet_rotated',
          severity: 'HIGH',
          details: { previous_address: active.walletAddress, address: row.walletAddress },
        },
        manager,
      );
    });
    return detailsOf(await this.wallets.rowsOf(walletId));
  }

  /** The key is never used again; the row stays for the record. Not the signer's. */
  /**
   * Someone asked for a key (the Python backend's `include_private_key=true`): recorded with
   * the severity of a key access, then refused. Nothing is opened.
   */
  async refusePrivateKeyExport(walletId: string, actor: AuditActor): Promise<never> {
    await this.audit.record({ ...actor, walletId, action: 'private_key_export_refused', severity: 'HIGH', details: {} });
    throw new PrivateKeyExportRefusedError(walletId);
  }

  async revoke(walletId: string, actor: AuditActor, reason: string | null = null): Promise<WalletDetails> {
    await this.refuseIfSigner(walletId, 'revoke', actor);
    await this.wallets.transaction(async (manager) => {
      const active = await this.lockActive(manager, walletId);
      await this.wallets.retire(manager, active.id, 'revoked');
      await this.audit.record(
        {
          ...actor,
          walletId,
          action: 'wallet_revoked',
          severity: 'HIGH',
          details: { address: active.walletAddress, ...(reason === null ? {} : { reason }) },
        },
        manager,
      );
    });
    return detailsOf(await this.wallets.rowsOf(walletId));
  }

  /** The active wallet's address, for requests that name a user but no address. */
  async activeAddress(walletId: string): Promise<Address | null> {
    const address = await this.wallets.activeAddress(walletId);
    return address === null ? null : getAddress(address);
  }

  /**
   * `activeAddress` for many users in one read, so a batch of mints without `to` does not
   * cost a query per item. Users without an active wallet are absent from the map.
   */
  async activeAddresses(walletIds: readonly string[]): Promise<Map<string, Address>> {
    const rows = await this.wallets.activeAddresses(walletIds);
    return new Map(rows.map((row) => [row.walletId, getAddress(row.walletAddress)]));
  }

  /**
   * Whether `address` is one of the user's custodial wallets, current or rotated (a rotated
   * key's address may still hold HAVEN). A revoked key's address no longer counts.
   */
  async ownsAddress(walletId: string, address: Address): Promise<boolean> {
    const owned = await this.wallets.unrevokedAddresses(walletId);
    return owned.some((candidate) => candidate.toLowerCase() === address.toLowerCase());
  }

  /**
   * Opens the wallet's active key, hands `sign` an account for it, and wipes the key bytes
   * when `sign` settles. The access is audited (HIGH) before the key is opened, so even a
   * crash mid-way leaves a trace. A revoked or rotated key never signs. Sets the row's
   * `last_used_at` once the key is open and matches its address.
   */
  async withSigner<T>(walletId: string, actor: AuditActor, purpose: string, sign: (account: PrivateKeyAccount) => Promise<T>): Promise<T> {
    const row = await this.activeRow(walletId);
    await this.audit.record({
      ...actor,
      walletId,
      action: 'private_key_decrypted',
      severity: 'HIGH',
      details: { purpose, address: row.walletAddress },
    });
    const key = await this.open(row);
    try {
      const account = privateKeyToAccount(`0x${key.toString('hex')}` as Hex);
      if (account.address.toLowerCase() !== row.walletAddress.toLowerCase())
        throw new KeyDecryptionError(walletId, 'key does not match the address');
      this.markUsed(row);
      // The hex string viem needs cannot be wiped (JS strings are immutable); it is dropped with the account.
      return await sign(account);
    } finally {
      key.fill(0);
    }
  }

  /** Reads the key sealed in `row` and seals it again under the current key; for custody:reencrypt. */
  async reseal(manager: EntityManager, rowId: string): Promise<'resealed' | 'current'> {
    const row = await this.wallets.lockById(manager, rowId);
    if (row === null || this.vault.isCurrent(row)) return 'current';
    const key = await this.open(row);
    try {
      await this.wallets.updateSealedKey(manager, row.id, await this.vault.seal(key, row.walletId));
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
    await this.audit.record({
      ...actor,
      walletId,
      action: `wallet_${operation}_refused`,
      severity: 'MEDIUM',
      details: { reason: 'signer wallet in use' },
    });
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

  private insert(
    manager: EntityManager,
    walletId: string,
    sealed: SealedKey & { address: Address },
    metadata: JsonObject,
  ): Promise<WalletCustody> {
    const { encryptedPrivateKey, encryptionScheme, keyVersion, encryptedDataKey, kmsKeyId } = sealed;
    return this.wallets.insertActive(manager, {
      walletId,
      walletAddress: sealed.address.toLowerCase(),
      encryptedPrivateKey,
      encryptionScheme,
      keyVersion,
      encryptedDataKey,
      kmsKeyId,
      metadata,
    });
  }

  /**
   * Not awaited: the pipeline signs on this path, and the record of last use is not worth a
   * round trip before every batch. A failure loses only that record, so it is logged, not thrown.
   */
  private markUsed(row: WalletCustody): void {
    this.wallets.markUsed(row.id).catch((error: unknown) => {
      this.logger.warn({ walletId: row.walletId, error: (error as Error).name }, 'last use of the wallet key not recorded');
    });
  }

  private async open(row: WalletCustody): Promise<Buffer> {
    try {
      const key = await this.vault.open(row, row.walletId);
      // Keys written by the Python backend are hex text (with or without 0x), not raw bytes.
      return key.length === 32 ? key : hexText(key, row.walletId);
    } catch (error) {
      const open = findOpenBreaker(error);
      if (open) throw open;
      if (error instanceof KeyDecryptionError) throw error;
      this.logger.error(
        { walletId: row.walletId, scheme: row.encryptionScheme, error: (error as Error).name },
        'wallet key could not be opened',
      );
      throw new KeyDecryptionError(row.walletId, (error as Error).name);
    }
  }

  private async activeRow(walletId: string): Promise<WalletCustody> {
    return activeOf(walletId, await this.wallets.rowsOf(walletId));
  }

  /** The active row, with every row of the wallet locked, so two rotations cannot interleave. */
  private async lockActive(manager: EntityManager, walletId: string): Promise<WalletCustody> {
    return activeOf(walletId, await this.wallets.rowsOf(walletId, { manager, forUpdate: true }));
  }
}

/** The wallet's active row; a wallet whose key was revoked says so rather than "not found". */
function activeOf(walletId: string, rows: readonly WalletCustody[]): WalletCustody {
  const active = rows.find((row) => row.status === 'active');
  if (active) return active;
  if (rows.some((row) => row.status === 'revoked')) throw new WalletRevokedError(walletId);
  throw new WalletNotFoundError(walletId);
}

function detailsOf([current, ...history]: readonly WalletCustody[]): WalletDetails {
  return { ...view(current), history: history.map(view) };
}

function hexText(text: Buffer, walletId: string): Buffer {
  const hex = text.toString('utf8').trim().replace(/^0x/i, '');
  text.fill(0);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new KeyDecryptionError(walletId, 'not a private key');
  return Buffer.from(hex, 'hex');
}

function view(row: WalletCustody): WalletView {
  return {
    wallet_id: row.walletId,
    address: getAddress(row.walletAddress),
    status: row.status,
    encryption_scheme: row.encryptionScheme,
    key_version: row.keyVersion,
    metadata: row.metadata,
    created_at: row.createdAt.toISOString(),
    rotated_at: row.rotatedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}
