import { Module } from '@nestjs/common';

import { ChainModule } from '../chain/chain.module';
import { REDIS, type RedisConnection } from '../redis/redis.module';
import { MemoryNonceStore } from './memory-nonce.store';
import { NONCE_STORE } from './nonce.store';
import { NonceManager } from './nonce-manager.service';
import { RedisNonceStore } from './redis-nonce.store';

@Module({
  imports: [ChainModule],
  providers: [
    {
      provide: NONCE_STORE,
      inject: [REDIS],
      useFactory: (redis: RedisConnection) => (redis === null ? new MemoryNonceStore() : new RedisNonceStore(redis)),
    },
    NonceManager,
  ],
  exports: [NonceManager],
})
export class NonceModule {}
