import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface LoopbackKms {
  endpoint: string;
  /** Requests received, by operation (`GenerateDataKey`, `Decrypt`). */
  calls: Record<string, number>;
  /** Every plaintext data key handed out, base64: none may ever be found in the database. */
  issuedDataKeys: string[];
  /** Stops answering (connections refused) / starts again on the same port, keys kept. */
  stop(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

type Body = { KeyId?: string; KeySpec?: string; CiphertextBlob?: string; EncryptionContext?: Record<string, string> };

/**
 * A KMS stand-in on loopback speaking the real wire protocol (AWS JSON 1.1, `X-Amz-Target:
 * TrentService.<Operation>`), so the service's own @aws-sdk/client-kms runs unchanged.
 * Ciphertext blobs are AES-256-GCM under a master key held here, with the encryption
 * context as additional data, so a wrong context fails as it does in KMS.
 */
export async function startLoopbackKms(): Promise<LoopbackKms> {
  const master = randomBytes(32);
  const calls: Record<string, number> = {};
  const issuedDataKeys: string[] = [];
  let server: Server | undefined;
  let port = 0;

  const seal = (plaintext: Buffer, keyId: string, context: Body['EncryptionContext']) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv);
    cipher.setAAD(Buffer.from(JSON.stringify(context ?? {})));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from(JSON.stringify({ keyId })), Buffer.from([0]), iv, cipher.getAuthTag(), sealed]).toString('base64');
  };
  const open = (blob: string, context: Body['EncryptionContext']) => {
    const raw = Buffer.from(blob, 'base64');
    const split = raw.indexOf(0);
    const { keyId } = JSON.parse(raw.subarray(0, split).toString()) as { keyId: string };
    const [iv, tag, sealed] = [raw.subarray(split + 1, split + 13), raw.subarray(split + 13, split + 29), raw.subarray(split + 29)];
    const decipher = createDecipheriv('aes-256-gcm', master, iv);
    decipher.setAAD(Buffer.from(JSON.stringify(context ?? {})));
    decipher.setAuthTag(tag);
    return { keyId, plaintext: Buffer.concat([decipher.update(sealed), decipher.final()]) };
  };

  const operations: Record<string, (body: Body) => object> = {
    GenerateDataKey: (body) => {
      const dataKey = randomBytes(body.KeySpec === 'AES_128' ? 16 : 32);
      issuedDataKeys.push(dataKey.toString('base64'));
      return {
        KeyId: body.KeyId,
        Plaintext: dataKey.toString('base64'),
        CiphertextBlob: seal(dataKey, body.KeyId!, body.EncryptionContext),
      };
    },
    Decrypt: (body) => {
      const { keyId, plaintext } = open(body.CiphertextBlob!, body.EncryptionContext);
      return { KeyId: keyId, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
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
        } catch {
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
    issuedDataKeys,
    stop,
    resume: listen,
    close: stop,
  };
}
