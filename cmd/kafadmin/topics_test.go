package main

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// Topic ids are random: 32 hex digits, replaced by zeros to keep a
// table's alignment.
var topicIDRE = regexp.MustCompile(`\b[0-9a-f]{32}\b`)

func normalizeIDs(s string) string {
	return topicIDRE.ReplaceAllString(normalize(s), strings.Repeat("0", 32))
}

// topicsCluster is goldenCluster with its leaders placed (kfake picks them
// at random, and lists a partition's replicas from its leader on) and
// configs set: orders needs 3 replicas in sync (all it has), payments 4
// (more than it has), and payments keeps its records for a day.
func topicsCluster(t *testing.T) *kafkatest.Cluster {
	t.Helper()
	kc := goldenCluster(t)
	for topic, n := range map[string]int32{"orders": 3, "payments": 2} {
		for p := range n {
			must(t, kc.Kfake().MoveTopicPartition(topic, p, (p+int32(len(topic)))%3))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := adminClient(t, kc).IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
		kafadmin.TopicResource("orders"):   {kafadmin.SetConfig("min.insync.replicas", "3")},
		kafadmin.TopicResource("payments"): {kafadmin.SetConfig("min.insync.replicas", "4"), kafadmin.SetConfig("retention.ms", "86400000")},
	})
	must(t, err)
	return kc
}

// TestTopicsCmdGoldenOutput runs the topics commands that change nothing
// through the built binary and compares their output with testdata.
func TestTopicsCmdGoldenOutput(t *testing.T) {
	kc := topicsCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	validate := []string{"topics", "create", "clicks", "--topic", "audit", "--partitions", "4", "--replication-factor", "2", "--config", "retention.ms=1000", "--validate-only"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"topics-list", []string{"topics", "list"}},
		{"topics-list-json", []string{"topics", "list", "-o", "json"}},
		{"topics-list-quiet", []string{"topics", "list", "-q", "--exclude-internal"}},
		{"topics-describe", []string{"topics", "describe"}},
		{"topics-describe-json", []string{"topics", "describe", "orders", "-o", "json"}},
		{"topics-describe-csv", []string{"topics", "describe", "--topic", "payments", "-o", "csv"}},
		{"topics-describe-at-min-isr", []string{"topics", "describe", "--at-min-isr-partitions"}},
		{"topics-describe-under-min-isr-json", []string{"topics", "describe", "--under-min-isr-partitions", "--under-replicated-partitions", "-o", "json"}},
		{"topics-describe-overrides", []string{"topics", "describe", "--topics-with-overrides"}},
		{"topics-create-validate", validate},
		{"topics-create-validate-json", append(slices.Clone(validate), "-o", "json")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, env, "", tc.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
			}
			golden(t, tc.name, normalizeIDs(out))
		})
	}
	// The validation created nothing; nothing is under-replicated or
	// without a leader.
	out, _, code := runBin(t, env, "", "topics", "list", "-q")
	if code != 0 || out != "orders\npayments\n" {
		t.Fatalf("after --validate-only: exit %d, topics %q", code, out)
	}
	for _, filter := range []string{"--under-replicated-partitions", "--unavailable-partitions"} {
		out, errOut, code := runBin(t, env, "", "topics", "describe", filter)
		if code != 0 || out != "TOPIC  PARTITION  LEADER  REPLICAS  ISR  OFFLINE\n" {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", filter, code, out, errOut)
		}
	}
	// A topic that does not exist is reported; the others are described.
	out, errOut, code := runBin(t, env, "", "topics", "describe", "orders", "nope")
	if code != 3 || strings.Count(out, "orders") != 3 || !strings.Contains(errOut, `topic "nope" does not exist`) {
		t.Fatalf("a topic that does not exist: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestTopicsCmdDescribeFilters checks which partitions each report flag
// keeps, as kafka-topics.sh decides.
func TestTopicsCmdDescribeFilters(t *testing.T) {
	healthy := kafadmin.PartitionInfo{Partition: 0, Leader: 1, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2, 3}}
	lagging := kafadmin.PartitionInfo{Partition: 1, Leader: 1, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2}}
	leaderless := kafadmin.PartitionInfo{Partition: 2, Leader: -1, Replicas: []int32{1, 2, 3}, ISR: []int32{}}
	ledByGone := kafadmin.PartitionInfo{Partition: 3, Leader: 4, Replicas: []int32{4, 1, 2}, ISR: []int32{4, 1, 2}}
	all := []kafadmin.PartitionInfo{healthy, lagging, leaderless, ledByGone}
	live := map[int32]bool{1: true, 2: true, 3: true}
	for _, tc := range []struct {
		flags  describeFlags
		minISR int
		want   []int32
	}{
		{describeFlags{underReplicated: true}, 2, []int32{1, 2}},
		{describeFlags{underMinISR: true}, 2, []int32{2}},
		{describeFlags{underMinISR: true}, 3, []int32{1, 2}},
		{describeFlags{atMinISR: true}, 2, []int32{1}},
		{describeFlags{atMinISR: true}, 3, []int32{0, 3}},
		{describeFlags{unavailable: true}, 2, []int32{2, 3}},
		{describeFlags{unavailable: true, atMinISR: true}, 2, []int32{1, 2, 3}},
	} {
		var got []int32
		for _, p := range all {
			if tc.flags.keeps(p, tc.minISR, live) {
				got = append(got, p.Partition)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v with min.insync.replicas %d keeps %v, want %v", tc.flags, tc.minISR, got, tc.want)
		}
	}
}

// topicNames lists the cluster's topics with the library.
func topicNames(t *testing.T, cl *kafadmin.Client) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topics, err := cl.ListTopics(ctx)
	must(t, err)
	var out []string
	for _, ti := range topics {
		out = append(out, ti.Name)
	}
	return out
}

func TestTopicsCmdCreateAndDelete(t *testing.T) {
	kc := goldenCluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	t.Setenv("KAFADMIN_BROKERS", kc.BootstrapServers())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// An assignment and configs, a name that may collide warned about.
	out, errOut, code := runBin(t, env, "", "topics", "create", "web.clicks", "--replica-assignment", "2:0, 0:1,1:2", "--config", "retention.ms=1000", "--config", "cleanup.policy=compact")
	if code != 0 || !strings.Contains(out, "web.clicks  3           2                   created") || !strings.Contains(errOut, `warning: topic "web.clicks": Kafka's metric names do not tell '.' from '_'`) {
		t.Fatalf("create with an assignment: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	desc, err := cl.DescribeTopics(ctx, "web.clicks")
	must(t, err)
	if ps := desc["web.clicks"].Partitions; len(ps) != 3 || len(ps[0].Replicas) != 2 {
		t.Fatalf("web.clicks described as %+v", ps)
	}
	if v, _ := configValue(t, cl, kafadmin.TopicResource("web.clicks"), "cleanup.policy"); v != "compact" {
		t.Fatalf("web.clicks cleanup.policy = %s", v)
	}

	// Counts, several topics at once; one that exists fails, exit 3.
	out, errOut, code = runBin(t, env, "", "topics", "create", "audit", "orders", "--partitions", "2", "--replication-factor", "1", "-o", "json")
	var created struct {
		Topics []struct {
			Topic             string
			ID                string
			Partitions        *int32
			ReplicationFactor *int32 `json:"replication_factor"`
			Created           bool
			Error             string
		}
	}
	if code != 3 || json.Unmarshal([]byte(out), &created) != nil || len(created.Topics) != 2 || !created.Topics[0].Created || created.Topics[0].ID == "" ||
		*created.Topics[0].Partitions != 2 || *created.Topics[0].ReplicationFactor != 1 || created.Topics[1].Created || !strings.Contains(created.Topics[1].Error, "already exists") ||
		!strings.Contains(errOut, `topic "orders" already exists`) {
		t.Fatalf("create audit and orders: exit %d, stdout %s, stderr %q", code, out, errOut)
	}
	// --if-not-exists: a topic that exists is no failure.
	out, errOut, code = runBin(t, env, "", "topics", "create", "audit", "--if-not-exists")
	if code != 0 || errOut != "" || !strings.Contains(out, "audit  -           -                   already exists") {
		t.Fatalf("--if-not-exists: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// A creation whose answer is lost is reported created on retry.
	loseNextAnswer(t, kc, kmsg.CreateTopics)
	out, errOut, code = run(t, "topics", "create", "lost", "--partitions", "1", "--timeout", "6s")
	if code != 0 || !strings.Contains(out, "created (on retry)") {
		t.Fatalf("a lost answer: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// Delete: off a terminal without --yes, refused before anything is
	// sent; on a terminal, asked.
	_, errOut, code = runBin(t, env, "y\n", "topics", "delete", "audit")
	if code != 2 || !strings.Contains(errOut, "stdin is not a terminal, so pass --yes (nothing was deleted)") {
		t.Fatalf("off a terminal: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runStd(t, stdio{in: strings.NewReader("n\n"), inTerminal: true}, "topics", "delete", "audit", "lost")
	if code != 1 || !strings.Contains(errOut, "Delete 2 topics and all their records?\n  audit (2 partitions)\n  lost (1 partition)\n[y/N] ") || !strings.Contains(errOut, "not confirmed: nothing was deleted") {
		t.Fatalf("not confirmed: exit %d, stderr %q", code, errOut)
	}
	// A topic that does not exist fails the command before it asks.
	_, errOut, code = runBin(t, env, "", "topics", "delete", "audit", "nope", "nope2", "--yes")
	if code != 1 || !strings.Contains(errOut, `topics "nope", "nope2" do not exist: check the names, or pass --if-exists to delete the others; nothing was deleted`) {
		t.Fatalf("a topic that does not exist: exit %d, stderr %q", code, errOut)
	}
	if got := topicNames(t, cl); !slices.Equal(got, []string{"audit", "lost", "orders", "payments", "web.clicks"}) {
		t.Fatalf("topics after refused deletions: %v", got)
	}
	out, errOut, code = runStd(t, stdio{in: strings.NewReader("y\n"), inTerminal: true}, "topics", "delete", "audit", "--topic", "nope", "--if-exists")
	if code != 0 || out != "TOPIC  RESULT\naudit  deleted\nnope   does not exist\n" {
		t.Fatalf("--if-exists: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	loseNextAnswer(t, kc, kmsg.DeleteTopics)
	out, errOut, code = run(t, "topics", "delete", "lost", "web.clicks", "--yes", "--timeout", "6s", "-o", "json")
	// Both topics went in the request whose answer was lost.
	if code != 0 || out != `{"topics":[{"topic":"lost","deleted":true,"gone_on_retry":true},{"topic":"web.clicks","deleted":true,"gone_on_retry":true}]}`+"\n" {
		t.Fatalf("delete with a lost answer: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got := topicNames(t, cl); !slices.Equal(got, []string{"orders", "payments"}) {
		t.Fatalf("topics after the deletions: %v", got)
	}
}

// loseNextAnswer makes the broker that receives the next request of key
// apply it and lose its answer: the broker is black-holed for 300ms, so
// that the client retries the request once its connection times out.
func loseNextAnswer(t *testing.T, kc *kafkatest.Cluster, key kmsg.Key) {
	kf := kc.Kfake()
	var healing sync.WaitGroup
	t.Cleanup(healing.Wait)
	kf.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		kf.DropControl()
		node := kf.CurrentNode()
		if err := kc.SetBlackhole(node, true); err != nil {
			t.Errorf("black-holing broker %d: %v", node, err)
			return nil, nil, false
		}
		healing.Add(1)
		time.AfterFunc(300*time.Millisecond, func() {
			defer healing.Done()
			if err := kc.SetBlackhole(node, false); err != nil {
				t.Errorf("ending broker %d's black hole: %v", node, err)
			}
		})
		return nil, nil, false
	})
}

func TestTopicsCmdAddPartitions(t *testing.T) {
	kc := goldenCluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	count := func(topic string) int {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		desc, err := cl.DescribeTopics(ctx, topic)
		must(t, err)
		return len(desc[topic].Partitions)
	}
	// The new partitions' brokers, or every partition's as kafka-topics.sh
	// takes them.
	out, errOut, code := runBin(t, env, "", "topics", "add-partitions", "orders", "--partitions", "5", "--replica-assignment", "0:1:2,1:2:0")
	if code != 0 || out != "TOPIC   PREVIOUS  PARTITIONS  RESULT\norders  3         5           added\n" || count("orders") != 5 {
		t.Fatalf("new partitions' assignment: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = runBin(t, env, "", "topics", "add-partitions", "--topic", "payments", "--partitions", "3", "--replica-assignment", "0:1,1:2,2:0", "-o", "json")
	if code != 0 || out != `{"topics":[{"topic":"payments","previous":2,"partitions":3,"added":true}]}`+"\n" || count("payments") != 3 {
		t.Fatalf("every partition's assignment: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"orders", "--partitions", "5"}, `topic "orders" has 5 partitions: give a count above that with --partitions (Kafka cannot remove partitions); nothing was changed`},
		{[]string{"orders", "--partitions", "7", "--replica-assignment", "0:1,1:2,2:0"}, "--replica-assignment lists 3 partitions: topic \"orders\" grows from 5 to 7 partitions, so give the 2 new ones, or all 7 as kafka-topics.sh does; nothing was changed"},
		{[]string{"orders", "nope", "--partitions", "9"}, `topic "nope" does not exist`},
	} {
		_, errOut, code := runBin(t, env, "", append([]string{"topics", "add-partitions"}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit 1 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if n := count("orders"); n != 5 {
		t.Fatalf("orders has %d partitions after refused growths, want 5", n)
	}
}

func TestTopicsCmdDeleteRecords(t *testing.T) {
	kc := goldenCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	file := writeFile(t, "offsets.json", `{"partitions": [{"topic": "payments", "partition": 1, "offset": 15},
		{"topic": "orders", "partition": 2, "offset": 50}], "version": 1}`)

	// On a terminal the partitions are listed and the answer awaited.
	_, errOut, code := runStd(t, stdio{in: strings.NewReader("\n"), inTerminal: true}, "topics", "delete-records", "--offset-json-file", file, "--topic", "orders:0=-1", "--brokers", kc.BootstrapServers())
	if code != 1 || !strings.Contains(errOut, "Delete the records of 3 partitions? They cannot be read again.\n  orders/0: every record\n  orders/2: the records before offset 50\n  payments/1: the records before offset 15\n[y/N] ") ||
		!strings.Contains(errOut, "not confirmed: nothing was deleted") {
		t.Fatalf("not confirmed: exit %d, stderr %q", code, errOut)
	}
	// An offset past the log end fails its partition; the others are
	// trimmed: exit 3.
	out, errOut, code := runBin(t, env, "", "topics", "delete-records", "--offset-json-file", file, "--topic", "orders:0=-1", "--topic", "orders:1=4", "--yes")
	golden(t, "topics-delete-records", out)
	if code != 3 || !strings.Contains(errOut, `offset 50 is past the log end of partition 2 of topic "orders": delete up to the log end at most (-1)`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	out, _, code = runBin(t, env, "", "groups", "lag", "g", "-o", "csv")
	// GROUP,TOPIC,PARTITION,COMMITTED,LOG-START: the log starts moved.
	for _, row := range []string{"g,orders,0,4,10,", "g,orders,1,4,4,", "g,orders,2,4,0,", "g,payments,1,20,15,"} {
		if code != 0 || !strings.Contains(out, row) {
			t.Fatalf("lag after deleting records lacks %s:\n%s", row, out)
		}
	}
	// A partition that does not exist fails before anything is deleted.
	_, errOut, code = runBin(t, env, "", "topics", "delete-records", "--topic", "orders:1=8", "--topic", "orders:3=1", "--yes")
	if code != 1 || !strings.Contains(errOut, `topic "orders" has 3 partitions (0 to 2): partition 3 does not exist; nothing was deleted`) {
		t.Fatalf("a partition that does not exist: exit %d, stderr %q", code, errOut)
	}
	out, _, _ = runBin(t, env, "", "groups", "lag", "g", "-o", "csv")
	if !strings.Contains(out, "g,orders,1,4,4,") {
		t.Fatalf("orders/1 trimmed by a refused command:\n%s", out)
	}
}

// TestTopicsCmdBadInput checks that bad command lines and files are usage
// errors, found before anything is sent: the broker named refuses
// connections.
func TestTopicsCmdBadInput(t *testing.T) {
	kc := kafkatest.New(t)
	refused := kc.Addr(0)
	must(t, kc.StopBroker(0))
	file := func(content string) string { return writeFile(t, "offsets.json", content) }
	create := func(args ...string) []string { return append([]string{"topics", "create"}, args...) }
	records := func(args ...string) []string { return append([]string{"topics", "delete-records"}, args...) }
	offsets := func(partitions string) string { return file(`{"version":1,"partitions":[` + partitions + `]}`) }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"topics", "lsit"}, `unknown command "lsit" for "kafadmin topics": did you mean list?`},
		{[]string{"topics", "list", "orders"}, `"kafadmin topics list" takes no arguments`},
		{create(), "name the topics to create: kafadmin topics create TOPIC..., or --topic TOPIC"},
		{create("bad name"), `topic name "bad name" has the character ' ': use only ASCII letters, digits, '.', '_' and '-'`},
		{create("ok", "--topic", ".."), `topic name ".." is not allowed`},
		{create(strings.Repeat("t", 250)), "is 250 characters long: Kafka allows at most 249"},
		{create("t", "--partitions", "0"), "--partitions 0: a topic has 1 partition or more"},
		{create("t", "--partitions", "x"), `invalid argument "x" for "--partitions"`},
		{create("t", "--replication-factor", "-1"), "--replication-factor -1: a partition has 1 replica or more"},
		{create("t", "--replica-assignment", ""), "--replica-assignment is empty: want each partition's brokers, e.g. 0:1,1:2,2:0"},
		{create("t", "--replica-assignment", "0:1,2"), `--replica-assignment "0:1,2": partition 1 has 1 replicas and partition 0 has 2: give every partition as many`},
		{create("t", "--replica-assignment", "0:1,1:1"), `--replica-assignment "0:1,1:1": partition 1 names broker 1 twice`},
		{create("t", "--replica-assignment", "0:x"), `--replica-assignment "0:x": partition 0: "x" is not a broker id`},
		{create("t", "--replica-assignment", "0:-1"), `partition 0: "-1" is not a broker id`},
		{create("t", "--replica-assignment", "0,,1"), `partition 1: "" is not a broker id`},
		{create("t", "--replica-assignment", "0:1", "--partitions", "1"), "--replica-assignment gives the partitions and their replicas: it does not go with --partitions or --replication-factor"},
		{create("t", "--config", "retention.ms"), `--config "retention.ms": want K=V, e.g. --config retention.ms=86400000`},
		{create("t", "--config", "=1"), "want K=V"},
		{create("t", "--config", "a=1", "--config", "a=2"), `--config "a=2": config "a" is given twice`},
		{[]string{"topics", "describe", "a/b"}, `topic name "a/b" has the character '/'`},
		{[]string{"topics", "describe", "--topics-with-overrides", "--at-min-isr-partitions"}, "--topics-with-overrides lists topics, not partitions: it does not go with"},
		{[]string{"topics", "delete"}, "name the topics to delete"},
		{[]string{"topics", "delete", "t", "--topic", "bad!"}, `topic name "bad!" has the character '!'`},
		{[]string{"topics", "delete", "t"}, "stdin is not a terminal, so pass --yes (nothing was deleted)"},
		{[]string{"topics", "add-partitions", "--partitions", "3"}, "name the topics to grow: kafadmin topics add-partitions TOPIC... --partitions N"},
		{[]string{"topics", "add-partitions", "t"}, "give the new partition count, in all: --partitions N"},
		{[]string{"topics", "add-partitions", "t", "--partitions", "1"}, "--partitions 1: give the topics' new partition count in all, above today's"},
		{[]string{"topics", "add-partitions", "t", "--partitions", "2", "--replica-assignment", "0,1,2"}, `--replica-assignment "0,1,2" lists 3 partitions, more than the --partitions 2 the topics grow to`},
		{[]string{"topics", "add-partitions", "t", "--partitions", "4", "--replica-assignment", "0:1,1"}, "partition 1 has 1 replicas and partition 0 has 2"},
		{records(), "name the partitions and offsets: --topic TOPIC:PARTITION=OFFSET, or --offset-json-file FILE"},
		{records("--topic", "orders"), `--topic "orders": no offset: want TOPIC:PARTITION=OFFSET, e.g. orders:0=1500 (-1 for every record)`},
		{records("--topic", "orders=5"), `--topic "orders=5": no partition`},
		{records("--topic", "orders:x=5"), `--topic "orders:x=5": "x" is not a partition number`},
		{records("--topic", "orders:-1=5"), `"-1" is not a partition number`},
		{records("--topic", "orders:0=-2"), `--topic "orders:0=-2": "-2" is not an offset of 0 or more, or -1`},
		{records("--topic", "orders:0=end"), `"end" is not an offset`},
		{records("--topic", "or ders:0=1"), `--topic "or ders:0=1": topic name "or ders" has the character ' '`},
		{records("--topic", "orders:0=1", "--topic", "orders:0=2"), `--topic "orders:0=2": orders/0 is given twice: give each partition once`},
		{records("--offset-json-file", "/no/such.json"), "--offset-json-file: open /no/such.json: no such file or directory"},
		{records("--offset-json-file", file("")), "offsets.json: the file is empty: want a JSON object"},
		{records("--offset-json-file", file(`{"version":1,"partitions":[{"topic":"t","partition":0,"offset":1,}]}`)), "offsets.json: line 1, column 66: not valid JSON: invalid character '}' looking for beginning of object key string"},
		{records("--offset-json-file", offsets("")), `offsets.json: no partitions: want {"partitions":[{"topic":"t","partition":0,"offset":5},...],"version":1}`},
		{records("--offset-json-file", file(`{"version":2,"partitions":[{"topic":"t","partition":0,"offset":1}]}`)), `offsets.json: "version" 2 is not supported: want 1`},
		{records("--offset-json-file", offsets(`{"topic":"t","partition":0,"offset":1,"ofset":2}`)), `offsets.json: unknown field "ofset"`},
		{records("--offset-json-file", offsets(`{"topic":"t","partition":0,"offset":"5"}`)), `"partitions.offset" is string, want a number`},
		{records("--offset-json-file", offsets(`{"topic":"t","partition":0}`)), `offsets.json: partitions[0] (t/0): "offset" is missing`},
		{records("--offset-json-file", offsets(`{"topic":"t","offset":3}`)), `offsets.json: partitions[0] (topic "t"): "partition" is missing`},
		{records("--offset-json-file", offsets(`{"partition":0,"offset":3}`)), `offsets.json: partitions[0]: "topic" is missing or empty`},
		{records("--offset-json-file", offsets(`{"topic":"a b","partition":0,"offset":3}`)), `offsets.json: partitions[0]: topic name "a b" has the character ' '`},
		{records("--offset-json-file", offsets(`{"topic":"t","partition":0,"offset":-3}`)), "offsets.json: partitions[0] (t/0): offset -3: want an offset of 0 or more, or -1 for every record"},
		{records("--offset-json-file", offsets(`{"topic":"t","partition":0,"offset":3},{"topic":"t","partition":0,"offset":4}`)), "offsets.json: partitions[1]: t/0 is given twice"},
		{records("--offset-json-file", offsets(`{"topic":"t","partition":0,"offset":3}`), "--topic", "t:0=1"), `--topic "t:0=1": t/0 is given twice`},
		{records("--topic", "t:0=1"), "stdin is not a terminal, so pass --yes (nothing was deleted)"},
		{records("--topic", "t:0=1", "extra"), `"kafadmin topics delete-records" takes no arguments`},
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

func TestTopicsCmdCompletion(t *testing.T) {
	kc := goldenCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"topics", "describe", ""}, []string{"orders", "payments"}},
		{[]string{"topics", "describe", "orders", ""}, []string{"payments"}},
		{[]string{"topics", "describe", "--topic", "o"}, []string{"orders"}},
		{[]string{"topics", "delete", "p"}, []string{"payments"}},
		{[]string{"topics", "add-partitions", "--topic", ""}, []string{"orders", "payments"}},
		{[]string{"topics", "delete-records", "--topic", "pay"}, []string{"payments"}},
	} {
		got, code := completions(t, env, tc.args...)
		if code != 0 || !slices.Equal(got, tc.want) {
			t.Errorf("%v: exit %d, completions %q, want %q", tc.args, code, got, tc.want)
		}
	}
}
