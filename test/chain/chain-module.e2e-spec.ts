import { Test, type TestingModule } from '@nestjs/testing';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';

import { type BackendWalletClient, WALLET_CLIENT } from '../../src/chain/chain.clients';
import { ChainUnavailableError } from '../../src/chain/chain.errors';
import { ChainModule } from '../../src/chain/chain.module';
import { ChainReader } from '../../src/chain/chain.reader';
import { havenAbi } from '../../src/chain/haven.abi';
import { HavenTokenService } from '../../src/chain/haven-token.service';
import { ConfigModule } from '../../src/config/config.module';
import { RedisModule } from '../../src/redis/redis.module';
import { startTestChain, type TestChain } from '../support/chain';
import { testConfig } from '../support/config';
import { connectionCounter } from '../support/processes';

// The chain module never opens the database; the URL only completes the configuration.
const UNUSED_DATABASE_URL = 'postgres://unused@127.0.0.1:1/unused';

function compileChainModule(chain: Parameters<typeof testConfig>[0]['chain']): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [ConfigModule.forRoot(testConfig({ databaseUrl: UNUSED_DATABASE_URL, chain, redisUrl: null })), RedisModule, ChainModule],
  }).compile();
}

describe('ChainModule', () => {
  let chain: TestChain;
  let moduleRef: TestingModule;
  let token: HavenTokenService;

  beforeAll(async () => {
    chain = await startTestChain();
    moduleRef = await compileChainModule(chain);
    token = moduleRef.get(HavenTokenService);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await chain?.stop();
  });

  it('reads the configured token as HAVEN with 18 decimals', async () => {
    await expect(token.symbol()).resolves.toBe('HAVEN');
    await expect(token.decimals()).resolves.toBe(18);
    expect(token.address).toBe(chain.contractAddress);
  });

  it('reports balances and total supply after a mint, as bigint wei', async () => {
    const holder = privateKeyToAddress(generatePrivateKey());
    await expect(token.balanceOf(holder)).resolves.toBe(0n);

    const hash = await chain.backendWallet.writeContract({
      address: chain.contractAddress,
      abi: havenAbi,
      functionName: 'mint',
      args: [holder, parseEther('42.000000000000000001'), 'welcome bonus'],
    });
    await chain.publicClient.waitForTransactionReceipt({ hash });

    await expect(token.balanceOf(holder)).resolves.toBe(42n * 10n ** 18n + 1n);
    await expect(token.totalSupply()).resolves.toBe(42n * 10n ** 18n + 1n);
  });

  it('signs with the backend key from configuration', () => {
    const wallet = moduleRef.get<BackendWalletClient>(WALLET_CLIENT);
    expect(wallet.account.address).toBe(chain.backendAddress);
    expect(wallet.chain.id).toBe(chain.chainId);
  });

  it('reads the latest block for health checks', async () => {
    const block = await moduleRef.get(ChainReader).latestBlock();
    await expect(chain.publicClient.getBlockNumber({ cacheTime: 0 })).resolves.toBe(block.number);
    expect(block.timestamp).toBeGreaterThan(0n);
  });

  describe('when the chain cannot answer', () => {
    it('raises ChainUnavailableError after at most one retry when the RPC drops connections', async () => {
      const rpc = await connectionCounter();
      const offline = await compileChainModule({ ...chain, rpcUrl: `http://127.0.0.1:${rpc.port}` });
      try {
        await expect(offline.get(HavenTokenService).symbol()).rejects.toBeInstanceOf(ChainUnavailableError);
        expect(rpc.count()).toBeGreaterThanOrEqual(1);
        expect(rpc.count()).toBeLessThanOrEqual(2);
      } finally {
        await offline.close();
        await rpc.close();
      }
    });

    it('raises ChainUnavailableError if no contract is deployed at the configured address', async () => {
      const wrong = await compileChainModule({ ...chain, contractAddress: privateKeyToAddress(generatePrivateKey()) });
      try {
        await expect(wrong.get(HavenTokenService).balanceOf(chain.backendAddress)).rejects.toMatchObject({
          code: 'SERVICE_UNAVAILABLE',
          details: { operation: 'balanceOf' },
        });
      } finally {
        await wrong.close();
      }
    });
  });
});
