// Command bench compares kafadmin with franz-go's kadm and Sarama's
// ClusterAdmin on an embedded 3-broker cluster: failover (the faults of
// kafadmin's failover matrix, injected while each client calls in loops),
// the lag of 10 to 1,000 groups, listing and describing 1,000 groups,
// describing 100 and 1,000 topics and their configs, and creating 100
// topics.
// With -kafka it runs the failover table on a real Apache Kafka cluster
// instead, with Kafka's Java AdminClient as a fifth client.
//
//	cd bench && go run . -quick          # under 3 minutes, tables on stdout
//	cd bench && go run .                 # the full run; writes RESULTS.md
//	cd bench && go run . -kafka          # real Kafka; writes RESULTS-kafka.md
//
// Sarama v1.44.0 runs the failover scenarios from its own module, sarama144,
// started as a subprocess that prints its results as JSON (on real Kafka:
// one subprocess per client, serving calls as JSON lines).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/bench/internal/clusterproc"
	"github.com/kafadmin/kafadmin/bench/internal/harness"
)

// settings are what differs between a quick and a full run.
type settings struct {
	quick    bool
	failover harness.Options
	runs     int
	scenario string
}

func main() {
	clusterproc.ServeIfChild()
	quick := flag.Bool("quick", false, "a run under 3 minutes: the clients of a failover scenario run at the same time, fewer timed runs")
	out := flag.String("out", "", "write the results in Markdown to this file (a full run writes RESULTS.md unless given)")
	only := flag.String("only", "", `run only "failover" or "throughput"`)
	runs := flag.Int("runs", 0, "timed runs per throughput measurement (default 11 with -quick, 21 otherwise)")
	scenario := flag.String("scenario", "", "run only the failover scenarios whose name contains this")
	noSarama144 := flag.Bool("no-sarama144", false, "skip Sarama v1.44.0, which needs the go command to build the sarama144 module")
	onKafka := flag.Bool("kafka", false, "run the failover table on a real Apache Kafka cluster (needs Java 17+ and Maven), with the Java AdminClient too; a full run writes "+kafkaResultsFile)
	flag.Parse()
	if *only != "" && *only != "failover" && *only != "throughput" {
		fmt.Fprintf(os.Stderr, "bench: -only %q: want failover or throughput\n", *only)
		os.Exit(2)
	}
	if *onKafka {
		if *only == "throughput" {
			fmt.Fprintln(os.Stderr, "bench: -kafka runs the failover table only; -only throughput does not apply")
			os.Exit(2)
		}
		s := settings{quick: *quick, scenario: *scenario}
		outPath := *out
		if outPath == "" && !s.quick && s.scenario == "" {
			outPath = kafkaResultsFile
		}
		os.Exit(runKafka(context.Background(), s, outPath, !*noSarama144))
	}

	s := settings{quick: *quick, failover: harness.DefaultOptions, runs: 21, scenario: *scenario}
	if s.quick {
		s.failover.Parallel = true
		s.failover.Tail = 2 * time.Second
		s.runs = 11
	}
	if *runs > 0 {
		s.runs = *runs
	}
	outPath := *out
	if outPath == "" && !s.quick && *only == "" {
		outPath = "RESULTS.md"
	}

	start := time.Now()
	ctx := context.Background()
	var (
		rep      report
		clusters clusterPool
	)
	if *only != "throughput" {
		phase := time.Now()
		rep.failover = runFailover(ctx, s, !*noSarama144)
		logf("failover: done in %v", time.Since(phase).Round(100*time.Millisecond))
	}
	if *only != "failover" {
		phase := time.Now()
		rep.throughput = runThroughput(ctx, s, &clusters)
		logf("throughput: done in %v", time.Since(phase).Round(100*time.Millisecond))
	}
	logf("done in %v", time.Since(start).Round(time.Second))

	var md bytes.Buffer
	writeTables(&md, &rep)
	os.Stdout.Write(md.Bytes())
	if outPath != "" {
		if err := writeResults(outPath, &rep, s, time.Since(start)); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		logf("wrote %s", outPath)
	}
	fmt.Printf("kafadmin failed calls: %d\n", rep.kafadminFailed())
	if r := rep.lagRatio(); r >= 0 {
		fmt.Printf("lag 1000 groups wall ratio kafadmin/kadm: %.2f\n", r)
	} else {
		fmt.Println("lag 1000 groups wall ratio kafadmin/kadm: not measured")
	}
	if n := rep.kafadminNotRun(); n > 0 {
		logf("%d of kafadmin's measurements could not be made; their errors are in the tables", n)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// runFailover runs the failover scenarios for the in-process clients and,
// from its own module, Sarama v1.44.0: at the same time on a quick run, one
// after the other otherwise.
func runFailover(ctx context.Context, s settings, withSarama144 bool) []harness.Cell {
	type result struct {
		cells []harness.Cell
		err   error
	}
	old := make(chan result, 1)
	var (
		exe      string
		buildErr error
	)
	if withSarama144 {
		// Built before any scenario starts, so that compiling does not
		// compete with the clients for the processors while faults are timed.
		phase := time.Now()
		exe, buildErr = buildSarama144(ctx)
		logf("sarama v1.44.0: built in %v", time.Since(phase).Round(100*time.Millisecond))
		if exe != "" {
			defer os.RemoveAll(filepath.Dir(exe))
		}
	}
	runOld := func() {
		if buildErr != nil {
			old <- result{nil, buildErr}
			return
		}
		cells, err := runSarama144(ctx, exe, s)
		old <- result{cells, err}
	}
	if withSarama144 && s.quick {
		go runOld()
	}
	progress := func(c harness.Cell) {
		logf("failover: %s, %s: %s", c.Scenario, c.Client, formatCell(c))
	}
	cells := harness.Run(ctx, harness.Select(s.scenario), failoverClients(), s.failover, progress)
	if !withSarama144 {
		return cells
	}
	if !s.quick {
		runOld()
	}
	r := <-old
	if r.err != nil {
		logf("sarama v1.44.0: %v", r.err)
		for _, sc := range harness.Select(s.scenario) {
			cells = append(cells, harness.Cell{Scenario: sc.Name, Client: nameSarama144, RecoveryMs: -1, Err: r.err.Error()})
		}
		return cells
	}
	return append(cells, r.cells...)
}

// sarama144Output is what the sarama144 program prints.
type sarama144Output struct {
	Version string         `json:"version"`
	Cells   []harness.Cell `json:"cells"`
}

// sarama144Version is the Sarama version the sarama144 module reported.
var sarama144Version = "v1.44.0"

// buildSarama144 builds the sarama144 module, which must be in this
// directory, into a temporary directory and returns the program's path.
func buildSarama144(ctx context.Context) (string, error) {
	dir, err := filepath.Abs("sarama144")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("the sarama144 module is not in %s: run the benchmark from the bench directory (%w)", dir, err)
	}
	tmp, err := os.MkdirTemp("", "kafadmin-bench-")
	if err != nil {
		return "", fmt.Errorf("building ./sarama144: %w", err)
	}
	exe := filepath.Join(tmp, "sarama144")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", exe, ".")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("go build ./sarama144: %w", err)
	}
	return exe, nil
}

// runSarama144 runs the built sarama144 program and reads its cells.
func runSarama144(ctx context.Context, exe string, s settings) ([]harness.Cell, error) {
	cmd := exec.CommandContext(ctx, exe, fmt.Sprintf("-tail=%v", s.failover.Tail), "-scenario="+s.scenario)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("sarama144: %w", err)
	}
	var out sarama144Output
	if err := json.Unmarshal(stdout, &out); err != nil {
		return nil, fmt.Errorf("reading the results of sarama144: %w", err)
	}
	if out.Version != "" {
		sarama144Version = out.Version
	}
	for i := range out.Cells {
		out.Cells[i].Client = nameSarama144
	}
	return out.Cells, nil
}

// runThroughput measures the workloads of throughputPlan, each cluster in
// its own process, which it stops once its workloads are measured.
func runThroughput(ctx context.Context, s settings, clusters *clusterPool) []measurement {
	var results []measurement
	for _, st := range throughputPlan() {
		started := time.Now()
		remote, err := clusters.get(st.cluster)
		if err != nil {
			logf("throughput: %v", err)
			for _, w := range st.workloads {
				for _, c := range throughputClients {
					results = append(results, measurement{Workload: w.name, Size: w.size, Client: c.name, Err: err.Error()})
				}
			}
			continue
		}
		logf("throughput: a cluster with %v started (seeded) in %v", st.cluster, time.Since(started).Round(time.Millisecond))
		for _, w := range st.workloads {
			results = append(results, measureWorkload(ctx, remote, w, s.runs, logf)...)
		}
		if err := clusters.stop(st.cluster); err != nil {
			logf("throughput: %v", err)
		}
	}
	return results
}

// writeTables writes the tables and the targets in Markdown.
func writeTables(w io.Writer, rep *report) {
	if len(rep.failover) > 0 {
		fmt.Fprintln(w, "## Failover")
		fmt.Fprintln(w)
		rep.failoverTable(w)
		fmt.Fprintln(w)
	}
	if len(rep.throughput) > 0 {
		for _, t := range []struct {
			title    string
			workload string
		}{
			{"Lag", workloadLag},
			{"ListGroups + DescribeGroups", workloadListDescribe},
			{"DescribeTopics", workloadDescribeTopics},
			{"DescribeConfigs of topics", workloadDescribeConfigs},
			{"CreateTopics", workloadCreateTopics},
		} {
			fmt.Fprintf(w, "## %s\n\n", t.title)
			rep.throughputTable(w, t.workload)
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, "## kafadmin's targets")
	fmt.Fprintln(w)
	rep.targets(w)
	fmt.Fprintln(w)
}

// writeResults writes RESULTS.md: the run's context, the tables, the
// targets and each cell's first error.
func writeResults(path string, rep *report, s settings, took time.Duration) error {
	var b bytes.Buffer
	fmt.Fprintln(&b, "# kafadmin compared with kadm and Sarama")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "Generated by `cd bench && go run .%s` on %s, in %v. ", map[bool]string{true: " -quick"}[s.quick], time.Now().UTC().Format("2006-01-02 15:04 MST"), took.Round(time.Second))
	fmt.Fprintln(&b, "How the figures are measured, and the settings each client gets: [README.md](README.md).")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "- machine: %s, %d cores, %s/%s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "- Go: %s\n", runtime.Version())
	fmt.Fprintf(&b, "- kafadmin: %s%s\n", kafadmin.Version, gitCommit())
	fmt.Fprintf(&b, "- franz-go: kadm %s, kgo %s (kfake, the embedded brokers: %s)\n", moduleVersion("github.com/twmb/franz-go/pkg/kadm"), moduleVersion("github.com/twmb/franz-go"), moduleVersion("github.com/twmb/franz-go/pkg/kfake"))
	fmt.Fprintf(&b, "- Sarama: %s, and %s from the sarama144 module\n", moduleVersion("github.com/IBM/sarama"), sarama144Version)
	fmt.Fprintf(&b, "- failover: each client on its own fresh cluster, calls every %v, %v before the fault and %v after it ends%s\n",
		s.failover.Interval, s.failover.Baseline, s.failover.Tail, map[bool]string{true: ", the clients of one scenario at the same time"}[s.failover.Parallel])
	fmt.Fprintf(&b, "- throughput: medians over %d timed runs per client, the clients taking turns on one cluster per size\n", s.runs)
	fmt.Fprintln(&b)
	writeTables(&b, rep)
	if len(rep.failover) > 0 {
		fmt.Fprintln(&b, "## First error of each failover cell")
		fmt.Fprintln(&b)
		rep.firstErrors(&b)
		fmt.Fprintln(&b)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the results: %w", err)
	}
	return nil
}

// moduleVersion is the version of a module this program was built with.
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, m := range info.Deps {
		if m.Path == path {
			if m.Replace != nil && m.Replace.Version != "" {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return "unknown"
}

// gitCommit names the repository's commit, if git can tell.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return " (commit " + strings.TrimSpace(string(out)) + ")"
}

// cpuModel is the processor's name from /proc/cpuinfo.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown processor"
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return "unknown processor"
}
