import { Module } from '@nestjs/common';

import { AdminNetworkPolicy } from './admin-network.policy';
import { AdminApiKeyGuard, ClientApiKeyGuard } from './api-key.guard';

/** API keys: partner apps present a client key, operators an admin key; never the same key. */
@Module({
  providers: [ClientApiKeyGuard, AdminApiKeyGuard, AdminNetworkPolicy],
  exports: [ClientApiKeyGuard, AdminApiKeyGuard, AdminNetworkPolicy],
})
export class AuthModule {}
