package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/bench/internal/harness"
	"github.com/kafadmin/kafadmin/bench/internal/realbench"
	"github.com/kafadmin/kafadmin/bench/internal/remote"
	"github.com/kafadmin/kafadmin/bench/javaadmin"
)

// nameJava is the Java AdminClient's column.
const nameJava = "Java AdminClient"

// kafkaClientNames are the real table's columns, in order.
var kafkaClientNames = []string{nameKafadmin, nameKadm, nameSarama, nameSarama144, nameJava}

// kafkaResultsFile is where a full real-Kafka run writes its results.
const kafkaResultsFile = "RESULTS-kafka.md"

// kafkaReport is what a real-Kafka run measured, and with what.
type kafkaReport struct {
	cells        []harness.Cell
	kafkaVersion string
	javaVersion  string

	mu       sync.Mutex
	versions map[string]string // client name -> version its program reported
}

func (r *kafkaReport) setVersion(client, v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v != "" {
		r.versions[client] = v
	}
}

func (r *kafkaReport) version(client, fallback string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.versions[client]; ok {
		return v
	}
	return fallback
}

// runKafka runs the failover table on a real Kafka cluster and returns the
// process's exit code.
func runKafka(ctx context.Context, s settings, outPath string, withSarama144 bool) int {
	start := time.Now()
	rep := &kafkaReport{versions: map[string]string{}, javaVersion: javaVersion()}

	phase := time.Now()
	prog, javaErr := javaadmin.Build(ctx)
	if javaErr != nil {
		logf("java AdminClient: %v", javaErr)
	} else {
		logf("java AdminClient: built in %v (%s)", time.Since(phase).Round(100*time.Millisecond), prog.Dir)
	}
	var (
		exe      string
		buildErr error
	)
	if withSarama144 {
		phase = time.Now()
		exe, buildErr = buildSarama144(ctx)
		logf("sarama v1.44.0: built in %v", time.Since(phase).Round(100*time.Millisecond))
		if exe != "" {
			defer os.RemoveAll(filepath.Dir(exe))
		}
	}

	phase = time.Now()
	cluster, err := realbench.Start(ctx, logf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: starting the real Kafka cluster:", err)
		return 1
	}
	rep.kafkaVersion = cluster.Version()
	logf("failover on Kafka: Kafka %s started and seeded in %v", rep.kafkaVersion, time.Since(phase).Round(100*time.Millisecond))

	clients := failoverClients()
	if withSarama144 {
		clients = append(clients, harness.Client{Name: nameSarama144, Connect: func(ctx context.Context, addrs []string) (harness.Admin, error) {
			if buildErr != nil {
				return nil, buildErr
			}
			a, err := remote.Start(ctx, nameSarama144, exec.Command(exe, "-serve="+strings.Join(addrs, ",")))
			if err != nil {
				return nil, err
			}
			rep.setVersion(nameSarama144, a.Version())
			return a, nil
		}})
	}
	clients = append(clients, harness.Client{Name: nameJava, Connect: func(ctx context.Context, addrs []string) (harness.Admin, error) {
		if javaErr != nil {
			return nil, javaErr
		}
		a, err := prog.Start(ctx, addrs, javaadmin.FailoverProps...)
		if err != nil {
			return nil, err
		}
		rep.setVersion(nameJava, a.Version())
		return a, nil
	}})

	opts := realbench.DefaultOptions
	opts.Logf = logf
	if s.quick {
		opts.Tail = 2 * time.Second
	}
	progress := func(c harness.Cell) {
		logf("failover on Kafka: %s, %s: %s (median call %s)", c.Scenario, c.Client, formatCell(c), formatMs(c.MedianMs))
	}
	phase = time.Now()
	rep.cells = cluster.Run(ctx, realbench.Select(s.scenario), clients, opts, progress)
	logf("failover on Kafka: done in %v", time.Since(phase).Round(100*time.Millisecond))
	if err := cluster.Close(); err != nil {
		logf("closing the cluster: %v", err)
	}
	logf("done in %v", time.Since(start).Round(time.Second))

	var md bytes.Buffer
	rep.writeTables(&md)
	os.Stdout.Write(md.Bytes())
	if outPath != "" {
		if err := rep.writeResults(outPath, s, opts, time.Since(start)); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		logf("wrote %s", outPath)
	}
	failed, notRun := 0, 0
	for _, c := range rep.cells {
		if c.Client == nameKafadmin {
			failed += c.Failed
			if c.Err != "" {
				notRun++
			}
		}
	}
	fmt.Printf("kafadmin failed calls: %d\n", failed)
	if notRun > 0 {
		logf("%d of kafadmin's cells could not be run; their errors are in the notes", notRun)
		return 1
	}
	return 0
}

// javaVersion is the first line java -version prints.
func javaVersion() string {
	java := "java"
	for _, env := range []string{"KAFADMIN_JAVA_HOME", "JAVA_HOME"} {
		if home := os.Getenv(env); home != "" {
			java = filepath.Join(home, "bin", "java")
			break
		}
	}
	out, err := exec.Command(java, "-version").CombinedOutput()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

func (r *kafkaReport) cell(scenario, client string) (harness.Cell, bool) {
	for _, c := range r.cells {
		if c.Scenario == scenario && c.Client == client {
			return c, true
		}
	}
	return harness.Cell{}, false
}

// writeTables writes the table, kafadmin's targets and each scenario's
// notes in Markdown.
func (r *kafkaReport) writeTables(w io.Writer) {
	fmt.Fprintln(w, "## Failover on Apache Kafka")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Each cell: calls failed / calls wrong (nil error, wrong result) of the calls made · recovery: from the moment the cluster could serve the attacked groups again (*serve at*, from the fault) until the first success after which the operation no longer failed, the longest over the operations, 0 when every operation had recovered by then · slowest call. `never`: an operation was still failing when the run ended.")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| scenario | outage | serve at | %s |\n", strings.Join(kafkaClientNames, " | "))
	fmt.Fprintf(w, "|---|---|---|%s\n", strings.Repeat("---|", len(kafkaClientNames)))
	totals := map[string][2]int{}
	for _, sc := range realbench.Scenarios {
		outage, serve := "-", "-"
		var cols []string
		ran := false
		for _, client := range kafkaClientNames {
			c, ok := r.cell(sc.Name, client)
			if !ok {
				cols = append(cols, "not run")
				continue
			}
			ran = true
			if c.OutageMs > 0 {
				outage = formatMs(c.OutageMs)
			}
			if c.Err == "" {
				serve = formatServe(c.ServeMs)
				t := totals[client]
				totals[client] = [2]int{t[0] + c.Failed, t[1] + c.Wrong}
			}
			cols = append(cols, formatCell(c))
		}
		if ran {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", sc.Name, outage, serve, strings.Join(cols, " | "))
		}
	}
	var cols []string
	for _, client := range kafkaClientNames {
		t, ok := totals[client]
		if !ok {
			cols = append(cols, "not run")
			continue
		}
		cols = append(cols, fmt.Sprintf("**%d / %d**", t[0], t[1]))
	}
	fmt.Fprintf(w, "| **total failed / wrong** | | | %s |\n", strings.Join(cols, " | "))
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## kafadmin's targets")
	fmt.Fprintln(w)
	var failedCells, slowCells []string
	ran := 0
	for _, c := range r.cells {
		if c.Client != nameKafadmin {
			continue
		}
		ran++
		if c.Err != "" || c.Failed > 0 || c.Wrong > 0 {
			failedCells = append(failedCells, fmt.Sprintf("%s (%d failed, %d wrong%s)", c.Scenario, c.Failed, c.Wrong, map[bool]string{true: ", not run"}[c.Err != ""]))
		}
		if c.Err == "" && c.Failed == 0 && c.Wrong == 0 && (c.RecoveryMs < 0 || c.RecoveryMs > float64(harness.RecoveryAllowance/time.Millisecond)) {
			slowCells = append(slowCells, fmt.Sprintf("%s (recovery %s after serving at %s)", c.Scenario, formatRecovery(c.RecoveryMs), formatServe(c.ServeMs)))
		}
	}
	if ran > 0 {
		fmt.Fprintf(w, "- 0 failed and 0 wrong calls in every scenario: %s\n", metOrList(failedCells))
		fmt.Fprintf(w, "- recovery within %v of the moment the cluster could serve again: %s\n", harness.RecoveryAllowance, metOrList(slowCells))
	}
	fmt.Fprintln(w)
}

func formatServe(ms float64) string {
	if ms < 0 {
		return "never"
	}
	return formatMs(ms)
}

// writeResults writes RESULTS-kafka.md: the run's context, the table, the
// targets, each scenario's notes and each cell's first error.
func (r *kafkaReport) writeResults(path string, s settings, opts realbench.Options, took time.Duration) error {
	var b bytes.Buffer
	fmt.Fprintln(&b, "# kafadmin compared with kadm, Sarama and the Java AdminClient on Apache Kafka")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "Generated by `cd bench && go run . -kafka%s` on %s, in %v. ", map[bool]string{true: " -quick"}[s.quick], time.Now().UTC().Format("2006-01-02 15:04 MST"), took.Round(time.Second))
	fmt.Fprintln(&b, "How the figures are measured, and the settings each client gets: [README.md](README.md#failover-on-apache-kafka). The embedded cluster's tables: [RESULTS.md](RESULTS.md).")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "- machine: %s, %d cores, %s/%s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "- Go: %s; Java: %s\n", runtime.Version(), r.javaVersion)
	fmt.Fprintf(&b, "- Kafka: Apache Kafka %s (KRaft, 3 brokers that are also the controller quorum, one JVM each, from Maven Central's jars, started by package realkafka)\n", r.kafkaVersion)
	fmt.Fprintf(&b, "- kafadmin: %s%s\n", kafadmin.Version, gitCommit())
	fmt.Fprintf(&b, "- franz-go: kadm %s, kgo %s\n", moduleVersion("github.com/twmb/franz-go/pkg/kadm"), moduleVersion("github.com/twmb/franz-go"))
	fmt.Fprintf(&b, "- Sarama: %s, and %s from the sarama144 module\n", moduleVersion("github.com/IBM/sarama"), r.version(nameSarama144, sarama144Version))
	fmt.Fprintf(&b, "- Java AdminClient: kafka-clients %s\n", r.version(nameJava, "(not run)"))
	fmt.Fprintf(&b, "- one cluster for the whole run; per scenario every client at once against the same fault, each with groups of its own; calls every %v, %v before the fault and %v after the fault is over and the cluster serves again\n",
		opts.Interval, opts.Baseline, opts.Tail)
	fmt.Fprintln(&b)
	r.writeTables(&b)

	fmt.Fprintln(&b, "## What each fault did")
	fmt.Fprintln(&b)
	for _, sc := range realbench.Scenarios {
		for _, c := range r.cells {
			if c.Scenario == sc.Name && c.Note != "" {
				fmt.Fprintf(&b, "- %s: %s\n", sc.Name, oneLine(c.Note))
				break
			}
		}
	}
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "## First error of each cell")
	fmt.Fprintln(&b)
	for _, sc := range realbench.Scenarios {
		for _, client := range kafkaClientNames {
			c, ok := r.cell(sc.Name, client)
			if !ok || (c.FirstError == "" && c.FirstWrong == "" && c.Err == "") {
				continue
			}
			var parts []string
			if c.Err != "" {
				parts = append(parts, "could not run: `"+oneLine(c.Err)+"`")
			}
			if c.FirstError != "" {
				parts = append(parts, "first failure: `"+oneLine(c.FirstError)+"`")
			}
			if c.FirstWrong != "" {
				parts = append(parts, "first wrong result: `"+oneLine(c.FirstWrong)+"`")
			}
			fmt.Fprintf(&b, "- %s, %s: %s\n", c.Client, c.Scenario, strings.Join(parts, "; "))
		}
	}
	fmt.Fprintln(&b)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the results: %w", err)
	}
	return nil
}
