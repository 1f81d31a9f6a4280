/**
 * Image and instance root directories on the host.
 *
 * A root is a directory whose `opt/` is what the instance sees as `/opt`. A base image root holds
 * the package-manager stand-ins, an empty `opt/boot.d/` (the stand-in for systemd units) and
 * `opt/.sandbox/image-info`.
 */
import { chmod, cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The `dnf`/`yum`/`apt-get` stand-in: it records the packages asked for in
 * `/opt/.sandbox/packages.txt` (one per line) so tests can see them, and never calls the host's
 * real package manager. `install`/`remove` change the list, `list` prints it, the rest succeed.
 */
export const PACKAGE_MANAGER_STAND_IN = `#!/bin/sh
# hybrid-deploy sandbox stand-in for dnf, yum and apt-get.
# Records requested packages in /opt/.sandbox/packages.txt; installs nothing; never calls the
# host's package manager. install/reinstall add names, remove/erase/purge drop them, list prints
# them, every other subcommand (update, makecache, clean...) succeeds doing nothing.
db=/opt/.sandbox/packages.txt
tool=$(basename "$0")
cmd=""
touch "$db"
for a in "$@"; do
  case "$a" in
    -*) ;;
    *)
      if [ -z "$cmd" ]; then cmd="$a"; continue; fi
      case "$cmd" in
        install|reinstall)
          grep -qxF "$a" "$db" || echo "$a" >> "$db"
          echo "$tool (sandbox): installed $a" ;;
        remove|erase|purge)
          grep -vxF "$a" "$db" > "$db.tmp"; mv "$db.tmp" "$db"
          echo "$tool (sandbox): removed $a" ;;
      esac ;;
  esac
done
case "$cmd" in
  list) cat "$db" ;;
esac
exit 0
`;

/**
 * The `aws` stand-in: `aws s3 cp` between a local file (or `-`) and `s3://bucket/key`, against the
 * sandbox's S3 at `$AWS_ENDPOINT_URL` (path-style), as an instance's role would sign it (the
 * sandbox checks no signature). What the sync script needs for `s3://` artifacts; everything else
 * the AWS CLI does is refused with its usage exit code (252), never faked. Exit codes and the
 * `fatal error:` line follow the AWS CLI's ("AWS CLI return codes", AWS CLI user guide).
 */
export const AWS_CLI_STAND_IN = `#!/bin/sh
# hybrid-deploy sandbox stand-in for the AWS CLI: only \`aws s3 cp\` to and from the sandbox's S3.
usage() { echo "aws (sandbox): only 'aws s3 cp SRC DEST' with one s3:// side is emulated (got: aws $*)" >&2; exit 252; }
[ "$1" = s3 ] && [ "$2" = cp ] || usage "$@"
shift 2
src=""; dest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only-show-errors|--quiet|--no-progress) ;;
    --region) shift ;;
    -) if [ -z "$src" ]; then src=-; else dest=-; fi ;;
    -*) usage "s3 cp $1" ;;
    *) if [ -z "$src" ]; then src="$1"; elif [ -z "$dest" ]; then dest="$1"; else usage "s3 cp (a third path)"; fi ;;
  esac
  shift
done
[ -n "$src" ] && [ -n "$dest" ] || usage "s3 cp (two paths)"
[ -n "\${AWS_ENDPOINT_URL:-}" ] || { echo "fatal error: AWS_ENDPOINT_URL is not set (the sandbox sets it on every instance)" >&2; exit 255; }
# s3://bucket/key -> the path-style URL, every byte of the key percent-encoded but /.
object_url() {
  rest=\${1#s3://}; bucket=\${rest%%/*}; key=\${rest#*/}
  [ -n "$bucket" ] && [ "$key" != "$rest" ] && [ -n "$key" ] || { echo "fatal error: $1 does not name an object (s3://bucket/key)" >&2; exit 252; }
  encoded=$(printf '%s' "$key" | od -An -v -tx1 | tr -d ' \\n' | sed 's/\\(..\\)/%\\1/g; s/%2f/\\//g')
  printf '%s/%s/%s' "\${AWS_ENDPOINT_URL%/}" "$bucket" "$encoded"
}
auth="Authorization: AWS4-HMAC-SHA256 Credential=sandbox-instance-role/20260101/\${AWS_REGION:-us-east-1}/s3/aws4_request, SignedHeaders=host, Signature=0"
case "$src" in
  s3://*)
    url=$(object_url "$src") || exit $?
    if [ "$dest" = - ]; then out=$(mktemp); else out="$dest"; fi
    code=$(curl -sS -H "$auth" -o "$out" -w '%{http_code}' "$url") || { echo "fatal error: could not reach S3 at $AWS_ENDPOINT_URL" >&2; exit 1; }
    if [ "$code" != 200 ]; then
      rm -f "$out"
      echo "fatal error: An error occurred ($code) when calling the GetObject operation: $src" >&2
      exit 1
    fi
    if [ "$dest" = - ]; then cat "$out"; rm -f "$out"; fi ;;
  *)
    case "$dest" in s3://*) ;; *) usage "s3 cp (neither path is s3://)" ;; esac
    url=$(object_url "$dest") || exit $?
    [ "$src" = - ] || [ -f "$src" ] || { echo "fatal error: The user-provided path $src does not exist." >&2; exit 1; }
    code=$(curl -sS -H "$auth" -T "$src" -o /dev/null -w '%{http_code}' "$url") || { echo "fatal error: could not reach S3 at $AWS_ENDPOINT_URL" >&2; exit 1; }
    [ "$code" = 200 ] || { echo "upload failed: $src to $dest An error occurred ($code) when calling the PutObject operation" >&2; exit 1; } ;;
esac
`;

/** What a base image's `image-info` file says. */
export interface BaseImageInfo {
  imageId: string;
  name: string;
  region: string;
}

/** Writes a fresh base image root at `dir`. */
export async function writeBaseImageRoot(dir: string, info: BaseImageInfo): Promise<void> {
  const bin = join(dir, 'opt/.sandbox/bin');
  await mkdir(bin, { recursive: true });
  await mkdir(join(dir, 'opt/boot.d'), { recursive: true });
  await mkdir(join(dir, 'opt/.sandbox/home'), { recursive: true });
  for (const tool of ['dnf', 'yum', 'apt-get']) {
    await writeFile(join(bin, tool), PACKAGE_MANAGER_STAND_IN);
    await chmod(join(bin, tool), 0o755);
  }
  await writeFile(join(bin, 'aws'), AWS_CLI_STAND_IN);
  await chmod(join(bin, 'aws'), 0o755);
  await writeFile(join(dir, 'opt/.sandbox/image-info'), `${JSON.stringify({ ...info, sandbox: true }, null, 2)}\n`);
}

/**
 * Copies a root (an image's into a new instance, an instance's into a new image). Symlinks are
 * copied as they are (`current -> releases/v2` must stay relative), modes and times preserved.
 */
export async function copyRoot(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  await cp(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true });
}
