import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, registerAs } from '@nestjs/config';

import { ProcessRole } from '../bootstrap/process-role';
import type { AppConfig } from './app-config';
import { APP_CONFIG, AppConfigService } from './app-config.service';

/**
 * Holds the configuration validated once in `main.ts` (or built by a test). It is
 * registered with @nestjs/config too, so libraries expecting `ConfigService` see the
 * same values, but the service code reads it through the typed `AppConfigService`.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    const frozen = Object.freeze(config);
    return {
      module: ConfigModule,
      imports: [NestConfigModule.forRoot({ ignoreEnvFile: true, load: [registerAs('haven', () => frozen)] })],
      // ProcessRole here: wherever there is configuration, the loops can ask whether to start.
      providers: [{ provide: APP_CONFIG, useValue: frozen }, AppConfigService, ProcessRole],
      exports: [APP_CONFIG, AppConfigService, ProcessRole],
    };
  }
}
