/**
 * How rows of the Python backend's tables read in this service's terms: pure functions, so
 * the rules `custody:import` applies are testable without either database. Column facts are
 * in docs/operations/migration.md ("Importing wallets from the Python backend").
 */
import type { JsonObject } from '../../database/json-object.type';
import type { AuditEntry } from '../audit/wallet-audit.service';
import type { AuditSeverity } from '../wallet-audit-log.entity';
import type { WalletStatus } from '../wallet-custody.entity';
import { metadataProblem } from '../wallet-metadata';

/** A row of the Python backend's `wallet_custody`; timestamps read as UTC. */
export interface PythonWalletRow {
  id: string;
  wallet_id: string;
  wallet_address: string;
  encrypted_private_key: string;
  encryption_version: string;
  kms_key_id: string | null;
  metadata: string | null;
  status: string;
  created_at: Date;
  rotated_at: Date | null;
  last_used_at: Date | null;
}

/** The only sealing this service shares with the Python backend (base64 of a Fernet token). */
export const PYTHON_FERNET_VERSION = 'fernet_v1';
/** Marks audit entries copied from the Python backend, and where their original id is kept. */
export const IMPORTED_FROM = 'python-backend';

const WALLET_STATUSES: readonly string[] = ['active', 'rotated', 'revoked'] satisfies WalletStatus[];
/** A rotation renames the old row `<wallet_id>_rotated_<unix seconds>`. */
const ROTATED_NAME = /^(.+)_rotated_(\d{1,12})$/;

export function walletStatusOf(text: string): WalletStatus | null {
  return WALLET_STATUSES.includes(text) ? (text as WalletStatus) : null;
}

/**
 * The wallet a row belongs to, and when it was rotated if its name says so. An active row is
 * never renamed, so its id is taken as it is even when it happens to end in `_rotated_<n>`.
 */
export function walletIdOf(row: Pick<PythonWalletRow, 'wallet_id' | 'status'>): { walletId: string; renamedAt: Date | null } {
  const match = row.status === 'active' ? null : ROTATED_NAME.exec(row.wallet_id);
  if (match === null) return { walletId: row.wallet_id, renamedAt: null };
  return { walletId: match[1], renamedAt: new Date(Number(match[2]) * 1000) };
}

/**
 * The Python backend's metadata text as a jsonb object. Anything that is not a JSON object
 * jsonb can store (unparseable text, an array, NUL escapes, over the API's size limit) is
 * kept whole as `{ legacy_metadata: <text> }` rather than lost.
 */
export function metadataOf(text: string | null): JsonObject {
  if (text === null || text.trim() === '' || text.trim() === 'null') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (metadataProblem(parsed) === null) return parsed as JsonObject;
  } catch {
    // Not JSON: kept as text below.
  }
  return { legacy_metadata: text };
}

/** Python logging levels and our own names, in any case; an unknown one counts as MEDIUM. */
const SEVERITIES: Record<string, AuditSeverity> = {
  debug: 'LOW',
  info: 'LOW',
  low: 'LOW',
  medium: 'MEDIUM',
  warn: 'MEDIUM',
  warning: 'MEDIUM',
  high: 'HIGH',
  error: 'HIGH',
  critical: 'CRITICAL',
  fatal: 'CRITICAL',
};

/**
 * The Python backend's audit columns are not documented, so they are recognised by name:
 * the first of each list that the table has fills our column. Every column, recognised or
 * not, is also kept as it was under `details.python_row`.
 */
export const AUDIT_COLUMNS = {
  id: ['id'],
  walletId: ['wallet_id'],
  action: ['action', 'event_type', 'event'],
  severity: ['severity', 'level'],
  actor: ['actor', 'user_id', 'performed_by', 'username'],
  sourceIp: ['ip_address', 'source_ip', 'client_ip'],
  requestId: ['request_id'],
  details: ['details', 'metadata', 'extra'],
  createdAt: ['created_at', 'timestamp'],
} as const;

export type AuditColumnMap = { [K in keyof typeof AUDIT_COLUMNS]: string | null };

/** Which of the table's columns fill ours; `id` is required to copy each entry only once. */
export function auditColumnMap(columns: readonly string[]): AuditColumnMap {
  const pick = (names: readonly string[]) => names.find((name) => columns.includes(name)) ?? null;
  return Object.fromEntries(Object.entries(AUDIT_COLUMNS).map(([ours, names]) => [ours, pick(names)])) as AuditColumnMap;
}

/** A Python audit row as an entry of this service's trail, with everything it held in `details`. */
export function auditEntryOf(row: Record<string, unknown>, map: AuditColumnMap & { id: string }): AuditEntry & { pythonId: string } {
  const text = (column: string | null, limit: number): string | null => {
    const value = column === null ? null : row[column];
    const json = jsonValue(value);
    if (json === null) return null;
    // Numbers and booleans as their text; a json column's object as its JSON, not "[object Object]".
    return (typeof json === 'string' ? json : JSON.stringify(json)).slice(0, limit);
  };
  const pythonId = String(row[map.id]);
  const severity = text(map.severity, 64);
  const actor = text(map.actor, 100);
  const createdAt = map.createdAt === null ? null : row[map.createdAt];
  const pythonRow = Object.fromEntries(
    Object.entries(row)
      .filter(([column]) => column !== map.details)
      .map(([column, value]) => [column, jsonValue(value)]),
  );
  return {
    pythonId,
    walletId: text(map.walletId, 128),
    action: text(map.action, 64) ?? 'python_audit_entry',
    severity: SEVERITIES[severity?.toLowerCase() ?? ''] ?? 'MEDIUM',
    actor: actor === null ? IMPORTED_FROM : `${IMPORTED_FROM}:${actor}`,
    sourceIp: text(map.sourceIp, 64),
    requestId: text(map.requestId, 128),
    details: {
      imported_from: IMPORTED_FROM,
      python_audit_id: pythonId,
      python_created_at: createdAt instanceof Date ? createdAt.toISOString() : (jsonValue(createdAt) ?? null),
      python_row: pythonRow,
      ...(map.details === null ? {} : { python_details: detailsOf(row[map.details]) }),
    },
  };
}

/** A details column as JSON when it is JSON jsonb can store, else as its text. */
function detailsOf(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return metadataProblem(value) === null ? value : JSON.stringify(value);
  try {
    const parsed: unknown = JSON.parse(value);
    if (metadataProblem(parsed) === null) return parsed;
  } catch {
    // Not JSON: kept as text.
  }
  return value;
}

/** A column value as JSON: times as ISO text, binary as hex; pg gives the rest as JSON already. */
function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'bigint') return value.toString();
  return value ?? null;
}
