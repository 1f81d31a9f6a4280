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
