import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Address, createPublicClient, createTestClient, type Hex, http, parseEther, type TestClient } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { type BackendWalletClient, createBackendWalletClient, type HavenPublicClient } from '../../src/chain/chain.clients';
import { chainFromId } from '../../src/chain/chain.definition';
import { havenAbi } from '../../src/chain/haven.abi';
import { deployHaven } from '../../src/chain/haven.deployer';
import { AnvilProcess, freePort } from '../../src/embedded/anvil.process';

/** A fresh address nobody holds a key to in the test: a recipient with no history. */
export const newAddress = (): Address => privateKeyToAccount(generatePrivateKey()).address;

/** A holder's HAVEN balance in wei, read from the chain itself. */
export const havenBalanceOf = (chain: Pick<TestChain, 'publicClient' | 'contractAddress'>, holder: Address): Promise<bigint> =>
  chain.publicClient.readContract({ address: chain.contractAddress, abi: havenAbi, functionName: 'balanceOf', args: [holder] });

export interface TestChain {
  rpcUrl: string;
  chainId: number;
  contractAddress: Address;
  backendPrivateKey: Hex;
  backendAddress: Address;
  publicClient: HavenPublicClient;
  /** The backend's hot wallet: admin of HAVEN and holder of MINTER, BURNER and PAUSER. */
  backendWallet: BackendWalletClient;
  /** anvil's cheat codes: balances, snapshots, manual mining. */
  testClient: TestClient<'anvil'>;
  /** A fresh key with 100 ETH for gas and no role on HAVEN. */
  newWallet(): Promise<BackendWalletClient>;
  /** Stops anvil, which writes its state; `resumeNode` starts it again on the same port. */
  stopNode(): Promise<void>;
  resumeNode(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestChainOptions {
  /** Seconds between blocks; 0 (the default) mines each transaction at once, for speed. */
  blockTime?: number;
  automine?: boolean;
  /** Gas per block (anvil's `--gas-limit`); anvil's default when absent. */
  gasLimit?: bigint;
}

const GAS_MONEY = parseEther('100');
// viem sleeps one polling interval even after the receipt it waited for has arrived; a short
// one keeps tests fast and lets jest workers exit promptly after the last test.
const TEST_POLLING_INTERVAL_MS = 50;

/** A private anvil on a free port with HAVEN deployed by a freshly generated backend key. */
export async function startTestChain(options: TestChainOptions = {}): Promise<TestChain> {
  const stateDir = await mkdtemp(join(tmpdir(), 'haven-anvil-'));
  const anvilOptions = { host: '127.0.0.1', port: await freePort(), blockTime: 0, ...options, statePath: join(stateDir, 'state.json') };
  let anvil = await AnvilProcess.start(anvilOptions);
  try {
    const endpoint = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId };
    const testClient = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) });
    const newWallet = async (privateKey: Hex = generatePrivateKey()) => {
      const wallet = createBackendWalletClient(endpoint, privateKey);
      await testClient.setBalance({ address: wallet.account.address, value: GAS_MONEY });
      return wallet;
    };
    const backendPrivateKey = generatePrivateKey();
    const backendWallet = await newWallet(backendPrivateKey);
    const backendAddress = backendWallet.account.address;
    const contractAddress = await deployHaven({ ...endpoint, deployerKey: backendPrivateKey, minter: backendAddress });
    return {
      ...endpoint,
      contractAddress,
      backendPrivateKey,
      backendAddress,
      publicClient: createPublicClient({
        chain: chainFromId(anvil.chainId, anvil.rpcUrl),
        transport: http(anvil.rpcUrl),
        pollingInterval: TEST_POLLING_INTERVAL_MS,
      }),
      backendWallet,
      testClient,
      newWallet: () => newWallet(),
      stopNode: () => anvil.stop(),
      resumeNode: async () => {
        anvil = await AnvilProcess.start(anvilOptions);
      },
      stop: async () => {
        await anvil.stop();
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await anvil.stop();
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
}
