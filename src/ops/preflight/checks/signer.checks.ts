import { formatEther } from 'viem';

import { havenAbi } from '../../../chain/haven.abi';
import { type CheckRow, fail, pass, type PreflightCheck, warn } from '../preflight.check';
import type { PreflightResources } from '../preflight.resources';

const REQUIRED_ROLES = ['MINTER_ROLE', 'BURNER_ROLE'] as const;

/** The signer may mint and burn: the role ids are read from the contract itself, then `hasRole` for each. */
export function signerRolesCheck(resources: PreflightResources): PreflightCheck {
  const { chain, config } = resources;
  const address = config.chain.contractAddress;
  return {
    name: 'signer roles',
    async run(): Promise<CheckRow> {
      const signer = await resources.signerAddress();
      const held = await Promise.all(
        REQUIRED_ROLES.map(async (role) => {
          const roleId = await chain.readContract({ address, abi: havenAbi, functionName: role });
          return chain.readContract({ address, abi: havenAbi, functionName: 'hasRole', args: [roleId, signer] });
        }),
      );
      const missing = REQUIRED_ROLES.filter((_role, index) => !held[index]);
      if (missing.length > 0) return fail('signer roles', `signer ${signer} lacks ${missing.join(' and ')}`);
      return pass('signer roles', `signer ${signer} holds ${REQUIRED_ROLES.join(' and ')}`);
    },
  };
}

/**
 * The signer can pay for gas. Empty fails (nothing could be sent); below HOT_WALLET_MIN_BALANCE_ETH
 * warns, as the service's own monitor will once it runs.
 */
export function signerGasCheck(resources: PreflightResources): PreflightCheck {
  const minimum = resources.config.monitoring.hotWalletMinBalanceWei;
  return {
    name: 'signer gas',
    async run(): Promise<CheckRow> {
      const signer = await resources.signerAddress();
      const balance = await resources.chain.getBalance({ address: signer });
      const figures = `${formatEther(balance)} ETH (minimum ${formatEther(minimum)} ETH)`;
      if (balance === 0n) return fail('signer gas', `signer ${signer} holds no ETH: ${figures}`);
      if (balance < minimum) return warn('signer gas', `below HOT_WALLET_MIN_BALANCE_ETH: ${figures}`);
      return pass('signer gas', figures);
    },
  };
}
