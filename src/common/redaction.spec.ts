import { redactSecrets, redactUrls } from './redaction';

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

  it('keeps only the scheme, host and port of web URLs, since providers put keys in path and query', () => {
    expect(redactSecrets('URL: https://base-mainnet.g.alchemy.com/v2/abc123')).toBe('URL: https://base-mainnet.g.alchemy.com/[REDACTED]');
    expect(redactSecrets('fetch https://x.quiknode.pro/abcdef/ failed')).toBe('fetch https://x.quiknode.pro/[REDACTED] failed');
    expect(redactSecrets('wss://base-mainnet.infura.io/ws/v3/0123456789abcdef closed')).toBe(
      'wss://base-mainnet.infura.io/[REDACTED] closed',
    );
    expect(redactSecrets('ws://127.0.0.1:8546/socket')).toBe('ws://127.0.0.1:8546/[REDACTED]');
    expect(redactSecrets('https://rpc.example/?apikey=k3y')).toBe('https://rpc.example/[REDACTED]');
    expect(redactSecrets('https://rpc.example?apikey=k3y')).toBe('https://rpc.example/[REDACTED]');
    expect(redactSecrets('HTTPS://RPC.EXAMPLE:8443/v2/KEY#frag')).toBe('HTTPS://RPC.EXAMPLE:8443/[REDACTED]');
    expect(redactSecrets('http://[::1]:8545/v2/key')).toBe('http://[::1]:8545/[REDACTED]');
  });

  it('finds web URLs wherever a library quotes them, and masks their credentials too', () => {
    expect(
      redactSecrets('HTTP request failed.\n\nStatus: 500\nURL: http://127.0.0.1:4000/v2/SECRET\nRequest body: {"method":"eth_call"}'),
    ).toBe('HTTP request failed.\n\nStatus: 500\nURL: http://127.0.0.1:4000/[REDACTED]\nRequest body: {"method":"eth_call"}');
    expect(redactSecrets('{"url":"https://hooks.slack.com/services/T0/B0/xyz","status":404}')).toBe(
      '{"url":"https://hooks.slack.com/[REDACTED]","status":404}',
    );
    // A closing bracket may be part of a path, so it goes with it: too much rather than too little.
    expect(redactSecrets("at 'https://a.example/one' and (https://b.example/two)")).toBe(
      "at 'https://a.example/[REDACTED]' and (https://b.example/[REDACTED]",
    );
    expect(redactSecrets('https://user:hunter2@rpc.example/v2/key')).toBe('https://user:[REDACTED]@rpc.example/[REDACTED]');
  });

  it('leaves web URLs without path or query, and other schemes, as they are', () => {
    for (const text of [
      'RPC at http://127.0.0.1:8545 is down',
      'see https://mainnet.base.org/',
      'postgres://db:5432/haven',
      'no URL here: a/b?c=d',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });

  it('leaves ordinary text and addresses alone', () => {
    const text = 'mint to 0x5FbDB2315678afecb367f032d93F642f64180aa3 of 10 HAVEN';

    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactUrls', () => {
  it('masks URL paths, queries and passwords in a JSON log line, keeps hashes, and keeps the line JSON', () => {
    const hash = `0x${'ab'.repeat(32)}`;
    const line = JSON.stringify({
      hash,
      msg: 'HTTP request failed.\nURL: https://base-mainnet.g.alchemy.com/v2/abc123\nRequest body: {"id":1}',
      err: { url: 'wss://x.quiknode.pro/abcdef/', cause: 'connect redis://:hunter2@cache:6379 refused' },
    });

    const redacted = redactUrls(line);

    expect(JSON.parse(redacted)).toEqual({
      hash,
      msg: 'HTTP request failed.\nURL: https://base-mainnet.g.alchemy.com/[REDACTED]\nRequest body: {"id":1}',
      err: { url: 'wss://x.quiknode.pro/[REDACTED]', cause: 'connect redis://:[REDACTED]@cache:6379 refused' },
    });
  });

  it('leaves a line without URLs as it is', () => {
    const line = '{"level":30,"msg":"password=kept by this pass, masked by redactSecrets"}';

    expect(redactUrls(line)).toBe(line);
  });
});
