#!/usr/bin/env bash
# Measures `asyncbook lsp` (didChange → publishDiagnostics for an exercise
# file and a synthetic 100-file package, first diagnostics after didOpen,
# RSS) and gopls v0.23.0 on the same edits. Writes results.md and
# results.json beside this script.
#
#   bench/lsp/run.sh [-edits N] [-opens N]
#   BASELINE=<git ref> bench/lsp/run.sh    also measures asyncbook built from
#                                          that ref, in the same run, and
#                                          reports this build's ratios to it
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

baseline=()
if [ -n "${BASELINE:-}" ]; then
	mkdir "$work/baseline-src"
	git -C "$repo" archive "$BASELINE" | tar -x -C "$work/baseline-src"
	(cd "$work/baseline-src" && go build -o "$work/asyncbook-baseline" ./cmd/asyncbook)
	baseline=(-baseline "$work/asyncbook-baseline" -baseline-name "$BASELINE ($(git -C "$repo" rev-parse --short "$BASELINE"))")
fi

"$work/lspbench" -asyncbook "$work/asyncbook" -gopls "$work/gopls" -repo "$repo" "${baseline[@]}" \
	-out "$here/results.json" -md "$here/results.md" "$@"
cat "$here/results.md"
