import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsObject } from 'class-validator';

import { redactSecrets } from '../../common/redaction';
import type { ItemOutcome } from '../mint-batch-item-outcome';
import { MintRequestDto } from './token-request.dto';
import { TransactionResponseDto } from './transaction-response.dto';

const MAX_ITEMS = 1000;

/** One mint of a batch: the single route's body plus its own Idempotency-Key. For the API docs. */
export class MintBatchItemDto extends MintRequestDto {
  @ApiProperty({
    example: 'order-4411-bonus',
    pattern: '^[A-Za-z0-9_.:-]{1,255}$',
    description: 'This item’s Idempotency-Key, in the same key space as the header of POST /api/v1/token/mint',
  })
  idempotencyKey!: string;
}

/**
 * Only the envelope is validated here (an array of JSON objects: anything else is not a batch
 * of mints at all); the fields of each item are checked by the intake (`parseMintItem`), so
 * that one bad item is refused alone instead of failing the batch.
 */
export class MintBatchRequestDto {
  @ApiProperty({ type: [MintBatchItemDto], minItems: 1, maxItems: MAX_ITEMS })
  @IsArray()
  @IsObject({ each: true })
  items!: Array<Record<string, unknown>>;
}

class ItemErrorDto {
  @ApiProperty({ example: 'INVALID_AMOUNT', description: 'The code the single route would answer' }) code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: unknown;
}

export class MintBatchItemResultDto {
  @ApiProperty({ description: 'Position of the item in the request' }) index!: number;
  @ApiProperty({ nullable: true, type: String, description: 'As sent (null if it was not a string)' }) idempotencyKey!: string | null;
  @ApiProperty({
    enum: ['created', 'existing', 'rejected'],
    description:
      'created: stored by this request; existing: stored earlier under this key with the same content; rejected: nothing written',
  })
  outcome!: ItemOutcome['outcome'];
  @ApiPropertyOptional({ type: TransactionResponseDto }) transaction?: TransactionResponseDto;
  @ApiPropertyOptional({ type: ItemErrorDto }) error?: ItemErrorDto;
}

export class MintBatchResponseDto {
  @ApiProperty({ description: 'Items created or existing' }) accepted!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ type: [MintBatchItemResultDto] }) items!: MintBatchItemResultDto[];

  static from(items: readonly unknown[], outcomes: readonly ItemOutcome[]): MintBatchResponseDto {
    const results = outcomes.map((outcome, index): MintBatchItemResultDto => {
      const key = (items[index] as { idempotencyKey?: unknown } | null)?.idempotencyKey;
      const head = { index, idempotencyKey: typeof key === 'string' ? key : null, outcome: outcome.outcome };
      if (outcome.outcome !== 'rejected') return { ...head, transaction: TransactionResponseDto.from(outcome.row) };
      const { code, message, details } = outcome.error;
      // Redacted as the error filter redacts the single route's message.
      return { ...head, error: { code, message: redactSecrets(message), details } };
    });
    const rejected = results.filter((result) => result.outcome === 'rejected').length;
    return { accepted: results.length - rejected, rejected, items: results };
  }
}
