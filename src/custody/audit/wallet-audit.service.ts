import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import type { JsonObject } from '../../database/json-object.type';
import type { AuditSeverity } from '../wallet-audit-log.entity';
import { auditRowHash } from './audit-hash';

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

export type ChainVerification = { valid: true; checked: number } | { valid: false; checked: number; first_invalid_id: string; reason: string };

// Serialises appends to the chain across every instance; first half of a two-int advisory key.
const AUDIT_CHAIN_LOCK = [0x4856_4155, 1] as const; // "HVAU"
const VERIFY_BATCH = 1_000;

/** A stored row: the view's fields, its time as a Date, and its links in the chain. */
interface AuditRow extends Omit<AuditLogView, 'created_at'> {
  prev_hash: string | null;
  hash: string;
  created_at: Date;
}

/**
 * The tamper-evident audit trail of custody and admin operations (`wallet_audit_logs`).
 * Each row's hash covers its content and the previous row's hash, so editing or deleting
 * any row breaks every link after it; `verify` names the first row that no longer fits.
 * Appends take a transaction-scoped advisory lock, so the chain stays a line across instances.
 */
@Injectable()
export class WalletAuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Appends inside `manager`'s transaction when given, so the entry commits with the operation. */
  async record(entry: AuditEntry, manager?: EntityManager): Promise<string> {
    if (manager === undefined) return this.dataSource.transaction((own) => this.append(own, entry));
    return this.append(manager, entry);
  }

  async list(query: AuditQuery): Promise<{ items: AuditLogView[]; next_cursor: string | null }> {
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT * FROM wallet_audit_logs
        WHERE ($1::varchar IS NULL OR wallet_id = $1) AND ($2::varchar IS NULL OR severity = $2)
          AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
          AND ($5::bigint IS NULL OR id < $5)
        ORDER BY id DESC LIMIT $6`,
      [query.walletId ?? null, query.severity ?? null, query.from ?? null, query.to ?? null, query.before ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    return { items: page.map(view), next_cursor: rows.length > query.limit ? page[page.length - 1].id : null };
  }

  /** Walks the whole chain in id order; the first row whose link or hash is wrong is named. */
  async verify(): Promise<ChainVerification> {
    let previous: string | null = null;
    let checked = 0;
    let after = '0';
    for (;;) {
      const rows: AuditRow[] = await this.dataSource.query(`SELECT * FROM wallet_audit_logs WHERE id > $1 ORDER BY id LIMIT $2`, [
        after,
        VERIFY_BATCH,
      ]);
      for (const row of rows) {
        if (row.prev_hash !== previous) return { valid: false, checked, first_invalid_id: row.id, reason: 'does not follow the previous row' };
        const expected = auditRowHash({
          walletId: row.wallet_id,
          action: row.action,
          severity: row.severity,
          actor: row.actor,
          sourceIp: row.source_ip,
          requestId: row.request_id,
          details: row.details,
          prevHash: row.prev_hash,
          createdAt: row.created_at,
        });
        if (row.hash !== expected) return { valid: false, checked, first_invalid_id: row.id, reason: 'content does not match its hash' };
        previous = row.hash;
        checked++;
      }
      if (rows.length < VERIFY_BATCH) return { valid: true, checked };
      after = rows[rows.length - 1].id;
    }
  }

  private async append(manager: EntityManager, entry: AuditEntry): Promise<string> {
    await manager.query(`SELECT pg_advisory_xact_lock($1, $2)`, [...AUDIT_CHAIN_LOCK]);
    const [last] = (await manager.query(`SELECT hash FROM wallet_audit_logs ORDER BY id DESC LIMIT 1`)) as Array<{ hash: string }>;
    // Millisecond precision: what JavaScript dates hold, so the stored time hashes the same when read back.
    const createdAt = new Date();
    const row = {
      walletId: entry.walletId,
      action: entry.action,
      severity: entry.severity,
      actor: entry.actor,
      sourceIp: entry.sourceIp ?? null,
      requestId: entry.requestId ?? null,
      details: entry.details ?? {},
      prevHash: last?.hash ?? null,
      createdAt,
    };
    const [inserted] = (await manager.query(
      `INSERT INTO wallet_audit_logs (wallet_id, action, severity, actor, source_ip, request_id, details, prev_hash, hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [row.walletId, row.action, row.severity, row.actor, row.sourceIp, row.requestId, row.details, row.prevHash, auditRowHash(row), createdAt],
    )) as Array<{ id: string }>;
    return inserted.id;
  }
}

function view(row: AuditRow): AuditLogView {
  return {
    id: row.id,
    wallet_id: row.wallet_id,
    action: row.action,
    severity: row.severity,
    actor: row.actor,
    source_ip: row.source_ip,
    request_id: row.request_id,
    details: row.details,
    created_at: row.created_at.toISOString(),
  };
}
