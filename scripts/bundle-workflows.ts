import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Prebuilds the workflow bundle for the production worker (dist/workflow-bundle.js), so it
 * starts fast and runs exactly the code that was built and tested.
 */
async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve(join(root, 'src', 'workflows')) });
  const out = join(root, 'workflow-bundle.js');
  writeFileSync(out, code);
  console.error(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
