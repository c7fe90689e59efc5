package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// writeFile writes a file of the test's temporary dir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPartitionsGoldenOutput runs the partitions commands through the
// built binary and compares their output with testdata. The embedded
// cluster keeps each partition's replicas whatever is asked (a reassignment
// is accepted and ignored), and lists a partition's replicas from its
// leader on, which an election rotates: the elections come last.
func TestPartitionsGoldenOutput(t *testing.T) {
	kc := goldenCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	placeLeaders(t, kc)
	// Log dirs' sizes vary by a byte with the records' timestamps: they
	// are described on a cluster without records.
	quiet := kafkatest.New(t, kafkatest.SeedTopic("orders", 3), kafkatest.SeedTopic("payments", 2))
	quietEnv := []string{"KAFADMIN_BROKERS=" + quiet.BootstrapServers()}
	topics := writeFile(t, "topics.json", `{"version":1,"topics":[{"topic":"orders"},{"topic":"payments"}]}`)
	out, errOut, code := runBin(t, env, "", "partitions", "reassign", "--generate", "--topics-to-move-json-file", topics, "--broker-list", "0,1,2", "-o", "json")
	var generated struct{ Current json.RawMessage }
	if code != 0 || json.Unmarshal([]byte(out), &generated) != nil {
		t.Fatalf("generate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	plan := writeFile(t, "plan.json", string(generated.Current))
	elections := writeFile(t, "elect.json", `{"partitions":[{"topic":"payments","partition":1},{"topic":"orders","partition":0}]}`)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"log-dirs", quietEnv, []string{"partitions", "log-dirs"}},
		{"log-dirs-replicas", quietEnv, []string{"partitions", "log-dirs", "--broker-list", "1", "--topic-list", "payments", "--replicas"}},
		{"log-dirs-json", quietEnv, []string{"partitions", "log-dirs", "--broker-list", "0,2", "--topic-list", "orders", "-o", "json"}},
		{"log-dirs-csv", quietEnv, []string{"partitions", "log-dirs", "--broker-list", "2", "-o", "csv"}},
		{"reassign-generate", env, []string{"partitions", "reassign", "--generate", "--topics-to-move-json-file", topics, "--broker-list", "2,1,0"}},
		{"reassign-generate-csv", env, []string{"partitions", "reassign", "--generate", "--topics-to-move-json-file", topics, "--broker-list", "0,1,2", "-o", "csv"}},
		{"reassign-verify", env, []string{"partitions", "reassign", "--verify", "--reassignment-json-file", plan}},
		{"reassign-verify-json", env, []string{"partitions", "reassign", "--verify", "--reassignment-json-file", plan, "-o", "json"}},
		{"reassign-list", env, []string{"partitions", "reassign", "--list"}},
		{"reassign-list-json", env, []string{"partitions", "reassign", "--list", "-o", "json"}},
		{"elect-leaders", env, []string{"partitions", "elect-leaders", "--election-type", "preferred", "--topic", "orders"}},
		{"elect-leaders-json", env, []string{"partitions", "elect-leaders", "--election-type", "PREFERRED", "--path-to-json-file", elections, "-o", "json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, tc.env, "", tc.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
			}
			golden(t, tc.name, normalize(out))
		})
	}
}

// placeLeaders gives the golden cluster's partitions fixed leaders: kfake
// picks them at random, and lists a partition's replicas from its leader on.
func placeLeaders(t *testing.T, kc *kafkatest.Cluster) {
	t.Helper()
	for topic, n := range map[string]int32{"orders": 3, "payments": 2} {
		for p := range n {
			if err := kc.Kfake().MoveTopicPartition(topic, p, (p+int32(len(topic)))%3); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestReassignExecuteAndCancel(t *testing.T) {
	kc := goldenCluster(t)
	placeLeaders(t, kc) // so that no partition already has the plan's replicas
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	t.Setenv("KAFADMIN_BROKERS", kc.BootstrapServers())
	plan := writeFile(t, "plan.json", `{"version":1,"partitions":[{"topic":"orders","partition":1,"replicas":[2,0,1],"log_dirs":["any","any","any"]},{"topic":"payments","partition":0,"replicas":[0,1]}]}`)

	// Off a terminal, without --yes: refused before anything is sent.
	_, errOut, code := runBin(t, env, "", "partitions", "reassign", "--execute", "--reassignment-json-file", plan)
	if code != 2 || !strings.Contains(errOut, "stdin is not a terminal, so pass --yes (nothing was reassigned)") {
		t.Fatalf("off a terminal: exit %d, stderr %q", code, errOut)
	}
	// On a terminal: asks, showing each move; "n" reassigns nothing.
	_, errOut, code = runStd(t, stdio{in: strings.NewReader("n\n"), inTerminal: true}, "partitions", "reassign", "--execute", "--reassignment-json-file", plan)
	if code != 1 || !strings.Contains(errOut, "Reassign 2 partitions?") || !strings.Contains(errOut, "payments/0: ") || !strings.Contains(errOut, "-> 0,1") ||
		!strings.Contains(errOut, "not confirmed: nothing was reassigned") {
		t.Fatalf("answer n: exit %d, stderr %q", code, errOut)
	}
	if n := kc.RequestCount(kmsg.AlterPartitionAssignments); n != 0 {
		t.Fatalf("%d AlterPartitionAssignments requests before a confirmation", n)
	}
	out, errOut, code := runStd(t, stdio{in: strings.NewReader("y\n"), inTerminal: true}, "partitions", "reassign", "--execute", "--reassignment-json-file", plan)
	if code != 0 || !strings.Contains(out, "Current partition replica assignment (save it to roll back with --execute)\n{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":1,") ||
		!strings.Contains(out, "orders    1          2,0,1     started") {
		t.Fatalf("answer y: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	kc.ResetRequestCounts()
	out, errOut, code = runBin(t, env, "", "partitions", "reassign", "--execute", "--reassignment-json-file", plan, "--yes", "-o", "json", "--throttle", "1000000")
	if n := kc.RequestCount(kmsg.IncrementalAlterConfigs); n == 0 {
		t.Fatalf("--throttle sent no IncrementalAlterConfigs (requests %v)", kc.RequestCounts())
	}
	var started struct {
		Rollback struct {
			Partitions []struct {
				Topic    string
				Replicas []int32
			}
		}
		Partitions []struct {
			Topic     string
			Partition int32
			Replicas  []int32
			Started   bool
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &started) != nil || len(started.Partitions) != 2 || !started.Partitions[1].Started ||
		len(started.Rollback.Partitions) != 2 || len(started.Rollback.Partitions[0].Replicas) == 0 {
		t.Fatalf("--yes -o json: exit %d, %s, stderr %q", code, out, errOut)
	}

	// The embedded cluster has no reassignment in progress: --cancel has
	// nothing to cancel, and says so without asking.
	kc.ResetRequestCounts()
	out, errOut, code = runBin(t, env, "", "partitions", "reassign", "--cancel", "--reassignment-json-file", plan, "--yes")
	if code != 0 || strings.Count(out, "no reassignment in progress") != 2 || kc.RequestCount(kmsg.AlterPartitionAssignments) != 0 {
		t.Fatalf("cancel: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// A plan the partitions do not match: --verify fails each, exit 1.
	out, errOut, code = runBin(t, env, "", "partitions", "reassign", "--verify", "--reassignment-json-file", plan)
	if code != 1 || strings.Count(errOut, "no reassignment is in progress, but its replicas are") != 2 || !strings.Contains(out, "error: ") {
		t.Fatalf("verify of a plan not applied: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestElectLeadersCommand(t *testing.T) {
	kc := goldenCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	before := kc.Leader("orders", 2)
	out, errOut, code := runBin(t, env, "", "partitions", "elect-leaders", "--election-type", "unclean", "--topic", "orders", "--partition", "2", "--yes")
	if code != 0 || !strings.Contains(out, "orders  2          elected") || kc.Leader("orders", 2) == before {
		t.Fatalf("unclean --yes: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	_, errOut, code = runStd(t, stdio{in: strings.NewReader("no\n"), inTerminal: true}, "partitions", "elect-leaders", "--election-type", "unclean", "--all-topic-partitions", "--brokers", kc.BootstrapServers())
	if code != 1 || !strings.Contains(errOut, "Run an unclean leader election?") || !strings.Contains(errOut, "every partition of the cluster") || !strings.Contains(errOut, "nothing was elected") {
		t.Fatalf("unclean, not confirmed: exit %d, stderr %q", code, errOut)
	}
	out, _, code = runBin(t, env, "", "partitions", "elect-leaders", "--election-type", "preferred", "--all-topic-partitions", "-o", "json")
	var elected struct {
		ElectionType string `json:"election_type"`
		Partitions   []struct {
			Topic   string
			Elected bool
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &elected) != nil || elected.ElectionType != "preferred" || len(elected.Partitions) < 5 {
		t.Fatalf("--all-topic-partitions: exit %d, %s", code, out)
	}
	_, errOut, code = runBin(t, env, "", "partitions", "elect-leaders", "--election-type", "preferred", "--topic", "orders", "--partition", "7")
	if code != 1 || !strings.Contains(errOut, `topic "orders" has 3 partitions (0 to 2): partition 7 does not exist; nothing was elected`) {
		t.Fatalf("a partition that does not exist: exit %d, stderr %q", code, errOut)
	}
}

// TestPartitionsBadInput checks that bad command lines and files are
// usage errors, found before anything is sent to the cluster.
func TestPartitionsBadInput(t *testing.T) {
	kc := kafkatest.New(t)
	refused := kc.Addr(0)
	must(t, kc.StopBroker(0))
	file := func(content string) string { return writeFile(t, "f.json", content) }
	elect := func(args ...string) []string { return append([]string{"partitions", "elect-leaders"}, args...) }
	reassign := func(args ...string) []string { return append([]string{"partitions", "reassign"}, args...) }
	plan := func(partitions string) string { return file(`{"version":1,"partitions":[` + partitions + `]}`) }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{elect("--topic", "t"), "--election-type: name the election to run, preferred or unclean"},
		{elect("--election-type", "dirty", "--topic", "t"), `--election-type "dirty": want preferred or unclean`},
		{elect("--election-type", "preferred"), "name the partitions to elect leaders for: pass one of --topic, --all-topic-partitions or --path-to-json-file"},
		{elect("--election-type", "preferred", "--partition", "1"), "--partition needs --topic"},
		{elect("--election-type", "preferred", "--topic", "t", "--all-topic-partitions"), "pass only one of --topic, --all-topic-partitions or --path-to-json-file"},
		{elect("--election-type", "preferred", "--all-topic-partitions", "--partition", "0"), "--partition needs --topic, not --all-topic-partitions"},
		{elect("--election-type", "preferred", "--topic", "t", "--partition", "-1"), "--partition -1: partitions are numbered from 0"},
		{elect("--election-type", "preferred", "--topic", "t", "--partition", "x"), `--partition "x": not a partition number`},
		{elect("--election-type", "unclean", "--topic", "t"), "stdin is not a terminal, so pass --yes (nothing was elected)"},
		{elect("--election-type", "preferred", "--path-to-json-file", "/no/such.json"), "--path-to-json-file: open /no/such.json: no such file or directory"},
		{elect("--election-type", "preferred", "--path-to-json-file", file("")), "f.json: the file is empty: want a JSON object"},
		{elect("--election-type", "preferred", "--path-to-json-file", file("{\"partitions\": [\n  {\"topic\": \"t\" \"partition\": 0}]}")), "f.json: line 2, column 17: not valid JSON: invalid character '\"' after object key:value pair"},
		{elect("--election-type", "preferred", "--path-to-json-file", file(`{"partitions":[{"topic":"t","partiton":0}]}`)), `f.json: unknown field "partiton"`},
		{elect("--election-type", "preferred", "--path-to-json-file", file(`{"partitions":[{"topic":"t","partition":"0"}]}`)), `f.json: line 1, column 43: "partitions.partition" is string, want a number`},
		{elect("--election-type", "preferred", "--path-to-json-file", file(`[]`)), "f.json: want a JSON object, not array"},
		{elect("--election-type", "preferred", "--path-to-json-file", file(`{"partitions":[]}`)), `f.json: no partitions: want {"partitions":[{"topic":"t","partition":0},...]}`},
		{elect("--election-type", "preferred", "--path-to-json-file", file(`{"partitions":[{"topic":"t"}]}`)), `f.json: partitions[0] (topic "t"): "partition" is missing`},
		{elect("--election-type", "preferred", "--path-to-json-file", file(`{"partitions":[{"partition":1}]}`)), `f.json: partitions[0]: "topic" is missing or empty`},
		{elect("--election-type", "preferred", "--path-to-json-file", file(`{"partitions":[{"topic":"t","partition":1},{"topic":"t","partition":1}]}`)), "f.json: partitions[1]: t/1 is listed twice"},
		{elect("--election-type", "preferred", "--path-to-json-file", file(`{"partitions":[{"topic":"t","partition":1}]} {}`)), "f.json: more follows the JSON object: want one object"},
		{reassign(), "say what to do: pass one of --generate, --execute, --verify, --cancel or --list"},
		{reassign("--execute", "--verify"), "pass only one of --generate, --execute, --verify, --cancel or --list"},
		{reassign("--generate", "--broker-list", "1"), "--generate needs --topics-to-move-json-file FILE and --broker-list 1,2,3"},
		{reassign("--execute"), "name the plan: --reassignment-json-file FILE"},
		{reassign("--list", "--broker-list", "1"), "--topics-to-move-json-file and --broker-list are for --generate"},
		{reassign("--verify", "--reassignment-json-file", "p.json", "--yes"), "--yes is for --execute and --cancel"},
		{reassign("--verify", "--reassignment-json-file", "p.json", "--throttle", "100"), "--throttle is for --execute"},
		{reassign("--execute", "--reassignment-json-file", "p.json", "--throttle", "-1"), "--throttle -1: give a rate in bytes per second above 0"},
		{reassign("--generate", "--preserve-throttles"), "--preserve-throttles is for --verify"},
		{reassign("--generate", "--topics-to-move-json-file", file(`{"version":1,"topics":[{"topic":"t"}]}`), "--broker-list", "1,x"), `--broker-list "1,x": "x" is not a broker id`},
		{reassign("--generate", "--topics-to-move-json-file", file(`{"version":1,"topics":[]}`), "--broker-list", "1"), "f.json: no topics"},
		{reassign("--generate", "--topics-to-move-json-file", file(`{"version":2,"topics":[{"topic":"t"}]}`), "--broker-list", "1"), `f.json: "version" 2 is not supported: want 1`},
		{reassign("--generate", "--topics-to-move-json-file", file(`{"topics":[{"topic":"t"},{"topic":"t"}]}`), "--broker-list", "1"), `f.json: topics[1]: topic "t" is listed twice`},
		{reassign("--verify", "--reassignment-json-file", plan(`{"topic":"t","partition":0}`)), `f.json: partitions[0] (t/0): "replicas" is missing or empty: name at least one broker`},
		{reassign("--verify", "--reassignment-json-file", plan(`{"topic":"t","partition":0,"replicas":[]}`)), `"replicas" is missing or empty`},
		{reassign("--verify", "--reassignment-json-file", plan(`{"topic":"t","partition":0,"replicas":[1,2,1]}`)), "f.json: partitions[0] (t/0): replicas [1,2,1]: broker 1 is listed twice"},
		{reassign("--verify", "--reassignment-json-file", plan(`{"topic":"t","partition":0,"replicas":[1,-2]}`)), "replicas [1,-2]: broker id -2 is negative"},
		{reassign("--verify", "--reassignment-json-file", plan(`{"topic":"t","partition":-1,"replicas":[1]}`)), `partitions[0] (topic "t"): partition -1 is negative`},
		{reassign("--verify", "--reassignment-json-file", plan(`{"topic":"t","partition":0,"replicas":[1],"log_dirs":["/data"]}`)), `"log_dirs" names "/data": only "any" is supported`},
		{reassign("--verify", "--reassignment-json-file", plan(`{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any"]}`)), `"log_dirs" has 1 entries for 2 replicas`},
		{reassign("--verify", "--reassignment-json-file", plan(`{"topic":"t","partition":0,"replicas":[1]},{"topic":"t","partition":0,"replicas":[2]}`)), "partitions[1]: t/0 is listed twice"},
		{reassign("--execute", "--reassignment-json-file", plan(`{"topic":"t","partition":0,"replicas":[1]}`)), "stdin is not a terminal, so pass --yes (nothing was reassigned)"},
		{reassign("--cancel", "--reassignment-json-file", plan(`{"topic":"t","partition":0,"replicas":[1]}`)), "stdin is not a terminal, so pass --yes (nothing was canceled)"},
		{[]string{"partitions", "log-dirs", "--broker-list", "1,,2"}, `--broker-list "1,,2": "" is not a broker id`},
		{[]string{"partitions", "log-dirs", "--topic-list", "a,,b"}, "--topic-list: a topic name is empty"},
		{[]string{"partitions", "elekt-leaders"}, `unknown command "elekt-leaders" for "kafadmin partitions": did you mean elect-leaders?`},
	} {
		start := time.Now()
		_, errOut, code := run(t, append(tc.args, "--brokers", refused)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%v took %v: it reached for the cluster", tc.args, took)
		}
	}
}

// TestProposeSpreads checks --generate's assignment: leaders round-robin
// from topic to topic, followers shifted once the leaders went round.
func TestProposeSpreads(t *testing.T) {
	tps := func(topic string, n int32) []kafadmin.TopicPartition {
		var out []kafadmin.TopicPartition
		for p := range n {
			out = append(out, kafadmin.TopicPartition{Topic: topic, Partition: p})
		}
		return out
	}
	current := assignment{replicas: map[kafadmin.TopicPartition][]int32{}}
	for _, tp := range append(tps("a", 6), tps("b", 2)...) {
		current.partitions = append(current.partitions, tp)
		current.replicas[tp] = []int32{9, 8}
	}
	got, err := propose([]string{"a", "b"}, current, []int32{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a/0": "1,2", "a/1": "2,3", "a/2": "3,4", "a/3": "4,1", "a/4": "1,3", "a/5": "2,4",
		"b/0": "3,4", "b/1": "4,1",
	}
	for tp, rs := range got {
		if replicaList(rs) != want[tp.String()] {
			t.Errorf("%s: %s, want %s", tp, replicaList(rs), want[tp.String()])
		}
	}
	if _, err := propose([]string{"a"}, current, []int32{1}); err == nil || !strings.Contains(err.Error(), `topic "a" has 2 replicas a partition, more than the 1 broker of --broker-list`) {
		t.Errorf("too few brokers: %v", err)
	}
}

// TestReassignCommandOnKafka reorders a topic's replicas on real Kafka with
// --execute, follows it with --verify until complete, elects the new
// preferred leaders, and describes the replicas' log dirs.
func TestReassignCommandOnKafka(t *testing.T) {
	rk := kafkaCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const topic = "cli-reassign"
	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(rk.Addrs()...))
	must(t, err)
	defer cl.Close()
	_, err = cl.CreateTopics(ctx, kafadmin.NewTopic{Name: topic, Assignment: [][]int32{{1, 2}, {2, 3}}})
	must(t, err)
	env := []string{"KAFADMIN_BROKERS=" + strings.Join(rk.Addrs(), ",")}
	plan := writeFile(t, "plan.json", `{"version":1,"partitions":[{"topic":"cli-reassign","partition":0,"replicas":[3,2,1]},{"topic":"cli-reassign","partition":1,"replicas":[2,1,3]}]}`)

	// Each partition gains a replica, copied under a throttle.
	out, errOut, code := runBin(t, env, "", "partitions", "reassign", "--execute", "--reassignment-json-file", plan, "--yes", "--throttle", "50000000")
	if code != 0 || strings.Count(out, "started") != 2 {
		t.Fatalf("execute: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	throttles := func() map[string]string {
		rs := []kafadmin.ConfigResource{kafadmin.TopicResource(topic), kafadmin.BrokerResource(1), kafadmin.BrokerResource(2), kafadmin.BrokerResource(3)}
		got, err := cl.DescribeConfigs(ctx, rs...)
		must(t, err)
		set := map[string]string{}
		for _, r := range rs {
			for _, e := range got[r].Overrides() {
				if strings.Contains(e.Name, "throttled") && e.Value != nil {
					set[r.String()+" "+e.Name] = *e.Value
				}
			}
		}
		return set
	}
	// Each broker learns a config change through the metadata log, moments
	// later: read until they agree.
	waitThrottles := func(what string, ok func(map[string]string) bool) {
		deadline := time.Now().Add(time.Minute)
		for set := throttles(); !ok(set); set = throttles() {
			if time.Now().After(deadline) {
				t.Fatalf("throttles %s: %v", what, set)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitThrottles("after --execute --throttle", func(set map[string]string) bool {
		return set[`topic "cli-reassign" leader.replication.throttled.replicas`] == "0:1,0:2,1:2,1:3" &&
			set[`topic "cli-reassign" follower.replication.throttled.replicas`] == "0:3,1:1" && set["broker 3 follower.replication.throttled.rate"] == "50000000"
	})
	deadline := time.Now().Add(time.Minute)
	for {
		out, errOut, code = runBin(t, env, "", "partitions", "reassign", "--verify", "--reassignment-json-file", plan)
		if code == 0 && strings.Count(out, "complete") == 3 && strings.Contains(out, "the replication throttles were removed") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("verify: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitThrottles("left after --verify found every partition complete", func(set map[string]string) bool { return len(set) == 0 })

	out, errOut, code = runBin(t, env, "", "partitions", "elect-leaders", "--election-type", "preferred", "--topic", topic, "-o", "json")
	var elected struct {
		Partitions []struct {
			Partition int32
			Elected   bool
			NotNeeded bool `json:"not_needed"`
			Error     string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &elected) != nil || len(elected.Partitions) != 2 {
		t.Fatalf("elect: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, p := range elected.Partitions {
		if (!p.Elected && !p.NotNeeded) || p.Error != "" {
			t.Fatalf("elect: %+v", elected.Partitions)
		}
	}
	out, _, code = runBin(t, env, "", "partitions", "elect-leaders", "--election-type", "preferred", "--topic", topic)
	if code != 0 || strings.Count(out, "already the preferred leader") != 2 {
		t.Fatalf("electing again: exit %d\n%s", code, out)
	}

	out, errOut, code = runBin(t, env, "", "partitions", "log-dirs", "--topic-list", topic, "-o", "json")
	var dirs struct {
		Brokers []struct {
			Broker  int32
			LogDirs []struct {
				LogDir     string
				Partitions []struct{ Partition string }
			}
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &dirs) != nil || len(dirs.Brokers) != 3 {
		t.Fatalf("log-dirs: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, b := range dirs.Brokers {
		var names []string
		for _, d := range b.LogDirs {
			for _, p := range d.Partitions {
				names = append(names, p.Partition)
			}
		}
		if strings.Join(names, " ") != "cli-reassign-0 cli-reassign-1" {
			t.Fatalf("broker %d's replicas of %s: %v", b.Broker, topic, names)
		}
	}
}
