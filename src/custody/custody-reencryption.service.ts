import { Injectable, Logger } from '@nestjs/common';

import { WalletAuditService } from './audit/wallet-audit.service';
import { KeyVault } from './crypto/key-vault';
import { WalletCustodyRepository } from './wallet-custody.repository';
import { WalletCustodyService } from './wallet-custody.service';

export interface ReencryptionSummary {
  targetVersion: number;
  resealed: number;
  failed: string[];
}

const ACTOR = { actor: 'custody:reencrypt' };
const BATCH = 100;

/**
 * Moves every wallet row under the current key (the first WALLET_ENCRYPTION_KEY, or KMS_KEY_ID),
 * one row per transaction with its audit entry, so it can stop anywhere and simply be run
 * again: rows already moved no longer match. A row that cannot be opened is reported and
 * skipped, never left half-written.
 */
@Injectable()
export class CustodyReencryption {
  private readonly logger = new Logger(CustodyReencryption.name);

  constructor(
    private readonly wallets: WalletCustodyRepository,
    private readonly vault: KeyVault,
    private readonly custody: WalletCustodyService,
    private readonly audit: WalletAuditService,
  ) {}

  async run(): Promise<ReencryptionSummary> {
    const summary: ReencryptionSummary = { targetVersion: this.vault.currentVersion, resealed: 0, failed: [] };
    const scheme = this.vault.currentScheme;
    await this.audit.record({
      ...ACTOR,
      walletId: null,
      action: 'reencrypt_started',
      severity: 'MEDIUM',
      details: { target_version: summary.targetVersion },
    });
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.wallets.notSealedUnder(summary.targetVersion, scheme, after, BATCH);
      for (const row of rows) {
        try {
          await this.wallets.transaction(async (manager) => {
            if ((await this.custody.reseal(manager, row.id)) !== 'resealed') return;
            await this.audit.record(
              {
                ...ACTOR,
                walletId: row.walletId,
                action: 'key_reencrypted',
                severity: 'HIGH',
                details: {
                  row_id: row.id,
                  from: `${row.encryptionScheme}:${row.keyVersion}`,
                  to: `${scheme}:${summary.targetVersion}`,
                  from_kms_key_id: row.kmsKeyId,
                },
              },
              manager,
            );
            summary.resealed++;
          });
        } catch (error) {
          summary.failed.push(row.id);
          this.logger.error(
            { rowId: row.id, walletId: row.walletId, error: (error as Error).name },
            'wallet key could not be re-encrypted',
          );
          await this.audit.record({
            ...ACTOR,
            walletId: row.walletId,
            action: 'key_reencrypt_failed',
            severity: 'CRITICAL',
            details: { row_id: row.id },
          });
        }
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].id;
    }
    await this.audit.record({
      ...ACTOR,
      walletId: null,
      action: 'reencrypt_finished',
      severity: 'MEDIUM',
      details: { target_version: summary.targetVersion, resealed: summary.resealed, failed: summary.failed.length },
    });
    return summary;
  }
}
