import { join } from 'node:path';

/** Where `npm run build` writes the workflow bundle the production worker runs (`dist/workflow-bundle.js`). */
export const DEFAULT_WORKFLOW_BUNDLE = join(__dirname, '..', 'workflow-bundle.js');
