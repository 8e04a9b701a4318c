#!/usr/bin/env bash
# Builds Prometheus' promtool (checks rule files offline) into the Firebreak cache, once.
# Prints the path of the binary on stdout; progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=go-build.sh
. "$here/go-build.sh"
# Prometheus 3.x publishes its Go module as v0.3xx.y.
VERSION="${PROMTOOL_VERSION:-v0.316.0}"
DIR="$FB_CACHE/promtool/$VERSION"
BIN="$DIR/promtool"
ready() { [ -x "$BIN" ]; }
print_paths() { echo "$BIN"; }
fb_reuse_or_lock "$DIR" "$@"
fb_require_go "promtool $VERSION"
echo "firebreak: building promtool $VERSION with go install (first run only, ~12 min)..." >&2
fb_scratch "$DIR"
CGO_ENABLED=0 GOBIN="$FB_TMP" go install "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >&2
# Built without ldflags, so the version string is empty; --version still proves the binary runs.
"$FB_TMP/promtool" --version >/dev/null
fb_install "$FB_TMP/promtool" "$BIN"
echo "firebreak: promtool $VERSION built in ${SECONDS}s" >&2
print_paths
