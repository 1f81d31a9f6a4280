import { artifactUrlOf, LIVE_VERSION, VERSION_PLACEHOLDER, type DeployRequest } from '../../contracts';
import { DeployArgumentsSchema } from '../../request/arguments';
import type { InputProblem } from '../../request/load';
import { readRelease, type ReleaseFlags } from './release-flags';

/** What a bake bakes: a fixed release, or the one live in the environment when the bake runs. */
export type BakeRelease = Pick<DeployRequest, 'env' | 'version' | 'artifact' | 'liveRelease'>;

/** A sample version to check a template with: what it becomes once a real version is filled in. */
const SAMPLE_VERSION = '0.0.0';

/**
 * The release flags of `bake`. `--artifact` may be a template, `{version}` standing for the
 * version (`s3://releases/shop/{version}.tar.gz`):
 * - with `--version`, the template is filled in now; the sha256 is `--sha256`, else the
 *   `.sha256` published beside the artifact, fetched on the builder;
 * - without `--version`, the bake follows the release: it bakes whatever version is live in the
 *   environment when it runs, its artifact the template filled in, checked against the
 *   `.sha256` beside it (so `--sha256`, a digest of one version, is refused).
 * Without a template, `--version` is required and the artifact is taken as it is (a deploy's).
 */
export function readBakeRelease(flags: ReleaseFlags, problems: InputProblem[]): BakeRelease | undefined {
  const template = flags.artifact;
  if (template === undefined || !template.includes(VERSION_PLACEHOLDER)) {
    if (flags.version === undefined && !problems.some((p) => p.path === '--version')) {
      problems.push({ path: '--version', message: `is required (or put ${VERSION_PLACEHOLDER} in --artifact to bake the release live in the environment when the bake runs)` });
    }
    return readRelease(flags, problems);
  }
  const unknown = template.match(/\{[^}]*\}/g)?.find((placeholder) => placeholder !== VERSION_PLACEHOLDER);
  if (unknown) {
    problems.push({ path: '--artifact', message: `${JSON.stringify(template)} has ${unknown}: only ${VERSION_PLACEHOLDER} is filled in` });
    return undefined;
  }
  if (flags.version !== undefined) {
    const release = readRelease({ ...flags, artifact: artifactUrlOf(template, flags.version) }, problems);
    if (!release || release.artifact.sha256) return release;
    return { ...release, artifact: { ...release.artifact, sha256Sidecar: true } };
  }
  if (flags.sha256 !== undefined) {
    problems.push({
      path: '--sha256',
      message: `fits one version, and this bake takes the version live when it runs: leave it out (the .sha256 beside the artifact is checked), or pass --version`,
    });
  }
  // The template must make a valid artifact URL once any version is filled in.
  const checked = DeployArgumentsSchema.partial().safeParse({ env: flags.env, artifactUrl: artifactUrlOf(template, SAMPLE_VERSION) });
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const field = String(issue.path[0]);
      problems.push(field === 'artifactUrl'
        ? { path: '--artifact', message: `${JSON.stringify(template)} is not an artifact URL template (s3://bucket/app/${VERSION_PLACEHOLDER}.tar.gz, https://host/path/${VERSION_PLACEHOLDER}.tar.gz or file:///abs/${VERSION_PLACEHOLDER}.tar.gz)` }
        : { path: '--env', message: issue.message });
    }
    return undefined;
  }
  if (flags.sha256 !== undefined || checked.data.env === undefined) return undefined;
  return { env: checked.data.env, version: LIVE_VERSION, artifact: { url: template, sha256Sidecar: true }, liveRelease: { artifactTemplateUrl: template } };
}
