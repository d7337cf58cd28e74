import { ApiProperty } from '@nestjs/swagger';

import { type Transaction, TRANSACTION_STATUSES } from '../../transactions/transaction.entity';
import { formatTokenAmount } from '../token-amount';

class TransactionErrorDto {
  @ApiProperty({ example: 'TRANSACTION_REVERTED' }) code!: string;
  @ApiProperty() message!: string;
}

/** What a client sees of a request; wei and block figures are strings (they exceed JS numbers). */
export class TransactionResponseDto {
  @ApiProperty({ format: 'uuid' }) txId!: string;
  @ApiProperty({ enum: ['mint', 'burn'] }) kind!: string;
  @ApiProperty({
    enum: TRANSACTION_STATUSES,
    description:
      'mined: in a block, awaiting confirmations; reorged: its block left the chain, in flight again with the same signed transaction',
  })
  status!: string;
  @ApiProperty({ description: 'The client (API key name) that created it' }) clientId!: string;
  @ApiProperty() userId!: string;
  @ApiProperty({ description: 'Recipient of a mint, holder of a burn' }) address!: string;
  @ApiProperty({ example: '12.5' }) amount!: string;
  @ApiProperty({ example: '12500000000000000000' }) amountWei!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() chainId!: number;
  @ApiProperty({ nullable: true, type: String }) txHash!: string | null;
  @ApiProperty({ nullable: true, type: String }) nonce!: string | null;
  @ApiProperty({ nullable: true, type: String }) blockNumber!: string | null;
  @ApiProperty({ nullable: true, type: String }) blockHash!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Blocks including and on top of its block when last checked' })
  confirmations!: number | null;
  @ApiProperty({ description: 'Times its block was reorged out of the chain' }) reorgCount!: number;
  @ApiProperty({ nullable: true, type: String }) gasUsed!: string | null;
  @ApiProperty({ nullable: true, type: String }) effectiveGasPrice!: string | null;
  @ApiProperty({ nullable: true, type: TransactionErrorDto }) error!: TransactionErrorDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true, type: String }) confirmedAt!: string | null;

  static from(row: Transaction): TransactionResponseDto {
    const text = (value: bigint | null) => (value === null ? null : value.toString());
    return {
      txId: row.id,
      kind: row.kind,
      status: row.status,
      clientId: row.clientId,
      userId: row.userId,
      address: row.address,
      amount: formatTokenAmount(row.amount),
      amountWei: row.amount.toString(),
      reason: row.reason,
      chainId: row.chainId,
      txHash: row.txHash,
      nonce: text(row.nonce),
      blockNumber: text(row.blockNumber),
      blockHash: row.blockHash,
      confirmations: row.confirmations,
      reorgCount: row.reorgCount,
      gasUsed: text(row.gasUsed),
      effectiveGasPrice: text(row.effectiveGasPrice),
      error: row.errorCode === null ? null : { code: row.errorCode, message: row.errorMessage ?? '' },
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      confirmedAt: row.confirmedAt?.toISOString() ?? null,
    };
  }
}

export class TransactionPageDto {
  @ApiProperty({ type: [TransactionResponseDto] }) items!: TransactionResponseDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}

export class BalanceResponseDto {
  @ApiProperty() address!: string;
  @ApiProperty({ example: '12.5' }) balance!: string;
  @ApiProperty({ example: '12500000000000000000' }) balanceWei!: string;
}
