import { createHash } from 'node:crypto';

/** The fields of an audit row its hash covers: everything but the id and the hash itself. */
export interface AuditRowContent {
  walletId: string | null;
  action: string;
  severity: string;
  actor: string | null;
  sourceIp: string | null;
  requestId: string | null;
  details: unknown;
  prevHash: string | null;
  createdAt: Date;
}

/**
 * SHA-256 over a canonical JSON of the row, chained through `prevHash`. Canonical means
 * object keys sorted at every depth: PostgreSQL's jsonb does not keep key order, so the
 * hash must not depend on it.
 */
export function auditRowHash(row: AuditRowContent): string {
  const content = [
    row.prevHash,
    row.walletId,
    row.action,
    row.severity,
    row.actor,
    row.sourceIp,
    row.requestId,
    canonical(row.details),
    row.createdAt.toISOString(),
  ];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
