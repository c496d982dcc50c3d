#!/usr/bin/env bash
# The test command of the README: sets up what the tests need on a fresh
# machine, then runs every test of the module.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null; then
  echo "scripts/test.sh: the go toolchain is not on PATH (Go 1.26 or newer is needed)" >&2
  exit 1
fi
go mod download
# The corpus of labelled cases is a module of its own.
(cd analyzers/corpus/cases && go mod download)

# analysistest data may hold deliberately broken files: gofmt checks the rest.
gofmt_out=$(gofmt -l $(git ls-files '*.go' | grep -v '/testdata/'))
if [ -n "$gofmt_out" ]; then
  echo "scripts/test.sh: not gofmt'ed:" $gofmt_out >&2
  exit 1
fi
go vet ./...
go test -count=1 -timeout 15m "$@" ./...
