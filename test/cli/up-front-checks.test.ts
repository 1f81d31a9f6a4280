import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ExitCode } from '../../src/cli/exit-codes';
import { deployArgs, runCli, VALID_SPEC, type CliRun } from './run-cli';

/**
 * What can be known before anything starts is checked before anything starts: each of these
 * exits 2, names the flag or spec field and the fix, and never asks for a Temporal connection.
 */
describe('checks made up front (exit 2, nothing started)', () => {
  const work = mkdtempSync(join(tmpdir(), 'cli-checks-'));
  let specs = 0;
  /** The valid test spec with a change applied, written to a file of its own. */
  function spec(change: (spec: Record<string, any>) => void): string {
    const raw = parseYaml(readFileSync(VALID_SPEC, 'utf8'));
    change(raw);
    const file = join(work, `spec-${++specs}.yaml`);
    writeFileSync(file, toYaml(raw));
    return file;
  }
  const oneInstanceFleet = () =>
    spec((s) => {
      s.regionSettings['us-east-1'].desiredCount = 1;
    });

  /** Exit 2, no connection, and each expected `  <path>: …` line on stderr. */
  function refused(run: CliRun, ...lines: RegExp[]): void {
    expect({ code: run.code, connectCalls: run.connectCalls, stdout: run.stdout }).toEqual({ code: ExitCode.INVALID_INPUT, connectCalls: 0, stdout: '' });
    for (const line of lines) expect(run.stderr).toMatch(line);
  }

  const mutable = (overrides: Record<string, string> = {}) => deployArgs('prod', { '--procedure': 'mutable', ...overrides });
  const bakeArgs = (...extra: string[]) => ['bake', '--spec', VALID_SPEC, '--env', 'prod', '--version', '1.0.0', '--artifact', 's3://b/k', ...extra];

  describe('rollout', () => {
    it('refuses --min-healthy 100%: no fleet of any size has room for a batch', async () => {
      refused(await runCli(mutable({ '--min-healthy': '100%' })), /^ {2}--min-healthy: "100%" keeps every instance in service: no batch can ever be updated .*e\.g\. --min-healthy 50%/m);
    });

    it('refuses a --min-healthy count the fleet the spec declares cannot satisfy, naming the region and its desiredCount', async () => {
      refused(
        await runCli(mutable({ '--min-healthy': '2' })),
        /^ {2}--min-healthy: 2 keeps all 2 instances of us-east-1 \(regionSettings\.us-east-1\.desiredCount\) in service: no room for a batch; pass --min-healthy 1 or lower/m,
      );
    });

    it('the default rollout on a one-instance fleet names the flag to pass', async () => {
      const run = await runCli(mutable({ '--spec': oneInstanceFleet() }));
      refused(run, /^ {2}rollout\.minHealthy: "50%" keeps all 1 instance of us-east-1 \(regionSettings\.us-east-1\.desiredCount\) in service: no room for a batch; pass --min-healthy 0 .*or use --procedure partial/m);
      expect(run.stderr).not.toContain('us-west-2');
    });

    it('accepts --min-healthy 0 on a one-instance fleet (it gets as far as connecting)', async () => {
      const run = await runCli(mutable({ '--spec': oneInstanceFleet(), '--min-healthy': '0' }));
      expect(run.connectCalls).toBe(1);
    });

    it('refuses spec rollout values that can never plan a batch, whatever the procedure', async () => {
      const never = spec((s) => {
        s.rollout = { batchSize: 0, minHealthy: '100%' };
      });
      refused(
        await runCli(deployArgs('prod', { '--spec': never })),
        /^ {2}rollout\.batchSize: 0 moves no instance: a batch needs at least one \(e\.g\. 1 or "25%"\)$/m,
        /^ {2}rollout\.minHealthy: "100%" keeps every instance in service: no batch can ever be updated/m,
      );
    });

    it('the deploy flag overrides the spec value it names', async () => {
      const strict = spec((s) => {
        s.rollout = { minHealthy: 2 };
      });
      refused(await runCli(mutable({ '--spec': strict })), /^ {2}rollout\.minHealthy: 2 keeps all 2 instances of us-east-1/m);
      expect((await runCli(mutable({ '--spec': strict, '--min-healthy': '1' }))).connectCalls).toBe(1);
    });
  });

  describe('flags', () => {
    it('refuses a flag given twice with different values, and accepts a repeat of the same value', async () => {
      const args = [...deployArgs('prod'), '--env', 'staging'];
      refused(await runCli(args), /^ {2}--env: given twice with different values \("prod", "staging"\): pass it once$/m);
      expect((await runCli([...deployArgs('prod'), '--env', 'prod'])).connectCalls).toBe(1);
    });

    it('refuses an empty numeric flag instead of reading it as 0', async () => {
      refused(await runCli(['reap', '--spec', VALID_SPEC, '--max-builder-age-hours', '']), /^ {2}--max-builder-age-hours: is empty/m);
      refused(await runCli(mutable({ '--batch-size': ' ' })), /^ {2}--batch-size: is empty/m);
      refused(await runCli(['sandbox', '--time-scale', '']), /^ {2}--time-scale: is empty/m);
    });
  });

  describe('the image lifecycle', () => {
    it('refuses --force-bake on a deploy that does not bake', async () => {
      refused(await runCli([...mutable(), '--force-bake']), /^ {2}--force-bake: only an immutable deploy bakes; a mutable deploy/m);
    });

    it('refuses a retention policy that keeps no image, and housekeeping flags that cannot combine', async () => {
      refused(await runCli(['images', '--spec', spec((s) => (s.retention = { keep: 0, minAgeDays: -1 }))]), /^ {2}retention\.keep: /m, /^ {2}retention\.minAgeDays: /m);
      refused(await runCli(['housekeeping', '--spec', VALID_SPEC, '--timezone', 'Europe/Berlin']), /^ {2}--timezone: only applies with --schedule \(a housekeeping run without one runs now\)/m);
      refused(await runCli(['housekeeping', '--spec', VALID_SPEC, '--schedule', '0 4 * *']), /^ {2}--schedule: "0 4 \* \*" is not a five-field cron expression/m);
    });

    it('lets --force-bake through on an immutable deploy and a bake', async () => {
      expect((await runCli([...deployArgs('prod', { '--procedure': 'immutable' }), '--force-bake'])).connectCalls).toBe(1);
      expect((await runCli(bakeArgs('--force-bake'))).connectCalls).toBe(1);
    });
  });

  describe('bake schedules', () => {
    it('refuses a cron expression Temporal cannot run, saying why', async () => {
      refused(await runCli(bakeArgs('--schedule', '61 3 * * *')), /^ {2}--schedule: "61 3 \* \* \*" is not a valid cron expression: .*59/m);
      refused(await runCli(bakeArgs('--schedule', '0 3 31 2 *')), /^ {2}--schedule: "0 3 31 2 \*" is not a valid cron expression/m);
      refused(await runCli(bakeArgs('--schedule', '0 3 L * *')), /^ {2}--schedule: "0 3 L \* \*" .*L/m);
      refused(await runCli(bakeArgs('--schedule', '0 3 * *')), /^ {2}--schedule: "0 3 \* \*" is not a five-field cron expression/m);
    });

    it('refuses an unknown --timezone, and a wrongly spelled one with its right spelling', async () => {
      refused(await runCli(bakeArgs('--schedule', '0 3 * * *', '--timezone', 'Mars/Olympus_Mons')), /^ {2}--timezone: "Mars\/Olympus_Mons" is not a time zone/m);
      refused(await runCli(bakeArgs('--schedule', '0 3 * * *', '--timezone', 'europe/berlin')), /^ {2}--timezone: .*write it as "Europe\/Berlin"/m);
    });

    it('refuses --timezone without --schedule, and --wait with --schedule', async () => {
      refused(await runCli(bakeArgs('--timezone', 'Europe/Berlin')), /^ {2}--timezone: only applies with --schedule/m);
      refused(await runCli(bakeArgs('--schedule', '0 3 * * *', '--wait')), /^ {2}--wait: cannot be combined with --schedule/m);
    });

    it('refuses a bake with neither --version nor {version} in --artifact, and a template with another placeholder', async () => {
      const live = (...extra: string[]) => ['bake', '--spec', VALID_SPEC, '--env', 'prod', ...extra];
      refused(await runCli(live('--artifact', 's3://b/app/1.0.0.tar.gz')), /^ {2}--version: is required \(or put \{version\} in --artifact to bake the release live/m);
      refused(await runCli(live('--artifact', 's3://b/{app}/{version}.tar.gz')), /^ {2}--artifact: "s3:\/\/b\/\{app\}\/\{version\}\.tar\.gz" has \{app\}: only \{version\} is filled in/m);
      refused(await runCli(live('--artifact', 'ftp://b/{version}.tar.gz')), /^ {2}--artifact: "ftp:\/\/b\/\{version\}\.tar\.gz" is not an artifact URL template/m);
    });

    it('refuses --sha256 for a bake that follows the live release: a digest fits one version', async () => {
      const run = await runCli(['bake', '--spec', VALID_SPEC, '--env', 'prod', '--artifact', 's3://b/app/{version}.tar.gz', '--sha256', 'a'.repeat(64), '--schedule', '0 3 * * *']);
      refused(run, /^ {2}--sha256: fits one version, and this bake takes the version live when it runs/m);
    });

    it('lets a bake of the live release through to Temporal, and a template with a fixed --version', async () => {
      expect((await runCli(['bake', '--spec', VALID_SPEC, '--env', 'prod', '--artifact', 's3://b/app/{version}.tar.gz', '--schedule', '0 3 * * *'])).connectCalls).toBe(1);
      expect((await runCli(['bake', '--spec', VALID_SPEC, '--env', 'prod', '--version', '1.2.3', '--artifact', 's3://b/app/{version}.tar.gz'])).connectCalls).toBe(1);
    });

    it('lets a valid schedule through to Temporal', async () => {
      const run = await runCli(bakeArgs('--schedule', '30 2 * * mon-fri', '--timezone', 'Europe/Berlin'));
      expect(run.connectCalls).toBe(1);
    });
  });

  describe('the spec', () => {
    it('refuses an installDir with .. or that is a system directory', async () => {
      const dotdot = spec((s) => {
        s.service.installDir = '/opt/../etc';
      });
      refused(await runCli(deployArgs('prod', { '--spec': dotdot })), /^ {2}service\.installDir: "\/opt\/\.\.\/etc" has a "\.\." segment/m);
      const system = spec((s) => {
        s.service.installDir = '/usr';
      });
      refused(await runCli(deployArgs('prod', { '--spec': system })), /^ {2}service\.installDir: "\/usr" is a system directory/m);
    });
  });
});
