#!/usr/bin/env bash
# The test command of the README: sets up what the tests need on a fresh
# machine (Go modules; Neovim, Emacs and Chromium from Debian, Node packages
# and code-server from npm for the editor tests), then runs every test:
# gofmt, go vet, the editor clients' end-to-end tests, and go test over the
# module. Extra arguments go to go test.
#
# It prints one line per step (ok or FAIL, with its time); a failed step's
# details follow its line, and every step's full output stays in a log file
# (kept when a step fails). The tests run with HOME and the XDG folders in a
# temporary folder (scripts/temp-home.sh): nothing is written into yours
# except Go's and npm's caches and /var/cache/asyncbook.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null; then
  echo "scripts/test.sh: the go toolchain is not on PATH (Go 1.26 or newer is needed)" >&2
  exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/asyncbook-test.XXXXXX")
logs=$work/logs
mkdir -p "$logs"
# shellcheck source=scripts/temp-home.sh
. scripts/temp-home.sh
asyncbook_temp_home "$work/home"
export ASYNCBOOK_CI_MODULE_TESTED=1 # editors/ci's Go tests run with the module's below

began=$SECONDS
failed=()
echo "scripts/test.sh: $(go version | cut -d' ' -f3-), logs in $logs"

# step NAME COMMAND...: runs it with its output in a log, prints one line,
# and the log's gist when it fails (go test's passing packages left out).
step() {
  local name=$1
  shift
  local log
  log="$logs/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log"
  local t0=$SECONDS
  printf '%-28s ' "$name"
  if "$@" >"$log" 2>&1 </dev/null; then
    printf 'ok    %5ss\n' "$((SECONDS - t0))"
    return 0
  fi
  printf 'FAIL  %5ss   full log: %s\n' "$((SECONDS - t0))" "$log"
  failed+=("$name")
  grep -vE '^(ok  |\?   )|no test files' "$log" | tail -n 200 | sed 's/^/    | /'
  return 1
}

download() {
  go mod download &&
    # The corpus of labelled cases is a module of its own.
    (cd analyzers/corpus/cases && go mod download) &&
    # So is the real-code benchmark's pinned third-party code (bench/realcode).
    (cd bench/realcode/modules && go mod download)
}

# grade runs submissions under bubblewrap (Debian package bubblewrap); its
# tests need it and fail, not skip, without it.
install_bwrap() {
  command -v bwrap >/dev/null && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "bubblewrap (bwrap) is needed by grade's sandbox; install the Debian package bubblewrap"
    return 1
  fi
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap
}
gofmt_check() {
  # analysistest data may hold deliberately broken files: gofmt checks the rest.
  local out
  out=$(gofmt -l $(git ls-files '*.go' | grep -v '/testdata/'))
  [ -z "$out" ] || { echo "not gofmt'ed: $out"; return 1; }
}

step "go mod download" download || {
  echo "scripts/test.sh: the modules could not be downloaded; nothing else can run" >&2
  exit 1
}
step "bubblewrap" install_bwrap
# A learner's practice copies (practice/, git-ignored) are work in progress,
# checked by `asyncbook check`, not part of the project's tests.
pkgs=$(go list ./... | grep -v "/practice/")

step gofmt gofmt_check
step "go vet" go vet $pkgs
for t in editors/nvim/test.sh editors/emacs/test.sh editors/ci/test.sh editors/vscode/test.sh; do
  [ -f "$t" ] && step "$t" bash "$t"
done
# 30m: on a fresh machine bench/realcode analyses its 24 pinned modules and
# std cold, which alone took over 15 minutes (warm: seconds).
step "go test" go test -count=1 -timeout 30m "$@" $pkgs

echo "scripts/test.sh: $((SECONDS - began))s in all"
if [ ${#failed[@]} -gt 0 ]; then
  echo "scripts/test.sh: failed: ${failed[*]} (logs kept in $logs)" >&2
  exit 1
fi
chmod -R u+w "$work" 2>/dev/null
rm -rf "$work"
echo "scripts/test.sh: every step passed"
