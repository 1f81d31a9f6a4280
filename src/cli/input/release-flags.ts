import type { DeployRequest } from '../../contracts';
import { readSidecarChecksum, sidecarChecksumFile } from '../../request/artifact';
import { DeployArgumentsSchema } from '../../request/arguments';
import { InvalidInputError, loadDeploySpec, type InputProblem } from '../../request/load';
import type { DeploySpec } from '../../request/schema';

/** The flags that say what is released where: the same for a deploy and a bake. */
export interface ReleaseFlags {
  spec?: string;
  env?: string;
  version?: string;
  artifact?: string;
  sha256?: string;
}

/** DeployArgumentsSchema's fields, named as the flags a person typed. */
const FLAG_OF: Record<string, string> = { env: '--env', version: '--version', artifactUrl: '--artifact', sha256: '--sha256' };

/** The spec file, validated; its problems (each with its path in the file) join `problems`. */
export function readSpec(file: string | undefined, problems: InputProblem[]): DeploySpec | undefined {
  if (!file) return undefined;
  try {
    return loadDeploySpec(file);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    problems.push(...error.problems.map((p) => ({ path: p.path || file, message: p.message })));
    return undefined;
  }
}

/**
 * The environment, version and artifact (with its sha256: the flag, else the `.sha256` file a
 * build wrote beside a `file://` artifact). Every problem joins `problems`, even when a required
 * flag is missing, so all show at once.
 */
export function readRelease(flags: ReleaseFlags, problems: InputProblem[]): Pick<DeployRequest, 'env' | 'version' | 'artifact'> | undefined {
  const given = { env: flags.env, version: flags.version, artifactUrl: flags.artifact, sha256: flags.sha256 };
  if (flags.env === undefined || flags.version === undefined || flags.artifact === undefined) {
    const partial = DeployArgumentsSchema.partial().safeParse(given);
    if (!partial.success) problems.push(...partial.error.issues.map((i) => ({ path: FLAG_OF[String(i.path[0])] ?? String(i.path[0]), message: i.message })));
    return undefined;
  }
  let sha256Flag = '--sha256';
  const sidecar = flags.sha256 === undefined ? sidecarChecksumFile(flags.artifact) : undefined;
  if (sidecar) {
    sha256Flag = `--sha256 (read from ${sidecar})`;
    try {
      given.sha256 = readSidecarChecksum(sidecar);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...error.problems.map((p) => ({ path: sha256Flag, message: p.message })));
      return undefined;
    }
  }
  const parsed = DeployArgumentsSchema.safeParse(given);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0]);
      problems.push({ path: field === 'sha256' ? sha256Flag : (FLAG_OF[field] ?? field), message: issue.message });
    }
    return undefined;
  }
  const { env, version, artifactUrl, sha256 } = parsed.data;
  return { env, version, artifact: { url: artifactUrl, ...(sha256 ? { sha256 } : {}) } };
}
