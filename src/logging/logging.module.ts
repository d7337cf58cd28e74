import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { type DestinationStream, stdSerializers } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';

import { AppConfigService } from '../config/app-config.service';
import { redactingLogOptions } from './log-redaction';
import { requestIdOf } from './request-id';

/**
 * Paths pino removes from every log line. Headers carry API keys; bodies and error objects
 * may carry keys or passwords under these names.
 */
export const REDACTED_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers["x-admin-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.privateKey',
  '*.private_key',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.encryptedPrivateKey',
];

/**
 * The key pino-http binds each request under, on a child logger it makes for every request
 * whether or not that logger is used. With the quiet loggers below it never is, yet binding
 * serialises and redacts the whole request at once: about 5 % of intake's CPU. Under this key
 * the request's serializer drops it, so nothing is serialised until a line names the request.
 */
const UNUSED_REQUEST_BINDING = 'unusedRequestBinding';

/**
 * Where log lines go instead of stdout, when provided (by a global module): the tests capture
 * every line this way to check that no secret is ever written.
 */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/** Structured JSON logs with the request id on every line written while serving a request. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfigService, { token: LOG_DESTINATION, optional: true }],
      useFactory: (config: AppConfigService, destination?: DestinationStream) => {
        const options: PinoHttpOptions = {
          level: config.get('logLevel'),
          // Fastify has named the request already (`genReqId` in `createApp`): the log lines carry that id.
          genReqId: requestIdOf,
          // Lines written while serving a request carry its id (`reqId`), not the whole request:
          // binding the request serialises and redacts it on every request, logged or not. The
          // line written when the request completes still names it in full.
          quietReqLogger: true,
          quietResLogger: true,
          customSuccessObject: (request, _response, value: object) => ({ ...value, req: request }),
          customErrorObject: (request, _response, _error, value: object) => ({ ...value, req: request }),
          customAttributeKeys: { req: UNUSED_REQUEST_BINDING },
          redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
          // Libraries put secrets in error text (viem: the RPC URL with its provider key).
          ...redactingLogOptions,
          // pino-http's own wrapping would serialise the unused binding before dropping it.
          wrapSerializers: false,
          serializers: {
            ...redactingLogOptions.serializers,
            req: stdSerializers.req,
            res: stdSerializers.res,
            [UNUSED_REQUEST_BINDING]: () => undefined,
          },
          // A 429 flood is summarised by the rate limiter itself; a line per refusal would let
          // anyone fill the logs.
          customLogLevel: (_request, response, error) =>
            error || response.statusCode >= 500
              ? 'error'
              : response.statusCode === 429
                ? 'debug'
                : response.statusCode >= 400
                  ? 'warn'
                  : 'info',
          // Probes hit these every few seconds; their lines would drown the ones that matter.
          autoLogging: { ignore: (request) => request.url?.startsWith('/health') === true },
          base: { service: 'haven-backend', environment: config.get('environment') },
        };
        return { pinoHttp: destination === undefined ? options : [options, destination] };
      },
    }),
  ],
})
export class LoggingModule {}
