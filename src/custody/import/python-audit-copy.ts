import { Injectable } from '@nestjs/common';

import { WalletAuditService } from '../audit/wallet-audit.service';
import { ImportLedger } from './import-ledger.repository';
import type { PythonBackendSource } from './python-backend.source';
import { auditColumnMap, auditEntryOf } from './python-rows';

export interface AuditCopySummary {
  copied: number;
  alreadyCopied: number;
  /** Why the Python trail could not be copied at all; null when it was (or there is none). */
  problem: string | null;
  /** Whether the Python backend has a `wallet_audit_logs` table. */
  found: boolean;
}

const PAGE = 500;
/** Entries appended per transaction: a failure loses at most this much progress, never a half entry. */
const CHUNK = 100;

/**
 * Appends the Python backend's audit entries to this service's hash-chained trail, each once:
 * every copy keeps its Python id (`details.python_audit_id`), and ids already in the trail
 * are skipped, so a repeated or interrupted run copies only what is missing. The entries take
 * their place at the end of the chain (its order is the order of appending); their original
 * time and every original column stay in `details`.
 */
@Injectable()
export class PythonAuditCopy {
  constructor(
    private readonly ledger: ImportLedger,
    private readonly audit: WalletAuditService,
  ) {}

  async copy(source: PythonBackendSource): Promise<AuditCopySummary> {
    const columns = await source.auditColumns();
    if (columns === null) return { copied: 0, alreadyCopied: 0, problem: null, found: false };
    const map = auditColumnMap(columns);
    const idColumn = map.id;
    if (idColumn === null)
      return {
        copied: 0,
        alreadyCopied: 0,
        found: true,
        problem: 'its wallet_audit_logs has no id column, so a copy could not be recognised',
      };

    const done = await this.ledger.copiedPythonAuditIds();
    const summary: AuditCopySummary = { copied: 0, alreadyCopied: 0, problem: null, found: true };
    let after: unknown;
    for (;;) {
      const rows = await source.auditAfter(idColumn, after, PAGE);
      const entries = rows.map((row) => auditEntryOf(row, { ...map, id: idColumn }));
      const fresh = entries.filter((entry) => !done.has(entry.pythonId));
      summary.alreadyCopied += entries.length - fresh.length;
      for (let start = 0; start < fresh.length; start += CHUNK) {
        const chunk = fresh.slice(start, start + CHUNK);
        await this.ledger.transaction(async (manager) => {
          for (const { pythonId: _pythonId, ...entry } of chunk) await this.audit.record(entry, manager);
        });
        summary.copied += chunk.length;
      }
      if (rows.length < PAGE) return summary;
      after = rows[rows.length - 1][idColumn];
    }
  }
}
