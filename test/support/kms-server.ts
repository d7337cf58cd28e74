import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface LoopbackKms {
  endpoint: string;
  /** Requests received, by operation (`GenerateDataKey`, `Decrypt`). */
  calls: Record<string, number>;
  /** The `KeyId` of every Decrypt request, in order; null where the request named none. */
  decryptKeyIds: Array<string | null>;
  /** Every plaintext data key handed out, base64: none may ever be found in the database. */
  issuedDataKeys: string[];
  /** The ARN of the key a name (alias, ARN or key id) stands for, creating the key on first use. */
  keyArn(name: string): string;
  /** Disables the key a name stands for: it no longer encrypts or decrypts, as a disabled KMS key. */
  disableKey(name: string): void;
  /** Stops answering (connections refused) / starts again on the same port, keys kept. */
  stop(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

type Body = { KeyId?: string; KeySpec?: string; CiphertextBlob?: string; EncryptionContext?: Record<string, string> };

/** A refusal KMS answers with a 400 and its exception name, as AWS does. */
class KmsRefusal extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';

/**
 * A KMS stand-in on loopback speaking the real wire protocol (AWS JSON 1.1, `X-Amz-Target:
 * TrentService.<Operation>`), so the service's own @aws-sdk/client-kms runs unchanged.
 * Ciphertext blobs are AES-256-GCM under a master key held here, with the encryption
 * context and the KMS key's ARN as additional data, so a wrong context fails as it does in KMS.
 *
 * Keys behave as AWS symmetric keys do where the service can tell: any alias, key id or ARN
 * names a key (created on first use), GenerateDataKey answers with the key's ARN, the blob
 * records which key encrypted it, and Decrypt refuses (IncorrectKeyException) when the request
 * names another key, but decrypts without a KeyId. A disabled key does neither.
 */
export async function startLoopbackKms(): Promise<LoopbackKms> {
  const master = randomBytes(32);
  const calls: Record<string, number> = {};
  const decryptKeyIds: Array<string | null> = [];
  const issuedDataKeys: string[] = [];
  /** Alias names and key ids to the ARN of their key. */
  const names = new Map<string, string>();
  const disabled = new Set<string>();
  let server: Server | undefined;
  let port = 0;

  /** The ARN a name stands for; with `create`, a name not seen before becomes a new key. */
  const resolve = (name: string, create: boolean): string => {
    const arn = /^arn:aws:kms:[^:]+:\d+:key\/(.+)$/.exec(name);
    if (arn !== null) {
      names.set(arn[1], name);
      return name;
    }
    // An alias ARN names the same key as its alias.
    const alias = /^arn:aws:kms:[^:]+:\d+:(alias\/.+)$/.exec(name)?.[1] ?? name;
    const known = names.get(alias);
    if (known !== undefined) return known;
    if (!create) throw new KmsRefusal('NotFoundException', `Key '${name}' does not exist`);
    const keyId = alias.startsWith('alias/') ? randomUUID() : alias;
    const created = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;
    names.set(alias, created);
    names.set(keyId, created);
    return created;
  };
  const usable = (arn: string): string => {
    if (disabled.has(arn)) throw new KmsRefusal('DisabledException', `${arn} is disabled.`);
    return arn;
  };

  const seal = (plaintext: Buffer, arn: string, context: Body['EncryptionContext']) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv);
    cipher.setAAD(Buffer.from(JSON.stringify([arn, context ?? {}])));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from(JSON.stringify({ arn })), Buffer.from([0]), iv, cipher.getAuthTag(), sealed]).toString('base64');
  };
  const open = (blob: string, context: Body['EncryptionContext']) => {
    const raw = Buffer.from(blob, 'base64');
    const split = raw.indexOf(0);
    const { arn } = JSON.parse(raw.subarray(0, split).toString()) as { arn: string };
    const [iv, tag, sealed] = [raw.subarray(split + 1, split + 13), raw.subarray(split + 13, split + 29), raw.subarray(split + 29)];
    const decipher = createDecipheriv('aes-256-gcm', master, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(JSON.stringify([arn, context ?? {}])));
    decipher.setAuthTag(tag);
    return { arn, plaintext: Buffer.concat([decipher.update(sealed), decipher.final()]) };
  };

  const operations: Record<string, (body: Body) => object> = {
    GenerateDataKey: (body) => {
      const arn = usable(resolve(body.KeyId!, true));
      const dataKey = randomBytes(body.KeySpec === 'AES_128' ? 16 : 32);
      issuedDataKeys.push(dataKey.toString('base64'));
      return { KeyId: arn, Plaintext: dataKey.toString('base64'), CiphertextBlob: seal(dataKey, arn, body.EncryptionContext) };
    },
    Decrypt: (body) => {
      decryptKeyIds.push(body.KeyId ?? null);
      const { arn, plaintext } = open(body.CiphertextBlob!, body.EncryptionContext);
      // KMS reads the key from the blob; a KeyId in the request only has to agree with it.
      if (body.KeyId !== undefined && resolve(body.KeyId, false) !== arn)
        throw new KmsRefusal(
          'IncorrectKeyException',
          'The key ID in the request does not identify a KMS key that can perform this operation.',
        );
      usable(arn);
      return { KeyId: arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
  };

  const listen = async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const operation = String(request.headers['x-amz-target'] ?? '').replace('TrentService.', '');
        calls[operation] = (calls[operation] ?? 0) + 1;
        const answer = (status: number, body: object) => {
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify(body));
        };
        const handler = operations[operation];
        if (handler === undefined) return answer(400, { __type: 'UnsupportedOperationException', message: operation });
        try {
          answer(200, handler(JSON.parse(text) as Body));
        } catch (error) {
          if (error instanceof KmsRefusal) return answer(400, { __type: error.type, message: error.message });
          answer(400, { __type: 'InvalidCiphertextException', message: 'The ciphertext is invalid' });
        }
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      server?.closeAllConnections();
      server?.close(() => resolve());
    });

  await listen();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    decryptKeyIds,
    issuedDataKeys,
    keyArn: (name) => resolve(name, true),
    disableKey: (name) => disabled.add(resolve(name, true)),
    stop,
    resume: listen,
    close: stop,
  };
}
