#!/usr/bin/env bash
# Reproduces docs/reports/realcode.md: bash bench/realcode/run.sh
# Runs every analyzer as go vet's tool over the pinned modules and std, and
# renders the report from the committed verdicts (it refuses while a finding
# has no verdict: go run ./bench/realcode/cmd/realcode -show lists them).
# With --timing it also times the benchmark's test cold (empty GOCACHE and
# GOMODCACHE in temporary folders, modules fetched through the proxy) and
# warm, and prints the two numbers.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
(cd modules && go mod download)
go run ./cmd/realcode -report > "$root/docs/reports/realcode.md"
cat notes.md >> "$root/docs/reports/realcode.md"
echo "wrote docs/reports/realcode.md"
if [ "${1:-}" = "--timing" ]; then
  tmp=$(mktemp -d)
  trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
  secs() { local s e; s=$(date +%s); "$@" >/dev/null; e=$(date +%s); echo $((e - s)); }
  cold=$(cd "$root" && GOCACHE=$tmp/cache GOMODCACHE=$tmp/mod secs go test -count=1 -timeout 30m -run TestEveryFindingHasAVerdict ./bench/realcode)
  warm=$(cd "$root" && GOCACHE=$tmp/cache GOMODCACHE=$tmp/mod secs go test -count=1 -timeout 30m -run TestEveryFindingHasAVerdict ./bench/realcode)
  line="\`go test -run TestEveryFindingHasAVerdict ./bench/realcode\` on $(nproc) cores, $(go version | cut -d' ' -f3): cold ${cold} s (empty GOCACHE and GOMODCACHE: every module fetched through the proxy, every package compiled), warm ${warm} s (go vet's cached results). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "$line"
  printf '\n## Time\n\n%s\n' "$line" >> "$root/docs/reports/realcode.md"
fi
