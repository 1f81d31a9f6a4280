import type { SyncCodeInput } from '../contracts';

/** Quotes a value for POSIX sh. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Markers the script prints so syncCode can report what happened on each instance. */
export const MARKER = { previous: 'hybrid-deploy:previous=', changed: 'hybrid-deploy:changed=' } as const;

/** The file that marks a release as completely unpacked (a crash mid-unpack leaves none). */
const COMPLETE = '.hybrid-deploy-release';

/**
 * Builds the one script that places code on a machine, whichever procedure runs: on a builder,
 * on new instances, on live instances, and for a rollback. Layout on the instance:
 * `<installDir>/releases/<version>/`, `<installDir>/current -> releases/<version>` (switched
 * atomically with rename), `<installDir>/shared/` for state that outlives releases (pid, logs).
 *
 * The restart runs the spec's commands against the *new* `current`, never a script of the old
 * release, so one bad release cannot block every later deploy.
 */
export function buildSyncScript(input: Pick<SyncCodeInput, 'service' | 'version' | 'artifact' | 'provision' | 'mode'>): string {
  const { service, version } = input;
  const restart = service.restart ?? `${service.stop}\n${service.start}`;
  const lines = [
    'set -eu',
    `install_dir=${shq(service.installDir)}`,
    `version=${shq(version)}`,
    'releases="$install_dir/releases"',
    'release="$releases/$version"',
    'mkdir -p "$releases" "$install_dir/shared"',
    'previous=""',
    'if [ -L "$install_dir/current" ]; then previous=$(basename "$(readlink "$install_dir/current")"); fi',
    `echo "${MARKER.previous}$previous"`,
    `if [ "$previous" = "$version" ] && [ -f "$release/${COMPLETE}" ]; then`,
    `  echo "${MARKER.changed}false"`,
    '  # Already current: make sure it runs (start is idempotent) and change nothing else.',
    indent(service.start),
    '  exit 0',
    'fi',
  ];
  if (input.mode === 'rollback') {
    lines.push(
      `if [ ! -f "$release/${COMPLETE}" ]; then echo "release $version is not on this instance; cannot roll back to it" >&2; exit 3; fi`,
    );
  } else {
    if (input.provision) lines.push(...provisionLines(input.provision));
    if (!input.artifact) throw new Error('syncCode needs an artifact to place a new release');
    lines.push(...placeReleaseLines(input.artifact));
  }
  lines.push(
    'ln -sfn "releases/$version" "$install_dir/.current.tmp"',
    'mv -Tf "$install_dir/.current.tmp" "$install_dir/current"',
    `echo "${MARKER.changed}true"`,
    restart,
    ...pruneLines(service.keepReleases),
  );
  return lines.join('\n');
}

function indent(commands: string): string {
  return commands
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function provisionLines(provision: NonNullable<SyncCodeInput['provision']>): string[] {
  const log = '"$install_dir/shared/provision.log"';
  const lines: string[] = [];
  if (provision.packages.length > 0) {
    const packages = provision.packages.map(shq).join(' ');
    lines.push(
      `if command -v dnf >/dev/null 2>&1; then pm="dnf install -y"; elif command -v yum >/dev/null 2>&1; then pm="yum install -y"; ` +
        `elif command -v apt-get >/dev/null 2>&1; then pm="apt-get install -y"; else echo "no package manager (dnf, yum, apt-get) on this image" >&2; exit 1; fi`,
      // Package managers are chatty; their output goes to a log so the markers stay in SSM's 24,000 characters.
      `if ! $pm ${packages} >>${log} 2>&1; then echo "installing packages failed:" >&2; tail -n 20 ${log} >&2; exit 1; fi`,
    );
  }
  for (const command of provision.commands) lines.push(`( ${command} ) >>${log} 2>&1 || { echo "bake command failed: ${command.replace(/["$`\\]/g, '\\$&')}" >&2; tail -n 20 ${log} >&2; exit 1; }`);
  return lines;
}

function placeReleaseLines(artifact: NonNullable<SyncCodeInput['artifact']>): string[] {
  return [
    `if [ ! -f "$release/${COMPLETE}" ]; then`,
    '  work=$(mktemp -d "$releases/.incoming.XXXXXX")',
    '  trap \'rm -rf "$work"\' EXIT',
    `  url=${shq(artifact.url)}`,
    '  case "$url" in',
    '    s3://*) aws s3 cp --only-show-errors "$url" "$work/artifact.tar.gz" ;;',
    '    http://*|https://*) curl -fsSL --retry 3 -o "$work/artifact.tar.gz" "$url" ;;',
    '    file://*) cp "${url#file://}" "$work/artifact.tar.gz" ;;',
    '    *) echo "unsupported artifact URL: $url" >&2; exit 1 ;;',
    '  esac',
    ...(artifact.sha256
      ? [
          `  expected=${shq(artifact.sha256)}`,
          '  actual=$(sha256sum "$work/artifact.tar.gz" | cut -d" " -f1)',
          '  if [ "$actual" != "$expected" ]; then echo "sha256 mismatch for $url: expected $expected, got $actual" >&2; exit 1; fi',
        ]
      : []),
    '  mkdir "$work/release"',
    '  tar -xzf "$work/artifact.tar.gz" -C "$work/release"',
    `  touch "$work/release/${COMPLETE}"`,
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
export function parseSyncOutput(stdout: string): { previousVersion: string; changed: boolean } {
  const line = (marker: string) =>
    stdout
      .split('\n')
      .find((l) => l.startsWith(marker))
      ?.slice(marker.length)
      .trim();
  return { previousVersion: line(MARKER.previous) ?? '', changed: line(MARKER.changed) === 'true' };
}
