import { Inject, Injectable } from '@nestjs/common';

import type { AppConfig } from './app-config';

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Typed, read-only access to the configuration validated at start. Modules inject this
 * rather than reading `process.env`, so the whole service sees one consistent snapshot.
 */
@Injectable()
export class AppConfigService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get<K extends keyof AppConfig>(key: K): AppConfig[K] {
    return this.config[key];
  }

  get isProduction(): boolean {
    return this.config.environment === 'production';
  }
}
