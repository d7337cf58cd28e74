import type { Server } from 'node:http';
import { Agent, request as httpRequest } from 'node:http';
import { type AddressInfo, connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no normalisation of `..`, no re-encoding. */
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
}

/**
 * A plain HTTP client for hostile requests: unlike fetch or supertest it sends paths with
 * `..` and broken percent-encodings untouched, bodies that are not UTF-8, and chunked bodies.
 */
export class RawHttp {
  // One connection per request. A kept-alive socket can be reset when a request goes out on it
  // just as the server's keep-alive timeout closes it; that says nothing about the server, and
  // failed this suite on a loaded CI machine. (An agent's idle timeout does not prevent it: the
  // per-request timeout below replaces it on the socket.)
  private readonly agent = new Agent({ keepAlive: false, maxSockets: 16 });
  private readonly port: number;

  constructor(server: Server) {
    this.port = (server.address() as AddressInfo).port;
  }

  send(raw: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...raw.headers };
      if (raw.body !== undefined && !raw.chunked) headers['Content-Length'] = String(raw.body.length);
      const outgoing = httpRequest(
        { host: '127.0.0.1', port: this.port, method: raw.method, path: raw.url, headers, agent: this.agent, timeout: timeoutMs },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, json });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      if (raw.body === undefined) {
        outgoing.end();
      } else if (raw.chunked) {
        // Several chunks, so the server cannot know the size before reading.
        for (let offset = 0; offset < raw.body.length; offset += 64 * 1024) outgoing.write(raw.body.subarray(offset, offset + 64 * 1024));
        outgoing.end();
      } else {
        outgoing.end(raw.body);
      }
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Bytes written on a fresh connection as they are (no HTTP client would send them), and the
 * answer read until the server closes: for requests Node's own parser refuses.
 */
export function sendBytes(server: Server, bytes: Buffer): Promise<{ status: number; json: unknown; text: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, body = ''] = text.split('\r\n\r\n', 2);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), json, text });
    });
  });
}

/** Runs `work` over `items` with at most `concurrency` at a time; results in input order. */
export async function mapBounded<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
