#!/usr/bin/env bash
# Measures `asyncbook lsp` (didChange → publishDiagnostics for an exercise
# file and a synthetic 100-file package, first diagnostics after didOpen,
# RSS) and gopls v0.23.0 on the same edits. Writes results.md and
# results.json beside this script.
#
#   bench/lsp/run.sh [-edits N] [-opens N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$repo"
go build -o "$work/asyncbook" ./cmd/asyncbook
go build -o "$work/lspbench" ./bench/lsp
# gopls comes from the module proxy, pinned.
GOBIN="$work" GOFLAGS= go install golang.org/x/tools/gopls@v0.23.0

"$work/lspbench" -asyncbook "$work/asyncbook" -gopls "$work/gopls" -repo "$repo" \
	-out "$here/results.json" -md "$here/results.md" "$@"
cat "$here/results.md"
