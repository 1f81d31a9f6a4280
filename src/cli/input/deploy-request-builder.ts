import { PROCEDURES, type DeployRequest, type Procedure } from '../../contracts';
import type { InputProblem } from '../../request/load';
import { invalidInput } from '../errors';
import { requireFlags } from '../options';
import { readBakeRelease } from './bake-release';
import { readRelease, readSpec, type ReleaseFlags } from './release-flags';
import { checkRollout, checkSpecRollout, type RolloutFlags } from './rollout-checks';
import { checkSchedule, type BakeSchedule, type ScheduleFlags } from './schedule-checks';

/** The `deploy` flags, one value each (see readFlags). */
export interface DeployFlags extends ReleaseFlags, RolloutFlags {
  procedure?: string;
  forceBake?: boolean;
  requireApproval?: boolean;
}

/** The `bake` flags, one value each. */
export interface BakeFlags extends ReleaseFlags, ScheduleFlags {
  forceBake?: boolean;
}

/** A bake to run now, or on a schedule. */
export interface BakeInput {
  request: DeployRequest;
  schedule?: BakeSchedule;
}

/**
 * Checks everything a deploy needs before anything is started: the spec file (every problem,
 * with its path), the flags, and how they combine. Throws an INVALID_INPUT CliError listing
 * every problem (with those the flags already had); touches no network.
 */
export function buildDeployRequest(flags: DeployFlags, problems: InputProblem[] = []): DeployRequest {
  requireFlags(flags, ['procedure', 'spec', 'env', 'version', 'artifact'], problems);
  const spec = readSpec(flags.spec, problems);
  const procedure = checkProcedure(flags.procedure, problems);
  const release = readRelease(flags, problems);
  const rollout = checkRollout(flags, procedure, spec, problems);
  if (flags.forceBake && procedure !== undefined && procedure !== 'immutable') {
    problems.push({ path: '--force-bake', message: `only an immutable deploy bakes; a ${procedure} deploy launches from or syncs onto what exists (drop --force-bake, or use --procedure immutable)` });
  }
  if (problems.length > 0 || !spec || !procedure || !release) throw refused('deploy', problems);
  return { procedure, spec, ...release, ...(rollout ? { rollout } : {}), ...(flags.forceBake ? { forceBake: true } : {}), ...(flags.requireApproval ? { requireApproval: true } : {}) };
}

/**
 * Checks everything a bake needs (the spec, the release: a fixed version or the one live when
 * the bake runs, see {@link readBakeRelease}, and its schedule) and builds its request: an
 * immutable deploy's first half, so no rollout.
 */
export function buildBakeRequest(flags: BakeFlags, problems: InputProblem[] = []): BakeInput {
  requireFlags(flags, ['spec', 'env', 'artifact'], problems);
  const spec = readSpec(flags.spec, problems);
  const release = readBakeRelease(flags, problems);
  const schedule = checkSchedule(flags, problems);
  if (spec) checkSpecRollout(spec, problems);
  if (problems.length > 0 || !spec || !release) throw refused('bake', problems);
  return { request: { procedure: 'bake', spec, ...release, ...(flags.forceBake ? { forceBake: true } : {}) }, ...(schedule ? { schedule } : {}) };
}

function checkProcedure(value: string | undefined, problems: InputProblem[]): Procedure | undefined {
  if (value === undefined) return undefined;
  if ((PROCEDURES as readonly string[]).includes(value)) return value as Procedure;
  problems.push({ path: '--procedure', message: `${JSON.stringify(value)} is not a procedure (${PROCEDURES.join(', ')})` });
  return undefined;
}

function refused(what: 'deploy' | 'bake', problems: InputProblem[]) {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return invalidInput(`the ${what} input has ${count}; nothing was started`, problems);
}
