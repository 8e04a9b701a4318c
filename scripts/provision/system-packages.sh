#!/usr/bin/env bash
# Debian packages the real-component tests start on loopback: sshd, PostgreSQL, Redis,
# supervisor, Chromium (report rendering); sudo, logrotate, jq and PyYAML for the runbook
# library's end-to-end lab (the guides' commands use them). Idempotent: installs only what is missing.
set -euo pipefail
PKGS=(openssh-server openssh-client postgresql redis-server redis-tools supervisor chromium curl procps iproute2 psmisc sudo logrotate jq python3-yaml)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "firebreak: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Packages start their daemons on install; the tests start their own on free ports.
for s in postgresql redis-server supervisor ssh; do $SUDO service "$s" stop >/dev/null 2>&1 || true; done
