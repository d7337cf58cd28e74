import { Test, type TestingModule } from '@nestjs/testing';

import { ConfigModule } from '../../src/config/config.module';
import { NonceModule } from '../../src/nonce/nonce.module';
import { NonceManager } from '../../src/nonce/nonce-manager.service';
import { RedisModule } from '../../src/redis/redis.module';
import { startTestChain, type TestChain } from '../support/chain';
import { testConfig } from '../support/config';

/**
 * Found by the soak campaign (docs/reliability.md): with fast finality, a nonce reserved,
 * stored, sent, mined and settled within one reconcile lease left the held list (which holds
 * only unsettled requests) while the chain count read before the lease was stale, so it was
 * recycled as "reserved but never stored" and handed out a second time.
 */
describe('NonceManager.reconcile and nonces settled during the lease', () => {
  let chain: TestChain;
  let module: TestingModule;

  beforeEach(async () => {
    chain = await startTestChain();
    module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(testConfig({ databaseUrl: 'postgres://unused', chain })), RedisModule, NonceModule],
    }).compile();
  });

  afterEach(async () => {
    await module.close();
    await chain.stop();
  });

  it('never recycles a nonce that was mined while the lease ran, though no unsettled request holds it any more', async () => {
    const nonces = module.get(NonceManager);
    const reserved = await nonces.reserve(chain.backendAddress);
    let reads = 0;

    const recycled = await nonces.reconcile(
      chain.backendAddress,
      async () => {
        if (++reads === 1) {
          // Not stored yet at the first read; then stored, sent and mined (final at once on
          // this chain), so the second read no longer lists it either.
          const hash = await chain.backendWallet.sendTransaction({ to: chain.backendAddress, value: 0n, nonce: Number(reserved) });
          await chain.publicClient.waitForTransactionReceipt({ hash });
        }
        return [];
      },
      { leaseMs: 50 },
    );

    expect(reads).toBe(2);
    expect(recycled).toEqual([]);
    expect(await nonces.reserve(chain.backendAddress)).toBe(reserved + 1n);
  });
});
