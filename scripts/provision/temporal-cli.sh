#!/usr/bin/env bash
# Installs the Temporal CLI (dev server, SQLite) into the Firebreak cache, once.
# Prints the path of the binary on stdout; progress goes to stderr, the lines meant for a person
# prefixed with "firebreak: " (the engine shows those and hides go's own output).
set -euo pipefail
CACHE="${FIREBREAK_CACHE:-$HOME/.cache/firebreak}"
VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
DIR="$CACHE/temporal-cli/$VERSION"
BIN="$DIR/temporal"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
mkdir -p "$DIR"
# Parallel test workers may all arrive here on a fresh machine: one builds, the others wait.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR.lock"
  if ! flock -n 9; then
    echo "firebreak: another process is building the Temporal CLI $VERSION; waiting for it ($DIR.lock)" >&2
    flock 9
  fi
  if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
fi
if ! command -v go >/dev/null 2>&1; then
  echo "firebreak: Go is not installed; the Temporal SDK will download its own dev server" >&2
  exit 3
fi
mkdir -p "$DIR"
module="github.com/temporalio/cli/cmd/temporal@$VERSION"
echo "firebreak: building the Temporal CLI $VERSION (go install $module) into $DIR: first run only, 5-10 min" >&2
tmp="$DIR.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
# Later tags carry a replace directive that go install refuses, hence the pinned version.
CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod go install "$module" >&2
"$tmp/temporal" --version >/dev/null  # a truncated or foreign-arch build fails here, not in a test
mv "$tmp/temporal" "$BIN"
echo "$BIN"
