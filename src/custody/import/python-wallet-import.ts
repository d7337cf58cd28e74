import { Inject, Injectable } from '@nestjs/common';
import { isAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { WalletAuditService } from '../audit/wallet-audit.service';
import { FernetKeyring } from '../crypto/fernet';
import { FERNET_KEYRING } from '../crypto/key-vault';
import { versionOf } from '../crypto/kms-envelope';
import { unwrapFernetToken } from '../crypto/python-fernet-form';
import type { WalletStatus } from '../wallet-custody.entity';
import { WalletCustodyRepository } from '../wallet-custody.repository';
import { metadataOf, PYTHON_FERNET_VERSION, type PythonWalletRow, walletIdOf, walletStatusOf } from './python-rows';

export const IMPORT_ACTOR = { actor: 'custody:import' };

/** What became of one Python wallet row; `walletId` is the row's own, as the Python backend named it. */
export type WalletImportOutcome = { pythonId: string; walletId: string } & (
  { outcome: 'imported'; status: WalletStatus } | { outcome: 'present' } | { outcome: 'refused'; reason: string }
);

const UNIQUE_VIOLATION = '23505';
const ONE_ACTIVE_KEY_INDEX = 'ux_wallet_custody_active_wallet_id';

/**
 * Copies one row of the Python backend's `wallet_custody` into ours, in one transaction with
 * its HIGH `wallet_imported` audit entry. The sealed key is copied as it is (the two services
 * store Fernet keys alike), but only once it has been opened with the configured keys and
 * found to be the key of the row's address: a row that fails any check is refused, and
 * nothing is written for it but the audit entry saying so. A row whose address is already
 * here under the same wallet is "present", which is what makes a second run a no-op.
 */
@Injectable()
export class PythonWalletImport {
  constructor(
    private readonly wallets: WalletCustodyRepository,
    @Inject(FERNET_KEYRING) private readonly fernet: FernetKeyring,
    private readonly audit: WalletAuditService,
  ) {}

  async import(row: PythonWalletRow): Promise<WalletImportOutcome> {
    const outcome = await this.copy(row);
    // Not logged: the operator reads refusals in the command's summary, and the trail keeps them.
    if (outcome.outcome === 'refused') {
      await this.audit.record({
        ...IMPORT_ACTOR,
        walletId: walletIdOf(row).walletId,
        action: 'wallet_import_refused',
        severity: 'HIGH',
        details: { python_id: row.id, python_wallet_id: row.wallet_id, reason: outcome.reason },
      });
    }
    return outcome;
  }

  private async copy(row: PythonWalletRow): Promise<WalletImportOutcome> {
    const refused = (reason: string): WalletImportOutcome => ({ pythonId: row.id, walletId: row.wallet_id, outcome: 'refused', reason });
    const status = walletStatusOf(row.status);
    if (status === null) return refused(`unknown status '${row.status.slice(0, 20)}'`);
    if (row.encryption_version !== PYTHON_FERNET_VERSION)
      return refused(`encryption_version '${row.encryption_version.slice(0, 20)}' is not ${PYTHON_FERNET_VERSION}`);
    if (row.kms_key_id !== null) return refused("sealed under the Python backend's KMS key (kms_key_id is set)");
    if (!isAddress(row.wallet_address, { strict: false })) return refused('wallet_address is not an address');
    const checked = this.check(row);
    if (typeof checked === 'string') return refused(checked);

    const { walletId, renamedAt } = walletIdOf(row);
    const address = row.wallet_address.toLowerCase();
    try {
      return await this.wallets.transaction(async (manager): Promise<WalletImportOutcome> => {
        const holders = await this.wallets.withAddress(manager, address);
        if (holders.some((holder) => holder.walletId === walletId))
          return { pythonId: row.id, walletId: row.wallet_id, outcome: 'present' };
        if (holders.length > 0) return refused(`its address belongs to wallet '${holders[0].walletId}' here`);
        await this.wallets.insertImported(manager, {
          walletId,
          walletAddress: address,
          encryptedPrivateKey: row.encrypted_private_key,
          encryptionScheme: 'fernet',
          keyVersion: checked.keyVersion,
          encryptedDataKey: null,
          kmsKeyId: null,
          metadata: metadataOf(row.metadata),
          status,
          createdAt: row.created_at,
          rotatedAt: row.rotated_at ?? (status === 'rotated' ? renamedAt : null),
          // The Python backend does not record when a key was revoked.
          revokedAt: null,
          lastUsedAt: row.last_used_at,
        });
        await this.audit.record(
          {
            ...IMPORT_ACTOR,
            walletId,
            action: 'wallet_imported',
            severity: 'HIGH',
            details: { python_id: row.id, python_wallet_id: row.wallet_id, address, status },
          },
          manager,
        );
        return { pythonId: row.id, walletId: row.wallet_id, outcome: 'imported', status };
      });
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === UNIQUE_VIOLATION && constraint === ONE_ACTIVE_KEY_INDEX)
        return refused(`wallet '${walletId}' already has an active key here, with another address`);
      throw error;
    }
  }

  /** The version of the configured key that opens the row, or why it cannot be imported. */
  private check(row: PythonWalletRow): { keyVersion: number } | string {
    let token: string;
    try {
      token = unwrapFernetToken(row.encrypted_private_key);
    } catch {
      return 'encrypted_private_key is not a Fernet token';
    }
    let opened: ReturnType<FernetKeyring['decrypt']>;
    try {
      opened = this.fernet.decrypt(token);
    } catch {
      return 'does not open with any configured WALLET_ENCRYPTION_KEY';
    }
    const { plaintext, key } = opened;
    // The Python backend seals the key as hex text; a raw 32-byte key is read as KeyVault reads it.
    const hex = plaintext.length === 32 ? plaintext.toString('hex') : plaintext.toString('utf8').trim().replace(/^0x/i, '');
    plaintext.fill(0);
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) return 'the sealed value is not a private key';
    let address: string;
    try {
      address = privateKeyToAccount(`0x${hex}`).address;
    } catch {
      return 'the sealed value is not a private key';
    }
    if (address.toLowerCase() !== row.wallet_address.toLowerCase()) return 'its key is not the key of wallet_address';
    // KeyVault's numbering of Fernet keys, so custody:reencrypt knows which rows to move.
    return { keyVersion: versionOf(`fernet:${key.fingerprint}`) };
  }
}
