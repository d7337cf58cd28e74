import { Injectable } from '@nestjs/common';

import { WalletAuditService } from '../audit/wallet-audit.service';
import { ImportLedger } from './import-ledger.repository';
import { type AuditCopySummary, PythonAuditCopy } from './python-audit-copy';
import { PythonBackendSource } from './python-backend.source';
import { IMPORT_ACTOR, PythonWalletImport, type WalletImportOutcome } from './python-wallet-import';

export interface ImportSummary {
  imported: Array<Extract<WalletImportOutcome, { outcome: 'imported' }>>;
  present: Array<Extract<WalletImportOutcome, { outcome: 'present' }>>;
  refused: Array<Extract<WalletImportOutcome, { outcome: 'refused' }>>;
  audit: AuditCopySummary;
}

const PAGE = 500;

/**
 * `custody:import`: moves the Python backend's custodial wallets and audit trail into this
 * service's database, reading the Python database and writing only here. Each wallet row is
 * its own transaction with its audit entry, and what is already here is recognised, so a run
 * can be stopped anywhere and repeated; a second run writes only its started/finished entries.
 */
@Injectable()
export class CustodyImport {
  constructor(
    private readonly ledger: ImportLedger,
    private readonly wallets: PythonWalletImport,
    private readonly auditCopy: PythonAuditCopy,
    private readonly audit: WalletAuditService,
  ) {}

  /** `sourceUrl` is the Python backend's DATABASE_URL: it is never logged or recorded, only its database's name. */
  async run(sourceUrl: string): Promise<ImportSummary> {
    const unlock = await this.ledger.lockRun();
    try {
      const source = await PythonBackendSource.connect(sourceUrl);
      try {
        return await this.importFrom(source, databaseName(sourceUrl));
      } finally {
        await source.close();
      }
    } finally {
      await unlock();
    }
  }

  private async importFrom(source: PythonBackendSource, database: string): Promise<ImportSummary> {
    await this.audit.record({ ...IMPORT_ACTOR, walletId: null, action: 'import_started', severity: 'MEDIUM', details: { database } });
    const summary: Omit<ImportSummary, 'audit'> = { imported: [], present: [], refused: [] };
    let after: string | undefined;
    for (;;) {
      const rows = await source.walletsAfter(after, PAGE);
      for (const row of rows) {
        const outcome = await this.wallets.import(row);
        if (outcome.outcome === 'imported') summary.imported.push(outcome);
        else if (outcome.outcome === 'present') summary.present.push(outcome);
        else summary.refused.push(outcome);
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].id;
    }
    const audit = await this.auditCopy.copy(source);
    await this.audit.record({
      ...IMPORT_ACTOR,
      walletId: null,
      action: 'import_finished',
      severity: 'MEDIUM',
      details: {
        database,
        imported: summary.imported.length,
        present: summary.present.length,
        refused: summary.refused.length,
        audit_copied: audit.copied,
        audit_problem: audit.problem,
      },
    });
    return { ...summary, audit };
  }
}

/** The database's name alone: the URL may carry a password. */
function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || '(default)';
  } catch {
    return '(unparsed)';
  }
}
