import { createServer } from 'node:http';

export interface RpcProxy {
  url: string;
  /** JSON-RPC HTTP requests received so far, answered or not. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * Forwards JSON-RPC over HTTP to `upstream` and counts what the service sends. While the
 * upstream node is down, the connection is dropped, as a dead node's would be, so the
 * service sees a transport failure; the count still shows whether it tried.
 */
export async function startRpcProxy(upstream: string): Promise<RpcProxy> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
        .then(async (answer) => {
          response.writeHead(answer.status, { 'content-type': 'application/json' });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => request.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
