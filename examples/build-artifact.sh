#!/bin/sh
# Builds the example-app release artifact.
#
#   examples/build-artifact.sh <version> [outDir]      (outDir defaults to examples/dist/)
#
# Writes <outDir>/example-app-<version>.tar.gz, whose top level is the release itself
# (server.js, VERSION, bin/; no wrapping directory), and <outDir>/example-app-<version>.tar.gz.sha256
# holding the hex digest alone. Prints one JSON line on stdout, for scripts and tests:
#   {"artifact":"file:///abs/path/example-app-<version>.tar.gz","sha256":"<hex>","version":"<version>"}
#
# EXAMPLE_APP_RUNTIME=perl builds the light runtime instead: server.pl and a RUNTIME file (bin/start.sh
# then runs perl, a process of a few MB instead of node's tens), named example-app-<version>-perl.tar.gz.
#
# Deterministic: sorted entries, fixed mtime, owner and modes, and gzip without a name or
# timestamp, so the same version always gives the same sha256. Needs GNU tar.
set -eu

usage() {
  echo "usage: $0 <version> [outDir]" >&2
  exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
version=$1
case "$version" in
  '' | [!0-9A-Za-z]* | *[!0-9A-Za-z._+-]*)
    echo "build-artifact: invalid version '$version' (letters, digits, . _ + - only)" >&2
    exit 2
    ;;
esac

examples_dir=$(cd "$(dirname "$0")" && pwd -P)
app_dir="$examples_dir/app"
out_dir=${2:-"$examples_dir/dist"}
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd -P)
runtime=${EXAMPLE_APP_RUNTIME:-node}
case "$runtime" in
  node) name="example-app-$version.tar.gz" ;;
  perl) name="example-app-$version-perl.tar.gz" ;;
  *) echo "build-artifact: EXAMPLE_APP_RUNTIME must be node or perl, not '$runtime'" >&2; exit 2 ;;
esac
artifact="$out_dir/$name"

staging=$(mktemp -d "${TMPDIR:-/tmp}/example-app-build.XXXXXX")
trap 'rm -rf "$staging"' EXIT INT TERM
if [ "$runtime" = perl ]; then
  cp "$app_dir/server.pl" "$staging/server.pl"
  printf 'perl\n' >"$staging/RUNTIME"
  files="server.pl RUNTIME"
else
  cp "$app_dir/server.js" "$staging/server.js"
  files="server.js"
fi
cp -R "$app_dir/bin" "$staging/bin"
printf '%s\n' "$version" >"$staging/VERSION"
# Modes independent of umask and of how the checkout kept executable bits.
chmod -R u=rwX,go=rX "$staging"
chmod 755 "$staging/bin/start.sh" "$staging/bin/stop.sh" "$staging/bin/restart.sh"

tar -C "$staging" -cf - \
  --sort=name \
  --format=gnu \
  --mtime='2000-01-01 00:00:00Z' \
  --owner=0 --group=0 --numeric-owner \
  $files VERSION bin |
  gzip -n -9 >"$artifact.tmp"
mv "$artifact.tmp" "$artifact"

if command -v sha256sum >/dev/null 2>&1; then
  sha256=$(sha256sum "$artifact" | cut -d' ' -f1)
else
  sha256=$(shasum -a 256 "$artifact" | cut -d' ' -f1)
fi
printf '%s' "$sha256" >"$artifact.sha256"

echo "built $artifact" >&2
node -e '
  const [file, sha256, version] = process.argv.slice(1);
  console.log(JSON.stringify({ artifact: require("node:url").pathToFileURL(file).href, sha256, version }));
' "$artifact" "$sha256" "$version"
