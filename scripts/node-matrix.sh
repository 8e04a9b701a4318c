#!/usr/bin/env bash
# Checks the supported Node versions the way a new user meets them: a clean copy of the committed
# tree (HEAD) installed with `npm ci`, then typecheck, lint, the fast tests, `firebreak validate`,
# and `npm start` (refusing a broken runbook; then starting for real and answering /healthz).
# Node and npm come from the npm registry (node-<os>-<arch>, npm), unpacked once into
# $FIREBREAK_CACHE/node. Needs the Temporal CLI built (bash scripts/provision/temporal-cli.sh).
#
#   scripts/node-matrix.sh            # Node 22 and 24, each with npm 10 and npm 11
#   scripts/node-matrix.sh 24:11      # one <node major>:<npm major> pair
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export FIREBREAK_CACHE="${FIREBREAK_CACHE:-$HOME/.cache/firebreak}"
cache="$FIREBREAK_CACHE/node"
[ $# -gt 0 ] || set -- 22:10 22:11 24:10 24:11
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
platform="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$arch"

# Unpacks the newest <package>@<major> from the registry into the cache, once; prints its directory.
fetch() {
  local version dir tmp
  version=$(npm view "$1@$2" version --json | tr -d '[]", ' | grep . | sort -V | tail -1)
  dir="$cache/$1-$version"
  if [ ! -d "$dir/package" ]; then
    echo "firebreak: fetching $1@$version into $dir" >&2
    tmp="$dir.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    (cd "$tmp" && npm pack "$1@$version" --silent >/dev/null && tar -xzf ./*.tgz && rm ./*.tgz)
    mv "$tmp" "$dir"
  fi
  echo "$dir"
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# `npm start` in its own process group until the banner, then /healthz, then Ctrl-C.
start_for_real() {
  local log="$1/start.log" port pid deadline
  port=$(free_port)
  : >"$log"
  FIREBREAK_PORT=$port TEMPORAL_PORT=$(free_port) TEMPORAL_UI_PORT=$(free_port) \
    setsid npm start >"$log" 2>&1 &
  pid=$!
  deadline=$((SECONDS + 180))
  until grep -q 'Firebreak is running' "$log"; do
    if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      cat "$log" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
  node -e 'fetch(process.argv[1]).then((r) => { if (r.status !== 200) process.exit(1); })' \
    "http://127.0.0.1:$port/healthz"
  kill -INT -- "-$pid"
  wait "$pid" || true
  grep '^firebreak:' "$log"
}

check() {
  local node_dir npm_dir work bin
  node_dir=$(fetch "$platform" "$1")
  npm_dir=$(fetch npm "$2")
  work=$(mktemp -d "${TMPDIR:-/tmp}/firebreak-node$1-npm$2.XXXXXX")
  bin="$work/bin"
  mkdir -p "$bin" "$work/tree"
  ln -s "$node_dir/package/bin/node" "$bin/node"
  for tool in npm npx; do
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$bin/node" "$npm_dir/package/bin/$tool-cli.js" >"$bin/$tool"
    chmod +x "$bin/$tool"
  done
  git -C "$root" archive HEAD | tar -x -C "$work/tree"
  (
    cd "$work/tree"
    export PATH="$bin:$PATH" FIREBREAK_HOME="$work/home"
    # npm 10 runs every install script: native builds compile against this Node's headers (npm 11
    # runs none of those, see allowScripts, and warns about the setting).
    [ "${2%%.*}" -ge 11 ] || export npm_config_nodedir="$node_dir/package"
    echo "=== node $(node --version), npm $(npm --version) in $work/tree"
    npm ci --no-audit --no-fund 2>&1 | tee "$work/ci.log"
    if grep -E 'EBADENGINE|not yet covered by allowScripts' "$work/ci.log"; then
      echo "npm ci warned (above)" >&2
      exit 1
    fi
    npx tsc -p tsconfig.json --noEmit
    npx eslint .
    npx jest test/language test/secrets test/install
    node bin/firebreak.js validate runbooks
    mkdir -p "$work/broken" && cp -r runbooks/. "$work/broken/"
    printf 'apiVersion: firebreak/v1\nkind: Runbook\nmetadata:\n  id: broken\n  title: B\n  service: x\n  severity: P9\n' \
      >"$work/broken/broken.yaml"
    if FIREBREAK_RUNBOOKS="$work/broken" npm start >"$work/refuse.log" 2>&1; then
      echo "npm start accepted a broken runbook" >&2
      exit 1
    fi
    grep -E 'refusing to start|broken\.yaml:7:13' "$work/refuse.log"
    start_for_real "$work"
  )
  echo "=== node $1 / npm $2: ok"
  rm -rf "$work"
}

for pair in "$@"; do check "${pair%%:*}" "${pair##*:}"; done
