/**
 * bench:intake's framework floor (`--floor`): the least a NestJS + Fastify service does per
 * request before any of this product's own work. One controller with the single mint route's
 * DTO (`MintRequestDto`) through the same ValidationPipe, the bare server's `INSERT`, 202 with
 * the new id; no middleware, no logger, no guard, no rate limit, no TypeORM. Run as its own
 * process (forked by `startNestFloorServer`).
 * What separates the bare server from this is the framework; what separates this from ours is
 * the product's request path (auth, rate limit, logging, metrics, headers, idempotency).
 */
import 'reflect-metadata';

import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Body, Controller, Headers, HttpCode, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Pool } from 'pg';

import { MintRequestDto } from '../../src/token/dto/token-request.dto';
import { forkIntakeServer, INSERT_ONE, type IntakeServer, type IntakeServerOptions } from './bare-intake-server';

/** Made in the served process only. */
let pool: Pool;

@Controller('api/v1/token')
class FloorMintController {
  @Post('mint')
  @HttpCode(202)
  async mint(@Body() item: MintRequestDto, @Headers('idempotency-key') key: string): Promise<{ txId: string; status: string }> {
    const hash = createHash('sha256').update(JSON.stringify(item)).digest('hex');
    const values = [
      'default',
      item.userId,
      item.to ?? null,
      item.amount,
      item.reason,
      key,
      hash,
      Number(process.env.CHAIN_ID),
      item.callbackUrl ?? null,
    ];
    const { rows } = await pool.query<{ id: string }>(INSERT_ONE, values);
    return { txId: rows[0]?.id, status: 'queued' };
  }
}

@Module({ controllers: [FloorMintController] })
class FloorModule {}

async function serve(): Promise<void> {
  pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE) });
  const app = await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(0, '127.0.0.1');
  process.send!({ port: ((app.getHttpServer() as Server).address() as AddressInfo).port });
  process.on('SIGTERM', () => void app.close().finally(() => void pool.end().finally(() => process.exit(0))));
}

/** Forks the floor server against `databaseUrl`; resolves once it listens. */
export const startNestFloorServer = (options: IntakeServerOptions): Promise<IntakeServer> =>
  forkIntakeServer(__filename, 'NestJS floor server', options);

if (require.main === module && process.argv[2] === 'serve') void serve();
