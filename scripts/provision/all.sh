#!/usr/bin/env bash
# Everything the test suite needs on a fresh machine, idempotent and cached outside the clone
# (FIREBREAK_CACHE, default ~/.cache/firebreak): Debian services for the real-component tests,
# the Temporal dev server and the Java time-skipping test server.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/system-packages.sh"
cli=$(bash "$here/temporal-cli.sh") || echo "firebreak: no Temporal CLI built; the SDK's download will be used" >&2
ts=$(bash "$here/temporal-test-server.sh") || echo "firebreak: no Java test server; the SDK's download will be used" >&2
bash "$here/docker-compose.sh" || echo "firebreak: no docker compose plugin; the compose check is skipped" >&2
echo "firebreak: temporal dev server: ${cli:-<sdk download>}" >&2
echo "firebreak: temporal test server: ${ts:-<sdk download>}" >&2
