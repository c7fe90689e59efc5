package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/kafadmin/kafadmin/kafkatest"
	"github.com/kafadmin/kafadmin/realkafka"
)

// update rewrites the golden files and docs/cli.md instead of comparing.
var update = flag.Bool("update", false, "rewrite the golden files and docs/cli.md")

// bin is the kafadmin binary, built once for the tests that run it as a
// user does.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kafadmin-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "kafadmin")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(realkafka.M(m), goleak.Cleanup(func(int) { os.RemoveAll(dir) }))
}

// runBin runs the built binary with env added to the test's environment
// and stdin as its input.
func runBin(t *testing.T, env []string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// syncBuffer is written by the command and read by the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut syncBuffer
	code = execute(ctx, args, stdio{out: &out, err: &errOut})
	return out.String(), errOut.String(), code
}

// cluster has topic orders (3 partitions, 10 records each), group g
// committed at 4 everywhere, and group live with a static member.
func cluster(t *testing.T) *kafkatest.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 3))
	for p := range int32(3) {
		if err := kc.Produce(ctx, "orders", p, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := kc.CommitOffsets(ctx, "g", map[string]map[int32]int64{"orders": {0: 4, 1: 4, 2: 4}}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst-1", ClientID: "app", Topics: []string{"orders"}}); err != nil {
		t.Fatal(err)
	}
	return kc
}

func TestGroupsList(t *testing.T) {
	kc := cluster(t)
	out, errOut, code := run(t, "groups", "list", "--brokers", kc.BootstrapServers())
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "GROUP") || !strings.HasPrefix(lines[1], "g ") || !strings.HasPrefix(lines[2], "live ") {
		t.Fatalf("table:\n%s", out)
	}

	out, _, code = run(t, "groups", "list", "--brokers", kc.BootstrapServers(), "--state", "Stable", "-o", "json")
	var listed struct {
		Groups []struct {
			Group, State, Type string
			Coordinator        int32
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &listed) != nil || len(listed.Groups) != 1 || listed.Groups[0].Group != "live" ||
		listed.Groups[0].State != "Stable" || listed.Groups[0].Coordinator != kc.Coordinator("live") {
		t.Fatalf("exit %d, json %s", code, out)
	}
}

func TestGroupsDescribe(t *testing.T) {
	kc := cluster(t)
	t.Setenv("KAFADMIN_BROKERS", kc.BootstrapServers())
	out, _, code := run(t, "groups", "describe", "live", "--members", "-o", "json")
	var described struct {
		Groups []struct {
			Group, State string
			Members      []struct {
				MemberID   string `json:"member_id"`
				InstanceID string `json:"instance_id"`
				ClientID   string `json:"client_id"`
				Assignment []struct {
					Topic      string
					Partitions []int32
				}
			}
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &described) != nil || len(described.Groups) != 1 {
		t.Fatalf("exit %d, json %s", code, out)
	}
	g := described.Groups[0]
	if g.State != "Stable" || len(g.Members) != 1 || g.Members[0].InstanceID != "inst-1" || g.Members[0].ClientID != "app" ||
		len(g.Members[0].Assignment) != 1 || !slices.Equal(g.Members[0].Assignment[0].Partitions, []int32{0, 1, 2}) {
		t.Fatalf("described %+v", g)
	}
	out, _, code = run(t, "groups", "describe", "live", "--members", "--verbose")
	if code != 0 || !strings.Contains(out, "inst-1") || !strings.Contains(out, "orders(0,1,2)") {
		t.Fatalf("table:\n%s", out)
	}

	out, errOut, code := run(t, "groups", "describe", "nope")
	if code != 1 || !strings.Contains(errOut, `group "nope" does not exist: check the group id`) {
		t.Fatalf("unknown group: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
}

func TestGroupsOffsets(t *testing.T) {
	kc := cluster(t)
	out, _, code := run(t, "groups", "offsets", "g", "--brokers", kc.BootstrapServers(), "-o", "json")
	var fetched struct {
		Groups []struct {
			Group   string
			Offsets []struct {
				Topic     string
				Partition int32
				Offset    int64
			}
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &fetched) != nil || len(fetched.Groups) != 1 || len(fetched.Groups[0].Offsets) != 3 {
		t.Fatalf("exit %d, json %s", code, out)
	}
	for i, o := range fetched.Groups[0].Offsets {
		if o.Topic != "orders" || o.Partition != int32(i) || o.Offset != 4 {
			t.Fatalf("offset %d: %+v", i, o)
		}
	}
}

// lagLine is the JSON of one lag iteration; its field names are an
// interface that scripts parse.
type lagLine struct {
	Time   string `json:"time"`
	Groups []struct {
		Group       string `json:"group"`
		State       string `json:"state"`
		Coordinator *int32 `json:"coordinator"`
		TotalLag    *int64 `json:"total_lag"`
		Error       string `json:"error"`
		Partitions  []struct {
			Topic     string `json:"topic"`
			Partition *int32 `json:"partition"`
			Committed *int64 `json:"committed"`
			LogStart  *int64 `json:"log_start"`
			LogEnd    *int64 `json:"log_end"`
			Lag       *int64 `json:"lag"`
		} `json:"partitions"`
	} `json:"groups"`
}

// checkLagLine checks one iteration of g's lag: committed 4 of 10 on each
// of 3 partitions.
func checkLagLine(line string) string {
	var l lagLine
	if err := json.Unmarshal([]byte(line), &l); err != nil {
		return "not JSON: " + err.Error()
	}
	if len(l.Groups) != 1 {
		return "not one group"
	}
	g := l.Groups[0]
	if g.Group != "g" || g.Error != "" || g.Coordinator == nil || g.TotalLag == nil || *g.TotalLag != 18 || len(g.Partitions) != 3 {
		return "wrong group"
	}
	for _, p := range g.Partitions {
		if p.Partition == nil || p.Committed == nil || *p.Committed != 4 || *p.LogStart != 0 || *p.LogEnd != 10 || *p.Lag != 6 {
			return "wrong partition"
		}
	}
	return ""
}

func TestGroupsLagOnce(t *testing.T) {
	kc := cluster(t)
	out, errOut, code := run(t, "groups", "lag", "g", "--brokers", kc.BootstrapServers(), "-o", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if msg := checkLagLine(strings.TrimSpace(out)); msg != "" {
		t.Fatalf("%s: %s", msg, out)
	}
	// A group assigned partitions it never committed shows null lag.
	out, _, code = run(t, "groups", "lag", "--all", "--brokers", kc.BootstrapServers(), "-o", "json")
	var all map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil {
		t.Fatalf("exit %d, %s", code, out)
	}
	if !strings.Contains(out, `"group":"live"`) || !strings.Contains(out, `"committed":null`) || !strings.Contains(out, `"lag":null`) {
		t.Fatalf("--all lacks live's uncommitted partitions as null: %s", out)
	}
	out, _, code = run(t, "groups", "lag", "g", "--brokers", kc.BootstrapServers())
	if code != 0 || !strings.Contains(out, "TOTAL") || !strings.Contains(out, "18") {
		t.Fatalf("table:\n%s", out)
	}
}

// TestGroupsLagWatchThroughFaults runs a long-lived watch printing JSON
// every 250ms while the coordinator's connections are reset and closed, it
// moves, restarts, refuses connections for 3s, stalls while its group moves
// away, answers error codes, every broker restarts in turn, and a broker is
// removed for good. Every line must be correct and nothing may reach stderr.
func TestGroupsLagWatchThroughFaults(t *testing.T) {
	kc := cluster(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var out, errOut syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- execute(ctx, []string{"groups", "lag", "g", "--watch", "250ms", "--output", "json", "--timeout", "9s", "--brokers", kc.BootstrapServers()}, stdio{out: &out, err: &errOut})
	}()
	lines := func() []string {
		if s := strings.TrimSpace(out.String()); s != "" {
			return strings.Split(s, "\n")
		}
		return nil
	}
	waitLines := func(n int) {
		deadline := time.Now().Add(time.Minute)
		for len(lines()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("the watch printed %d lines in a minute", len(lines()))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitLines(3)
	coordinator := func() int32 { return kc.Coordinator("g") }
	// heal runs fn after d, in the background, as a broker comes back.
	var healing sync.WaitGroup
	heal := func(d time.Duration, fn func() error) {
		healing.Add(1)
		time.AfterFunc(d, func() {
			defer healing.Done()
			if err := fn(); err != nil {
				t.Error(err)
			}
		})
	}
	faults := []func() error{
		func() error { _, err := kc.ResetConnections(coordinator()); return err },
		func() error { _, err := kc.CloseConnections(coordinator()); return err },
		func() error { _, err := kc.MoveCoordinator("g", -1); return err },
		func() error { return kc.RestartBroker(ctx, coordinator(), 1500*time.Millisecond) },
		func() error {
			n := coordinator()
			heal(3*time.Second, func() error { return kc.StartBroker(n) })
			return kc.StopBroker(n)
		},
		func() error {
			// A stall: the coordinator answers nothing for 5s while
			// the group and the leaders move away.
			n := coordinator()
			if err := kc.SetBlackhole(n, true); err != nil {
				return err
			}
			heal(5*time.Second, func() error { return kc.SetBlackhole(n, false) })
			if err := kc.MoveCoordinatorsOff(n, "g", "live"); err != nil {
				return err
			}
			return kc.MoveLeadersOff(n, "orders")
		},
		func() error {
			kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: "g", Err: kerr.NotCoordinator, Count: 3})
			kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: "g", Err: kerr.CoordinatorLoadInProgress, Count: 3})
			return nil
		},
		func() error { return kc.RollingRestart(ctx, time.Second, 500*time.Millisecond) },
		func() error {
			// Removed for good: any broker but the controller, which
			// kfake cannot remove.
			n := coordinator()
			if n == kc.Controller() {
				if err := kc.MoveCoordinatorsOff(n, "g"); err != nil {
					return err
				}
				n = coordinator()
			}
			return kc.RemoveBroker(n)
		},
	}
	for _, fault := range faults {
		if err := fault(); err != nil {
			t.Fatal(err)
		}
		waitLines(len(lines()) + 3)
	}
	healing.Wait()
	waitLines(len(lines()) + 2)
	stop()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("the watch exited %d when stopped", code)
		}
	case <-time.After(time.Minute):
		t.Fatal("the watch did not stop")
	}
	if s := errOut.String(); s != "" {
		t.Fatalf("the watch wrote to stderr:\n%s", s)
	}
	for i, line := range lines() {
		if msg := checkLagLine(line); msg != "" {
			t.Fatalf("line %d: %s: %s", i+1, msg, line)
		}
	}
	t.Logf("%d correct lines through every fault, nothing on stderr", len(lines()))
}

func TestBadInput(t *testing.T) {
	kc := kafkatest.New(t)
	refused := kc.Addr(0)
	if err := kc.StopBroker(0); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KAFADMIN_BROKERS", "")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"groups", "list", "--nope"}, 2, "unknown flag: --nope"},
		{[]string{"groups", "list"}, 2, "no brokers: pass --brokers host:port or set KAFADMIN_BROKERS"},
		{[]string{"groups", "lag", "--brokers", refused}, 2, "name at least one group, or pass --all"},
		{[]string{"groups", "lag", "g", "--all", "--brokers", refused}, 2, "give groups or --all, not both"},
		{[]string{"groups", "lag", "g", "--watch", "0s", "--brokers", refused}, 2, "--watch 0s: want a positive interval"},
		{[]string{"groups", "describe", "--brokers", refused}, 2, "name at least one group, or pass --all"},
		{[]string{"groups", "list", "-o", "yaml", "--brokers", refused}, 2, `--output "yaml": want table, json or csv`},
		{[]string{"groups", "list", "--timeout", "0s", "--brokers", refused}, 2, "--timeout 0s: want a positive duration"},
		{[]string{"groups", "list", "--brokers", "host:port:9"}, 1, "malformed"},
		{[]string{"groups", "list", "--brokers", refused, "--timeout", "2s"}, 1, "cannot reach the cluster"},
		{[]string{"groups", "list", "--state", "Sleepy", "--brokers", refused}, 2, `unknown group state "Sleepy"`},
		{[]string{"groups", "list", "--type", "old", "--brokers", refused}, 2, `unknown group type "old"`},
		{[]string{"groups", "list", "extra", "--brokers", refused}, 2, `"kafadmin groups list" takes no arguments (got "extra")`},
		{[]string{"groups", "delte", "g", "--brokers", refused}, 2, `unknown command "delte" for "kafadmin groups": did you mean delete?`},
		{[]string{"lsit", "--brokers", refused}, 2, `unknown command "lsit" for "kafadmin"`},
		{[]string{"groups", "describe", "g", "", "--brokers", refused}, 2, "group argument 2 is empty"},
		{[]string{"groups", "delete", "", "--yes", "--brokers", refused}, 2, "group argument 1 is empty"},
		{[]string{"groups", "offsets", " ", "--brokers", refused}, 2, "group argument 1 is empty"},
		{[]string{"groups", "lag", "", "--brokers", refused}, 2, "group argument 1 is empty"},
		{[]string{"groups", "remove-members", "", "--instance-id", "i", "--brokers", refused}, 2, "group argument 1 is empty"},
	} {
		start := time.Now()
		_, errOut, code := run(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Fatalf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
		if took := time.Since(start); took > 30*time.Second {
			t.Fatalf("%v took %v", tc.args, took)
		}
	}
}

func TestDemo(t *testing.T) {
	out, errOut, code := run(t, "demo", "--duration", "8s", "--interval", "250ms")
	if code != 0 || errOut != "" {
		t.Fatalf("demo exit %d, stderr %q\n%s", code, errOut, out)
	}
	for _, want := range []string{"==> RST on every connection", "==> coordinator of orders-app moved", "stops (port refused", "==> error burst", "rolling restart done", " 0 failed, 0 wrong"} {
		if !strings.Contains(out, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestWatchBinaryStopsOnSIGTERM builds the command and checks that a watch
// ends cleanly, exit 0, on SIGTERM.
func TestWatchBinaryStopsOnSIGTERM(t *testing.T) {
	kc := cluster(t)
	cmd := exec.Command(bin, "groups", "lag", "g", "--watch", "100ms", "-o", "json")
	cmd.Env = append(os.Environ(), "KAFADMIN_BROKERS="+kc.BootstrapServers())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scanner := bufio.NewScanner(stdout)
	for i := 0; i < 3; i++ {
		if !scanner.Scan() {
			t.Fatalf("the watch ended early: %v, stderr %q", scanner.Err(), stderr.String())
		}
		if msg := checkLagLine(scanner.Text()); msg != "" {
			t.Fatalf("%s: %s", msg, scanner.Text())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for scanner.Scan() {
		// An iteration the signal interrupted is not printed.
		if msg := checkLagLine(scanner.Text()); msg != "" {
			t.Fatalf("after SIGTERM, %s: %s", msg, scanner.Text())
		}
	}
	if err := cmd.Wait(); err != nil || stderr.Len() > 0 {
		t.Fatalf("after SIGTERM: %v, stderr %q", err, stderr.String())
	}
}
