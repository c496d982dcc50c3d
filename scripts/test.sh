#!/usr/bin/env bash
# The test command of the README: sets up what the tests need on a fresh
# machine (Go modules; bubblewrap, Neovim, Emacs and Chromium from Debian, Node packages
# and code-server from npm for the editor tests), then runs every test:
# gofmt, go vet, the editor clients' end-to-end tests, and go test over the
# module. Extra arguments go to go test.
#
# It prints one line per step (ok or FAIL, with its time; the editors'
# tests run beside go vet and go test, so their lines come last); a failed step's
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
: >"$work/failed" # the names of the failed steps, one a line
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
  echo "$name" >>"$work/failed"
  grep -vE '^(ok  |\?   )|no test files' "$log" | tail -n 200 | sed 's/^/    | /'
  return 1
}

download() {
  go mod download &&
    # The corpus of labelled cases is a module of its own.
    (cd analyzers/corpus/cases && go mod download)
  # The real-code benchmark's pinned modules are not needed: its test reads
  # the findings of its last full run (bench/realcode/findings.tsv).
}

# Debian packages go test needs: bubblewrap for grade's sandbox, Chromium
# for the timeline's screenshot (the tests fail, not skip, without them).
# They are installed before go test starts; the editors' tests install
# their own editors while go test runs.
install_packages() {
  local missing=()
  command -v bwrap >/dev/null || missing+=(bubblewrap)
  if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
    missing+=(chromium)
  fi
  [ ${#missing[@]} -eq 0 ] && { echo "installed already"; return 0; }
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "the tests need the Debian packages ${missing[*]}; install them (apt-get install ${missing[*]})"
    return 1
  fi
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
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
step "Debian packages" install_packages
# A learner's practice copies (practice/, git-ignored) are work in progress,
# checked by `asyncbook check`, not part of the project's tests.
# The slowest packages first: go test starts them in this order, so that
# none of them is left running alone at the end. Eight at a time, not one
# per core: the long exercise packages mostly wait on their simulated
# worlds' clocks (distributed-training: 15 s of CPU in 164 s), so more
# packages keep the cores busy (warm go test on 2 cores, beside other
# work: 686 s at -p 2, 552 s at -p 4, 498 s at -p 8).
mod=$(go list -m)
slow="workbook cmd/asyncbook exercises/distributedtraining exercises/datapipeline exercises/modelserving editors/ci cmd/asyncvet"
pkgs=$(go list ./... | grep -v "/practice/")
pkgs=$({ for p in $slow; do grep -x "$mod/$p" <<<"$pkgs"; done; echo "$pkgs"; } | awk '!seen[$0]++')

step gofmt gofmt_check
# check and grade compile each exercise's tests with -race -trimpath, the
# race runtime and the standard library included. On an empty build cache,
# the tests that check and grade beside each other would each compile all
# of that at once on a small machine, until a grade build hits its
# 5-minute limit; compiled once here, those builds find it in the cache.
race_build() {
  CGO_ENABLED=1 go test -race -trimpath -run '^$' ./exercises/...
}
step "race build" race_build
# The editors' end-to-end tests mostly wait (on editors, a browser, a
# language server): they run one after another beside go vet and go test,
# and their lines are printed when they are all done.
editors() {
  for t in editors/nvim/test.sh editors/emacs/test.sh editors/ci/test.sh editors/vscode/test.sh; do
    [ -f "$t" ] && step "$t" bash "$t"
  done
  return 0
}
editors >"$work/editors.out" 2>&1 &
editors_pid=$!
# Interrupted, the script takes the editors' tests down with it.
trap 'pkill -TERM -P "$editors_pid" 2>/dev/null; kill "$editors_pid" 2>/dev/null' INT TERM
step "go vet" go vet $pkgs
# 30m bounds a hung package on a slow machine; a warm run takes minutes.
# A -p among the extra arguments overrides the 8.
step "go test" go test -count=1 -p 8 -timeout 30m "$@" $pkgs
wait "$editors_pid"
cat "$work/editors.out"

echo "scripts/test.sh: $((SECONDS - began))s in all"
if [ -s "$work/failed" ]; then
  echo "scripts/test.sh: failed: $(paste -sd, "$work/failed" | sed 's/,/, /g') (logs kept in $logs)" >&2
  exit 1
fi
chmod -R u+w "$work" 2>/dev/null
rm -rf "$work"
echo "scripts/test.sh: every step passed"
