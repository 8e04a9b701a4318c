#!/usr/bin/env bash
# Builds Prometheus Alertmanager and amtool into the Firebreak cache, once. `go install` cannot:
# the module embeds a UI build (ui/app/dist) that is not published, so this builds from a writable
# copy of the module source with placeholder UI files. Prints two lines on stdout: the
# alertmanager binary and the amtool binary. Progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=go-build.sh
. "$here/go-build.sh"
VERSION="${ALERTMANAGER_VERSION:-v0.35.0}"
DIR="$FB_CACHE/alertmanager/$VERSION"
AM="$DIR/alertmanager"
AMTOOL="$DIR/amtool"
ready() { [ -x "$AM" ] && [ -x "$AMTOOL" ]; }
print_paths() { printf '%s\n' "$AM" "$AMTOOL"; }
fb_reuse_or_lock "$DIR" "$@"
fb_require_go "Alertmanager $VERSION"
echo "firebreak: building Alertmanager and amtool $VERSION from module source (first run only)..." >&2
fb_scratch "$DIR"
mod_dir=$(cd "$FB_TMP" && GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/alertmanager@$VERSION" |
  sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
if [ ! -f "$mod_dir/go.mod" ]; then
  echo "firebreak: go mod download gave no Alertmanager source for $VERSION (dir '$mod_dir')" >&2
  exit 1
fi
src="$FB_TMP/src"
cp -R "$mod_dir" "$src"
chmod -R u+w "$src"
# ui/web.go embeds app/dist and fs.Subs app/dist/elm and app/dist/mantine at init: all must exist.
for ui in elm mantine; do
  mkdir -p "$src/ui/app/dist/$ui"
  echo '<!doctype html><title>Alertmanager</title><p>UI not built (Firebreak test build)</p>' \
    >"$src/ui/app/dist/$ui/index.html"
done
cp "$src/ui/app/dist/elm/index.html" "$src/ui/app/dist/index.html"
(cd "$src" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" go build -o "$FB_TMP/bin/" ./cmd/alertmanager ./cmd/amtool) >&2
"$FB_TMP/bin/alertmanager" --version >/dev/null 2>&1
"$FB_TMP/bin/amtool" --version >/dev/null 2>&1
fb_install "$FB_TMP/bin/amtool" "$AMTOOL"
fb_install "$FB_TMP/bin/alertmanager" "$AM"
echo "firebreak: Alertmanager $VERSION built in ${SECONDS}s" >&2
print_paths
