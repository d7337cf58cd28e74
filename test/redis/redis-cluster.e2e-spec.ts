import type { Server } from 'node:http';

import type { INestApplication } from '@nestjs/common';
import { Cluster } from 'ioredis';

import { CircuitBreakerOpenError } from '../../src/circuit-breaker/circuit-breaker.errors';
import { CircuitBreakerRegistry } from '../../src/circuit-breaker/circuit-breaker.registry';
import type { AppConfig } from '../../src/config';
import { REDIS, type RedisConnection } from '../../src/redis/redis.module';
import { createTestApplication, startTestApp, type TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { type LocalRedisCluster, startRedisCluster } from '../support/redis-ha';
import { baseUrl, expectMintedExactlyOnce, requestMints, totalSupply, waitAllConfirmed } from './mint-run';

const ANONYMOUS_PER_MINUTE = 5;

/**
 * Two instances of the service (same database, chain and key prefix) whose only Redis is a
 * real three-master Redis Cluster: every script's keys must share a slot, and breaker
 * changes must reach the other instance through the cluster's pub/sub.
 */
describe('the service on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let first: TestApp;
  let second: INestApplication;
  let servers: Server[];
  let raw: Cluster;

  const onCluster = (config: AppConfig): AppConfig => ({
    ...config,
    redis: { ...config.redis, url: undefined, cluster: { nodes: cluster.nodes } },
    rateLimits: { ...config.rateLimits, anonymousPerMinute: ANONYMOUS_PER_MINUTE },
    // Unbatched: one transaction, and one nonce, per request.
    pipeline: { ...config.pipeline, batchMintMaxSize: 1 },
  });

  beforeAll(async () => {
    cluster = await startRedisCluster();
    first = await startTestApp({ config: onCluster, chain: { blockTime: 1 } });
    second = await createTestApplication(first.config);
    await second.listen(0, '127.0.0.1');
    servers = [first.server, second.getHttpServer() as Server];
    raw = new Cluster(cluster.nodes);
  }, 90_000);

  afterAll(async () => {
    await raw?.quit();
    await second?.close();
    await first?.close();
    await cluster?.stop();
  });

  it('connects both instances to the cluster itself, under the configured key prefix applied once', async () => {
    for (const app of [first.app, second]) expect(app.get<RedisConnection>(REDIS)).toBeInstanceOf(Cluster);
    const redis = first.app.get<RedisConnection>(REDIS)!;

    await redis.set('probe:{prefix}', 'here');

    expect(await raw.get(`${first.config.redis.keyPrefix}probe:{prefix}`)).toBe('here');
    expect(await raw.get('probe:{prefix}')).toBeNull();
  });

  it('refuses a script over keys of different slots, which is why each script shares one hash tag', async () => {
    const script = "return redis.call('EXISTS', KEYS[1], KEYS[2])";

    await expect(raw.eval(script, 2, 'haven:circuit-breaker:blockchain', 'haven:circuit-breaker:blockchain:probe')).rejects.toThrow(
      /CROSSSLOT/,
    );
    expect(await raw.eval(script, 2, 'haven:circuit-breaker:{blockchain}', 'haven:circuit-breaker:{blockchain}:probe')).toBe(0);
  });

  it('confirms 150 concurrent mints sent to both instances exactly once, with contiguous unique nonces', async () => {
    const { chain, database } = first;
    const firstNonce = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }));
    const supplyBefore = await totalSupply(chain);

    const accepted = await requestMints(servers.map(baseUrl), 150, 'cluster');
    await waitAllConfirmed(database.url, 150, 75_000);

    await expectMintedExactlyOnce(chain, database.url, accepted, { firstNonce, supplyBefore });
    // The counter lives in the cluster, under the wallet's hash tag.
    const counter = await raw.get(`${first.config.redis.keyPrefix}nonce:{${chain.chainId}:${chain.backendAddress.toLowerCase()}}:next`);
    expect(BigInt(counter!)).toBeGreaterThanOrEqual(firstNonce + 150n);
  }, 90_000);

  it('opens a breaker on both instances when one trips it, through the cluster', async () => {
    const [a, b] = [first.app.get(CircuitBreakerRegistry), second.get(CircuitBreakerRegistry)];
    const onB = b.register('default');
    const outage = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    // Its own breaker name: the pipeline's blockchain breaker must stay closed for the mints.
    for (let i = 0; i < 5; i++)
      await a
        .register('default')
        .execute(outage)
        .catch(() => undefined);

    expect(a.get('default')!.snapshot.state).toBe('open');
    // B learns it from the change A published, without a call of its own.
    await eventually(() => expect(onB.snapshot.state).toBe('open'), { timeoutMs: 5_000, intervalMs: 20 });
    await expect(onB.execute(async () => 'called')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
  });

  it('holds the anonymous rate limit for the sum of the requests to both instances', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${baseUrl(servers[i % 2])}/health`)));

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 429)).toHaveLength(12 - ANONYMOUS_PER_MINUTE);
    expect(statuses.filter((status) => status !== 429)).toHaveLength(ANONYMOUS_PER_MINUTE);
  });
});
