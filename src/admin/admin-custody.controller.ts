import { applyDecorators, Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AdminApi } from '../auth/api-key.decorators';
import type { AuditActor } from '../custody/audit/wallet-audit.service';
import { WalletAuditService } from '../custody/audit/wallet-audit.service';
import { WalletCustodyService } from '../custody/wallet-custody.service';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { AdminActor } from './admin-actor';
import {
  AuditLogQuery,
  CreateWalletDto,
  LegacyRevokeWalletDto,
  RevokeWalletDto,
  WalletGetQuery,
  WalletIdParam,
  WalletListQuery,
} from './dto/custody.dto';
import { AuditLogPageDto, AuditVerificationDto, WalletDetailsDto, WalletDto, WalletPageDto } from './dto/custody-response.dto';

/** Rotating and revoking answer the same way, and are refused for the wallet the service signs with. */
const KeyChange = ({
  summary,
  signerRefusal,
  answer,
  deprecated = false,
}: {
  summary: string;
  signerRefusal: string;
  answer: string;
  deprecated?: boolean;
}): MethodDecorator =>
  applyDecorators(
    HttpCode(HttpStatus.OK),
    ApiOperation({
      summary,
      deprecated,
      description: `Refused (409 SIGNER_WALLET_IN_USE) for the wallet the service signs with (BACKEND_SIGNER_WALLET_ID): ${signerRefusal}.`,
    }),
    ApiOkResponse({ type: WalletDetailsDto, description: answer }),
    ApiErrorResponse(HttpStatus.NOT_FOUND, 'WALLET_NOT_FOUND'),
    ApiErrorResponse(HttpStatus.CONFLICT, 'WALLET_REVOKED', 'SIGNER_WALLET_IN_USE'),
  );

/** Custodial wallets and their audit trail. No route returns a private key, sealed or not. */
@ApiTags('admin')
@AdminApi()
@Controller('api/v1/admin')
export class AdminCustodyController {
  constructor(
    private readonly custody: WalletCustodyService,
    private readonly audit: WalletAuditService,
  ) {}

  @Post('wallets')
  @ApiOperation({ summary: "Create a user's custodial wallet: a fresh keypair, the key sealed before it is stored" })
  @ApiCreatedResponse({ type: WalletDto, description: 'The wallet: id, address, status, encryption scheme and key version, metadata' })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  @ApiErrorResponse(HttpStatus.CONFLICT, 'WALLET_ALREADY_EXISTS')
  @ApiErrorResponse(HttpStatus.SERVICE_UNAVAILABLE, 'CIRCUIT_BREAKER_OPEN')
  create(@Body() body: CreateWalletDto, @AdminActor() actor: AuditActor): Promise<WalletDto> {
    return this.custody.create(body.walletId, body.metadata ?? {}, actor);
  }

  @Get('wallets')
  @ApiOperation({ summary: 'Wallets, newest first, by status' })
  @ApiOkResponse({ type: WalletPageDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  list(@Query() query: WalletListQuery, @AdminActor() actor: AuditActor): Promise<WalletPageDto> {
    return this.custody.list({ status: query.status, limit: query.limit ?? 50, offset: query.offset ?? 0 }, actor);
  }

  @Get('wallets/:walletId')
  @ApiOperation({ summary: 'One wallet, with the addresses it had before rotations' })
  @ApiOkResponse({ type: WalletDetailsDto })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'WALLET_NOT_FOUND')
  @ApiErrorResponse(HttpStatus.FORBIDDEN, 'PRIVATE_KEY_EXPORT_REFUSED')
  async get(
    @Param() { walletId }: WalletIdParam,
    @Query() query: WalletGetQuery,
    @AdminActor() actor: AuditActor,
  ): Promise<WalletDetailsDto> {
    if (query.include_private_key === 'true') return this.custody.refusePrivateKeyExport(walletId, actor);
    return this.custody.get(walletId, actor);
  }

  @Post('wallets/:walletId/rotate')
  @KeyChange({
    summary: 'New keypair under the same wallet id; the old key is kept as rotated and never signs again',
    signerRefusal: 'change that setting instead',
    answer: 'The wallet with its new address; the previous one is first in `history`',
  })
  rotate(@Param() { walletId }: WalletIdParam, @AdminActor() actor: AuditActor): Promise<WalletDetailsDto> {
    return this.custody.rotate(walletId, actor);
  }

  @Post('wallets/:walletId/revoke')
  @KeyChange({
    summary: 'Revoke the active key: it never signs again',
    signerRefusal: 'change that setting first',
    answer: 'The wallet, revoked',
  })
  revoke(@Param() { walletId }: WalletIdParam, @Body() body: RevokeWalletDto, @AdminActor() actor: AuditActor): Promise<WalletDetailsDto> {
    return this.custody.revoke(walletId, actor, body.reason ?? null);
  }

  @Post('wallets/revoke')
  @KeyChange({
    summary: "Revoke the active key, the Python backend's way: the wallet named in the body",
    signerRefusal: 'change that setting first',
    answer: 'The wallet, revoked',
    deprecated: true,
  })
  revokeNamed(@Body() body: LegacyRevokeWalletDto, @AdminActor() actor: AuditActor): Promise<WalletDetailsDto> {
    return this.custody.revoke(body.wallet_id, actor, body.reason ?? null);
  }

  @Get('audit/wallet-logs')
  @ApiOperation({ summary: 'The custody audit trail, newest first, by wallet, severity and time' })
  @ApiOkResponse({ type: AuditLogPageDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR')
  logs(@Query() query: AuditLogQuery): Promise<AuditLogPageDto> {
    return this.audit.list({
      walletId: query.walletId,
      severity: query.severity,
      from: query.from,
      to: query.to,
      before: query.cursor,
      limit: query.limit ?? 100,
    });
  }

  @Get('audit/wallet-logs/verify')
  @ApiOperation({ summary: 'Check the hash chain of the audit trail; names the first row that was altered' })
  @ApiOkResponse({
    type: AuditVerificationDto,
    description: '`{ valid: true, checked }` or `{ valid: false, checked, first_invalid_id, reason }`',
  })
  verify(): Promise<AuditVerificationDto> {
    return this.audit.verify();
  }
}
