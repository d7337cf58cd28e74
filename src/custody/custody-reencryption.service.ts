import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { WalletAuditService } from './audit/wallet-audit.service';
import { KeyVault } from './crypto/key-vault';
import { WalletCustodyService } from './wallet-custody.service';

export interface ReencryptionSummary {
  targetVersion: number;
  resealed: number;
  failed: string[];
}

const ACTOR = { actor: 'custody:reencrypt' };
const BATCH = 100;

/**
 * Moves every wallet row under the current key (the first WALLET_ENCRYPTION_KEY, or KMS),
 * one row per transaction with its audit entry, so it can stop anywhere and simply be run
 * again: rows already moved no longer match. A row that cannot be opened is reported and
 * skipped, never left half-written.
 */
@Injectable()
export class CustodyReencryption {
  private readonly logger = new Logger(CustodyReencryption.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly vault: KeyVault,
    private readonly custody: WalletCustodyService,
    private readonly audit: WalletAuditService,
  ) {}

  async run(): Promise<ReencryptionSummary> {
    const summary: ReencryptionSummary = { targetVersion: this.vault.currentVersion, resealed: 0, failed: [] };
    const scheme = this.vault.currentScheme;
    await this.audit.record({ ...ACTOR, walletId: null, action: 'reencrypt_started', severity: 'MEDIUM', details: { target_version: summary.targetVersion } });
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT id, wallet_id, key_version, encryption_scheme FROM wallet_custody
          WHERE (key_version <> $1 OR encryption_scheme <> $2) AND id > $3 ORDER BY id LIMIT $4`,
        [summary.targetVersion, scheme, after, BATCH],
      )) as Array<{ id: string; wallet_id: string; key_version: number; encryption_scheme: string }>;
      for (const row of rows) {
        try {
          await this.dataSource.transaction(async (manager) => {
            if ((await this.custody.reseal(manager, row.id)) !== 'resealed') return;
            await this.audit.record(
              {
                ...ACTOR,
                walletId: row.wallet_id,
                action: 'key_reencrypted',
                severity: 'HIGH',
                details: { row_id: row.id, from: `${row.encryption_scheme}:${row.key_version}`, to: `${scheme}:${summary.targetVersion}` },
              },
              manager,
            );
            summary.resealed++;
          });
        } catch (error) {
          summary.failed.push(row.id);
          this.logger.error({ rowId: row.id, walletId: row.wallet_id, error: (error as Error).name }, 'wallet key could not be re-encrypted');
          await this.audit.record({ ...ACTOR, walletId: row.wallet_id, action: 'key_reencrypt_failed', severity: 'CRITICAL', details: { row_id: row.id } });
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
