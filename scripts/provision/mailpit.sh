#!/usr/bin/env bash
# Builds Mailpit (an SMTP server with an HTTP API to read what arrived) into the Firebreak cache,
# once (~3 min). Prints the path of the binary on stdout; progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=go-build.sh
. "$here/go-build.sh"
VERSION="${MAILPIT_VERSION:-v1.33.1}"
# `version --no-release-check` runs the binary without asking GitHub for newer releases.
fb_go_install_single mailpit "$VERSION" "github.com/axllent/mailpit@$VERSION" "version --no-release-check" "$@"
