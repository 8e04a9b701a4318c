#!/usr/bin/env bash
# Builds Prometheus' promtool (checks rule files offline) into the Firebreak cache, once (~12 min).
# Prints the path of the binary on stdout; progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=go-build.sh
. "$here/go-build.sh"
# Prometheus 3.x publishes its Go module as v0.3xx.y. Built without ldflags, promtool reports an
# empty version string; --version still proves the binary runs.
VERSION="${PROMTOOL_VERSION:-v0.316.0}"
fb_go_install_single promtool "$VERSION" "github.com/prometheus/prometheus/cmd/promtool@$VERSION" "--version" "$@"
