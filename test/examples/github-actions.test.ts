import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The shipped GitHub Actions workflow: valid YAML whose deploy step waits and gates on the exit code. */
describe('examples/github-actions/deploy.yml', () => {
  const workflow = parseYaml(readFileSync(join(__dirname, '..', '..', 'examples', 'github-actions', 'deploy.yml'), 'utf8'));
  const steps: { name?: string; run?: string; 'continue-on-error'?: unknown }[] = workflow.jobs.deploy.steps;

  it('builds the artifact, publishes its .sha256, deploys with --wait, and lets a failed deploy fail the job', () => {
    const build = steps.findIndex((s) => s.run?.includes('examples/build-artifact.sh'));
    const upload = steps.findIndex((s) => s.run?.includes('.tar.gz.sha256'));
    const deploy = steps.findIndex((s) => /client\.js deploy[\s\S]*--wait/.test(s.run ?? ''));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(upload).toBeGreaterThan(build);
    expect(deploy).toBeGreaterThan(upload);
    // The exit code is the gate: nothing swallows it.
    expect(steps[deploy]['continue-on-error']).toBeUndefined();
    expect(steps[deploy].run).not.toMatch(/\|\|\s*true|;\s*exit 0/);
  });
});
