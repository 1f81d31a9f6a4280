import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, loadDeploySpec, type InputProblem } from '../request/load';
import { DeployArgumentsSchema } from '../request/arguments';
import { PROCEDURES, type DeployRequest, type Procedure, type RolloutOptions } from '../contracts';
import { parseCountOrPercent } from '../request/rollout';
import type { DeploySpec } from '../request/schema';
import { invalidInput } from './errors';

/** The `deploy` flags as commander hands them over (every one optional: we check them ourselves, all at once). */
export interface DeployFlags {
  procedure?: string;
  spec?: string;
  env?: string;
  version?: string;
  artifact?: string;
  sha256?: string;
  batchSize?: string;
  minHealthy?: string;
}

const REQUIRED: [keyof DeployFlags, string][] = [
  ['procedure', '--procedure'],
  ['spec', '--spec'],
  ['env', '--env'],
  ['version', '--version'],
  ['artifact', '--artifact'],
];

/** DeployArgumentsSchema's fields, named as the flags a person typed. */
const FLAG_OF: Record<string, string> = { env: '--env', version: '--version', artifactUrl: '--artifact', sha256: '--sha256' };

/**
 * Checks everything a deploy needs before anything is started: the spec file (every problem,
 * with its path), the flags, and how they combine. Throws an INVALID_INPUT {@link CliError}
 * listing every problem; touches no network.
 */
export function buildDeployRequest(flags: DeployFlags): DeployRequest {
  const problems: InputProblem[] = [];
  for (const [key, flag] of REQUIRED) {
    if (flags[key] === undefined || flags[key] === '') problems.push({ path: flag, message: `is required` });
  }

  let spec: DeploySpec | undefined;
  if (flags.spec) {
    try {
      spec = loadDeploySpec(flags.spec);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...error.problems.map((p) => ({ path: p.path || flags.spec!, message: p.message })));
    }
  }

  const procedure = checkProcedure(flags.procedure, problems);
  const args = checkArguments(flags, problems);
  const rollout = checkRollout(flags, procedure, problems);

  if (problems.length > 0 || !spec || !procedure || !args) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw invalidInput(`the deploy input has ${count}; nothing was started`, problems);
  }
  return {
    procedure,
    spec,
    env: args.env,
    version: args.version,
    artifact: { url: args.artifactUrl, ...(args.sha256 ? { sha256: args.sha256 } : {}) },
    ...(rollout ? { rollout } : {}),
  };
}

function checkProcedure(value: string | undefined, problems: InputProblem[]): Procedure | undefined {
  if (value === undefined) return undefined;
  if ((PROCEDURES as readonly string[]).includes(value)) return value as Procedure;
  problems.push({ path: '--procedure', message: `${JSON.stringify(value)} is not a procedure (${PROCEDURES.join(', ')})` });
  return undefined;
}

function checkArguments(flags: DeployFlags, problems: InputProblem[]) {
  if (flags.env === undefined || flags.version === undefined || flags.artifact === undefined) {
    // Still check the ones given, so every problem shows at once.
    const partial = DeployArgumentsSchema.partial().safeParse({ env: flags.env, version: flags.version, artifactUrl: flags.artifact, sha256: flags.sha256 });
    if (!partial.success) problems.push(...partial.error.issues.map((i) => ({ path: FLAG_OF[String(i.path[0])] ?? String(i.path[0]), message: i.message })));
    return undefined;
  }
  let sha256 = flags.sha256;
  let sha256Flag = '--sha256';
  if (sha256 === undefined) {
    const sidecar = sidecarChecksumFile(flags.artifact);
    if (sidecar) {
      sha256Flag = `--sha256 (read from ${sidecar})`;
      try {
        sha256 = readFileSync(sidecar, 'utf8').trim();
      } catch (error) {
        problems.push({ path: sha256Flag, message: `cannot be read: ${(error as Error).message}` });
        return undefined;
      }
    }
  }
  const parsed = DeployArgumentsSchema.safeParse({ env: flags.env, version: flags.version, artifactUrl: flags.artifact, sha256 });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0]);
    problems.push({ path: field === 'sha256' ? sha256Flag : (FLAG_OF[field] ?? field), message: issue.message });
  }
  return undefined;
}

/** `file:///…/app.tar.gz` → `/…/app.tar.gz.sha256` when the build wrote one beside it. */
export function sidecarChecksumFile(artifactUrl: string): string | undefined {
  if (!artifactUrl.startsWith('file:///')) return undefined;
  let file: string;
  try {
    file = `${fileURLToPath(artifactUrl)}.sha256`;
  } catch {
    return undefined;
  }
  return existsSync(file) ? file : undefined;
}

/**
 * A rolling amount from the command line: a count or a percentage of the fleet (the spec's
 * own grammar, shared with the workflow's planner). A batch needs at least one instance.
 */
export function parseAmount(value: string, minimum = 1): number | string | undefined {
  const parsed = parseCountOrPercent(value);
  if (!parsed) return undefined;
  if ('count' in parsed) return parsed.count >= minimum ? parsed.count : undefined;
  return parsed.percent >= minimum ? `${parsed.percent}%` : undefined;
}

function checkRollout(flags: DeployFlags, procedure: Procedure | undefined, problems: InputProblem[]): RolloutOptions | undefined {
  const given: [string, string | undefined][] = [
    ['--batch-size', flags.batchSize],
    ['--min-healthy', flags.minHealthy],
  ];
  const parsed: (number | string | undefined)[] = [];
  for (const [flag, value] of given) {
    if (value === undefined) {
      parsed.push(undefined);
      continue;
    }
    if (procedure && procedure !== 'mutable') {
      problems.push({ path: flag, message: `only applies to --procedure mutable (this deploy is ${procedure}: it replaces whole fleets, not batches)` });
    }
    const amount = parseAmount(value, flag === '--min-healthy' ? 0 : 1);
    if (amount === undefined) problems.push({ path: flag, message: `${JSON.stringify(value)} is not a count or a percentage (a positive integer like 2, or 1%-100% like 25%)` });
    parsed.push(amount);
  }
  const [batchSize, minHealthy] = parsed;
  if (typeof batchSize === 'string' && typeof minHealthy === 'string' && parseFloat(batchSize) + parseFloat(minHealthy) > 100) {
    problems.push({
      path: '--min-healthy',
      message: `${minHealthy} healthy cannot hold while batches of ${batchSize} are out of service (the two add up to more than 100%)`,
    });
  }
  if (procedure !== 'mutable' || (flags.batchSize === undefined && flags.minHealthy === undefined)) return undefined;
  // Only what was given: the workflow lays these over the spec's `rollout` settings.
  return { ...(batchSize !== undefined ? { batchSize } : {}), ...(minHealthy !== undefined ? { minHealthy } : {}) };
}
