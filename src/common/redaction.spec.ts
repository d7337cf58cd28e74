import { redactSecrets } from './redaction';

describe('redactSecrets', () => {
  it('masks private keys, with or without 0x', () => {
    const key = 'ab'.repeat(32);

    expect(redactSecrets(`signing with 0x${key} failed`)).toBe('signing with [REDACTED_HEX] failed');
    expect(redactSecrets(`key=${key}`)).toBe('key=[REDACTED_HEX]');
  });

  it('masks passwords inside connection URLs but keeps the host for diagnosis', () => {
    expect(redactSecrets('connect postgres://haven:s3cret@db:5432/haven refused')).toBe(
      'connect postgres://haven:[REDACTED]@db:5432/haven refused',
    );
    expect(redactSecrets('redis://:hunter2@cache:6379')).toBe('redis://:[REDACTED]@cache:6379');
  });

  it('masks values given under secret-sounding names', () => {
    expect(redactSecrets('auth failed: password=hunter2; user=haven')).toBe('auth failed: password=[REDACTED]; user=haven');
    expect(redactSecrets('{"apiKey": "abc123"}')).toBe('{"apiKey": "[REDACTED]"}');
  });

  it('masks Fernet keys', () => {
    expect(redactSecrets('bad key x4QGXhKzUQ3LmrVAvEJpI0sNfwLMSsWcF5lfrQJdCgw= given')).toBe('bad key [REDACTED_KEY] given');
  });

  it('leaves ordinary text and addresses alone', () => {
    const text = 'mint to 0x5FbDB2315678afecb367f032d93F642f64180aa3 of 10 HAVEN';

    expect(redactSecrets(text)).toBe(text);
  });
});
