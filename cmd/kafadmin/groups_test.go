package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

var (
	// Loopback ports and kfake's member ids differ from run to run; both
	// have a fixed length, so replacing them keeps a table's alignment.
	portRE   = regexp.MustCompile(`127\.0\.0\.1:\d{5}`)
	memberRE = regexp.MustCompile(`-[0-9a-f]{32}\b`)
	timeRE   = regexp.MustCompile(`"time":"[^"]+"`)
)

// normalize replaces what differs between runs.
func normalize(s string) string {
	s = portRE.ReplaceAllString(s, "127.0.0.1:PORTS")
	s = memberRE.ReplaceAllString(s, "-"+strings.Repeat("0", 32))
	return timeRE.ReplaceAllString(s, `"time":"TIME"`)
}

// golden compares got with testdata/name.golden, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run go test ./cmd/kafadmin -update", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

// goldenCluster has topics orders (3 partitions, 10 records each) and
// payments (2 partitions, 20 records each); group g committed at 4 on
// orders and at 5 and 20 on payments; group live with a static member
// assigned orders, committed at 9 on orders/0.
func goldenCluster(t *testing.T) *kafkatest.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 3), kafkatest.SeedTopic("payments", 2))
	for p := range int32(3) {
		if err := kc.Produce(ctx, "orders", p, 10); err != nil {
			t.Fatal(err)
		}
	}
	for p := range int32(2) {
		if err := kc.Produce(ctx, "payments", p, 20); err != nil {
			t.Fatal(err)
		}
	}
	for group, offsets := range map[string]map[string]map[int32]int64{
		"g":    {"orders": {0: 4, 1: 4, 2: 4}, "payments": {0: 5, 1: 20}},
		"live": {"orders": {0: 9}},
	} {
		if err := kc.CommitOffsets(ctx, group, offsets); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst-1", ClientID: "app", Topics: []string{"orders"}}); err != nil {
		t.Fatal(err)
	}
	return kc
}

// TestGoldenOutput runs each read-only command through the built binary
// and compares its output, table, CSV and JSON, with testdata.
func TestGoldenOutput(t *testing.T) {
	kc := goldenCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"list", []string{"groups", "list"}},
		{"list-json", []string{"groups", "list", "-o", "json"}},
		{"list-stable", []string{"groups", "list", "--state", "stable", "--type", "classic,consumer"}},
		{"describe-offsets", []string{"groups", "describe", "g", "live"}},
		{"describe-offsets-csv", []string{"groups", "describe", "--all", "--offsets", "-o", "csv"}},
		{"describe-offsets-json", []string{"groups", "describe", "g", "live", "-o", "json"}},
		{"describe-members", []string{"groups", "describe", "live", "--members"}},
		{"describe-members-verbose", []string{"groups", "describe", "live", "g", "--members", "--verbose"}},
		{"describe-members-json", []string{"groups", "describe", "live", "--members", "-o", "json"}},
		{"describe-state", []string{"groups", "describe", "--all", "--state"}},
		{"describe-state-verbose", []string{"groups", "describe", "live", "g", "--state", "--verbose"}},
		{"offsets", []string{"groups", "offsets", "g"}},
		{"lag", []string{"groups", "lag", "g", "live"}},
		{"lag-json", []string{"groups", "lag", "g", "live", "-o", "json"}},
		{"lag-csv", []string{"groups", "lag", "--all", "-o", "csv"}},
		{"lag-csv-sort-topic", []string{"groups", "lag", "--all", "-o", "csv", "--sort", "topic"}},
		{"list-quiet", []string{"groups", "list", "-q"}},
		{"lag-sort-lag", []string{"groups", "lag", "--all", "--sort", "lag"}},
		{"lag-sort-topic", []string{"groups", "lag", "g", "live", "--sort", "topic"}},
		{"lag-filtered", []string{"groups", "lag", "--all", "--topic", "payments", "--topic", "orders:0", "--min-lag", "2"}},
		{"lag-filtered-json", []string{"groups", "lag", "g", "--topic", "payments", "--min-lag", "1", "-o", "json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, env, "", tc.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
			}
			golden(t, tc.name, normalize(out))
		})
	}
}

// runStd runs the command in-process with std's terminal settings and
// stdin.
func runStd(t *testing.T, std stdio, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut syncBuffer
	std.out, std.err = &out, &errOut
	code = execute(ctx, args, std)
	return out.String(), errOut.String(), code
}

func adminClient(t *testing.T, kc *kafkatest.Cluster) *kafadmin.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(kc.BootstrapServers()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// committed reads a group's committed offsets back.
func committed(t *testing.T, cl *kafadmin.Client, group string) map[string]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fetched, err := cl.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for tp, co := range fetched[group].Offsets {
		out[tp.String()] = co.Offset
	}
	return out
}

func groupExists(t *testing.T, cl *kafadmin.Client, group string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(listed, func(lg kafadmin.ListedGroup) bool { return lg.Group == group })
}

func TestGroupsDelete(t *testing.T) {
	kc := goldenCluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	t.Setenv("KAFADMIN_BROKERS", kc.BootstrapServers())

	// Off a terminal, without --yes: refused, nothing deleted.
	_, errOut, code := runBin(t, env, "y\n", "groups", "delete", "g")
	if code != 2 || !strings.Contains(errOut, "stdin is not a terminal, so pass --yes") || !groupExists(t, cl, "g") {
		t.Fatalf("off a terminal: exit %d, stderr %q", code, errOut)
	}
	// On a terminal: asks, and "n" (or nothing) deletes nothing.
	for _, answer := range []string{"n\n", "", "maybe\n"} {
		_, errOut, code = runStd(t, stdio{in: strings.NewReader(answer), inTerminal: true}, "groups", "delete", "g")
		if code != 1 || !strings.Contains(errOut, "Delete 1 group and their committed offsets?") || !strings.Contains(errOut, "nothing was deleted") || !groupExists(t, cl, "g") {
			t.Fatalf("answer %q: exit %d, stderr %q", answer, code, errOut)
		}
	}
	out, errOut, code := runStd(t, stdio{in: strings.NewReader("y\n"), inTerminal: true}, "groups", "delete", "g")
	if code != 0 || !strings.Contains(out, "deleted") || groupExists(t, cl, "g") {
		t.Fatalf("answer y: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// A group with members and a missing group fail, the others are
	// deleted: exit 3, each failure on its own line of stderr.
	if err := kc.CommitOffsets(context.Background(), "g2", map[string]map[int32]int64{"orders": {0: 1}}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runBin(t, env, "", "groups", "delete", "live", "g2", "nope", "--yes", "-o", "json")
	var deleted struct {
		Groups []struct {
			Group   string
			Deleted bool
			Error   string
		}
	}
	if code != 3 || json.Unmarshal([]byte(out), &deleted) != nil || len(deleted.Groups) != 3 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 2 || !strings.Contains(errOut, `group "live" is not empty`) || !strings.Contains(errOut, "inst-1") || !strings.Contains(errOut, `group "nope" does not exist`) {
		t.Fatalf("stderr:\n%s", errOut)
	}
	if !deleted.Groups[1].Deleted || deleted.Groups[1].Group != "g2" || groupExists(t, cl, "g2") || !groupExists(t, cl, "live") {
		t.Fatalf("results %+v", deleted.Groups)
	}
}

func TestGroupsDeleteOffsets(t *testing.T) {
	kc := goldenCluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"g"}, 2, "name the offsets to delete with --topic"},
		{[]string{"g", "--topic", "orders:x"}, 2, `partition "x" is not a partition number`},
		{[]string{"g", "--topic", "nope"}, 1, `topic "nope" does not exist`},
		{[]string{"g", "--topic", "orders:0", "--topic", "payments:7"}, 1, `topic "payments" has 2 partitions (0 to 1): partition 7 does not exist`},
		{[]string{"g", "h", "--topic", "orders"}, 2, "name exactly one group"},
	} {
		_, errOut, code := runBin(t, env, "", append([]string{"groups", "delete-offsets"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Fatalf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	if got := committed(t, cl, "g"); len(got) != 5 {
		t.Fatalf("bad input deleted offsets: %v", got)
	}
	out, errOut, code := runBin(t, env, "", "groups", "delete-offsets", "g", "--topic", "orders:0,2", "--topic", "payments")
	if code != 0 || errOut != "" || strings.Count(out, "deleted") != 4 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got, want := committed(t, cl, "g"), map[string]int64{"orders/1": 4}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("offsets left %v, want %v", got, want)
	}
}

func TestGroupsRemoveMembers(t *testing.T) {
	kc := goldenCluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	_, errOut, code := runBin(t, env, "", "groups", "remove-members", "live")
	if code != 2 || !strings.Contains(errOut, "--instance-id") {
		t.Fatalf("no ids: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code := runBin(t, env, "", "groups", "remove-members", "live", "--instance-id", "inst-1", "--instance-id", "ghost")
	if code != 3 || !strings.Contains(out, "removed") || !strings.Contains(errOut, "ghost") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	described, err := cl.DescribeGroups(ctx, "live")
	if err != nil || len(described["live"].Members) != 0 {
		t.Fatalf("live after removal: %+v, %v", described["live"], err)
	}
}

// TestPartialFailure: some groups answer, one does not exist: the others
// are printed, the failure goes to stderr, and the exit code is 3.
func TestPartialFailure(t *testing.T) {
	kc := goldenCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, args := range [][]string{
		{"groups", "describe", "live", "nope"},
		{"groups", "describe", "live", "nope", "--members"},
		{"groups", "describe", "live", "nope", "--state"},
		{"groups", "lag", "live", "nope"},
		{"groups", "lag", "live", "nope", "--sort", "lag"},
		{"groups", "lag", "live", "nope", "--sort", "topic"},
		{"groups", "offsets", "live", "nope"},
	} {
		out, errOut, code := runBin(t, env, "", args...)
		if code != 3 || !strings.Contains(out, "live ") || strings.Contains(out, "nope") || !strings.Contains(errOut, `group "nope" does not exist`) {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	_, errOut, code := runBin(t, env, "", "groups", "describe", "nope", "nope2")
	if code != 1 || strings.Count(errOut, "does not exist") != 2 {
		t.Fatalf("all failed: exit %d, stderr %q", code, errOut)
	}
}

// TestProgress: over many groups, a terminal's stderr shows progress,
// erased at the end; off a terminal nothing is shown.
func TestProgress(t *testing.T) {
	kc := goldenCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range 150 {
		if err := kc.CommitOffsets(ctx, fmt.Sprintf("bulk-%03d", i), map[string]map[int32]int64{"orders": {0: int64(i % 10)}}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("KAFADMIN_BROKERS", kc.BootstrapServers())
	out, errOut, code := runStd(t, stdio{errTerminal: true}, "groups", "lag", "--all", "-o", "csv")
	if code != 0 || !strings.Contains(errOut, "\rlag: 0/152 groups") || !strings.Contains(errOut, "\rlag: 100/152 groups") || !strings.HasSuffix(errOut, "\r\033[K") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if rows := strings.Count(out, "\n"); rows != 1+150+5+3 {
		t.Fatalf("%d lines of CSV, want a header and 158 partitions:\n%s", rows, out)
	}
	_, errOut, code = runStd(t, stdio{}, "groups", "lag", "--all", "-o", "csv")
	if code != 0 || errOut != "" {
		t.Fatalf("off a terminal: exit %d, stderr %q", code, errOut)
	}
}

// TestCompletion asks the binary for completions as the shells do.
func TestCompletion(t *testing.T) {
	kc := goldenCluster(t)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("clusters:\n  staging: {brokers: [h:1]}\n  prod: {brokers: [h:2]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers(), "KAFADMIN_CONFIG=" + cfg}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"groups", "describe", ""}, []string{"g", "live"}},
		{[]string{"groups", "describe", "g", "l"}, []string{"live"}},
		{[]string{"groups", "lag", "--topic", ""}, []string{"orders", "payments"}},
		{[]string{"groups", "delete-offsets", "g", "--topic", "p"}, []string{"payments"}},
		{[]string{"groups", "lag", "--sort", ""}, []string{"group", "topic", "lag"}},
		{[]string{"groups", "list", "--sasl-mechanism", ""}, []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}},
		{[]string{"groups", "list", "--cluster", ""}, []string{"prod", "staging"}},
	} {
		got, code := completions(t, env, tc.args...)
		if code != 0 || !slices.Equal(got, tc.want) {
			t.Fatalf("%v: exit %d, completions %q, want %q", tc.args, code, got, tc.want)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, errOut, code := runBin(t, nil, "", "completion", shell)
		if code != 0 || !strings.Contains(out, "kafadmin") || errOut != "" {
			t.Fatalf("completion %s: exit %d, stderr %q", shell, code, errOut)
		}
	}
	// An unreachable cluster completes nothing, quickly, and says nothing.
	out, errOut, code := runBin(t, []string{"KAFADMIN_BROKERS=127.0.0.1:1"}, "", "__complete", "groups", "describe", "")
	if code != 0 || strings.Contains(out, "g\n") || errOut != "" && !strings.Contains(errOut, "Completion ended") {
		t.Fatalf("unreachable: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestCommandsThroughCoordinatorRestart runs each command while the
// group's coordinator restarts (down for a second, back on its port): each
// succeeds, nothing on stderr.
func TestCommandsThroughCoordinatorRestart(t *testing.T) {
	kc := goldenCluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, args := range [][]string{
		{"groups", "describe", "g", "live"},
		{"groups", "describe", "g", "live", "--members"},
		{"groups", "describe", "g", "live", "--state"},
		{"groups", "offsets", "g"},
		{"groups", "lag", "g", "live", "-o", "json"},
		{"groups", "list"},
		{"groups", "delete-offsets", "g", "--topic", "payments:1"},
	} {
		// What the command prints with the cluster at rest; the
		// delete-offsets that changes it is run once only.
		want := "GROUP  TOPIC     PARTITION  RESULT\ng      payments  1          deleted\n"
		if args[1] != "delete-offsets" {
			out, errOut, code := runBin(t, env, "", args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v at rest: exit %d, stderr %q", args, code, errOut)
			}
			want = normalize(out)
		}
		coord := kc.Coordinator("g")
		restarted := make(chan error, 1)
		go func() { restarted <- kc.RestartBroker(context.Background(), coord, time.Second) }()
		for kc.Running(coord) {
			time.Sleep(time.Millisecond) // the broker is down when the command starts
		}
		out, errOut, code := runBin(t, env, "", args...)
		if err := <-restarted; err != nil {
			t.Fatal(err)
		}
		if code != 0 || errOut != "" || normalize(out) != want {
			t.Fatalf("%v through a restart of broker %d: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", args, coord, code, errOut, out, want)
		}
	}
	if _, ok := committed(t, cl, "g")["payments/1"]; ok {
		t.Fatal("delete-offsets through a restart did not delete payments/1")
	}
}

// TestDescribeConsumerGroup describes a KIP-848 consumer group through the
// binary: member epochs, current and target assignments, the group's
// epochs and the server-side assignor.
func TestDescribeConsumerGroup(t *testing.T) {
	kc := goldenCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, m := range []kafkatest.ConsumerMember{
		{Group: "kip848", InstanceID: "c-1", ClientID: "app848", Topics: []string{"orders", "payments"}, Assignor: "range"},
		{Group: "kip848", InstanceID: "c-2", ClientID: "app848", Topics: []string{"orders", "payments"}, Assignor: "range"},
	} {
		if _, err := kc.JoinConsumerMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := waitAssigned(ctx, kc, "kip848", 5); err != nil {
		t.Fatal(err)
	}
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	out, errOut, code := runBin(t, env, "", "groups", "describe", "kip848", "--members", "-o", "json")
	var described struct {
		Groups []struct {
			Type, State, Protocol string
			GroupEpoch            *int32 `json:"group_epoch"`
			AssignmentEpoch       *int32 `json:"assignment_epoch"`
			Members               []struct {
				InstanceID       string `json:"instance_id"`
				MemberEpoch      *int32 `json:"member_epoch"`
				Assignment       []jsonAssignment
				TargetAssignment []jsonAssignment `json:"target_assignment"`
			}
		}
	}
	if code != 0 || errOut != "" || json.Unmarshal([]byte(out), &described) != nil || len(described.Groups) != 1 {
		t.Fatalf("exit %d, stderr %q, stdout %s", code, errOut, out)
	}
	d := described.Groups[0]
	partitions := 0
	for _, m := range d.Members {
		if m.MemberEpoch == nil || d.GroupEpoch == nil || d.AssignmentEpoch == nil || *m.MemberEpoch != *d.GroupEpoch || *d.AssignmentEpoch != *d.GroupEpoch || fmt.Sprint(m.Assignment) != fmt.Sprint(m.TargetAssignment) {
			t.Fatalf("member %+v of %+v", m, d)
		}
		for _, a := range m.Assignment {
			partitions += len(a.Partitions)
		}
	}
	if d.Type != "consumer" || d.State != "Stable" || d.Protocol != "range" || len(d.Members) != 2 || partitions != 5 {
		t.Fatalf("described %+v: %s", d, out)
	}

	// The tables show the epochs; epochs and assignments depend on the
	// join order, so the table is checked by its cells, not a golden file.
	out, errOut, code = runBin(t, env, "", "groups", "describe", "kip848", "--members", "--verbose")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	epoch := fmt.Sprint(*d.GroupEpoch)
	if code != 0 || errOut != "" || len(lines) != 3 {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 10 || f[0] != "kip848" || f[4] != "app848" || f[6] != epoch || f[8] != epoch || f[7] != f[9] || !strings.Contains(f[7], "(") {
			t.Fatalf("row %q of:\n%s", l, out)
		}
	}
	out, _, code = runBin(t, env, "", "groups", "describe", "kip848", "--state", "--verbose")
	f := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1])
	if code != 0 || len(f) != 9 || f[3] != "range" || f[4] != "Stable" || f[5] != "2" || f[6] != "consumer" || f[7] != epoch || f[8] != epoch {
		t.Fatalf("state view:\n%s", out)
	}
	out, _, code = runBin(t, env, "", "groups", "list", "--type", "consumer")
	if code != 0 || !strings.Contains(out, "kip848") || strings.Contains(out, "live") {
		t.Fatalf("list --type consumer:\n%s", out)
	}
}

// waitAssigned waits until a consumer group's members hold n partitions in
// all, at the group's epoch.
func waitAssigned(ctx context.Context, kc *kafkatest.Cluster, group string, n int) error {
	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(kc.BootstrapServers()))
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		described, err := cl.DescribeGroups(ctx, group)
		if err != nil {
			return err
		}
		d, held, settled := described[group], 0, true
		for _, m := range d.Members {
			held += len(m.AssignedPartitions())
			settled = settled && m.MemberEpoch == d.AssignmentEpoch
		}
		if held == n && settled && d.State == "Stable" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("group %q holds %d partitions, want %d: %w", group, held, n, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// completions runs the binary's completion of args (the last one being the
// word to complete) and returns the candidates it offers, and its exit code.
func completions(t *testing.T, env []string, args ...string) ([]string, int) {
	t.Helper()
	out, _, code := runBin(t, env, "", append([]string{"__complete"}, args...)...)
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.HasPrefix(l, ":") && !strings.HasPrefix(l, "Completion ended") {
			got = append(got, l)
		}
	}
	return got, code
}
