/**
 * The cluster suite (`npm run test:cluster`, run by .ci/run): the real Temporal server on
 * PostgreSQL, three worker processes, crashes and restarts. Each test file starts its own cluster
 * (no dev server global setup); one file at a time, since the server, PostgreSQL and the workers
 * already keep both cores busy.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 300000,
  maxWorkers: 1,
};
