#!/usr/bin/env bash
# Reproduces docs/reports/corpus.md and docs/reports/std.md:
#   bash bench/analyzers/run.sh
# It installs the peer tools it compares against (pinned), scores asyncvet and
# the peers on the labelled corpus, and times asyncvet against go vet over the
# standard library in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tools=$root/.cache/tools
mkdir -p "$tools" docs/reports
export PATH=$tools:$PATH

echo "== installing peers (staticcheck, golangci-lint) into $tools"
GOBIN=$tools go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOBIN=$tools go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
GOBIN=$tools go install ./cmd/asyncvet

echo "== scoring the corpus"
{
  echo "# Corpus: asyncvet beside its peers"
  echo
  echo "Reproduce with \`bash bench/analyzers/run.sh\` ($(go version | cut -d' ' -f3), staticcheck $(staticcheck -version | cut -d' ' -f2-), golangci-lint $(golangci-lint version --short 2>/dev/null || golangci-lint --version | head -1)); golangci-lint runs its standard linters plus noctx and contextcheck."
  echo "The corpus is \`analyzers/corpus/cases\`: each case is a package; a bad case marks its bug with \`// BUG\`, and a tool catches it with a finding within one line of the marker. Any finding in a good case is a false alarm."
  echo "It has two sets: the development set, which the rules were developed on and have seen, and a blind set written and committed before any analyzer ran on it, scored once (its first score is below, from \`analyzers/corpus/cases/blind/README.md\`; the tables show today's rules). asyncvet runs every profile (\`-profile=strict\`) and, in its own row, the default profile alone."
  echo
  go run ./analyzers/corpus/cmd/corpusreport
  echo "## The blind set's first score"
  echo
  sed -n '/^## First score/,$p' analyzers/corpus/cases/blind/README.md | tail -n +3
} > docs/reports/corpus.md
head -8 docs/reports/corpus.md

echo "== timing over the standard library"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
cold=$(mktemp -d)
vet_cold=$(GOCACHE=$cold/vet ms go vet std)
av_cold=$(GOCACHE=$cold/av ms asyncvet std)
vt_cold=$(GOCACHE=$cold/vt ms go vet -vettool="$tools/asyncvet" std)
vet_warm=$(GOCACHE=$cold/vet ms go vet std)
av_warm=$(GOCACHE=$cold/av ms asyncvet std)
vt_warm=$(GOCACHE=$cold/vt ms go vet -vettool="$tools/asyncvet" std)
rm -rf "$cold"
asyncvet -json std > /tmp/asyncvet-std.json 2>/tmp/asyncvet-std.err || true
findings=$(go run ./bench/analyzers/countjson < /tmp/asyncvet-std.json)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
  echo "# asyncvet over the standard library"
  echo
  echo "Reproduce with \`bash bench/analyzers/run.sh\`; $(nproc) cores, $(go version | cut -d' ' -f3). Cold runs start from an empty build cache each."
  echo
  echo "| run | go vet std | asyncvet std | ratio |"
  echo "|---|---|---|---|"
  echo "| cold cache | ${vet_cold} ms | ${av_cold} ms | $(ratio "$av_cold" "$vet_cold")× |"
  echo "| warm cache | ${vet_warm} ms | ${av_warm} ms | $(ratio "$av_warm" "$vet_warm")× |"
  echo "| cold, as \`go vet -vettool=asyncvet std\` | ${vet_cold} ms | ${vt_cold} ms | $(ratio "$vt_cold" "$vet_cold")× |"
  echo "| warm, as \`go vet -vettool=asyncvet std\` | ${vet_warm} ms | ${vt_warm} ms | $(ratio "$vt_warm" "$vet_warm")× |"
  echo
  echo "Standalone, asyncvet loads and type-checks every package from source on each run (go/packages), so it has no cache to warm; run through \`go vet -vettool\`, it shares go vet's build and result cache. Load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Panics: $(grep -c 'panic' /tmp/asyncvet-std.err || true). Findings (asyncvet -json std, by analyzer):"
  echo
  echo '```'
  echo "$findings"
  echo '```'
} > docs/reports/std.md
cat docs/reports/std.md
