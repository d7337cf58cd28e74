import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';

import type Redis from 'ioredis';

import { closeConnection, createRedisConnection } from '../../src/redis/redis.connection';
import { TEST_REDIS_URL } from '../support/config';

/**
 * The shared connection sends the commands of one event-loop turn in one socket write: under
 * load every intake request counts against its rate limit here, and on loopback each write
 * costs the sender about as much as the command itself.
 */
const COUNTERS = Array.from({ length: 20 }, (_, i) => `counter-${i}`);

describe('the shared Redis connection', () => {
  let redis: Redis;
  const keyPrefix = `haven-test:${randomUUID()}:`;

  beforeAll(async () => {
    redis = createRedisConnection({ url: TEST_REDIS_URL, keyPrefix, commandTimeoutMs: 2_000 }) as Redis;
    await redis.ping();
  });

  afterAll(async () => {
    await redis.del(...COUNTERS);
    await closeConnection(redis);
  });

  it('sends the commands of one turn in one write, each answered with its own reply', async () => {
    const socket = (redis as unknown as { stream: Socket }).stream;
    const write = jest.spyOn(socket, 'write');

    const replies = await Promise.all(COUNTERS.map((counter, i) => redis.incrby(counter, i + 1)));

    expect(write).toHaveBeenCalledTimes(1);
    expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    write.mockRestore();
  });
});
