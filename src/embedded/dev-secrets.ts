import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { generatePrivateKey } from 'viem/accounts';

/** Secrets the zero-config development start invents once and keeps in the data folder. */
export interface DevSecrets {
  WALLET_ENCRYPTION_KEY: string;
  ADMIN_API_KEY: string;
  API_KEY: string;
  BACKEND_PRIVATE_KEY: string;
}

/** Same format as Python's `Fernet.generate_key()`: 32 random bytes, url-safe base64. */
export const generateFernetKey = (): string => randomBytes(32).toString('base64url') + '=';

/** Same strength as Python's `secrets.token_urlsafe(32)`. */
export const generateApiKey = (): string => randomBytes(32).toString('base64url');

/**
 * Loads the development secrets, creating them on first start. `created` tells the caller
 * to show the API keys once; the file is readable by its owner only.
 */
export function loadOrCreateDevSecrets(dataDir: string): { secrets: DevSecrets; created: boolean; path: string } {
  const path = join(dataDir, 'dev-secrets.json');
  if (existsSync(path)) {
    return { secrets: JSON.parse(readFileSync(path, 'utf8')) as DevSecrets, created: false, path };
  }
  const secrets: DevSecrets = {
    WALLET_ENCRYPTION_KEY: generateFernetKey(),
    ADMIN_API_KEY: generateApiKey(),
    API_KEY: generateApiKey(),
    BACKEND_PRIVATE_KEY: generatePrivateKey(),
  };
  writeFileSync(path, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return { secrets, created: true, path };
}
