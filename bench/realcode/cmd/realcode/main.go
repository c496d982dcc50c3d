// Command realcode runs the real-code benchmark (bench/realcode) and helps
// keep its verdicts up to date.
//
//	go run ./bench/realcode/cmd/realcode            unjudged findings as verdicts.tsv lines (verdict TODO), stale verdicts
//	go run ./bench/realcode/cmd/realcode -show      the same, each with the code around it, to judge
//	go run ./bench/realcode/cmd/realcode -prune     remove the stale verdicts from verdicts.tsv
//	go run ./bench/realcode/cmd/realcode -report    docs/reports/realcode.md (and findings.tsv, the snapshot the test reads)
//	go run ./bench/realcode/cmd/realcode -packages  regenerate packages.txt
//
// To judge a new finding, copy its line into verdicts.tsv, replace TODO by
// real, debatable or false, and say why in the last field.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"

	"github.com/asyncbook/asyncbook/bench/realcode"
)

// patterns are the parts of each pinned module the benchmark reads; the
// packages whose code and tests load with the pinned requirements are kept.
var patterns = []string{
	"google.golang.org/grpc/...",
	"go.etcd.io/etcd/client/v3/...",
	"github.com/nats-io/nats.go/...",
	"github.com/hashicorp/raft/...",
	"github.com/prometheus/client_golang/...",
	"k8s.io/client-go/tools/cache/...",
	"k8s.io/client-go/util/workqueue/...",
	"github.com/redis/go-redis/v9/...",
	"github.com/segmentio/kafka-go/...",
	"github.com/IBM/sarama/...",
	"github.com/tmc/langchaingo/...",
	"github.com/hibiken/asynq/...",
	"github.com/ThreeDotsLabs/watermill/...",
	"github.com/hashicorp/memberlist/...",
	"github.com/panjf2000/ants/v2/...",
	"github.com/sourcegraph/conc/...",
	"github.com/sashabaranov/go-openai/...",
	"github.com/rabbitmq/amqp091-go/...",
	"github.com/go-co-op/gocron/v2/...",
	"github.com/robfig/cron/v3/...",
	"github.com/dgraph-io/ristretto/v2/...",
	"github.com/coder/websocket/...",
	"github.com/gorilla/websocket/...",
	"github.com/hashicorp/go-plugin/...",
	"github.com/twmb/franz-go/...",
}

func main() {
	show := flag.Bool("show", false, "print the code around each unjudged finding")
	prune := flag.Bool("prune", false, "remove stale verdicts from verdicts.tsv")
	report := flag.Bool("report", false, "print the report (docs/reports/realcode.md)")
	pkgs := flag.Bool("packages", false, "print the package list (packages.txt)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *show, *prune, *report, *pkgs, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "realcode:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, show, prune, report, pkgs bool, stdout, stderr io.Writer) error {
	b, err := realcode.Find(".")
	if err != nil {
		return err
	}
	if pkgs {
		return listPackages(ctx, b, stdout)
	}
	repo := filepath.Dir(filepath.Dir(b.Dir))
	verdicts, err := realcode.LoadVerdicts(b.VerdictsFile())
	if err != nil {
		return err
	}
	all, err := b.Run(ctx, repo)
	if err != nil {
		return err
	}
	findings := all
	judged, unjudged, stale := realcode.Match(findings, verdicts)
	switch {
	case report:
		if len(unjudged) > 0 || len(stale) > 0 {
			return fmt.Errorf("%d unjudged findings and %d stale verdicts: judge them first (run without -report)", len(unjudged), len(stale))
		}
		if err := writeSnapshot(b, repo, findings); err != nil {
			return err
		}
		return writeReport(stdout, judged)
	case prune:
		return pruneStale(b.VerdictsFile(), stale, stderr)
	}
	fmt.Fprintf(stderr, "%d findings: %d judged, %d unjudged; %d stale verdicts\n", len(findings), len(judged), len(unjudged), len(stale))
	for _, f := range unjudged {
		fmt.Fprintln(stdout, realcode.Verdict{Kind: realcode.Todo, Finding: f, Why: "TODO"}.Format())
		if show {
			fmt.Fprintln(stdout, context3(b, f))
		}
	}
	for _, v := range stale {
		fmt.Fprintf(stderr, "stale (verdicts.tsv line %d, no such finding now): %s\n", v.Line, v.Format())
	}
	return nil
}

// writeSnapshot records findings in findings.tsv with the analyzers' digest.
func writeSnapshot(b realcode.Bench, repo string, findings []realcode.Finding) error {
	digest, err := realcode.AnalyzersDigest(repo)
	if err != nil {
		return err
	}
	f, err := os.Create(b.SnapshotFile())
	if err != nil {
		return err
	}
	if err := realcode.WriteSnapshot(f, digest, findings); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// context3 returns the code around a finding, for judging it.
func context3(b realcode.Bench, f realcode.Finding) string {
	dir := b.ModulesDir()
	var args []string
	if f.Module == "std" {
		args = []string{"env", "GOROOT"}
	} else {
		args = []string{"list", "-m", "-f", "{{.Dir}}", f.Module}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "  (cannot find " + f.Module + ")"
	}
	root := strings.TrimSpace(string(out))
	if f.Module == "std" {
		root = filepath.Join(root, "src")
	}
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.File)))
	if err != nil {
		return "  (" + err.Error() + ")"
	}
	lines := strings.Split(string(data), "\n")
	var sb strings.Builder
	for i := max(0, f.Line-12); i < min(len(lines), f.Line+8); i++ {
		mark := "  "
		if i+1 == f.Line {
			mark = "> "
		}
		fmt.Fprintf(&sb, "%s%5d %s\n", mark, i+1, lines[i])
	}
	return sb.String()
}

func pruneStale(path string, stale []realcode.Verdict, stderr io.Writer) error {
	drop := map[int]bool{}
	for _, v := range stale {
		drop[v.Line] = true
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.SplitAfter(string(data), "\n")
	var sb strings.Builder
	for i, l := range lines {
		if !drop[i+1] {
			sb.WriteString(l)
		}
	}
	fmt.Fprintf(stderr, "removed %d stale verdicts\n", len(stale))
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

func listPackages(ctx context.Context, b realcode.Bench, w io.Writer) error {
	args := append([]string{"list", "-e", "-test", "-f", "{{.ImportPath}}|{{if .Error}}E{{end}}{{if .DepsErrors}}D{{end}}"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.ModulesDir()
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list: %w", err)
	}
	broken := map[string]bool{}
	var order []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		ip, errs, _ := strings.Cut(l, "|")
		// "p", "p [p.test]", "p_test [p.test]" and "p.test" all belong to p.
		base, variant, _ := strings.Cut(ip, " ")
		switch {
		case variant != "":
			base = strings.TrimSuffix(strings.Trim(variant, "[]"), ".test")
		case strings.HasSuffix(ip, ".test"):
			base = strings.TrimSuffix(ip, ".test")
		default:
			order = append(order, base)
		}
		if errs != "" {
			broken[base] = true
		}
	}
	sort.Strings(order)
	fmt.Fprintln(w, "# The packages of the real-code benchmark, analysed with their tests (go vet's way): regenerate with")
	fmt.Fprintln(w, "# go run ./bench/realcode/cmd/realcode -packages > bench/realcode/packages.txt")
	fmt.Fprintln(w, "# Packages whose code or tests need modules outside the pinned build list are left out.")
	fmt.Fprintln(w, "std")
	for _, p := range order {
		if !broken[p] {
			fmt.Fprintln(w, p)
		}
	}
	return nil
}
