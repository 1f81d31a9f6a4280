import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** This folder in the checkout; compiled, this file runs from dist/examples/, which holds no data files. */
const EXAMPLES_DIR = existsSync(join(__dirname, 'build-artifact.sh')) ? __dirname : join(__dirname, '..', '..', 'examples');

/** The example app's deploy spec for the sandbox. */
export const EXAMPLE_SPEC_FILE = join(EXAMPLES_DIR, 'deploy-spec.sandbox.yaml');

/** A built release of the example app. */
export interface ExampleArtifact {
  /** `file:///…/example-app-<version>.tar.gz` */
  url: string;
  sha256: string;
}

/**
 * Builds the example app's release artifact with `examples/build-artifact.sh` (deterministic:
 * the same version always gives the same sha256) into `outDir`. `runtime: 'perl'` builds the
 * light runtime (a few MB per instance instead of node's tens), for fleets of hundreds.
 */
export function buildExampleArtifact(version: string, outDir: string, runtime: 'node' | 'perl' = 'node'): ExampleArtifact {
  const stdout = execFileSync('sh', [join(EXAMPLES_DIR, 'build-artifact.sh'), version, outDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, EXAMPLE_APP_RUNTIME: runtime },
  });
  const { artifact, sha256 } = JSON.parse(stdout.trim().split('\n').pop()!) as { artifact: string; sha256: string };
  return { url: artifact, sha256 };
}

/** The example spec as a plain object, to change before writing it out or validating it. */
export function readExampleSpec(): Record<string, any> {
  return parseYaml(readFileSync(EXAMPLE_SPEC_FILE, 'utf8'));
}
