import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { JsonObject } from '../../database/json-object.type';
import type { AuditSeverity, WalletAuditLog } from '../wallet-audit-log.entity';
import { auditRowHash } from './audit-hash';
import { WalletAuditLogRepository } from './wallet-audit-log.repository';

/** Who did it and from where; for calls that did not come over HTTP, just an actor name. */
export interface AuditActor {
  actor: string | null;
  sourceIp?: string | null;
  requestId?: string | null;
}

export interface AuditEntry extends AuditActor {
  walletId: string | null;
  action: string;
  severity: AuditSeverity;
  details?: JsonObject;
}

export interface AuditLogView {
  id: string;
  wallet_id: string | null;
  action: string;
  severity: AuditSeverity;
  actor: string | null;
  source_ip: string | null;
  request_id: string | null;
  details: unknown;
  created_at: string;
}

export interface AuditQuery {
  walletId?: string;
  severity?: AuditSeverity;
  from?: Date;
  to?: Date;
  /** Rows with a smaller id than this (the previous page's `next_cursor`). */
  before?: string;
  limit: number;
}

export type ChainVerification =
  { valid: true; checked: number } | { valid: false; checked: number; first_invalid_id: string; reason: string };

const VERIFY_BATCH = 1_000;

/**
 * The tamper-evident audit trail of custody and admin operations (`wallet_audit_logs`).
 * Each row's hash covers its content and the previous row's hash, so editing or deleting
 * any row breaks every link after it; `verify` names the first row that no longer fits.
 * Appends are serialised across instances (see `WalletAuditLogRepository.append`), so the
 * chain stays a line.
 */
@Injectable()
export class WalletAuditService {
  constructor(private readonly logs: WalletAuditLogRepository) {}

  /** Appends inside `manager`'s transaction when given, so the entry commits with the operation. */
  async record(entry: AuditEntry, manager?: EntityManager): Promise<string> {
    if (manager === undefined) return this.logs.transaction((own) => this.append(own, entry));
    return this.append(manager, entry);
  }

  async list(query: AuditQuery): Promise<{ items: AuditLogView[]; next_cursor: string | null }> {
    const { limit, before, ...filters } = query;
    const rows = await this.logs.newestFirst({ ...filters, beforeId: before, take: limit + 1 });
    const page = rows.slice(0, limit);
    return { items: page.map(view), next_cursor: rows.length > limit ? page[page.length - 1].id : null };
  }

  /** Walks the whole chain in id order; the first row whose link or hash is wrong is named. */
  async verify(): Promise<ChainVerification> {
    let previous: string | null = null;
    let checked = 0;
    let after = '0';
    for (;;) {
      const rows = await this.logs.after(after, VERIFY_BATCH);
      for (const row of rows) {
        if (row.prevHash !== previous)
          return { valid: false, checked, first_invalid_id: row.id, reason: 'does not follow the previous row' };
        if (row.hash !== auditRowHash(row))
          return { valid: false, checked, first_invalid_id: row.id, reason: 'content does not match its hash' };
        previous = row.hash;
        checked++;
      }
      if (rows.length < VERIFY_BATCH) return { valid: true, checked };
      after = rows[rows.length - 1].id;
    }
  }

  private append(manager: EntityManager, entry: AuditEntry): Promise<string> {
    // Millisecond precision: what JavaScript dates hold, so the stored time hashes the same when read back.
    const createdAt = new Date();
    return this.logs.append(manager, (prevHash) => {
      const row = {
        walletId: entry.walletId,
        action: entry.action,
        severity: entry.severity,
        actor: entry.actor,
        sourceIp: entry.sourceIp ?? null,
        requestId: entry.requestId ?? null,
        details: entry.details ?? {},
        prevHash,
        createdAt,
      };
      return { ...row, hash: auditRowHash(row) };
    });
  }
}

function view(row: WalletAuditLog): AuditLogView {
  return {
    id: row.id,
    wallet_id: row.walletId,
    action: row.action,
    severity: row.severity,
    actor: row.actor,
    source_ip: row.sourceIp,
    request_id: row.requestId,
    details: row.details,
    created_at: row.createdAt.toISOString(),
  };
}
