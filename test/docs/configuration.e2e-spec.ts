import { readEnvExample, renderConfigurationReference } from '../../scripts/config-reference';
import { ENV_NAMES, SECRET_ENV_NAMES } from '../../src/config';
import { readRepoFile } from './doc-references';

const envExample = readRepoFile('.env.example');
const committed = readRepoFile('docs/configuration.md');

/** The line docs/configuration.md gives a variable: "- `NAME`: facts." */
const lineOf = (document: string, name: string): string | undefined =>
  document.split('\n').find((line) => line.startsWith(`- \`${name}\`:`));

describe('configuration reference (docs/configuration.md)', () => {
  it('documents every variable the schema reads in .env.example, and nothing the schema does not read', () => {
    expect(readEnvExample(envExample).problems).toEqual([]);
  });

  it('is exactly what `npm run docs:config` writes from the schema and .env.example now', () => {
    // On failure: run `npm run docs:config` and commit docs/configuration.md.
    expect(committed).toEqual(renderConfigurationReference(envExample));
  });

  it('gives every schema variable its own line, marked secret exactly when SECRET_ENV_NAMES lists it', () => {
    expect(ENV_NAMES.filter((name) => lineOf(committed, name) === undefined)).toEqual([]);
    const wronglyMarked = ENV_NAMES.filter((name) => lineOf(committed, name)!.includes('**secret**') !== SECRET_ENV_NAMES.has(name));
    expect(wronglyMarked).toEqual([]);
  });

  it('says which variables production requires, and which a switch requires', () => {
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'RPC_URL', 'CHAIN_ID', 'WALLET_ENCRYPTION_KEY', 'ADMIN_API_KEY', 'API_KEY']) {
      expect(lineOf(committed, name)).toContain('**required** in production');
    }
    expect(lineOf(committed, 'KMS_KEY_ID')).toContain('**required** when `KMS_ENABLED=true`');
    expect(lineOf(committed, 'SMTP_HOST')).toContain('**required** when `ALERT_EMAIL_ENABLED=true`');
    expect(lineOf(committed, 'ALERT_WEBHOOK_URLS')).toContain('**required** when `ALERT_WEBHOOK_ENABLED=true`');
    expect(lineOf(committed, 'LOG_LEVEL')).toContain('optional');
  });

  it('keeps the groups and comments of .env.example, and what the schema accepts', () => {
    expect(committed).toContain('## Core services');
    expect(committed).toContain('## Circuit breakers');
    expect(lineOf(committed, 'PORT')).toContain('a whole number; at most 65535');
    // A per-breaker override is documented by the family the comment names.
    expect(lineOf(committed, 'CIRCUIT_BREAKER_KMS_SUCCESS_THRESHOLD')).toContain('a whole number');
  });

  it('refuses an .env.example that lacks a variable the schema reads, or names one it does not', () => {
    const without = envExample.replace(/^MONITOR_INTERVAL_SECONDS=.*$/m, '');
    expect(() => renderConfigurationReference(without)).toThrow('MONITOR_INTERVAL_SECONDS is read by the service but not in .env.example');
    expect(() => renderConfigurationReference(`${envExample}\nNOT_A_SETTING=1\n`)).toThrow(
      'NOT_A_SETTING is in .env.example but not in the configuration schema',
    );
  });
});
