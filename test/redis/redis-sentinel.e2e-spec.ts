import type { Server } from 'node:http';

import type { INestApplication } from '@nestjs/common';

import type { AppConfig } from '../../src/config';
import { REDIS, type RedisConnection } from '../../src/redis/redis.module';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { ask, type LocalRedisSentinel, startRedisSentinel } from '../support/redis-ha';
import { baseUrl, expectMintedExactlyOnce, requestMints, statusCounts, totalSupply, waitAllConfirmed } from './mint-run';

/**
 * Two instances of the service behind a real Sentinel group (one master, one replica, three
 * Sentinels). The master is failed over while mints are in flight and more keep arriving.
 */
describe('the service on Redis Sentinel, through a failover', () => {
  let sentinel: LocalRedisSentinel;
  let first: TestApp;
  let second: INestApplication;
  let servers: Server[];

  const onSentinel = (config: AppConfig): AppConfig => ({
    ...config,
    redis: { ...config.redis, url: undefined, sentinel: { sentinels: sentinel.sentinels, masterName: sentinel.masterName } },
    // Unbatched: one transaction, and one nonce, per request.
    pipeline: { ...config.pipeline, batchMintMaxSize: 1 },
  });

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
    first = await startTestApp({ config: onSentinel, chain: { blockTime: 1 } });
    second = await createTestApplication(first.config);
    await second.listen(0, '127.0.0.1');
    servers = [first.server, second.getHttpServer() as Server];
  }, 90_000);

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await sentinel?.stop();
  });

  it('confirms every accepted mint exactly once, with no nonce used twice, when the master fails over mid-run', async () => {
    const { chain, database } = first;
    const urls = servers.map(baseUrl);
    const firstNonce = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }));
    const supplyBefore = await totalSupply(chain);
    const oldMaster = await sentinel.master();

    const beforeFailover = await requestMints(urls, 80, 'before');
    await eventually(
      async () => {
        const inFlight = (await statusCounts(database.url)).filter(({ status }) => status === 'signed' || status === 'submitted');
        expect(inFlight.reduce((sum, { count }) => sum + count, 0)).toBeGreaterThan(0);
      },
      { intervalMs: 20 },
    );
    // Requests keep arriving while the Sentinels promote the replica.
    const [newMaster, duringFailover] = await Promise.all([sentinel.failover(), requestMints(urls, 60, 'during')]);
    const afterFailover = await requestMints(urls, 40, 'after');

    const accepted = [...beforeFailover, ...duringFailover, ...afterFailover];
    await waitAllConfirmed(database.url, accepted.length, 75_000);
    await expectMintedExactlyOnce(chain, database.url, accepted, { firstNonce, supplyBefore });

    // Both instances followed the master: the counter they use lives on the promoted node.
    expect(newMaster.port).not.toBe(oldMaster.port);
    const counterKey = `${first.config.redis.keyPrefix}nonce:{${chain.chainId}:${chain.backendAddress.toLowerCase()}}:next`;
    expect(BigInt((await ask(newMaster.port, 'GET', counterKey)) as string)).toBeGreaterThanOrEqual(firstNonce + BigInt(accepted.length));
    for (const app of [first.app, second]) {
      expect(((await app.get<RedisConnection>(REDIS)!.call('ROLE')) as unknown[])[0]).toBe('master');
    }
  }, 90_000);
});
