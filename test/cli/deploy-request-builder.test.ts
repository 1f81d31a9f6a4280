import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDeployRequest } from '../../src/cli/input/deploy-request-builder';
import { parseAmount } from '../../src/cli/input/rollout-checks';
import { ExitCode } from '../../src/cli/exit-codes';
import { deployArgs, INVALID_SPEC, runCli, VALID_SPEC } from './run-cli';

describe('hybrid-deploy deploy: input validation', () => {
  it('lists every spec and flag problem with its path, exits 2 and never connects', async () => {
    const run = await runCli(deployArgs('prod', { '--spec': INVALID_SPEC, '--version': 'x y' }));
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.connectCalls).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('error [INVALID_INPUT] (user error)');
    expect(run.stderr).toContain('nothing was started');
    expect(run.stderr).toMatch(/^ {2}app: "Bad_App" is not a safe app name/m);
    expect(run.stderr).toMatch(/^ {2}regions\[1\]: "us-eest-1" is not a region name/m);
    expect(run.stderr).toMatch(/^ {2}regionSettings\.us-east-1\.subnetIds\[0\]: "subnet-nothex" is not a subnet id/m);
    expect(run.stderr).toMatch(/^ {2}regionSettings: has no entry for "us-eest-1"/m);
    expect(run.stderr).toMatch(/^ {2}--version: "x y" is not a version/m);
  });

  it('reports every missing required flag at once', async () => {
    const run = await runCli(['deploy', '--spec', VALID_SPEC]);
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.connectCalls).toBe(0);
    for (const flag of ['--procedure', '--env', '--version', '--artifact']) expect(run.stderr).toContain(`  ${flag}: is required`);
    expect(run.stderr).not.toContain('--spec: is required');
  });

  it('rejects --batch-size and --min-healthy outside the mutable procedure', async () => {
    const run = await runCli(deployArgs('prod', { '--batch-size': '2' }));
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toMatch(/ {2}--batch-size: only applies to --procedure mutable/);
    expect(run.connectCalls).toBe(0);
  });

  it('rejects malformed and contradictory rollout amounts', async () => {
    const run = await runCli(deployArgs('prod', { '--procedure': 'mutable', '--batch-size': '0', '--min-healthy': '101%' }));
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toContain('  --batch-size: "0" is not a count or a percentage');
    expect(run.stderr).toContain('  --min-healthy: "101%" is not a count or a percentage');
    const both = await runCli(deployArgs('prod', { '--procedure': 'mutable', '--batch-size': '50%', '--min-healthy': '75%' }));
    expect(both.code).toBe(ExitCode.INVALID_INPUT);
    expect(both.stderr).toMatch(/--min-healthy: 75% healthy cannot hold while batches of 50%/);
  });

  it('rejects an unknown procedure, a bad env, artifact and sha256', async () => {
    const run = await runCli(deployArgs('Prod!', { '--procedure': 'yolo', '--artifact': 'ftp://x', '--sha256': 'abc' }));
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toContain('  --procedure: "yolo" is not a procedure (immutable, partial, mutable)');
    expect(run.stderr).toContain('  --env: "Prod!" is not an environment name');
    expect(run.stderr).toContain('  --artifact: "ftp://x" is not an artifact URL');
    expect(run.stderr).toContain('  --sha256: "abc" is not a sha256');
  });

  it('names an unreadable spec file', async () => {
    const run = await runCli(deployArgs('prod', { '--spec': '/nonexistent/spec.yaml' }));
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toContain('  /nonexistent/spec.yaml: cannot be read');
  });

  it('prints exactly one JSON document with --json, problems included', async () => {
    const run = await runCli([...deployArgs('prod', { '--spec': INVALID_SPEC }), '--json']);
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ code: 'INVALID_INPUT', fault: 'user' });
    expect(doc.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'regions[1]' })]));
  });

  it('rejects unknown flags and a missing command with exit 2; --help is exit 0', async () => {
    const unknown = await runCli([...deployArgs('prod'), '--colour']);
    expect(unknown.code).toBe(ExitCode.INVALID_INPUT);
    expect(unknown.stderr).toContain("unknown option '--colour'");
    expect((await runCli([])).code).toBe(ExitCode.INVALID_INPUT);
    const help = await runCli(['deploy', '--help']);
    expect(help.code).toBe(ExitCode.OK);
    expect(help.stdout).toContain('--procedure');
  });

  it('rejects bad <app> <env> arguments of status and cancel before connecting', async () => {
    const status = await runCli(['status', 'Bad_App', 'prod']);
    expect(status.code).toBe(ExitCode.INVALID_INPUT);
    expect(status.stderr).toContain('  <app>: "Bad_App" is not a safe app name');
    const cancel = await runCli(['cancel', 'shop', 'PROD']);
    expect(cancel.code).toBe(ExitCode.INVALID_INPUT);
    expect(status.connectCalls + cancel.connectCalls).toBe(0);
  });
});

describe('buildDeployRequest', () => {
  it('reads the sha256 the build wrote beside a file:// artifact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-artifact-'));
    const artifact = join(dir, 'app-1.0.0.tar.gz');
    writeFileSync(artifact, 'x');
    writeFileSync(`${artifact}.sha256`, `${'a'.repeat(64)}\n`);
    const request = buildDeployRequest({ procedure: 'partial', spec: VALID_SPEC, env: 'prod', version: '1.0.0', artifact: pathToFileURL(artifact).href });
    expect(request.artifact).toEqual({ url: pathToFileURL(artifact).href, sha256: 'a'.repeat(64) });
    expect(request.rollout).toBeUndefined();
  });

  it('prefers --sha256 over the sidecar and proceeds without either', () => {
    const request = buildDeployRequest({ procedure: 'immutable', spec: VALID_SPEC, env: 'prod', version: '1.0.0', artifact: 'file:///nonexistent/a.tgz' });
    expect(request.artifact).toEqual({ url: 'file:///nonexistent/a.tgz' });
  });

  it('builds the mutable rollout from counts and percentages', () => {
    const request = buildDeployRequest({ procedure: 'mutable', spec: VALID_SPEC, env: 'prod', version: '1.0.0', artifact: 's3://b/k', batchSize: '25%', minHealthy: '1' });
    expect(request.rollout).toEqual({ batchSize: '25%', minHealthy: 1 });
    expect(request.spec.app).toBe('cli-test-app');
    expect(parseAmount('100%')).toBe('100%');
    expect(parseAmount('0%')).toBeUndefined();
    expect(parseAmount('1.5')).toBeUndefined();
  });
});
