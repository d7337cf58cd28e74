import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { envSchema } from '../config/env.schema';
import { generateApiKey, generateFernetKey, loadOrCreateDevSecrets } from './dev-secrets';

describe('development secrets', () => {
  let dataDir: string;

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'haven-secrets-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates keys in the formats the configuration accepts', () => {
    const parsed = envSchema.safeParse({ WALLET_ENCRYPTION_KEY: generateFernetKey(), API_KEY: generateApiKey() });

    expect(parsed.success).toBe(true);
    expect(generateFernetKey()).not.toBe(generateFernetKey());
    expect(Buffer.from(generateFernetKey(), 'base64url')).toHaveLength(32);
  });

  it('creates the secrets once, readable by the owner only, and reuses them afterwards', () => {
    const first = loadOrCreateDevSecrets(dataDir);
    const second = loadOrCreateDevSecrets(dataDir);

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.secrets).toEqual(first.secrets);
    expect(first.secrets.BACKEND_PRIVATE_KEY).toMatch(/^0x[0-9a-f]{64}$/);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
  });
});
