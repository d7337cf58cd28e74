import { randomBytes } from 'node:crypto';

import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

import { InvalidEnvelopeError, KmsEnvelope, versionOf } from './kms-envelope';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A KMS whose "encrypted" data key is the data key itself: enough to test the envelope around it. */
function fakeKms(options: { dataKeyBytes?: number } = {}) {
  const decrypts: Array<string | undefined> = [];
  const client = {
    send: (command: GenerateDataKeyCommand | DecryptCommand) => {
      if (command instanceof GenerateDataKeyCommand) {
        const dataKey = randomBytes(32);
        return Promise.resolve({ KeyId: KEY_ARN, Plaintext: Uint8Array.from(dataKey), CiphertextBlob: Uint8Array.from(dataKey) });
      }
      decrypts.push(command.input.KeyId);
      const blob = Buffer.from(command.input.CiphertextBlob!);
      return Promise.resolve({ KeyId: KEY_ARN, Plaintext: Uint8Array.from(blob.subarray(0, options.dataKeyBytes ?? blob.length)) });
    },
  } as unknown as KMSClient;
  const envelope = new KmsEnvelope(client, 'alias/haven', { execute: (call) => call() });
  return { envelope, decrypts };
}

/** The envelope with one of its dot-separated parts changed. */
const withPart = (ciphertext: string, index: number, change: (part: Buffer) => Buffer): string =>
  ciphertext
    .split('.')
    .map((part, at) => (at === index ? change(Buffer.from(part, 'base64url')).toString('base64url') : part))
    .join('.');

describe('KMS envelope', () => {
  const plaintext = randomBytes(32);

  it('seals with a 12-byte IV and a 16-byte tag, records the key KMS reported, and opens under it', async () => {
    const { envelope, decrypts } = fakeKms();

    const sealed = await envelope.seal(plaintext, 'wallet-1');

    const [format, iv, tag] = sealed.ciphertext.split('.');
    expect([format, Buffer.from(iv, 'base64url').length, Buffer.from(tag, 'base64url').length]).toEqual(['v1', 12, 16]);
    expect(sealed.kmsKeyId).toBe(KEY_ARN);
    expect(await envelope.open(sealed, 'wallet-1', sealed.kmsKeyId)).toEqual(plaintext);
    expect(decrypts).toEqual([KEY_ARN]);
  });

  it.each([
    ['a 12-byte tag', (text: string) => withPart(text, 2, (tag) => tag.subarray(0, 12))],
    ['a 4-byte tag', (text: string) => withPart(text, 2, (tag) => tag.subarray(0, 4))],
    ['a 17-byte tag', (text: string) => withPart(text, 2, (tag) => Buffer.concat([tag, Buffer.alloc(1)]))],
    ['an 8-byte IV', (text: string) => withPart(text, 1, (iv) => iv.subarray(0, 8))],
    ['a 16-byte IV', (text: string) => withPart(text, 1, (iv) => Buffer.concat([iv, Buffer.alloc(4)]))],
    ['another format', (text: string) => text.replace(/^v1\./, 'v2.')],
    ['three parts', (text: string) => text.split('.').slice(0, 3).join('.')],
    ['an empty ciphertext', (text: string) => text.replace(/[^.]+$/, '')],
    ['padding in a part', (text: string) => `${text}=`],
  ])('refuses %s without asking KMS', async (_label, tamper) => {
    const { envelope, decrypts } = fakeKms();
    const sealed = await envelope.seal(plaintext, 'wallet-1');

    await expect(envelope.open({ ...sealed, ciphertext: tamper(sealed.ciphertext) }, 'wallet-1', KEY_ARN)).rejects.toBeInstanceOf(
      InvalidEnvelopeError,
    );
    expect(decrypts).toEqual([]);
  });

  it('refuses a data key that is not 256 bits', async () => {
    const { envelope } = fakeKms({ dataKeyBytes: 16 });
    const sealed = await envelope.seal(plaintext, 'wallet-1');

    await expect(envelope.open(sealed, 'wallet-1', KEY_ARN)).rejects.toBeInstanceOf(InvalidEnvelopeError);
  });

  it('names the stored key, else the configured one for rows it sealed, else none', () => {
    const { envelope } = fakeKms();

    expect(envelope.keyIdFor({ kmsKeyId: KEY_ARN, keyVersion: versionOf('kms:alias/older') })).toBe(KEY_ARN);
    expect(envelope.keyIdFor({ kmsKeyId: null, keyVersion: versionOf('kms:alias/haven') })).toBe('alias/haven');
    expect(envelope.keyIdFor({ kmsKeyId: null, keyVersion: versionOf('kms:alias/older') })).toBeUndefined();
  });
});
