import { ApiProperty } from '@nestjs/swagger';

import type { NonceStatus } from '../nonce-manager.service';

const text = (nonces: readonly bigint[]): string[] => nonces.map(String);

/** A sending wallet's nonces in JSON: decimal strings, since nonces are unbounded integers. */
export class NonceStatusDto {
  @ApiProperty({ example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }) address!: string;
  @ApiProperty() chain_id!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Next never-used nonce in the store; null before first use' })
  counter!: string | null;
  @ApiProperty({ description: 'Nonce of the next transaction to be mined: everything below is final' }) chain_latest!: string;
  @ApiProperty({ description: "The same, including the node's mempool" }) chain_pending!: string;
  @ApiProperty({ description: "Nonces handed out above the chain's mined count, broadcast or not" }) ahead!: string;
  @ApiProperty({ type: [String], description: 'Nonces of stored transactions not yet mined' }) in_flight!: string[];
  @ApiProperty({ type: [String], description: 'Nonces given back, handed out again first' }) recycled!: string[];
  @ApiProperty({ type: [String], description: 'Reserved, yet neither stored nor recycled: a hole transactions above it wait behind' })
  gaps!: string[];

  static from(status: NonceStatus): NonceStatusDto {
    return {
      address: status.address,
      chain_id: status.chainId,
      counter: status.counter?.toString() ?? null,
      chain_latest: status.chain.latest.toString(),
      chain_pending: status.chain.pending.toString(),
      ahead: status.ahead.toString(),
      in_flight: text(status.inFlight),
      recycled: text(status.recycled),
      gaps: text(status.gaps),
    };
  }
}

/** After a reset: the rebuilt status, plus the fields the Python backend's admin API answered with. */
export class NonceResetDto extends NonceStatusDto {
  @ApiProperty({ example: 'success', description: 'Python backend field' }) status!: 'success';
  @ApiProperty({ description: 'Python backend field: what was done' }) message!: string;
  @ApiProperty({ description: 'Python backend field: the same as `address`' }) wallet_address!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Python backend field: the next nonce handed out (the rebuilt counter)' })
  new_nonce!: number | null;

  static override from(status: NonceStatus): NonceResetDto {
    const view = NonceStatusDto.from(status);
    return {
      ...view,
      status: 'success',
      message: `Nonce counter rebuilt from the chain and stored transactions; next nonce ${view.counter ?? 'unset'}`,
      wallet_address: view.address,
      new_nonce: status.counter === null ? null : Number(status.counter),
    };
  }
}

/** The same status with in-flight nonces and gaps counted, for the monitoring summary. */
export type NonceSummary = Pick<NonceStatusDto, 'address' | 'counter' | 'chain_pending' | 'ahead'> & { in_flight: number; gaps: number };

export function nonceSummary(status: NonceStatus): NonceSummary {
  const { address, counter, chain_pending, ahead, in_flight, gaps } = NonceStatusDto.from(status);
  return { address, counter, chain_pending, ahead, in_flight: in_flight.length, gaps: gaps.length };
}
