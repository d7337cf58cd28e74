export * from './app-config';
export * from './app-config.service';
export * from './config.error';
export * from './config.module';
export * from './env.schema';
