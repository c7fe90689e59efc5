package main

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// Brokers' ports, in a column of their own or a JSON field, differ from
// run to run.
var (
	portCellRE  = regexp.MustCompile(`(127\.0\.0\.1(?:\s+|,))\d{5}\b`)
	portFieldRE = regexp.MustCompile(`"port":\d+`)
)

func normalizePorts(s string) string {
	return portFieldRE.ReplaceAllString(portCellRE.ReplaceAllString(s, "${1}PORTS"), `"port":0`)
}

// TestClusterCmdGoldenOutput runs the cluster commands that change nothing
// through the built binary and compares their output with testdata.
func TestClusterCmdGoldenOutput(t *testing.T) {
	kc := kafkatest.New(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"cluster-describe", []string{"cluster", "describe"}},
		{"cluster-describe-json", []string{"cluster", "describe", "-o", "json"}},
		{"cluster-describe-csv", []string{"cluster", "describe", "-o", "csv"}},
		{"cluster-features", []string{"cluster", "features"}},
		{"cluster-features-json", []string{"cluster", "features", "-o", "json"}},
		{"cluster-upgrade-features-dry-run", []string{"cluster", "upgrade-features", "--feature", "group.version=1", "--feature", "share.version=2", "--dry-run"}},
		{"cluster-downgrade-features-dry-run-json", []string{"cluster", "downgrade-features", "--feature", "group.version=0", "--unsafe", "--dry-run", "-o", "json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, env, "", tc.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
			}
			golden(t, tc.name, normalizePorts(out))
		})
	}
}

func TestClusterCmdAPIVersions(t *testing.T) {
	kc := kafkatest.New(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	out, errOut, code := runBin(t, env, "", "cluster", "api-versions", "--broker", "2,0", "-o", "json")
	var versions struct {
		Brokers []struct {
			Broker int32
			APIs   []struct {
				Key      int16
				Name     string
				Min, Max int16
			}
		}
	}
	if code != 0 || errOut != "" || json.Unmarshal([]byte(out), &versions) != nil || len(versions.Brokers) != 2 || versions.Brokers[0].Broker != 0 || versions.Brokers[1].Broker != 2 {
		t.Fatalf("exit %d, stderr %q, stdout %s", code, errOut, out)
	}
	apis := versions.Brokers[0].APIs
	i := slices.IndexFunc(apis, func(a struct {
		Key      int16
		Name     string
		Min, Max int16
	}) bool {
		return a.Key == 9
	})
	if i < 0 || apis[i].Name != "OffsetFetch" || apis[i].Max < 8 {
		t.Fatalf("broker 0 serves %+v", apis)
	}
	out, _, code = runBin(t, env, "", "cluster", "api-versions")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || lines[0] != "BROKER  API                           KEY  MIN  MAX" || len(lines) != 1+3*len(apis) || !strings.Contains(out, "\n1       OffsetFetch  ") {
		t.Fatalf("every broker: exit %d\n%s", code, out)
	}
	_, errOut, code = runBin(t, env, "", "cluster", "api-versions", "--broker", "7", "--timeout", "3s")
	if code != 1 || !strings.Contains(errOut, "broker 7") {
		t.Fatalf("a broker the cluster lacks: exit %d, stderr %q", code, errOut)
	}
}

// TestClusterCmdFeatures changes feature levels: confirmation on a
// terminal, --yes off one, refusals by the controller.
func TestClusterCmdFeatures(t *testing.T) {
	kc := kafkatest.New(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	level := func(feature string) string {
		t.Helper()
		out, _, code := runBin(t, env, "", "cluster", "features", "-o", "csv")
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Split(l, ","); code == 0 && f[0] == feature {
				return f[3]
			}
		}
		t.Fatalf("features: exit %d, no %s:\n%s", code, feature, out)
		return ""
	}
	if got := level("group.version"); got != "1" {
		t.Fatalf("group.version at %q before the test", got)
	}
	_, errOut, code := runBin(t, env, "y\n", "cluster", "downgrade-features", "--feature", "group.version=0")
	if code != 2 || !strings.Contains(errOut, "stdin is not a terminal, so pass --yes (no feature was changed)") || level("group.version") != "1" {
		t.Fatalf("off a terminal: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runStd(t, stdio{in: strings.NewReader("no\n"), inTerminal: true}, "cluster", "downgrade-features", "--feature", "group.version=0", "--brokers", kc.BootstrapServers())
	if code != 1 || !strings.Contains(errOut, "Lower these feature levels?\n  group.version: 1 -> 0\n[y/N] ") || level("group.version") != "1" {
		t.Fatalf("not confirmed: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code := runStd(t, stdio{in: strings.NewReader("y\n"), inTerminal: true}, "cluster", "downgrade-features", "--feature", "group.version=0", "--brokers", kc.BootstrapServers())
	if code != 0 || out != "FEATURE        PREVIOUS  LEVEL  RESULT\ngroup.version  1         0      downgraded\n" || level("group.version") != "" {
		t.Fatalf("confirmed: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = runBin(t, env, "", "cluster", "upgrade-features", "--feature", "group.version=1", "--yes", "-o", "json")
	if code != 0 || out != `{"validate_only":false,"features":[{"feature":"group.version","previous":null,"level":1,"type":"upgrade","updated":true}]}`+"\n" || level("group.version") != "1" {
		t.Fatalf("upgrade: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// A level the brokers do not support, a downgrade asked as an
	// upgrade: the controller refuses each, the others are made (exit 3).
	out, errOut, code = runBin(t, env, "", "cluster", "upgrade-features", "--feature", "transaction.version=9", "--feature", "share.version=1", "--feature", "streams.version=1", "--yes")
	if code != 3 || !strings.Contains(out, "streams.version      1         1      upgraded") || strings.Count(errOut, "kafadmin: ") != 2 ||
		!strings.Contains(errOut, "FEATURE_UPDATE_FAILED") || !strings.Contains(errOut, "INVALID_UPDATE_VERSION") {
		t.Fatalf("refusals: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got := level("share.version"); got != "2" {
		t.Fatalf("share.version at %s after a refused downgrade", got)
	}
}

// TestClusterCmdQuorum prints a quorum as DescribeQuorum returns it (the
// embedded brokers have no KRaft quorum), and checks that on them the
// command says why it fails.
func TestClusterCmdQuorum(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	q := kafadmin.Quorum{
		Leader: 1, LeaderEpoch: 7, HighWatermark: 1500,
		Voters: []kafadmin.QuorumReplica{
			{ID: 1, DirectoryID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", LogEndOffset: 1510, LastFetch: now.Add(-5 * time.Millisecond), LastCaughtUp: now.Add(-5 * time.Millisecond)},
			{ID: 2, DirectoryID: "1f1e2d3c4b5a69788796a5b4c3d2e1f0", LogEndOffset: 1490, Lag: 20, LastFetch: now.Add(-250 * time.Millisecond), LastCaughtUp: now.Add(-1255 * time.Millisecond)},
			{ID: 3, LogEndOffset: 1510, LastFetch: now.Add(-12 * time.Millisecond), LastCaughtUp: now.Add(-12 * time.Millisecond)},
		},
		Observers: []kafadmin.QuorumReplica{{ID: 4, LogEndOffset: 1400, Lag: 110}},
	}
	for _, tc := range []struct {
		name        string
		output      string
		replication bool
	}{
		{"cluster-quorum", "table", false},
		{"cluster-quorum-replication", "table", true},
		{"cluster-quorum-replication-csv", "csv", true},
		{"cluster-quorum-json", "json", false},
	} {
		var out bytes.Buffer
		printQuorum(&globals{output: tc.output, stdout: &out, stderr: io.Discard}, q, tc.replication, now)
		golden(t, tc.name, out.String())
	}

	kc := kafkatest.New(t)
	_, errOut, code := runBin(t, []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}, "", "cluster", "quorum")
	if code != 1 || !strings.Contains(errOut, "does not support DescribeQuorum") || !strings.Contains(errOut, "(the quorum is described by Kafka 3.3 and later, in KRaft mode)") {
		t.Fatalf("on the embedded cluster: exit %d, stderr %q", code, errOut)
	}
}

// TestClusterCmdBadInput checks that bad command lines are usage errors,
// found before anything is sent: the broker named refuses connections.
func TestClusterCmdBadInput(t *testing.T) {
	kc := kafkatest.New(t)
	refused := kc.Addr(0)
	must(t, kc.StopBroker(0))
	up := func(args ...string) []string { return append([]string{"cluster", "upgrade-features"}, args...) }
	down := func(args ...string) []string { return append([]string{"cluster", "downgrade-features"}, args...) }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cluster", "quorm"}, `unknown command "quorm" for "kafadmin cluster": did you mean quorum?`},
		{[]string{"cluster", "describe", "extra"}, `"kafadmin cluster describe" takes no arguments (got "extra")`},
		{up(), "name the features to change: --feature NAME=LEVEL (kafadmin cluster features lists them)"},
		{up("--feature", "group.version"), `--feature "group.version": want NAME=LEVEL, e.g. group.version=1`},
		{up("--feature", "=1"), "want NAME=LEVEL"},
		{up("--feature", "group.version=x"), `--feature "group.version=x": level "x" is not a level: want a number of 0 or more`},
		{up("--feature", "group.version=0"), `--feature "group.version=0": level 0 disables the feature: that is a downgrade, run downgrade-features`},
		{up("--feature", "a=1", "--feature", "a=2"), `--feature "a=2": feature "a" is given twice`},
		{up("--feature", "a=1", "--unsafe"), "unknown flag: --unsafe"},
		{up("--feature", "a=1"), "stdin is not a terminal, so pass --yes (no feature was changed)"},
		{down("--feature", "a=-1"), `level "-1" is not a level`},
		{down("--feature", "a=40000"), `level "40000" is not a level`},
		{down("--feature", "a=0", "--unsafe"), "stdin is not a terminal, so pass --yes (no feature was changed)"},
		{[]string{"cluster", "api-versions", "--broker", "1,x"}, `--broker "1,x": "x" is not a broker id`},
		{[]string{"cluster", "quorum", "--replication", "x"}, `"kafadmin cluster quorum" takes no arguments`},
		{[]string{"cluster", "quorum", "--replication", "--status"}, "give --status or --replication, not both"},
		{[]string{"sandbox", "x"}, `"kafadmin sandbox" takes no arguments`},
	} {
		start := time.Now()
		_, errOut, code := run(t, append(tc.args, "--brokers", refused)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%v took %v: it reached for the cluster", tc.args, took)
		}
	}
}

func TestClusterCmdCompletion(t *testing.T) {
	kc := kafkatest.New(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"cluster", "api-versions", "--broker", ""}, []string{"0", "1", "2"}},
		{[]string{"cluster", "api-versions", "--broker", "1,"}, []string{"1,0", "1,2"}},
		{[]string{"cluster", "upgrade-features", "--feature", "gr"}, []string{"group.version="}},
		{[]string{"cluster", "downgrade-features", "--feature", "s"}, []string{"share.version=", "streams.version="}},
	} {
		got, code := completions(t, env, tc.args...)
		if code != 0 || !slices.Equal(got, tc.want) {
			t.Errorf("%v: exit %d, completions %q, want %q", tc.args, code, got, tc.want)
		}
	}
}
