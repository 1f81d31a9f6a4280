import { redactUrl } from '../contracts/redact';
import type { SyncCodeInput } from '../contracts';
import { artifactFilePath } from '../request/artifact';
import { commandFileLine, scratchLines, shq } from './shell-script';

export { shq } from './shell-script';

/** Markers the script prints so syncCode can report what happened on each instance. */
export const MARKER = { previous: 'hybrid-deploy:previous=', changed: 'hybrid-deploy:changed=', postDeploy: 'hybrid-deploy:post-deploy=' } as const;

/**
 * The file that marks a release as completely unpacked (a crash mid-unpack leaves none). It
 * holds the sha256 of the artifact the release came from: a version names one artifact, and a
 * later deploy of the same version from different bytes is refused instead of silently kept.
 */
const COMPLETE = '.hybrid-deploy-release';

/** Exit status of a deploy that names a version already on the instance with other contents. */
export const EXIT_ARTIFACT_CONFLICT = 4;

/**
 * Builds the one script that places code on a machine, whichever procedure runs: on a builder,
 * on new instances, on live instances, and for a rollback. Layout on the instance:
 * `<installDir>/releases/<version>/`, `<installDir>/current -> releases/<version>` (switched
 * atomically with rename), `<installDir>/shared/` for state that outlives releases (pid, logs).
 *
 * The restart runs the spec's commands against the *new* `current`, never a script of the old
 * release, so one bad release cannot block every later deploy. Every user command (start, stop,
 * restart, the bake's commands) runs exactly as written, from a file of its own; every other
 * value is a quoted literal. The artifact URL is printed only redacted.
 */
export function buildSyncScript(input: Pick<SyncCodeInput, 'service' | 'version' | 'artifact' | 'provision' | 'mode' | 'commandOutput' | 'postDeploy'>): string {
  const { service, version } = input;
  const deploying = input.mode !== 'rollback';
  if (deploying && !input.artifact) throw new Error('syncCode needs an artifact to place a new release');
  const lines = [
    'set -eu',
    ...scratchLines(),
    commandFileLine('start.sh', service.start),
    commandFileLine('stop.sh', service.stop),
    ...(service.restart !== undefined ? [commandFileLine('restart.sh', service.restart)] : []),
    ...postDeployFileLines(input.postDeploy ?? []),
    `install_dir=${shq(service.installDir)}`,
    `version=${shq(version)}`,
    'releases="$install_dir/releases"',
    'release="$releases/$version"',
    'mkdir -p "$releases" "$install_dir/shared"',
    'previous=""',
    'if [ -L "$install_dir/current" ]; then previous=$(basename "$(readlink "$install_dir/current")"); fi',
    `echo "${MARKER.previous}$previous"`,
    ...(deploying ? [...fetchFunctionLines(input.artifact!), ...sameArtifactLines(version)] : []),
    `if [ "$previous" = "$version" ] && [ -f "$release/${COMPLETE}" ]; then`,
    `  echo "${MARKER.changed}false"`,
    '  # Already current: make sure it runs (start is idempotent) and change nothing else.',
    '  sh "$scratch/start.sh"',
    ...postDeployLines(input.postDeploy ?? []).map((line) => `  ${line}`),
    '  exit 0',
    'fi',
  ];
  if (!deploying) {
    lines.push(`if [ ! -f "$release/${COMPLETE}" ]; then echo "release $version is not on this instance; cannot roll back to it" >&2; exit 3; fi`);
  } else {
    if (input.provision) lines.push(...provisionLines(input.provision, input.commandOutput !== undefined));
    lines.push(...placeReleaseLines());
  }
  lines.push(
    'ln -sfn "releases/$version" "$install_dir/.current.tmp"',
    'mv -Tf "$install_dir/.current.tmp" "$install_dir/current"',
    `echo "${MARKER.changed}true"`,
    ...(service.restart !== undefined ? ['sh "$scratch/restart.sh"'] : ['sh "$scratch/stop.sh"', 'sh "$scratch/start.sh"']),
    ...pruneLines(service.keepReleases),
    ...postDeployLines(input.postDeploy ?? []),
  );
  return lines.join('\n');
}

/** Writes each post-deploy command into a file of its own, as written (see shell-script.ts). */
function postDeployFileLines(commands: string[]): string[] {
  return commands.map((command, index) => commandFileLine(`post-deploy-${index + 1}.sh`, command));
}

/**
 * The spec's post-deploy tasks, after the release is placed and restarted, in the same SSM
 * command (one round trip per batch, not two): each runs as written, in order; the first that
 * fails stops the rest, and its exit status is the script's. The marker tells syncCode that a
 * failure from here on is the post-deploy tasks', not the placement's.
 */
function postDeployLines(commands: string[]): string[] {
  if (commands.length === 0) return [];
  return [
    `echo "${MARKER.postDeploy}started"`,
    ...commands.map(
      (_command, index) =>
        `sh "$scratch/post-deploy-${index + 1}.sh" || { status=$?; echo "post-deploy command ${index + 1} of ${commands.length} failed (exit $status)" >&2; exit "$status"; }`,
    ),
  ];
}

/**
 * The one fetch command for a URL's scheme, chosen here: the URL is never matched by the shell.
 * `from` is the shell variable holding the URL, `to` the file to write.
 */
function fetchCommand(url: string, from = '$url', to = '$work/artifact.tar.gz'): string {
  if (url.startsWith('s3://')) return `aws s3 cp --only-show-errors "${from}" "${to}"`;
  if (url.startsWith('file://')) return `cp -- ${shq(artifactFilePath(url))} "${to}"`;
  // --globoff: `[1-300]` or `{a,b}` in a URL are characters, not 300 fetches. Only http(s), also after redirects.
  return `curl -fsSL --globoff --proto '=http,https' --proto-redir '=http,https' --retry 3 -o "${to}" "${from}"`;
}

/** `<artifact>.sha256`, beside the artifact (before a query string, should the URL have one). */
function sidecarUrlOf(url: string): string {
  const query = url.search(/[?#]/);
  return query < 0 ? `${url}.sha256` : `${url.slice(0, query)}.sha256${url.slice(query)}`;
}

/**
 * A release found at bake time, whose digest nobody could give up front: the expected sha256 is
 * the first word of the `<artifact>.sha256` published beside it, fetched the same way.
 */
function sidecarLines(artifact: NonNullable<SyncCodeInput['artifact']>): string[] {
  if (artifact.sha256 || !artifact.sha256Sidecar) return [];
  const sidecar = sidecarUrlOf(artifact.url);
  return [
    '  if [ -z "$expected" ]; then',
    `    sidecar=${shq(sidecar)}`,
    `    sidecar_shown=${shq(redactUrl(sidecar))}`,
    `    if ! ${fetchCommand(sidecar, '$sidecar', '$work/artifact.sha256')} 2>/dev/null; then echo "no sha256 for $shown: $sidecar_shown cannot be fetched (publish it beside the artifact)" >&2; exit 1; fi`,
    '    expected=$(tr -s " \\t\\r\\n" " " <"$work/artifact.sha256" | cut -d" " -f1)',
    '  fi',
  ];
}

/**
 * `fetch_artifact`: downloads the artifact once into `$work` (beside the releases, so the final
 * move is a rename), checks its sha256 against the expected one, and leaves it in `$actual`.
 */
function fetchFunctionLines(artifact: NonNullable<SyncCodeInput['artifact']>): string[] {
  return [
    `url=${shq(artifact.url)}`,
    `shown=${shq(redactUrl(artifact.url))}`,
    `expected=${shq(artifact.sha256 ?? '')}`,
    'actual=""',
    'fetch_artifact() {',
    '  [ -z "$actual" ] || return 0',
    '  work=$(mktemp -d "$releases/.incoming.XXXXXX")',
    `  ${fetchCommand(artifact.url)}`,
    ...sidecarLines(artifact),
    '  actual=$(sha256sum "$work/artifact.tar.gz" | cut -d" " -f1)',
    '  if [ -n "$expected" ] && [ "$actual" != "$expected" ]; then echo "sha256 mismatch for $shown: expected $expected, got $actual" >&2; exit 1; fi',
    '}',
  ];
}

/**
 * A version already on the instance must come from the same artifact: its recorded sha256 is
 * compared with the expected one (or, with none given, with the artifact's own, fetched).
 */
function sameArtifactLines(version: string): string[] {
  return [
    `if [ -f "$release/${COMPLETE}" ]; then`,
    `  recorded=$(head -c 64 "$release/${COMPLETE}")`,
    '  if [ -n "$recorded" ]; then',
    '    if [ -z "$expected" ]; then fetch_artifact; fi',
    '    if [ "$recorded" != "${expected:-$actual}" ]; then',
    `      echo "version ${version} is already on this instance from a different artifact (sha256 $recorded; this deploy's is \${expected:-$actual}): a version names one artifact, so deploy this one under a new version" >&2`,
    `      exit ${EXIT_ARTIFACT_CONFLICT}`,
    '    fi',
    '  fi',
    'fi',
  ];
}

/**
 * Installs the bake's packages and runs its commands on the builder. Their output goes to
 * `shared/provision.log` (package managers are chatty, and the markers must stay in SSM's first
 * 24,000 characters of stdout); when the whole output is kept (`commandOutput`), it streams to
 * stderr too, so it is readable after the fact with `hybrid-deploy logs`. A failure prints the end
 * of the log to stderr, last, where the failure report reads it.
 */
function provisionLines(provision: NonNullable<SyncCodeInput['provision']>, keepWhole: boolean): string[] {
  const log = '"$install_dir/shared/provision.log"';
  // `status` is the command's exit status either way; streamed, tee copies the output to stderr.
  const run = (command: string) =>
    keepWhole
      ? `status=$( { { if ${command} 2>&1; then echo 0 >&3; else echo $? >&3; fi; } | tee -a ${log} >&2; } 3>&1 )`
      : `if ${command} >>${log} 2>&1; then status=0; else status=$?; fi`;
  const lines: string[] = [];
  if (provision.packages.length > 0) {
    const packages = provision.packages.map(shq).join(' ');
    lines.push(
      `if command -v dnf >/dev/null 2>&1; then pm="dnf install -y"; elif command -v yum >/dev/null 2>&1; then pm="yum install -y"; ` +
        `elif command -v apt-get >/dev/null 2>&1; then pm="apt-get install -y"; else echo "no package manager (dnf, yum, apt-get) on this image" >&2; exit 1; fi`,
      run(`$pm ${packages}`),
      `if [ "$status" != 0 ]; then echo "installing packages failed:" >&2; tail -n 20 ${log} >&2; exit 1; fi`,
    );
  }
  provision.commands.forEach((command, index) => {
    const name = `bake-${index + 1}.sh`;
    lines.push(
      commandFileLine(name, command),
      run(`sh "$scratch/${name}"`),
      // Named by position, not quoted: a command may hold a secret, and its output is in the log.
      `if [ "$status" != 0 ]; then echo "bake.commands[${index}] failed (exit $status); the end of its output:" >&2; tail -n 20 ${log} >&2; exit 1; fi`,
    );
  });
  return lines;
}

function placeReleaseLines(): string[] {
  return [
    `if [ ! -f "$release/${COMPLETE}" ]; then`,
    '  fetch_artifact',
    '  mkdir "$work/release"',
    '  tar -xzf "$work/artifact.tar.gz" -C "$work/release"',
    `  printf '%s\\n' "$actual" >"$work/release/${COMPLETE}"`,
    '  rm -rf "$release"',
    '  mv "$work/release" "$release"',
    'fi',
  ];
}

function pruneLines(keep: number): string[] {
  return [
    `# Keep the current and previous release and the ${keep} newest others.`,
    'n=0',
    'for r in $(ls -1t "$releases"); do',
    '  case "$r" in .*) continue ;; esac',
    '  if [ "$r" = "$version" ] || [ "$r" = "$previous" ]; then continue; fi',
    '  n=$((n + 1))',
    `  if [ "$n" -gt ${keep} ]; then rm -rf "$releases/$r"; fi`,
    'done',
  ];
}

/** Reads the markers out of one instance's output. */
export function parseSyncOutput(stdout: string): { previousVersion: string; changed: boolean; postDeployStarted: boolean } {
  const line = (marker: string) =>
    stdout
      .split('\n')
      .find((l) => l.startsWith(marker))
      ?.slice(marker.length)
      .trim();
  return { previousVersion: line(MARKER.previous) ?? '', changed: line(MARKER.changed) === 'true', postDeployStarted: line(MARKER.postDeploy) === 'started' };
}
