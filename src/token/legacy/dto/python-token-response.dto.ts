import { ApiProperty } from '@nestjs/swagger';

/** The Python backend's answer to a mint or redemption. */
export class PythonTransactionResponseDto {
  @ApiProperty({
    enum: ['queued', 'duplicate'],
    description: 'duplicate: the idempotency_key was seen before; tx_id is the first request’s and nothing more is sent',
  })
  status!: 'queued' | 'duplicate';

  @ApiProperty({ format: 'uuid', description: 'Follow it at GET /api/v1/transactions/{txId}' })
  tx_id!: string;

  @ApiProperty({ example: 'Mint queued' })
  message!: string;
}

/** The Python backend's balance answer; amounts as exact decimal strings. */
export class PythonBalanceResponseDto {
  @ApiProperty({ example: 'guest-42' }) user_id!: string;
  @ApiProperty({ example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', description: 'The user’s active custodial wallet' })
  wallet_address!: string;
  @ApiProperty({ example: '12.5', description: 'Whole HAVEN as an exact decimal string' }) balance!: string;
  @ApiProperty({ example: '12500000000000000000', description: 'The same balance in wei' }) balance_wei!: string;
}
