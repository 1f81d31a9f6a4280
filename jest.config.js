/**
 * One Temporal dev server serves the whole run (global setup starts it on free ports and
 * global teardown stops it); each test file starts its own AWS sandbox on a free port.
 * @type {import('jest').Config}
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The cluster suite (real Temporal server on PostgreSQL) has its own config: npm run test:cluster.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/helpers/quiet-runtime.ts'],
  testTimeout: 120000,
  // Two cores: more workers than that only make Temporal and the sandbox fight for CPU.
  maxWorkers: 2,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};
