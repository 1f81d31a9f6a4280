import { sep } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers log every state change at INFO; tests only need warnings and errors. Workflow unit tests
// fail activities and workflows on purpose, so there a warning is noise: errors only.
const workflowUnitTest = expect.getState().testPath?.includes(`${sep}test${sep}workflows${sep}`) ?? false;
try {
  Runtime.install({ logger: new DefaultLogger(workflowUnitTest ? 'ERROR' : 'WARN') });
} catch {
  // Already installed by an earlier test file in this jest worker process.
}
