#!/usr/bin/env bash
# Reproduces docs/reports/exercises.md: bash bench/exercises/run.sh
# Sequential against Solution on each exercise's benchmark world, with the
# ideal speedup from the simulated latencies; model serving's throughput and
# p99 latency with and without dynamic batching under the same load.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p docs/reports
out=$(mktemp)
go test -run '^$' -bench 'Speedup|Batching' -benchtime 3x ./exercises/... | tee "$out"
{
  echo "# Exercises: speedup of the reference solutions"
  echo
  echo "Reproduce with \`bash bench/exercises/run.sh\` ($(nproc) cores, $(go version | cut -d' ' -f3)). Each row is one run of \`BenchmarkSpeedup\`: the same workload through \`Sequential\` and \`Solution\`, measured as a ratio in one run. The ideal is derived from the simulated latencies in each \`suite.go\`. Goal: every solution reaches at least 85% of its ideal."
  echo
  echo "| exercise | speedup | ideal | % of ideal |"
  echo "|---|---|---|---|"
  awk '
    /^pkg: / { n = split($2, p, "/"); pkg = p[n] }
    /^BenchmarkSpeedup/ {
      for (i = 1; i <= NF; i++) {
        if ($(i+1) == "speedup") s = $i
        if ($(i+1) == "ideal-speedup") id = $i
        if ($(i+1) == "%-of-ideal") pc = $i
      }
      printf "| %s | %.2f× | %.2f× | %.1f%% |\n", pkg, s, id, pc
    }' "$out"
  echo
  echo "Model serving under the same load (32 clients), with dynamic batching (MaxBatch 16) and without (MaxBatch 1):"
  echo
  echo "| | throughput | p99 latency (32 clients) | p99 latency (1 client) |"
  echo "|---|---|---|---|"
  awk '
    /^BenchmarkBatching/ {
      for (i = 1; i <= NF; i++) m[$(i+1)] = $i
      printf "| dynamic batching | %.0f req/s | %.0f ms | %.0f ms |\n", m["batched-req/s"], m["batched-p99-ms"], m["1client-batched-p99-ms"]
      printf "| one request per model call | %.0f req/s | %.0f ms | %.0f ms |\n", m["unbatched-req/s"], m["unbatched-p99-ms"], m["1client-unbatched-p99-ms"]
      printf "\nThroughput ratio: %.2f×. With one client there is nobody to batch with, and batching costs up to MaxWait per request.\n", m["throughput-ratio"]
    }' "$out"
} > docs/reports/exercises.md
rm -f "$out"
cat docs/reports/exercises.md
