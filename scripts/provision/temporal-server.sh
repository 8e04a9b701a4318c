#!/usr/bin/env bash
# Builds the real Temporal server and its SQL schema tool into the Firebreak cache, once, and copies
# the PostgreSQL schema out of the module cache so later runs need neither Go nor the module cache.
# Prints three lines on stdout: the server binary, the schema tool, the postgresql/v12 schema dir.
# Progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=go-build.sh
. "$here/go-build.sh"
# v1.32.2, v1.31.5 and v1.30.9 require Go >= 1.26.10; v1.32.1 builds with the local toolchain.
VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.1}"
DIR="$FB_CACHE/temporal-server/$VERSION"
SERVER="$DIR/temporal-server"
SQL_TOOL="$DIR/temporal-sql-tool"
SCHEMA="$DIR/schema/postgresql/v12"
ready() {
  [ -x "$SERVER" ] && [ -x "$SQL_TOOL" ] && [ -d "$SCHEMA/temporal/versioned" ] &&
    [ -d "$SCHEMA/visibility/versioned" ]
}
print_paths() { printf '%s\n' "$SERVER" "$SQL_TOOL" "$SCHEMA"; }
fb_reuse_or_lock "$DIR" "$@"
fb_require_go "the Temporal server $VERSION"
echo "firebreak: building Temporal server $VERSION and its SQL tool with go install (first run only, ~11 min)..." >&2
fb_scratch "$DIR"
CGO_ENABLED=0 GOBIN="$FB_TMP" go install \
  "go.temporal.io/server/cmd/server@$VERSION" "go.temporal.io/server/cmd/tools/sql@$VERSION" >&2
# A truncated or foreign-arch build fails here, not in a test.
"$FB_TMP/server" --version >/dev/null
"$FB_TMP/sql" --version >/dev/null
mod_dir=$(cd "$FB_TMP" && GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@$VERSION" |
  sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
if [ ! -d "$mod_dir/schema/postgresql/v12/temporal/versioned" ]; then
  echo "firebreak: no PostgreSQL schema in the module cache at '$mod_dir/schema/postgresql/v12'" >&2
  exit 1
fi
mkdir -p "$FB_TMP/schema/postgresql"
cp -R "$mod_dir/schema/postgresql/v12" "$FB_TMP/schema/postgresql/v12"
chmod -R u+w "$FB_TMP/schema"  # module-cache files are read-only; keep the cache removable
mkdir -p "$DIR"
fb_install "$FB_TMP/schema" "$DIR/schema"
fb_install "$FB_TMP/sql" "$SQL_TOOL"
fb_install "$FB_TMP/server" "$SERVER"
echo "firebreak: Temporal server $VERSION built in ${SECONDS}s" >&2
print_paths
