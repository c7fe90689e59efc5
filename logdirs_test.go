package kafadmin_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// kfakeLogDir is the one log dir of every embedded broker.
const kfakeLogDir = "/mem/kfake"

// dirPartitions lists the partitions of a dir's replicas.
func dirPartitions(d kafadmin.LogDir) []kafadmin.TopicPartition {
	var out []kafadmin.TopicPartition
	for _, r := range d.Replicas {
		out = append(out, r.Partition)
	}
	return out
}

func findDir(b kafadmin.BrokerLogDirs, path string) (kafadmin.LogDir, bool) {
	for _, d := range b.Dirs {
		if d.Path == path {
			return d, true
		}
	}
	return kafadmin.LogDir{}, false
}

func TestDescribeLogDirs(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)

	all, err := cl.DescribeLogDirs(ctx, nil)
	must(t, err)
	if keys := all.Keys(); !slices.Equal(keys, []int32{0, 1, 2}) {
		t.Fatalf("brokers %v, want every broker", keys)
	}
	orders := []kafadmin.TopicPartition{tp("orders", 0), tp("orders", 1), tp("orders", 2), tp("orders", 3)}
	for id, b := range all {
		d, ok := findDir(b, kfakeLogDir)
		if b.Broker != id || b.Err != nil || len(b.Dirs) != 1 || !ok || d.Err != nil || d.UsableBytes <= 0 {
			t.Fatalf("broker %d: %+v", id, b)
		}
		if got := dirPartitions(d); !slices.Equal(got, orders) {
			t.Fatalf("broker %d's replicas %v, want %v", id, got, orders)
		}
		for _, r := range d.Replicas {
			if r.Size <= 0 || r.Future {
				t.Fatalf("broker %d: replica %+v, want a size (10 records were produced)", id, r)
			}
		}
	}

	// Chosen brokers and partitions.
	some, err := cl.DescribeLogDirs(ctx, []int32{1, 1}, tp("orders", 2))
	must(t, err)
	if d, _ := findDir(some[1], kfakeLogDir); len(some) != 1 || !slices.Equal(dirPartitions(d), []kafadmin.TopicPartition{tp("orders", 2)}) {
		t.Fatalf("broker 1, orders/2: %+v", some)
	}

	// A broker the cluster does not have fails at once, the others are
	// described.
	start := time.Now()
	some, err = cl.DescribeLogDirs(ctx, []int32{0, 9})
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || len(ce.Errors) != 1 || ce.Errors[0].Key != kafadmin.BrokerKey(9) ||
		!strings.Contains(err.Error(), "the cluster has no broker 9: check the node id") ||
		some[0].Err != nil || len(some[0].Dirs) != 1 || some[9].Err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("unknown broker: %v after %v, %+v", err, time.Since(start), some)
	}

	for _, tc := range []struct {
		brokers []int32
		tps     []kafadmin.TopicPartition
		want    string
	}{
		{[]int32{}, nil, "the broker list is empty: name at least one broker, or pass nil for every broker"},
		{[]int32{0, -1}, nil, "broker id -1 is negative"},
		{nil, []kafadmin.TopicPartition{tp("orders", -1)}, `partition -1 of topic "orders" is negative`},
	} {
		if _, err := cl.DescribeLogDirs(ctx, tc.brokers, tc.tps...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want an error containing %q", tc.brokers, tc.tps, err, tc.want)
		}
	}
}

// TestDescribeLogDirsWaitsForBroker restarts a named broker while its log
// dirs are asked for: the call waits for it and answers, with a nil error.
func TestDescribeLogDirsWaitsForBroker(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	_, err := cl.DescribeLogDirs(ctx, []int32{1}) // warm: a connection to reset
	must(t, err)

	restarted := make(chan error, 1)
	go func() { restarted <- kc.RestartBroker(ctx, 1, 1500*time.Millisecond) }()
	for kc.Running(1) {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	got, err := cl.DescribeLogDirs(ctx, []int32{1, 2})
	took := time.Since(start)
	must(t, err)
	must(t, <-restarted)
	d, _ := findDir(got[1], kfakeLogDir)
	if len(dirPartitions(d)) != 4 || len(got[2].Dirs) != 1 {
		t.Fatalf("after the restart: %+v", got)
	}
	if took < time.Second {
		t.Fatalf("the call took %v: it did not wait for the stopped broker", took)
	}
	t.Logf("answered %v after broker 1 stopped for 1.5s", took)
}

func TestAlterReplicaLogDirs(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	_, err := cl.DescribeLogDirs(ctx, nil) // warm: connections to reset
	must(t, err)

	moves := map[kafadmin.Replica]string{
		{Broker: 1, Partition: tp("orders", 0)}: "/mem/other",
		{Broker: 1, Partition: tp("orders", 1)}: "/mem/other",
		{Broker: 2, Partition: tp("orders", 3)}: kfakeLogDir,
	}
	h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.AlterReplicaLogDirs}, Nodes: []int32{1}, Err: kerr.NotLeaderForPartition, Count: 3})
	_, err = kc.ResetConnections(2)
	must(t, err)
	res, err := cl.AlterReplicaLogDirs(ctx, moves)
	must(t, err)
	if h.Hits() != 3 {
		t.Fatalf("%d NOT_LEADER_OR_FOLLOWER answers, want 3", h.Hits())
	}
	if len(res) != 3 || res.Failed() != nil {
		t.Fatalf("moves: %+v", res)
	}
	for r, m := range res {
		if m.Replica != r || m.Dir != moves[r] {
			t.Fatalf("%s: %+v", r, m)
		}
	}
	// kfake keeps one dir per partition, whichever broker is asked.
	after, err := cl.DescribeLogDirs(ctx, []int32{1})
	must(t, err)
	other, _ := findDir(after[1], "/mem/other")
	rest, _ := findDir(after[1], kfakeLogDir)
	if !slices.Equal(dirPartitions(other), []kafadmin.TopicPartition{tp("orders", 0), tp("orders", 1)}) ||
		!slices.Equal(dirPartitions(rest), []kafadmin.TopicPartition{tp("orders", 2), tp("orders", 3)}) {
		t.Fatalf("broker 1's dirs after the move: %+v", after[1].Dirs)
	}

	// An offline dir fails its replica at once; LOG_DIR_NOT_FOUND is
	// explained.
	kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.AlterReplicaLogDirs}, Resource: "/mem/broken", Err: kerr.KafkaStorageError, Count: -1})
	kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.AlterReplicaLogDirs}, Resource: "/mem/nope", Err: kerr.LogDirNotFound})
	start := time.Now()
	res, err = cl.AlterReplicaLogDirs(ctx, map[kafadmin.Replica]string{
		{Broker: 0, Partition: tp("orders", 2)}: "/mem/broken",
		{Broker: 1, Partition: tp("orders", 2)}: "/mem/nope",
		{Broker: 2, Partition: tp("orders", 2)}: kfakeLogDir,
	})
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || len(ce.Errors) != 2 || time.Since(start) > 5*time.Second ||
		!errors.Is(res.Err(kafadmin.Replica{Broker: 0, Partition: tp("orders", 2)}), kerr.KafkaStorageError) ||
		!strings.Contains(err.Error(), `log dir "/mem/broken", or the dir holding partition 2 of topic "orders", is offline on broker 0`) ||
		!strings.Contains(err.Error(), `broker 1 has no log dir "/mem/nope": name one of its log.dirs`) ||
		res[kafadmin.Replica{Broker: 2, Partition: tp("orders", 2)}].Err != nil {
		t.Fatalf("bad dirs: %v after %v, %+v", err, time.Since(start), res)
	}
	if k := ce.Errors[0].Key; k != kafadmin.ReplicaKey(kafadmin.Replica{Broker: 0, Partition: tp("orders", 2)}) ||
		k.String() != `replica 0 of partition 2 of topic "orders"` {
		t.Fatalf("first failed key %v", k)
	}
}

func TestAlterReplicaLogDirsBadInput(t *testing.T) {
	// Four brokers and three replicas a partition: a broker without a
	// replica of orders/0.
	kc := seeded(t, kafkatest.Brokers(4))
	cl := newClient(t, kc)
	ctx := testContext(t)
	topics, err := cl.ListTopics(ctx)
	must(t, err)
	var replicas []int32
	for _, ti := range topics {
		if ti.Name == "orders" {
			replicas = ti.Partitions[0].Replicas
		}
	}
	outsider := int32(-1)
	for id := range int32(4) {
		if !slices.Contains(replicas, id) {
			outsider = id
		}
	}
	if outsider < 0 {
		t.Fatalf("orders/0 has replicas %v: every broker holds one", replicas)
	}
	r0 := kafadmin.Replica{Broker: replicas[0], Partition: tp("orders", 0)}
	for _, tc := range []struct {
		dirs map[kafadmin.Replica]string
		want string
	}{
		{nil, "no replicas given: name each replica (broker and partition) and the log dir to move it to"},
		{map[kafadmin.Replica]string{r0: " "}, "the log dir for orders/0 on broker"},
		{map[kafadmin.Replica]string{{Broker: -1, Partition: tp("orders", 0)}: "/d"}, `the replica of partition 0 of topic "orders" names broker -1: broker ids are 0 or more`},
		{map[kafadmin.Replica]string{{Broker: 0, Partition: tp("orders", -2)}: "/d"}, `partition -2 of topic "orders" is negative`},
		{map[kafadmin.Replica]string{r0: "/d", {Broker: 0, Partition: tp("nope", 0)}: "/d"}, `topic "nope" does not exist: check the topic name (UNKNOWN_TOPIC_OR_PARTITION); nothing was moved`},
		{map[kafadmin.Replica]string{{Broker: 0, Partition: tp("orders", 4)}: "/d"}, `partition 4 of topic "orders" does not exist: check the partition number`},
		{map[kafadmin.Replica]string{{Broker: outsider, Partition: tp("orders", 0)}: "/d"}, "holds no replica of partition 0 of topic \"orders\" (its replicas are on brokers"},
	} {
		if res, err := cl.AlterReplicaLogDirs(ctx, tc.dirs); err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
			t.Errorf("%v: %v, want an error containing %q", tc.dirs, err, tc.want)
		}
	}
	if n := kc.RequestCount(kmsg.AlterReplicaLogDirs); n != 0 {
		t.Fatalf("bad input sent %d AlterReplicaLogDirs requests", n)
	}
}

// TestLogDirsOnKafka describes the log dirs of every broker of a real
// cluster for one partition replicated on all three, then moves a replica
// to the dir it is in (nothing to do) and to a dir the broker lacks.
func TestLogDirsOnKafka(t *testing.T) {
	const topic = "logdirs-kafka"
	rk, cl, kg := kafkaTopic(t, topic, []int32{1, 2, 3})
	ctx := testContext(t)
	p := tp(topic, 0)
	records := make([]*kgo.Record, 10)
	for i := range records {
		records[i] = &kgo.Record{Topic: topic, Partition: 0, Value: []byte("record")}
	}
	must(t, kg.ProduceSync(ctx, records...).FirstErr())

	var described kafadmin.Results[int32, kafadmin.BrokerLogDirs]
	waitUntil(t, "every replica of the partition to hold the records", func() error {
		var err error
		if described, err = cl.DescribeLogDirs(ctx, nil, p); err != nil {
			return err
		}
		for _, id := range rk.BrokerIDs() {
			b := described[id]
			var sizes []int64
			for _, d := range b.Dirs {
				if d.Err != nil || !filepath.IsAbs(d.Path) || d.TotalBytes <= 0 || d.UsableBytes <= 0 || d.UsableBytes > d.TotalBytes {
					t.Fatalf("broker %d: dir %+v", id, d)
				}
				for _, r := range d.Replicas {
					if r.Partition != p || r.Future {
						t.Fatalf("broker %d: replica %+v, want only %s's", id, r, p)
					}
					sizes = append(sizes, r.Size)
				}
			}
			if len(sizes) != 1 || sizes[0] <= 0 {
				return fmt.Errorf("broker %d: replica sizes %v", id, sizes)
			}
		}
		return nil
	})
	if keys := described.Keys(); !slices.Equal(keys, rk.BrokerIDs()) {
		t.Fatalf("brokers described %v, want %v", keys, rk.BrokerIDs())
	}

	var dir string
	for _, d := range described[1].Dirs {
		if len(d.Replicas) > 0 {
			dir = d.Path
		}
	}
	here := kafadmin.Replica{Broker: 1, Partition: p}
	moved, err := cl.AlterReplicaLogDirs(ctx, map[kafadmin.Replica]string{here: dir})
	must(t, err)
	if m := moved[here]; m.Err != nil || m.Dir != dir {
		t.Fatalf("a move to the replica's own dir: %+v", m)
	}
	moved, err = cl.AlterReplicaLogDirs(ctx, map[kafadmin.Replica]string{here: "/no/such/dir"})
	if !errors.Is(err, kerr.LogDirNotFound) || !strings.Contains(err.Error(), `broker 1 has no log dir "/no/such/dir"`) || moved[here].Err == nil {
		t.Fatalf("a move to a dir broker 1 lacks: %v, %+v", err, moved)
	}
}
