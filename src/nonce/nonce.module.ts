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
  // The store too: a reader over another chain client (the health probe's) shares the counters.
  exports: [NonceManager, NONCE_STORE],
})
export class NonceModule {}
