import { Module } from '@nestjs/common';

import { AdminApiKeyGuard, ClientApiKeyGuard } from './api-key.guard';

/** API keys: partner apps present a client key, operators an admin key; never the same key. */
@Module({
  providers: [ClientApiKeyGuard, AdminApiKeyGuard],
  exports: [ClientApiKeyGuard, AdminApiKeyGuard],
})
export class AuthModule {}
