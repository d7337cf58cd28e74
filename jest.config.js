/**
 * One jest run covers both tiers: unit specs next to the code (`src/**\/*.spec.ts`) and
 * integration/e2e specs against real PostgreSQL, Redis and anvil (`test/**\/*.e2e-spec.ts`).
 * Each e2e file gets its own database cloned from a migrated template (see
 * test/support/database.ts), so files can run in parallel without sharing rows.
 */
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  // NestJS 12 ships as ES modules only. Node 20 loads them from CommonJS natively
  // (require(esm)), but jest's module registry does not, so they are compiled to CommonJS.
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // content-disposition too: @fastify/static, which serves the API docs' assets, bundles an ES-module-only one.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@nestjs-modules|content-disposition)/|@fastify/static/node_modules/content-disposition/)',
  ],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
  // Process start-up and the embedded development services run in child processes in their
  // tests (test/bootstrap, test/embedded), where jest cannot measure coverage.
  collectCoverageFrom: [
    'src/**/*.ts',
    '!src/**/*.spec.ts',
    '!src/main.ts',
    '!src/bootstrap/**',
    '!src/embedded/{embedded-environment,postgres.process,postgres.system-user}.ts',
  ],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 80 } },
};
