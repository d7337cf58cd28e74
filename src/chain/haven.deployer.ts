import { type Address, type Hash, type Hex, keccak256, toHex } from 'viem';

import { createBackendWalletClient, createHavenPublicClient, type HavenPublicClient, type RpcEndpoint } from './chain.clients';
import { havenAbi, havenBytecode } from './haven.abi';

export interface DeployHavenOptions extends RpcEndpoint {
  /** Pays for deployment and becomes DEFAULT_ADMIN_ROLE holder (it may grant and revoke roles). */
  deployerKey: Hex;
  /** The backend's hot wallet: receives MINTER, BURNER and PAUSER. May be the deployer itself. */
  minter: Address;
}

export class HavenDeploymentError extends Error {
  constructor(step: string, hash: Hash) {
    super(`HAVEN deployment failed at ${step} (transaction ${hash} reverted)`);
    this.name = 'HavenDeploymentError';
  }
}

const OPERATOR_ROLES = ['MINTER_ROLE', 'BURNER_ROLE', 'PAUSER_ROLE'] as const;
const RECEIPT_TIMEOUT_MS = 30_000;

/**
 * Deploys HAVEN and hands the operator roles to `minter`, waiting for every receipt, so the
 * returned address is ready to mint. For the embedded development chain and for tests;
 * production deployments go through the operator's own, audited procedure.
 */
export async function deployHaven(options: DeployHavenOptions): Promise<Address> {
  const publicClient = createHavenPublicClient(options);
  const walletClient = createBackendWalletClient(options, options.deployerKey);

  const deployHash = await walletClient.deployContract({
    abi: havenAbi,
    bytecode: havenBytecode,
    args: [walletClient.account.address],
  });
  const { contractAddress } = await confirmed(publicClient, 'deploy', deployHash);
  if (contractAddress == null) throw new HavenDeploymentError('deploy', deployHash);

  // The grants are independent: send all three with consecutive nonces and wait once, so an
  // interval-mining chain (2 s blocks) confirms them in one block instead of three.
  const nonce = await publicClient.getTransactionCount({ address: walletClient.account.address, blockTag: 'pending' });
  const grants = await Promise.all(
    OPERATOR_ROLES.map(async (role, index) => ({
      role,
      hash: await walletClient.writeContract({
        address: contractAddress,
        abi: havenAbi,
        functionName: 'grantRole',
        args: [keccak256(toHex(role)), options.minter],
        nonce: nonce + index,
      }),
    })),
  );
  for (const { role, hash } of grants) await confirmed(publicClient, `grantRole(${role})`, hash);
  return contractAddress;
}

async function confirmed(client: HavenPublicClient, step: string, hash: Hash) {
  // Bounded: a transaction the node lost must fail the deploy loudly, not hang it.
  const receipt = await client.waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS });
  if (receipt.status !== 'success') throw new HavenDeploymentError(step, hash);
  return receipt;
}
