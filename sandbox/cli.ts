/**
 * `node dist/sandbox/cli.js [--port N] [--profile P] [--time-scale X] [--config F] [--data-dir D]`
 *
 * Starts a sandbox and runs until SIGINT/SIGTERM, then stops it (killing its instances). The
 * FIRST stdout line is one JSON object `{"endpoint", "controlUrl", "loadBalancers", …}` for a
 * parent process (`hybrid-deploy sandbox …` spawns this file); human lines follow on stdout, logs
 * go to stderr.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ProfileName } from './config/profiles';
import { loadSandboxConfigFile } from './config/schema';
import { startSandbox, type RunningSandbox, type StartSandboxOptions } from './index';

/** What `exec` needs from the outside world (tests pass fakes). */
export interface CliDeps {
  start(options: StartSandboxOptions): Promise<RunningSandbox>;
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the process is asked to stop. */
  untilStopSignal(): Promise<string>;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0 = any free port)');
  return n;
}

/** Runs the CLI; resolves to the exit code once the sandbox has stopped. */
export async function exec(argv: string[], deps: CliDeps): Promise<number> {
  const program = new Command('sandbox')
    .description('Local EC2 + SSM + ELBv2 emulator for hybrid-deploy (see sandbox/README.md)')
    .option('--port <n>', 'port on 127.0.0.1 (0 = a free port)', port, 0)
    .addOption(new Option('--profile <name>', 'latency profile').choices(Object.values(ProfileName)))
    .option('--time-scale <x>', 'multiply every profile duration by x (e.g. 0.01 with realistic)', positiveNumber)
    .option('--config <file>', 'a JSON or YAML sandbox config (default: the built-in world)')
    .option('--data-dir <dir>', 'where instance and image roots live (default: a temp dir, removed on stop)')
    .option('--keep-data', 'keep the data dir on stop')
    .exitOverride()
    .configureOutput({ writeOut: (s) => deps.out(s.trimEnd()), writeErr: (s) => deps.err(s.trimEnd()) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code ?? 2;
  }
  const opts = program.opts<{ port: number; profile?: ProfileName; timeScale?: number; config?: string; dataDir?: string; keepData?: boolean }>();
  let sandbox: RunningSandbox;
  try {
    sandbox = await deps.start({
      port: opts.port,
      profile: opts.profile,
      timeScale: opts.timeScale,
      config: opts.config ? await loadSandboxConfigFile(opts.config) : undefined,
      dataDir: opts.dataDir,
      keepData: opts.keepData,
    });
  } catch (e) {
    deps.err(`sandbox: could not start: ${(e as Error).message}`);
    return 1;
  }
  deps.out(
    JSON.stringify({ endpoint: sandbox.endpoint, httpsEndpoint: sandbox.httpsEndpoint, caBundlePath: sandbox.caBundlePath, controlUrl: sandbox.controlUrl, loadBalancers: sandbox.loadBalancers, regions: sandbox.regions, dataDir: sandbox.dataDir, realism: sandbox.realism.enabled }),
  );
  const home = sandbox.regions[0];
  deps.out(`hybrid-deploy sandbox listening on ${sandbox.endpoint} (regions: ${sandbox.regions.join(', ')}; realism ${sandbox.realism.enabled ? 'on: AWS as it really behaves' : 'off'})`);
  deps.out('Point the AWS SDK or CLI at it with:');
  deps.out(`  export AWS_ENDPOINT_URL=${sandbox.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${home} AWS_DEFAULT_REGION=${home}`);
  for (const [region, groups] of Object.entries(sandbox.loadBalancers)) {
    for (const [name, url] of Object.entries(groups)) deps.out(`  load balancer ${region}/${name}: ${url}`);
  }
  deps.out(`Control endpoint: ${sandbox.controlUrl}/resources (see sandbox/README.md). Ctrl-C stops it.`);
  const signal = await deps.untilStopSignal();
  deps.err(`sandbox: ${signal}, stopping (killing instance processes)…`);
  await sandbox.stop();
  return 0;
}

/** Process entry: real deps, exit code on `process.exitCode`. */
export function cli(): void {
  const deps: CliDeps = {
    start: startSandbox,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    // Handlers stay installed: a second signal (a terminal's Ctrl-C reaches the whole process
    // group; `timeout` and npm forward theirs) must not kill us mid-cleanup and leak instances.
    untilStopSignal: () =>
      new Promise((resolve) => {
        let received = false;
        for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
          process.on(s, () => {
            if (received) process.stderr.write(`sandbox: ${s} again, still stopping…\n`);
            received = true;
            resolve(s);
          });
        }
      }),
  };
  exec(process.argv.slice(2), deps).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`sandbox: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) cli();
