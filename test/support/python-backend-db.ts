import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { createTestDatabase, withClient } from './database';
import { pythonCustody } from './python-custody';

/**
 * A database laid out as the Python backend's, for `custody:import` tests. `wallet_custody`
 * is exactly as that backend defines it; its `wallet_audit_logs` columns are not known, so
 * this is a plausible FastAPI/SQLAlchemy shape with a column the importer does not know
 * (`user_agent`). Timestamps are `timestamp without time zone`, written in UTC.
 */
const SCHEMA = `
  CREATE TABLE wallet_custody (
    id                    serial PRIMARY KEY,
    wallet_id             varchar(100) NOT NULL UNIQUE,
    wallet_address        varchar(42)  NOT NULL UNIQUE,
    encrypted_private_key text         NOT NULL,
    encryption_version    varchar(20)  NOT NULL DEFAULT 'fernet_v1',
    kms_key_id            varchar(255),
    metadata              text,
    status                varchar(20)  NOT NULL DEFAULT 'active',
    created_at            timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    rotated_at            timestamp,
    last_used_at          timestamp
  );
`;
const AUDIT_SCHEMA = `
  CREATE TABLE wallet_audit_logs (
    id         serial PRIMARY KEY,
    wallet_id  varchar(100),
    action     varchar(50)  NOT NULL,
    severity   varchar(20)  NOT NULL,
    details    text,
    ip_address varchar(45),
    user_agent varchar(255),
    user_id    varchar(100),
    created_at timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
  );
`;

export interface PythonWallet {
  walletId: string;
  privateKey: Hex;
  status: string;
  createdAt: Date;
  rotatedAt?: Date | null;
  lastUsedAt?: Date | null;
  metadata?: string | null;
  encryptionVersion?: string;
  kmsKeyId?: string | null;
  /** Stored instead of the key's own address (a row whose key and address disagree). */
  address?: Hex;
  /** Seals this wallet's key with another Fernet key than the database's. */
  sealedWith?: string;
}

export interface PythonAuditRow {
  walletId: string | null;
  action: string;
  severity: string;
  details: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  userId: string | null;
  createdAt: Date;
}

export interface PythonBackendDatabase {
  /** With a password (one the test server ignores under trust auth), so tests can check it is never shown. */
  url: string;
  password: string;
  /** What each wallet's row holds, as Python's own code sealed it. */
  stored: Map<string, { address: string; encryptedPrivateKey: string }>;
  drop(): Promise<void>;
}

const PYTHON_DB_PASSWORD = 'python-db-password-never-shown';

/** UTC wall-clock text for a `timestamp without time zone` column. */
const utc = (date: Date | null | undefined): string | null => (date ? date.toISOString().replace('T', ' ').replace('Z', '') : null);

/**
 * A fresh database with the Python backend's schema, holding `wallets` sealed by Python's own
 * code under `fernetKey`, and `audit` in its audit table (null: a database without one).
 */
export async function createPythonBackendDatabase(
  fernetKey: string,
  wallets: readonly PythonWallet[],
  audit: readonly PythonAuditRow[] | null,
): Promise<PythonBackendDatabase> {
  const database = await createTestDatabase({ migrated: false });
  const sql = <T>(text: string, values: unknown[] = []) =>
    withClient(database.url, async (client) => (await client.query(text, values)).rows as T[]);
  try {
    await sql(SCHEMA);
    if (audit !== null) await sql(AUDIT_SCHEMA);
    const stored = new Map<string, { address: string; encryptedPrivateKey: string }>();
    for (const wallet of wallets) {
      const [encryptedPrivateKey] = await pythonCustody('seal', wallet.sealedWith ?? fernetKey, [wallet.privateKey]);
      // Python stores the checksummed address.
      const address = wallet.address ?? privateKeyToAccount(wallet.privateKey).address;
      stored.set(wallet.walletId, { address, encryptedPrivateKey });
      await sql(
        `INSERT INTO wallet_custody (wallet_id, wallet_address, encrypted_private_key, encryption_version, kms_key_id, metadata, status,
                                     created_at, rotated_at, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          wallet.walletId,
          address,
          encryptedPrivateKey,
          wallet.encryptionVersion ?? 'fernet_v1',
          wallet.kmsKeyId ?? null,
          wallet.metadata ?? null,
          wallet.status,
          utc(wallet.createdAt),
          utc(wallet.rotatedAt),
          utc(wallet.lastUsedAt),
        ],
      );
    }
    for (const row of audit ?? []) {
      await sql(
        `INSERT INTO wallet_audit_logs (wallet_id, action, severity, details, ip_address, user_agent, user_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [row.walletId, row.action, row.severity, row.details, row.ipAddress, row.userAgent, row.userId, utc(row.createdAt)],
      );
    }
    const url = new URL(database.url);
    url.password ||= PYTHON_DB_PASSWORD;
    return { url: url.toString(), password: decodeURIComponent(url.password), stored, drop: () => database.drop() };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
