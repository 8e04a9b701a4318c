#!/usr/bin/env bash
# Gives the docker CLI its compose plugin when it has none, so `docker compose config` can check
# docker-compose.yml (no Docker engine is needed for that). Built once from the Go module proxy
# into the Firebreak cache, then linked into ~/.docker/cli-plugins. Optional: without docker or
# Go this does nothing and the compose test is skipped.
set -euo pipefail
command -v docker >/dev/null 2>&1 || exit 0
docker compose version >/dev/null 2>&1 && exit 0
CACHE="${FIREBREAK_CACHE:-$HOME/.cache/firebreak}"
VERSION="${DOCKER_COMPOSE_VERSION:-v2.29.7}"
DIR="$CACHE/docker-compose/$VERSION"
BIN="$DIR/docker-compose"
mkdir -p "$DIR"
exec 9>"$DIR.lock"
flock 9
if [ ! -x "$BIN" ]; then
  command -v go >/dev/null 2>&1 || { echo "firebreak: no Go; skipping the docker compose plugin" >&2; exit 0; }
  echo "firebreak: building the docker compose plugin $VERSION with go install (first run only, ~5 min)..." >&2
  tmp="$DIR.tmp.$$"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp"
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/docker/compose/v2/cmd@$VERSION" >&2
  mv "$tmp/cmd" "$BIN"
fi
mkdir -p "$HOME/.docker/cli-plugins"
ln -sf "$BIN" "$HOME/.docker/cli-plugins/docker-compose"
docker compose version >&2
