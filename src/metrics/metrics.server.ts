import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { AppConfigService } from '../config/app-config.service';
import { MetricsAccess } from './metrics.access';
import { MetricsRegistry } from './metrics.registry';

/** A scrape has no body and answers at once; anything slower is not Prometheus. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * `/metrics` on `METRICS_PORT`: a plain node HTTP server, no framework, no middleware, that
 * answers GET /metrics and 404 to anything else. It binds to the same address as the API
 * (once that listens) and stops with the application. With `METRICS_TOKEN` set too, the
 * token is required here as well.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;
  private mainServer?: Server;
  private readonly startWithMain = () => this.start();

  constructor(
    private readonly config: AppConfigService,
    private readonly access: MetricsAccess,
    private readonly registry: MetricsRegistry,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    if (this.access.exposure !== 'own-port') return;
    // Nest initialises before the API listens: follow it onto the same address when it does.
    this.mainServer = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (this.mainServer?.listening) this.start();
    else this.mainServer?.once('listening', this.startWithMain);
  }

  async onApplicationShutdown(): Promise<void> {
    this.mainServer?.off('listening', this.startWithMain);
    const server = this.server;
    this.server = undefined;
    if (server === undefined || !server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Where it listens; undefined before it does (or when `METRICS_PORT` is unset). */
  address(): AddressInfo | undefined {
    const address = this.server?.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  }

  private start(): void {
    if (this.server !== undefined) return;
    const port = this.config.get('http').metricsPort!;
    const main = this.mainServer?.address();
    const host = main !== null && typeof main === 'object' ? main.address : undefined;
    const server = createServer((request, response) => void this.handle(request, response));
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.headersTimeout = REQUEST_TIMEOUT_MS;
    server.on('error', (error) => this.logger.error({ err: error, port, host }, `metrics server could not serve on port ${port}`));
    server.listen(port, host, () => this.logger.log(`/metrics served on ${host ?? '*'}:${port} only`));
    this.server = server;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') return this.answer(response, 404, 'Not Found\n');
    if (!this.access.tokenAccepted(request.headers.authorization)) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return this.answer(response, 401, 'Unauthorized\n');
    }
    try {
      const body = await this.registry.metrics();
      response.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' }).end(body);
    } catch (error) {
      this.logger.error({ err: error }, 'collecting metrics failed');
      this.answer(response, 500, 'Internal Server Error\n');
    }
  }

  private answer(response: ServerResponse, status: number, text: string): void {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(text);
  }
}
