import { Option } from 'commander';
import { PROCEDURES } from '../contracts';
import type { InputProblem } from '../request/load';
import { TASK_QUEUE } from '../task-queue';

/**
 * Every option of every command, defined once. Value options collect each occurrence, so
 * {@link readFlags} can refuse a flag given twice with different values (commander would keep
 * the last one silently) and an empty value (which `Number("")` would read as 0).
 */
export const Flags = {
  procedure: () => valueOption('--procedure <procedure>', PROCEDURES.join(' | ')),
  spec: (description = 'the deploy spec (YAML or JSON)') => valueOption('--spec <file>', description),
  env: (description = 'the environment, e.g. prod') => valueOption('--env <env>', description),
  version: (description = 'the release version, e.g. 1.4.2') => valueOption('--version <version>', description),
  artifact: () => valueOption('--artifact <url>', 'the release artifact: s3://bucket/key, https://… or file:///abs/path'),
  sha256: () => valueOption('--sha256 <hex>', "the artifact's sha256 (default: <artifact>.sha256 beside a file:// artifact, if present)"),
  batchSize: () => valueOption('--batch-size <n|n%>', "mutable only: instances per batch, a count or a percentage of the fleet (default: the spec's rollout.batchSize)"),
  minHealthy: () => valueOption('--min-healthy <n|n%>', "mutable only: instances that stay in service, a count or a percentage (default: the spec's rollout.minHealthy)"),
  wait: (description = 'wait for the deploy to finish, showing progress on stderr') => new Option('--wait', description),
  taskQueue: () => valueOption('--task-queue <queue>', `the workers' task queue (default: $HYBRID_DEPLOY_TASK_QUEUE or ${TASK_QUEUE})`),
  schedule: (description = 'create or update a Temporal Schedule instead of baking now: five cron fields, e.g. "0 3 * * *"') => valueOption('--schedule <cron>', description),
  timezone: () => valueOption('--timezone <tz>', "with --schedule: the schedule's IANA time zone (default UTC), e.g. Europe/Berlin"),
  bake: () => new Option('--bake', 'the bake of <app> <env> (hybrid-deploy bake, or a night of its schedule) rather than the deploy'),
  run: () => valueOption('--run <run-id>', 'a run of the workflow other than the latest'),
  format: () => valueOption('--format <format>', 'svg | html | md (default: from the --out file name, else svg)'),
  out: () => valueOption('--out <file>', 'write the report to this file instead of stdout'),
  forceBake: () => new Option('--force-bake', 'bake a new image even when one baked from the same inputs (base image, bake section, version, artifact sha256) exists'),
  dryRun: () => new Option('--dry-run', 'report what would be removed; remove nothing'),
  now: () => valueOption('--now <iso-time>', 'judge expiry and age as of this time instead of now (e.g. to check a TTL)'),
  maxBuilderAgeHours: () => valueOption('--max-builder-age-hours <n>', 'a builder with no expiry older than this, whose deploy is not running, is an orphan (default 24)'),
  port: () => valueOption('--port <n>', 'port to listen on'),
  profile: () => valueOption('--profile <name>', 'latency profile (instant, fast, realistic)'),
  timeScale: () => valueOption('--time-scale <x>', 'multiply every modelled delay by x'),
  config: () => valueOption('--config <file>', 'sandbox config file'),
  dataDir: () => valueOption('--data-dir <dir>', 'where the sandbox keeps its state and instance roots'),
  keepData: () => new Option('--keep-data', 'keep the data dir on stop'),
  host: (description: string) => valueOption('--host <address>', description),
  uiOrigins: () => valueOption('--ui-origins <urls>', "the Web UI's origin(s) allowed to call it, comma-separated (default: $TEMPORAL_UI_URL or http://localhost:8233)"),
  deploymentName: () => valueOption('--deployment-name <name>', 'the Worker Deployment (default: $HYBRID_DEPLOY_DEPLOYMENT_NAME)'),
  buildId: () => valueOption('--build-id <id>', "set-current: the build (default: $HYBRID_DEPLOY_BUILD_ID, else this checkout's: package version + workflow bundle hash)"),
  waitSeconds: () => valueOption('--wait-seconds <n>', "set-current: how long to wait for the build's workers to poll (default 60)"),
  requireApproval: () => new Option('--require-approval', "wait for `hybrid-deploy approve` before traffic moves (default: the spec's approval.required)"),
  reject: () => new Option('--reject', 'reject the deploy instead (it then undoes what it did, as after a failure); needs --reason'),
  reason: () => valueOption('--reason <text>', 'why (required with --reject; recorded with the decision)'),
  by: () => valueOption('--by <name>', 'who decides (default: $GITHUB_ACTOR or $GITLAB_USER_LOGIN in CI, else the OS user)'),
  instance: () => valueOption('--instance <id>', 'only this instance, e.g. i-0123456789abcdef0'),
  step: () => valueOption('--step <step>', 'only this step: sync, bake, post-deploy or rollback'),
} as const;

/** Options of the program itself, accepted anywhere on the command line, for every command. */
export interface GlobalOptions {
  json?: boolean;
  debug?: boolean;
}

/** `--json` and `--debug`, defined on the program once. */
export function globalOptions(): Option[] {
  return [
    new Option('--json', 'print exactly one JSON document on stdout (logs and progress stay on stderr)'),
    new Option('--debug', 'show stack traces of errors'),
  ];
}

/** A command's flags as commander hands them over: every value option as the list of values given. */
export type RawFlags<T> = { [K in keyof T]?: T[K] extends boolean | undefined ? boolean : string[] };

/**
 * One value per flag: refuses a flag given twice with different values and an empty value, each
 * as a problem naming the flag (so they are listed with every other input problem). An empty
 * flag is left out of `flags`; {@link requireFlags} does not report it a second time.
 */
export function readFlags<T extends object>(raw: RawFlags<T>): { flags: T; problems: InputProblem[] } {
  const flags: Record<string, unknown> = {};
  const problems: InputProblem[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(value)) {
      flags[key] = value;
      continue;
    }
    const path = flagOf(key);
    const distinct = [...new Set(value as string[])];
    if (distinct.length > 1) {
      const times = value.length === 2 ? 'twice' : `${value.length} times`;
      problems.push({ path, message: `given ${times} with different values (${distinct.map((v) => JSON.stringify(v)).join(', ')}): pass it once` });
    }
    const last = value[value.length - 1] as string;
    if (last.trim() === '') problems.push({ path, message: 'is empty: give a value, or leave the flag out' });
    else flags[key] = last;
  }
  return { flags: flags as T, problems };
}

/** Adds `--flag: is required` for each missing flag not already reported (as empty, say). */
export function requireFlags<T extends object>(flags: T, keys: (keyof T & string)[], problems: InputProblem[]): void {
  for (const key of keys) {
    const path = flagOf(key);
    if (flags[key] === undefined && !problems.some((p) => p.path === path)) problems.push({ path, message: 'is required' });
  }
}

/** The task queue: the flag, else `$HYBRID_DEPLOY_TASK_QUEUE`, else the default (defaults < env < flags). */
export function taskQueueOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env.HYBRID_DEPLOY_TASK_QUEUE || TASK_QUEUE;
}

/** `batchSize` → `--batch-size`: commander's attribute name back to the flag a person typed. */
export function flagOf(attribute: string): string {
  return `--${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function valueOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}
