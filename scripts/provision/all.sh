#!/usr/bin/env bash
# Everything the test suite needs on a fresh machine, idempotent and cached outside the clone
# (FIREBREAK_CACHE, default ~/.cache/firebreak): Debian services for the real-component tests,
# the Temporal dev server, the Java time-skipping test server, and the third-party servers the
# integration tests run for real (Temporal server on PostgreSQL, Alertmanager, Mailpit, promtool).
# Each build is optional here: a failure is a warning and the tests needing it say why they are
# skipped (under CI they fail instead). A cold cache means ~35-40 min of Go builds, once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/system-packages.sh"
cli=$(bash "$here/temporal-cli.sh") || echo "firebreak: no Temporal CLI built; the SDK's download will be used" >&2
ts=$(bash "$here/temporal-test-server.sh") || echo "firebreak: no Java test server; the SDK's download will be used" >&2
bash "$here/docker-compose.sh" || echo "firebreak: no docker compose plugin; the compose check is skipped" >&2
echo "firebreak: temporal dev server: ${cli:-<sdk download>}" >&2
echo "firebreak: temporal test server: ${ts:-<sdk download>}" >&2
# One after another: each is a long, CPU-bound Go build.
for server in alertmanager mailpit promtool temporal-server; do
  if built=$(bash "$here/$server.sh"); then
    echo "firebreak: $server: $(echo "$built" | tr '\n' ' ')" >&2
  else
    echo "firebreak: WARNING: $server.sh failed; the tests needing $server will be skipped (failed under CI)" >&2
  fi
done
