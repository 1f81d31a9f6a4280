/** Deploy requests for benches: the example app's spec, reshaped, and its light-runtime artifacts. */
import { buildExampleArtifact, readExampleSpec, type ExampleArtifact } from '../../examples/example-app';
import type { DeployRequest, Procedure } from '../../src/contracts';
import { parseDeploySpec } from '../../src/request/load';

/** The example spec for `app`, in `regions` (a prefix of the example's), `desiredCount` instances per region. */
export function benchSpec(app: string, regions: string[], desiredCount: number) {
  const raw = readExampleSpec();
  raw.app = app;
  for (const region of Object.keys(raw.regionSettings)) if (!regions.includes(region)) delete raw.regionSettings[region];
  raw.regions = regions;
  for (const region of regions) raw.regionSettings[region].desiredCount = desiredCount;
  return parseDeploySpec(raw);
}

/** Light-runtime artifacts (a few MB per instance), built once per version into `dir`. */
export function lightArtifacts(dir: string): (version: string) => ExampleArtifact {
  const built = new Map<string, ExampleArtifact>();
  return (version) => {
    if (!built.has(version)) built.set(version, buildExampleArtifact(version, dir, 'perl'));
    return built.get(version)!;
  };
}

/** A deploy request. */
export function request(procedure: Procedure, spec: ReturnType<typeof benchSpec>, env: string, version: string, artifact: ExampleArtifact, extra: Partial<DeployRequest> = {}): DeployRequest {
  return { procedure, spec, env, version, artifact: { url: artifact.url, sha256: artifact.sha256 }, ...extra };
}
