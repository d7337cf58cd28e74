import { decodeErrorResult, type Hex } from 'viem';

import { havenAbi } from './haven.abi';

/**
 * Names a HAVEN revert in words an operator can act on — `ERC20InsufficientBalance(...)`
 * rather than a selector and hex. Nodes return the revert data in different places, so
 * every layer of the error is searched for it.
 */
export function describeRevert(error: unknown): string | undefined {
  const data = findRevertData(error);
  if (data === undefined) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: havenAbi, data });
    const args = (decoded.args ?? []).map((arg) => String(arg)).join(', ');
    return `${decoded.errorName}(${args})`;
  } catch {
    return `unknown revert ${data.slice(0, 10)}`;
  }
}

function findRevertData(error: unknown): Hex | undefined {
  let current: unknown = error;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 8; depth++) {
    const { data, details, message } = current as { data?: unknown; details?: unknown; message?: unknown };
    if (typeof data === 'string' && /^0x[0-9a-fA-F]{8,}$/.test(data)) return data as Hex;
    if (typeof data === 'object' && data !== null && typeof (data as { data?: unknown }).data === 'string') {
      return (data as { data: Hex }).data;
    }
    for (const text of [details, message]) {
      const match = typeof text === 'string' ? /custom error (0x[0-9a-fA-F]{8}):?\s*([0-9a-fA-F]*)/.exec(text) : null;
      if (match) return `${match[1]}${match[2]}` as Hex;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
