import { Test, type TestingModule } from '@nestjs/testing';

import { ConfigModule } from '../../src/config/config.module';
import { NonceModule } from '../../src/nonce/nonce.module';
import { NonceManager } from '../../src/nonce/nonce-manager.service';
import { RedisModule } from '../../src/redis/redis.module';
import { startTestChain, type TestChain } from '../support/chain';
import { testConfig } from '../support/config';

describe('NonceManager', () => {
  let chain: TestChain;
  const modules: TestingModule[] = [];
  /** Instances of one test share their Redis keys, as a fleet does. */
  let keyPrefix: string;

  /** One module = one service instance with its own Redis connection. */
  async function instance(options: { redis: boolean } = { redis: true }): Promise<NonceManager> {
    const base = testConfig({ databaseUrl: 'postgres://unused', chain, redisUrl: options.redis ? undefined : null });
    const config = { ...base, redis: { ...base.redis, keyPrefix } };
    const module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), RedisModule, NonceModule],
    }).compile();
    modules.push(module);
    return module.get(NonceManager);
  }

  beforeEach(async () => {
    keyPrefix = testConfig({ databaseUrl: 'postgres://unused', chain: {} as TestChain }).redis.keyPrefix;
    chain = await startTestChain();
  });

  afterEach(async () => {
    await Promise.all(modules.splice(0).map((module) => module.close()));
    await chain.stop();
  });

  it('starts from the chain pending count on first use', async () => {
    const pending = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }));
    const nonces = await instance();

    expect(pending).toBeGreaterThan(0n);
    expect(await nonces.reserve(chain.backendAddress)).toBe(pending);
    expect(await nonces.reserve(chain.backendAddress)).toBe(pending + 1n);
  });

  it('never gives two instances the same nonce, and leaves no hole', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    const reserved = await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? a : b).reserve(chain.backendAddress)));
    const sorted = reserved.map(Number).sort((x, y) => x - y);

    expect(new Set(sorted).size).toBe(400);
    expect(sorted[sorted.length - 1] - sorted[0]).toBe(399);
  });

  it('works the same in process when there is no Redis', async () => {
    const nonces = await instance({ redis: false });
    const first = await nonces.reserve(chain.backendAddress);

    expect(await Promise.all([1, 2, 3].map(() => nonces.reserve(chain.backendAddress)))).toEqual([first + 1n, first + 2n, first + 3n]);
  });

  it('catches up with a chain that moved past the counter, and never moves backwards', async () => {
    const nonces = await instance();
    const first = await nonces.reserve(chain.backendAddress);
    for (let i = 0; i < 3; i++) {
      // Another sender uses the same key: the chain moves, the counter does not know.
      const hash = await chain.backendWallet.sendTransaction({ to: chain.backendAddress, value: 0n, nonce: Number(first) + i });
      await chain.publicClient.waitForTransactionReceipt({ hash });
    }

    expect(await nonces.syncFromChain(chain.backendAddress)).toBe(first + 3n);
    expect(await nonces.reserve(chain.backendAddress)).toBe(first + 3n);
    await nonces.release(chain.backendAddress, [first + 10n]);
    expect(await nonces.syncFromChain(chain.backendAddress)).toBe(first + 4n);
  });

  it('recycles nonces reserved but never stored, once the lease has passed, lowest first', async () => {
    const nonces = await instance();
    const [stored, lost1, lost2] = [
      await nonces.reserve(chain.backendAddress),
      await nonces.reserve(chain.backendAddress),
      await nonces.reserve(chain.backendAddress),
    ];
    let reads = 0;

    const recycled = await nonces.reconcile(
      chain.backendAddress,
      async () => (++reads === 1 ? [stored] : [stored, lost2]), // lost2 reaches the database late
      { leaseMs: 50 },
    );

    expect(recycled).toEqual([lost1]);
    expect(await nonces.reserve(chain.backendAddress)).toBe(lost1);
    expect(await nonces.reserve(chain.backendAddress)).toBe(lost2 + 1n);
  });

  it('rebuilds a counter lost with Redis above every stored nonce, and never lets a floor recreate it lower', async () => {
    const nonces = await instance();
    const pending = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }));
    // Signed and stored, not yet broadcast: the chain's counts know nothing of them.
    const stored = [pending + 5n, pending + 6n];
    nonces.useStoredNonces(async () => stored);
    await nonces.reserve(chain.backendAddress);
    await nonces.reset(chain.backendAddress); // Redis restarted or evicted the key

    // "nonce too low" handling and reconciliation only raise an existing counter.
    expect(await nonces.syncFromChain(chain.backendAddress)).toBeNull();
    expect(await nonces.reconcile(chain.backendAddress, async () => stored, { leaseMs: 10 })).toEqual([]);
    expect((await nonces.status(chain.backendAddress)).counter).toBeNull();
    // The next reservation initialises it above the chain and the stored nonces alike.
    expect(await nonces.reserve(chain.backendAddress)).toBe(pending + 7n);
  });

  it('takes back nonces recycled while their store was committing', async () => {
    const nonces = await instance();
    const [a, b] = [await nonces.reserve(chain.backendAddress), await nonces.reserve(chain.backendAddress)];
    await nonces.release(chain.backendAddress, [a]);

    expect(await nonces.withdrawRecycled(chain.backendAddress, [a, b])).toBe(1);
    expect(await nonces.reserve(chain.backendAddress)).toBe(b + 1n);
  });

  it('reports the counter against the chain for operators', async () => {
    const nonces = await instance();
    const first = await nonces.reserve(chain.backendAddress);
    await nonces.reserve(chain.backendAddress);
    const status = await nonces.status(chain.backendAddress);

    expect(status.counter).toBe(first + 2n);
    expect(status.chain).toEqual({ latest: first, pending: first });
    expect(status.ahead).toBe(2n);
    expect(status.inFlight).toEqual([]);
    expect(status.gaps).toEqual([first, first + 1n]);
    await nonces.reset(chain.backendAddress);
    expect((await nonces.status(chain.backendAddress)).counter).toBeNull();
  });
});
