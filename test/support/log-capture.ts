import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Writable } from 'node:stream';

import { LOG_DESTINATION } from '../../src/logging/logging.module';

/** Every log line the application writes, kept in memory for the test to search. */
export function captureLogs(): { module: DynamicModule; text(): string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  @Global()
  @Module({})
  class LogCaptureModule {}
  return {
    module: { module: LogCaptureModule, providers: [{ provide: LOG_DESTINATION, useValue: destination }], exports: [LOG_DESTINATION] },
    text: () => lines.join(''),
  };
}
