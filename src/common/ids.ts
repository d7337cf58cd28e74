import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** A partner app's id for one of its users, wherever one is read: API input or configuration. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
export const USER_ID_RULE = '1-128 characters of A-Z a-z 0-9 _ . : @ -';

/** A custodial wallet is keyed by its user's id, so a wallet id follows the same rule. */
export const WALLET_ID_PATTERN = USER_ID_PATTERN;
export const WALLET_ID_RULE = USER_ID_RULE;

/** A DTO field holding a user id; the message names the field and the rule, the API docs show the rule. */
export const IsUserId = (): PropertyDecorator =>
  applyDecorators(
    ApiProperty({ pattern: USER_ID_PATTERN.source, minLength: 1, maxLength: 128 }),
    IsString(),
    Matches(USER_ID_PATTERN, { message: `$property must be ${USER_ID_RULE}` }),
  );

/** A DTO field holding a custodial wallet id: a user id. */
export const IsWalletId = IsUserId;
