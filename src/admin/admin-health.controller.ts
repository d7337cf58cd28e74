import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Address } from 'viem';

import { AdminApi } from '../auth/api-key.decorators';
import { BreakerReport, breakerReport, breakerReports } from '../circuit-breaker/breaker-report';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { NonceResetDto, NonceStatusDto } from '../nonce/dto/nonce-status.dto';
import { NonceManager } from '../nonce/nonce-manager.service';
import { AddressPipe } from './address.pipe';
import { CircuitBreakerNotFoundError } from './admin.errors';
import { CircuitBreakerListDto, CircuitBreakerResetDto } from './dto/circuit-breaker.dto';

const ADDRESS_PARAM = {
  name: 'address',
  description: 'A sending wallet',
  schema: { type: 'string' as const, pattern: '^0x[0-9a-fA-F]{40}$' },
};

@ApiTags('admin')
@AdminApi()
@ApiExtraModels(BreakerReport)
@Controller('api/v1/admin/health')
export class AdminHealthController {
  constructor(
    private readonly breakers: CircuitBreakerRegistry,
    private readonly nonces: NonceManager,
  ) {}

  @Get('circuit-breakers')
  @ApiOperation({ summary: 'Every circuit breaker: state, counts, when it opened and when it next probes' })
  @ApiOkResponse({ type: CircuitBreakerListDto })
  circuitBreakers(): CircuitBreakerListDto {
    const reports = breakerReports(this.breakers.list());
    const states = Object.values(reports).map((report) => report.state);
    return {
      circuit_breakers: reports,
      total_count: states.length,
      open_count: states.filter((state) => state === 'open').length,
      half_open_count: states.filter((state) => state === 'half_open').length,
    };
  }

  @Post('circuit-breakers/:name/reset')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Close a breaker on every instance now, without waiting for probes' })
  @ApiOkResponse({ type: CircuitBreakerResetDto })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'CIRCUIT_BREAKER_NOT_FOUND')
  async resetCircuitBreaker(@Param('name') name: string): Promise<CircuitBreakerResetDto> {
    const status = await this.breakers.reset(name);
    if (status === undefined)
      throw new CircuitBreakerNotFoundError(
        name,
        this.breakers.list().map((breaker) => breaker.name),
      );
    return { name, ...breakerReport(status) };
  }

  @Get('nonce-status/:address')
  @ApiParam(ADDRESS_PARAM)
  @ApiOperation({ summary: "A sending wallet's nonce counter next to the chain's, with in-flight nonces and gaps" })
  @ApiOkResponse({ type: NonceStatusDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'INVALID_ADDRESS')
  @ApiErrorResponse(HttpStatus.SERVICE_UNAVAILABLE, 'CIRCUIT_BREAKER_OPEN')
  async nonceStatus(@Param('address', AddressPipe) address: Address): Promise<NonceStatusDto> {
    return NonceStatusDto.from(await this.nonces.status(address));
  }

  @Post('nonce-reset/:address')
  @ApiParam(ADDRESS_PARAM)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Rebuild the nonce counter from the chain and stored transactions',
    description: 'Safe while sending: waits out the reservation lease (about 5 s) before setting the new counter.',
  })
  @ApiOkResponse({ type: NonceResetDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'INVALID_ADDRESS')
  @ApiErrorResponse(HttpStatus.SERVICE_UNAVAILABLE, 'CIRCUIT_BREAKER_OPEN', 'NONCE_ERROR')
  async nonceReset(@Param('address', AddressPipe) address: Address): Promise<NonceResetDto> {
    return NonceResetDto.from(await this.nonces.resync(address));
  }
}
