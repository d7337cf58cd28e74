import { type Address, BaseError, ContractFunctionRevertedError, type Hash, type Hex, parseEther, parseEventLogs, zeroAddress } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';

import type { BackendWalletClient } from '../../src/chain/chain.clients';
import { havenAbi } from '../../src/chain/haven.abi';
import { startTestChain, type TestChain } from '../support/chain';

/** The custom error a call reverted with, as decoded from the contract's ABI. */
async function revertOf(call: Promise<unknown>): Promise<{ errorName?: string; args?: readonly unknown[] }> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof BaseError)) throw new Error(`Expected a revert, got ${String(error)}`);
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) throw error;
  return { errorName: reverted.data?.errorName, args: reverted.data?.args };
}

const randomAddress = (): Address => privateKeyToAddress(generatePrivateKey());

describe('HAVEN contract', () => {
  let chain: TestChain;
  let backend: BackendWalletClient;
  let user: BackendWalletClient;
  let snapshot: Hex;
  let address: Address;

  const read = {
    balanceOf: (account: Address) =>
      chain.publicClient.readContract({ address, abi: havenAbi, functionName: 'balanceOf', args: [account] }),
    totalSupply: () => chain.publicClient.readContract({ address, abi: havenAbi, functionName: 'totalSupply' }),
    role: (name: 'MINTER_ROLE' | 'BURNER_ROLE' | 'PAUSER_ROLE') =>
      chain.publicClient.readContract({ address, abi: havenAbi, functionName: name }),
  };

  async function mined(hash: Hash) {
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt;
  }

  async function mint(to: Address, amount: bigint, reason = 'test reward') {
    return mined(await backend.writeContract({ address, abi: havenAbi, functionName: 'mint', args: [to, amount, reason] }));
  }

  beforeAll(async () => {
    chain = await startTestChain();
    backend = chain.backendWallet;
    address = chain.contractAddress;
    user = await chain.newWallet();
  });

  afterAll(() => chain?.stop());

  // Every test starts from the freshly deployed contract, whatever the previous one minted or paused.
  beforeEach(async () => {
    snapshot = await chain.testClient.snapshot();
  });
  afterEach(() => chain.testClient.revert({ id: snapshot }));

  it('is named HAVEN, with symbol HAVEN and 18 decimals', async () => {
    const call = (functionName: 'name' | 'symbol' | 'decimals') =>
      chain.publicClient.readContract({ address, abi: havenAbi, functionName });
    await expect(Promise.all([call('name'), call('symbol'), call('decimals')])).resolves.toEqual(['HAVEN', 'HAVEN', 18]);
  });

  it('gives the deployer DEFAULT_ADMIN and the backend MINTER, BURNER and PAUSER', async () => {
    const hasRole = async (role: Hex) =>
      chain.publicClient.readContract({ address, abi: havenAbi, functionName: 'hasRole', args: [role, chain.backendAddress] });
    const roles = [await read.role('MINTER_ROLE'), await read.role('BURNER_ROLE'), await read.role('PAUSER_ROLE')];
    const defaultAdmin = await chain.publicClient.readContract({ address, abi: havenAbi, functionName: 'DEFAULT_ADMIN_ROLE' });
    await expect(Promise.all([defaultAdmin, ...roles].map(hasRole))).resolves.toEqual([true, true, true, true]);
  });

  describe('mint', () => {
    it('credits the recipient and emits Minted with the reason', async () => {
      const to = randomAddress();
      const receipt = await mint(to, parseEther('12.5'), 'hotel stay #4411');

      const [event] = parseEventLogs({ abi: havenAbi, logs: receipt.logs, eventName: 'Minted' });
      expect(event.args).toEqual({ to, amount: parseEther('12.5'), reason: 'hotel stay #4411' });
      await expect(read.balanceOf(to)).resolves.toBe(parseEther('12.5'));
      await expect(read.totalSupply()).resolves.toBe(parseEther('12.5'));
    });

    it('is refused to an account without MINTER_ROLE', async () => {
      const call = user.writeContract({ address, abi: havenAbi, functionName: 'mint', args: [user.account.address, 1n, 'self'] });
      await expect(revertOf(call)).resolves.toEqual({
        errorName: 'AccessControlUnauthorizedAccount',
        args: [user.account.address, await read.role('MINTER_ROLE')],
      });
    });

    it('rejects a zero amount and the zero address', async () => {
      const simulate = (to: Address, amount: bigint) =>
        chain.publicClient.simulateContract({
          account: backend.account,
          address,
          abi: havenAbi,
          functionName: 'mint',
          args: [to, amount, 'bad'],
        });
      await expect(revertOf(simulate(randomAddress(), 0n))).resolves.toMatchObject({ errorName: 'ZeroAmount' });
      await expect(revertOf(simulate(zeroAddress, 1n))).resolves.toMatchObject({ errorName: 'ERC20InvalidReceiver' });
    });
  });

  describe('batchMint', () => {
    const batch = (recipients: Address[], amounts: bigint[]) =>
      backend.writeContract({ address, abi: havenAbi, functionName: 'batchMint', args: [recipients, amounts, 'campaign'] });

    it('mints to 100 recipients in one transaction, one Minted event each', async () => {
      const recipients = Array.from({ length: 100 }, randomAddress);
      const amounts = recipients.map((_, index) => BigInt(index + 1) * 10n ** 18n);

      const receipt = await mined(await batch(recipients, amounts));

      const events = parseEventLogs({ abi: havenAbi, logs: receipt.logs, eventName: 'Minted' });
      expect(events.map((event) => event.args)).toEqual(
        recipients.map((to, index) => ({ to, amount: amounts[index], reason: 'campaign' })),
      );
      await expect(read.balanceOf(recipients[99])).resolves.toBe(100n * 10n ** 18n);
      await expect(read.totalSupply()).resolves.toBe(5050n * 10n ** 18n);
    });

    it('refuses 101 recipients and an empty batch with BatchSizeOutOfRange', async () => {
      const recipients = Array.from({ length: 101 }, randomAddress);
      await expect(
        revertOf(
          batch(
            recipients,
            recipients.map(() => 1n),
          ),
        ),
      ).resolves.toEqual({
        errorName: 'BatchSizeOutOfRange',
        args: [101n, 100n],
      });
      await expect(revertOf(batch([], []))).resolves.toEqual({ errorName: 'BatchSizeOutOfRange', args: [0n, 100n] });
    });

    it('refuses recipients and amounts of different lengths with BatchLengthMismatch', async () => {
      await expect(revertOf(batch([randomAddress(), randomAddress()], [1n]))).resolves.toEqual({
        errorName: 'BatchLengthMismatch',
        args: [2n, 1n],
      });
    });
  });

  describe('burnFrom', () => {
    it('lets the burner redeem a custodial balance without any allowance, emitting Burned', async () => {
      await mint(user.account.address, parseEther('10'));
      const allowance = await chain.publicClient.readContract({
        address,
        abi: havenAbi,
        functionName: 'allowance',
        args: [user.account.address, chain.backendAddress],
      });
      expect(allowance).toBe(0n);

      const hash = await backend.writeContract({
        address,
        abi: havenAbi,
        functionName: 'burnFrom',
        args: [user.account.address, parseEther('4'), 'redeemed for a night'],
      });
      const receipt = await mined(hash);

      const [event] = parseEventLogs({ abi: havenAbi, logs: receipt.logs, eventName: 'Burned' });
      expect(event.args).toEqual({ from: user.account.address, amount: parseEther('4'), reason: 'redeemed for a night' });
      await expect(read.balanceOf(user.account.address)).resolves.toBe(parseEther('6'));
      await expect(read.totalSupply()).resolves.toBe(parseEther('6'));
    });

    it('is refused to an account without BURNER_ROLE, even the holder itself', async () => {
      await mint(user.account.address, parseEther('1'));
      const call = user.writeContract({
        address,
        abi: havenAbi,
        functionName: 'burnFrom',
        args: [user.account.address, 1n, 'self'],
      });
      await expect(revertOf(call)).resolves.toEqual({
        errorName: 'AccessControlUnauthorizedAccount',
        args: [user.account.address, await read.role('BURNER_ROLE')],
      });
    });

    it('cannot burn more than the balance', async () => {
      await mint(user.account.address, 5n);
      const call = backend.writeContract({ address, abi: havenAbi, functionName: 'burnFrom', args: [user.account.address, 6n, 'x'] });
      await expect(revertOf(call)).resolves.toEqual({
        errorName: 'ERC20InsufficientBalance',
        args: [user.account.address, 5n, 6n],
      });
    });
  });

  describe('pause', () => {
    it('blocks transfers and mints until unpaused', async () => {
      await mint(user.account.address, parseEther('3'));
      await mined(await backend.writeContract({ address, abi: havenAbi, functionName: 'pause' }));
      const transfer = () =>
        user.writeContract({ address, abi: havenAbi, functionName: 'transfer', args: [chain.backendAddress, parseEther('1')] });

      await expect(revertOf(transfer())).resolves.toMatchObject({ errorName: 'EnforcedPause' });
      await expect(revertOf(mint(user.account.address, 1n))).resolves.toMatchObject({ errorName: 'EnforcedPause' });

      await mined(await backend.writeContract({ address, abi: havenAbi, functionName: 'unpause' }));
      await mined(await transfer());
      await expect(read.balanceOf(chain.backendAddress)).resolves.toBe(parseEther('1'));
    });

    it('is refused to an account without PAUSER_ROLE', async () => {
      const call = user.writeContract({ address, abi: havenAbi, functionName: 'pause' });
      await expect(revertOf(call)).resolves.toEqual({
        errorName: 'AccessControlUnauthorizedAccount',
        args: [user.account.address, await read.role('PAUSER_ROLE')],
      });
    });
  });
});
