import { Controller, Get, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Address } from 'viem';

import { type BreakerReport, breakerReport } from '../circuit-breaker/breaker-report';
import { CircuitBreakerRegistry } from '../circuit-breaker/circuit-breaker.registry';
import { ApiErrorResponse } from '../errors/error-response.dto';
import { NonceManager, type NonceStatus } from '../nonce/nonce-manager.service';
import { AddressPipe } from './address.pipe';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { CircuitBreakerNotFoundError } from './admin.errors';

/** Nonce status in JSON: nonces as decimal strings, since they are unbounded integers. */
export function nonceStatusBody(status: NonceStatus) {
  const text = (nonces: readonly bigint[]) => nonces.map(String);
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

@ApiTags('admin')
@ApiSecurity('admin-key')
@UseGuards(AdminApiKeyGuard)
@ApiErrorResponse(HttpStatus.UNAUTHORIZED, 'INVALID_API_KEY')
@Controller('api/v1/admin/health')
export class AdminHealthController {
  constructor(
    private readonly breakers: CircuitBreakerRegistry,
    private readonly nonces: NonceManager,
  ) {}

  @Get('circuit-breakers')
  @ApiOperation({ summary: 'Every circuit breaker: state, counts, when it opened and when it next probes' })
  @ApiOkResponse({ description: '`{ circuit_breakers: { <name>: { state, failure_count, opened_at, retry_at, … } } }`' })
  circuitBreakers(): { circuit_breakers: Record<string, BreakerReport> } {
    return { circuit_breakers: Object.fromEntries(this.breakers.list().map((status) => [status.name, breakerReport(status)])) };
  }

  @Post('circuit-breakers/:name/reset')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Close a breaker on every instance now, without waiting for probes' })
  @ApiErrorResponse(HttpStatus.NOT_FOUND, 'CIRCUIT_BREAKER_NOT_FOUND')
  async resetCircuitBreaker(@Param('name') name: string): Promise<{ name: string } & BreakerReport> {
    const status = await this.breakers.reset(name);
    if (status === undefined) throw new CircuitBreakerNotFoundError(name, this.breakers.list().map((breaker) => breaker.name));
    return { name, ...breakerReport(status) };
  }

  @Get('nonce-status/:address')
  @ApiOperation({ summary: "A sending wallet's nonce counter next to the chain's, with in-flight nonces and gaps" })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'INVALID_ADDRESS')
  @ApiErrorResponse(HttpStatus.SERVICE_UNAVAILABLE, 'CIRCUIT_BREAKER_OPEN')
  async nonceStatus(@Param('address', AddressPipe) address: Address) {
    return nonceStatusBody(await this.nonces.status(address));
  }

  @Post('nonce-reset/:address')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Rebuild the nonce counter from the chain and stored transactions',
    description: 'Safe while sending: waits out the reservation lease (about 5 s) before setting the new counter.',
  })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'INVALID_ADDRESS')
  @ApiErrorResponse(HttpStatus.SERVICE_UNAVAILABLE, 'CIRCUIT_BREAKER_OPEN', 'NONCE_ERROR')
  async nonceReset(@Param('address', AddressPipe) address: Address) {
    return nonceStatusBody(await this.nonces.resync(address));
  }
}
