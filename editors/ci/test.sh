#!/usr/bin/env bash
# Tests of the CI tools (editors/ci) and of the golangci-lint plugin
# (analyzers/golangciplugin): the converters and workflow files against the
# real asyncvet and asyncbook, the plugin module's own tests, then a
# golangci-lint v2.15.0 built with the plugin, run over a buggy and a clean
# module. The built golangci-lint is cached in /var/cache/asyncbook/golangci
# (ASYNCBOOK_GOLANGCI_CACHE), keyed by its source, so a second run is fast.
# Exits non-zero on any failure; nothing is skipped, in CI or not.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

say() { printf '\n== %s\n' "$*"; }

# What the tests need: go (the toolchain of go.mod), git (the tests make
# repositories and diffs), bash.
if ! command -v go >/dev/null; then
  echo "editors/ci/test.sh: the go toolchain is not on PATH" >&2
  exit 1
fi
if ! command -v git >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing git"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null
  else
    echo "editors/ci/test.sh: git is needed (the tests make repositories and diffs); install it" >&2
    exit 1
  fi
fi
export ASYNCBOOK_GOLANGCI_CACHE=${ASYNCBOOK_GOLANGCI_CACHE:-/var/cache/asyncbook/golangci}
mkdir -p "$ASYNCBOOK_GOLANGCI_CACHE"

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed=0

# run NAME DIR CMD...: runs a go test command verbosely, keeping its output
# for the count, and remembers a failure.
run() {
  local name=$1 dir=$2
  shift 2
  say "$name"
  local start=$SECONDS
  if (cd "$dir" && "$@") 2>&1 | tee "$log/$name.log"; then
    echo "-- $name: ok in $((SECONDS - start))s"
  else
    echo "-- $name: FAILED in $((SECONDS - start))s"
    failed=1
  fi
}

say "gofmt and go vet"
unformatted=$(gofmt -l editors/ci analyzers/golangciplugin | grep -v /testdata/ || true)
if [ -n "$unformatted" ]; then
  echo "not gofmt'ed: $unformatted" >&2
  failed=1
fi
go vet ./editors/ci/... || failed=1
go vet -tags golangci ./editors/ci/golangci/ || failed=1
(cd analyzers/golangciplugin && go vet ./...) || failed=1

# scripts/test.sh runs the main module's tests, editors/ci's among them, and
# sets ASYNCBOOK_CI_MODULE_TESTED=1 so they do not run twice.
if [ "${ASYNCBOOK_CI_MODULE_TESTED:-}" != 1 ]; then
  run ci-tools "$root" go test -count=1 -v -timeout 10m ./editors/ci/...
fi
run plugin-module "$root/analyzers/golangciplugin" go test -count=1 -v -timeout 5m ./...
run golangci-lint "$root" go test -count=1 -v -timeout 30m -tags golangci ./editors/ci/golangci/

passed=$(cat "$log"/*.log | grep -cE '^\s*--- PASS' || true)
fails=$(cat "$log"/*.log | grep -cE '^\s*--- FAIL' || true)
skips=$(cat "$log"/*.log | grep -cE '^\s*--- SKIP' || true)
if [ "$skips" -gt 0 ]; then
  echo "editors/ci/test.sh: $skips test(s) skipped; none may be" >&2
  failed=1
fi
echo
echo "editors/ci: $passed passed, $fails failed"
exit "$failed"
