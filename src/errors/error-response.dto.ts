import { ApiProperty, ApiResponse } from '@nestjs/swagger';

import type { ErrorCode } from './error-codes';

/** The one error body every endpoint answers with, as written by AllExceptionsFilter; for the API docs. */
export class ErrorResponseDto {
  @ApiProperty({ example: 'INVALID_AMOUNT', description: 'Stable code to branch on' }) error!: string;
  @ApiProperty({ example: 'Invalid amount: more than 18 decimals' }) message!: string;
  @ApiProperty({ example: 'The amount must be a positive number of HAVEN with at most 18 decimals.' }) user_message!: string;
  @ApiProperty({ format: 'uuid' }) error_id!: string;
  @ApiProperty({ nullable: true, type: String }) request_id!: string | null;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: unknown;
}

/** Documents an error status and the codes an endpoint may answer with it. */
export const ApiErrorResponse = (status: number, ...codes: ErrorCode[]): MethodDecorator & ClassDecorator =>
  ApiResponse({ status, type: ErrorResponseDto, description: codes.join(', ') });
