import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Hex } from 'viem';

import { createHavenLookupClient, createHavenPublicClient, LOOKUP_BATCH_SIZE } from '../../src/chain/chain.clients';
import { lookupAll, LOOKUPS_IN_FLIGHT, receiptOf } from '../../src/transactions/pipeline/chain-lookup';

/**
 * A JSON-RPC endpoint that answers every call with `null` (receipt not found) once all the
 * HTTP requests it expects are open at the same time, recording each request's batch size and how
 * many were open together: the lookup client's batches must be small (a batch of full
 * batchMint receipts is ~140 kB per call) and travel together, not one after another.
 */
async function startRecordingNode(expectedConcurrent: number) {
  const batches: number[] = [];
  let open = 0;
  let mostOpen = 0;
  const waiting: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const calls = JSON.parse(body) as Array<{ id: number }>;
      batches.push(calls.length);
      mostOpen = Math.max(mostOpen, ++open);
      const answer = () => {
        open--;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(calls.map((call) => ({ jsonrpc: '2.0', id: call.id, result: null }))));
      };
      waiting.push(answer);
      // Held until the expected number is open together: batches sent one after another time out.
      if (waiting.length >= expectedConcurrent) for (const release of waiting.splice(0)) release();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stopAll = () => {
    for (const release of waiting.splice(0)) release();
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    batches,
    mostOpen: () => mostOpen,
    stopAll,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hashes = (count: number): Hex[] => Array.from({ length: count }, (_, i) => `0x${(i + 1).toString(16).padStart(64, '0')}` as Hex);

describe('the lookup client', () => {
  it(`sends ${LOOKUPS_IN_FLIGHT} receipt lookups as batches of ${LOOKUP_BATCH_SIZE}, all in flight together`, async () => {
    const expected = LOOKUPS_IN_FLIGHT / LOOKUP_BATCH_SIZE;
    const node = await startRecordingNode(expected);
    try {
      const client = createHavenLookupClient({ rpcUrl: node.url, chainId: 31_337 });

      const answers = await lookupAll(hashes(LOOKUPS_IN_FLIGHT), (hash) => receiptOf(client, hash));

      expect(node.batches).toEqual(Array.from({ length: expected }, () => LOOKUP_BATCH_SIZE));
      expect(node.mostOpen()).toBe(expected);
      expect([...answers.values()].every((answer) => answer.state === 'absent')).toBe(true);
    } finally {
      node.stopAll();
      await node.close();
    }
  });

  it('leaves the general client one batch for the calls made together (a step keeps its sends in order)', async () => {
    const node = await startRecordingNode(1);
    try {
      const client = createHavenPublicClient({ rpcUrl: node.url, chainId: 31_337 });

      await Promise.all(hashes(LOOKUPS_IN_FLIGHT).map((hash) => receiptOf(client, hash)));

      expect(node.batches).toEqual([LOOKUPS_IN_FLIGHT]);
    } finally {
      node.stopAll();
      await node.close();
    }
  });
});
