#!/usr/bin/env bash
# The test command of the README: sets up what the tests need on a fresh
# machine (Go modules; Neovim, Emacs and Chromium from Debian, Node packages
# and code-server from npm for the editor tests),
# then runs every test: gofmt, go vet, the editor clients' end-to-end tests,
# and go test over the module. Extra arguments go to go test.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null; then
  echo "scripts/test.sh: the go toolchain is not on PATH (Go 1.26 or newer is needed)" >&2
  exit 1
fi
failed=()
step() { # step NAME COMMAND...: run it, remember a failure, go on
  local name=$1; shift
  echo "== $name"
  if ! "$@"; then
    failed+=("$name")
    echo "== $name: FAILED" >&2
  fi
}

# grade's tests run submissions under bubblewrap (Debian package bubblewrap).
command -v bwrap >/dev/null || { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; } || echo "scripts/test.sh: bubblewrap is missing; grade's sandbox tests will be skipped" >&2
go mod download || exit 1
# The corpus of labelled cases is a module of its own.
(cd analyzers/corpus/cases && go mod download) || exit 1
# So is the real-code benchmark's pinned third-party code (bench/realcode).
(cd bench/realcode/modules && go mod download) || exit 1

gofmt_check() {
  # analysistest data may hold deliberately broken files: gofmt checks the rest.
  local out
  out=$(gofmt -l $(git ls-files '*.go' | grep -v '/testdata/'))
  [ -z "$out" ] || { echo "not gofmt'ed: $out" >&2; return 1; }
}
# A learner's practice copies (practice/, git-ignored) are work in progress,
# checked by `asyncbook check`, not part of the project's tests.
pkgs=$(go list ./... | grep -v "/practice/")

step gofmt gofmt_check
step "go vet" go vet $pkgs
export ASYNCBOOK_CI_MODULE_TESTED=1 # editors/ci's Go tests run with the module's below
for t in editors/nvim/test.sh editors/emacs/test.sh editors/ci/test.sh editors/vscode/test.sh; do
  [ -f "$t" ] && step "$t" bash "$t"
done
step "go test" go test -count=1 -timeout 15m "$@" $pkgs

if [ ${#failed[@]} -gt 0 ]; then
  echo "scripts/test.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "scripts/test.sh: every step passed"
