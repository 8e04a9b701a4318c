#!/usr/bin/env bash
# Builds Mailpit (an SMTP server with an HTTP API to read what arrived) into the Firebreak cache,
# once. Prints the path of the binary on stdout; progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=go-build.sh
. "$here/go-build.sh"
VERSION="${MAILPIT_VERSION:-v1.33.1}"
DIR="$FB_CACHE/mailpit/$VERSION"
BIN="$DIR/mailpit"
ready() { [ -x "$BIN" ]; }
print_paths() { echo "$BIN"; }
fb_reuse_or_lock "$DIR" "$@"
fb_require_go "Mailpit $VERSION"
echo "firebreak: building Mailpit $VERSION with go install (first run only)..." >&2
fb_scratch "$DIR"
CGO_ENABLED=0 GOBIN="$FB_TMP" go install "github.com/axllent/mailpit@$VERSION" >&2
"$FB_TMP/mailpit" version --no-release-check >/dev/null 2>&1 || "$FB_TMP/mailpit" --help >/dev/null
fb_install "$FB_TMP/mailpit" "$BIN"
echo "firebreak: Mailpit $VERSION built in ${SECONDS}s" >&2
print_paths
