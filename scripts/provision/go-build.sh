# shellcheck shell=bash
# Sourced by the provision scripts that build a Go program into the Firebreak cache once
# (FIREBREAK_CACHE, default ~/.cache/firebreak). Each caller defines `ready` (true when its
# artifacts are complete) and `print_paths`, then calls `fb_reuse_or_lock DIR "$@"` and builds.
# With `--cached` a script never builds: it prints the paths, or exits 4 when nothing is built yet
# (the test helpers use this to decide, quickly and synchronously, whether to skip).

FB_CACHE="${FIREBREAK_CACHE:-$HOME/.cache/firebreak}"

# Exits 0 (printing the paths) when the artifacts exist; otherwise holds DIR.lock on fd 9 until the
# script ends, so parallel test workers on a fresh machine wait for the one that builds.
fb_reuse_or_lock() {
  local dir=$1
  if ready; then print_paths; exit 0; fi
  if [ "${2:-}" = --cached ]; then
    echo "firebreak: $(basename "$0" .sh) $(basename "$dir") is not built yet in $dir; run: bash $0" >&2
    exit 4
  fi
  mkdir -p "$dir"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$dir.lock"
    flock 9
    if ready; then print_paths; exit 0; fi
  fi
}

# Exit status 3 tells all.sh and the TypeScript helpers "toolchain missing": skip, don't fail.
fb_require_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "firebreak: Go is not installed (need Go >= 1.26 on PATH, https://go.dev/dl/); cannot build $1" >&2
    exit 3
  fi
}

# A scratch directory beside DIR (same file system, so the final mv is atomic), removed on exit.
fb_scratch() {
  FB_TMP="$1.tmp.$$"
  rm -rf "$FB_TMP"
  mkdir -p "$FB_TMP"
  trap 'chmod -R u+w "$FB_TMP" 2>/dev/null; rm -rf "$FB_TMP"' EXIT
}

# Moves a finished file or directory into place, replacing a stale copy from an interrupted run.
fb_install() {
  rm -rf "$2"
  mv "$1" "$2"
}

# The whole of a script whose program is one `go install` (mailpit.sh, promtool.sh):
#   fb_go_install_single NAME VERSION PACKAGE@VERSION "VERIFY ARGS" [--cached]
# builds DIR/NAME (NAME is the package's last path element, as go install names it), runs it with
# VERIFY ARGS so a truncated or foreign-arch build fails here rather than in a test, and prints it.
fb_go_install_single() {
  local name=$1 version=$2 package=$3 verify=$4
  DIR="$FB_CACHE/$name/$version"
  BIN="$DIR/$name"
  ready() { [ -x "$BIN" ]; }
  print_paths() { echo "$BIN"; }
  fb_reuse_or_lock "$DIR" "${5:-}"
  fb_require_go "$name $version"
  echo "firebreak: building $name $version with go install (first run only, several minutes)..." >&2
  fb_scratch "$DIR"
  CGO_ENABLED=0 GOBIN="$FB_TMP" go install "$package" >&2
  # shellcheck disable=SC2086 # VERIFY ARGS are words
  "$FB_TMP/$name" $verify >/dev/null
  fb_install "$FB_TMP/$name" "$BIN"
  echo "firebreak: $name $version built in ${SECONDS}s" >&2
  print_paths
}
