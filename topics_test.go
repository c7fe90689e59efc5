package kafadmin_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// TestTopicsLifecycle creates, describes, grows, trims and deletes topics,
// reading each change back.
func TestTopicsLifecycle(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newClient(t, kc)
	ctx := testContext(t)

	created, err := cl.CreateTopics(ctx,
		kafadmin.NewTopic{Name: "t-count", Partitions: 3, ReplicationFactor: 2, Configs: map[string]string{"retention.ms": "60000"}},
		kafadmin.NewTopic{Name: "t-assigned", Assignment: [][]int32{{0, 1}, {1, 2}}},
		kafadmin.NewTopic{Name: "t-default"},
	)
	must(t, err)
	if got := created.Keys(); !slices.Equal(got, []string{"t-assigned", "t-count", "t-default"}) {
		t.Fatalf("created %v", got)
	}
	if ct := created["t-count"]; ct.Partitions != 3 || ct.ReplicationFactor != 2 || ct.ID == "" || ct.OnRetry {
		t.Fatalf("t-count created as %+v", ct)
	}

	desc, err := cl.DescribeTopics(ctx, "t-count", "t-assigned", "t-default")
	must(t, err)
	// kfake places an assigned topic's replicas itself; Kafka's placement
	// is checked on the real cluster.
	if ti := desc["t-assigned"]; len(ti.Partitions) != 2 || len(ti.Partitions[1].Replicas) != 2 {
		t.Fatalf("t-assigned described as %+v", ti)
	}
	if ti := desc["t-count"]; len(ti.Partitions) != 3 || ti.ID != created["t-count"].ID || len(ti.Partitions[0].Replicas) != 2 {
		t.Fatalf("t-count described as %+v", ti)
	}

	grown, err := cl.CreatePartitions(ctx, kafadmin.NewPartitions{Topic: "t-count", Count: 5})
	must(t, err)
	if g := grown["t-count"]; g.Count != 5 || g.OnRetry {
		t.Fatalf("grown: %+v", g)
	}
	desc, err = cl.DescribeTopics(ctx, "t-count")
	must(t, err)
	if n := len(desc["t-count"].Partitions); n != 5 {
		t.Fatalf("t-count has %d partitions after growing to 5", n)
	}

	produce(t, kc, "t-count", 5, 10)
	trimmed, err := cl.DeleteRecords(ctx, map[kafadmin.TopicPartition]int64{tp("t-count", 0): 4, tp("t-count", 1): -1})
	must(t, err)
	if trimmed[tp("t-count", 0)].LogStart != 4 || trimmed[tp("t-count", 1)].LogStart != 10 {
		t.Fatalf("log starts after deleting records: %+v", trimmed.Sorted())
	}
	starts, err := cl.ListPartitionOffsets(ctx, kafadmin.Earliest(), tp("t-count", 0), tp("t-count", 1), tp("t-count", 2))
	must(t, err)
	if starts[tp("t-count", 0)].Offset != 4 || starts[tp("t-count", 1)].Offset != 10 || starts[tp("t-count", 2)].Offset != 0 {
		t.Fatalf("log starts listed: %+v", starts.Sorted())
	}

	listed, err := cl.ListTopics(ctx, kafadmin.ExcludeInternal())
	must(t, err)
	var names []string
	for _, ti := range listed {
		names = append(names, ti.Name)
	}
	if !slices.Equal(names, []string{"t-assigned", "t-count", "t-default"}) {
		t.Fatalf("listed %v", names)
	}

	deleted, err := cl.DeleteTopics(ctx, "t-count", "t-default")
	must(t, err)
	if d := deleted["t-count"]; d.Err != nil || d.GoneOnRetry {
		t.Fatalf("deleted: %+v", d)
	}
	byID, err := cl.DeleteTopicsByID(ctx, created["t-assigned"].ID)
	must(t, err)
	if d := byID[created["t-assigned"].ID]; d.Err != nil || d.Name != "t-assigned" {
		t.Fatalf("deleted by id: %+v", d)
	}
	gone, err := cl.DescribeTopics(ctx, "t-count", "t-assigned")
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || !ce.AllFailed() || !errors.Is(gone.Err("t-count"), kerr.UnknownTopicOrPartition) || ce.For(kafadmin.TopicKey("t-assigned")) == nil {
		t.Fatalf("describing deleted topics: %v (%+v)", err, gone)
	}
}

// TestTopicsRefusedAndValidated checks what is refused before anything is
// sent, what the broker refuses, and that validating creates nothing.
func TestTopicsRefusedAndValidated(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 4))
	cl := newClient(t, kc)
	ctx := testContext(t)

	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"no topics", func() error { _, err := cl.CreateTopics(ctx); return err }, "no topics given"},
		{"bad character", func() error { _, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "a/b"}); return err }, `has the character '/'`},
		{"too long", func() error {
			_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: strings.Repeat("x", 250)})
			return err
		}, "Kafka allows at most 249"},
		{"dot", func() error { _, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: ".."}); return err }, "is not allowed"},
		{"twice", func() error {
			_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "x"}, kafadmin.NewTopic{Name: "x"})
			return err
		}, "given twice"},
		{"replication above brokers", func() error {
			_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "x", Partitions: 1, ReplicationFactor: 4})
			return err
		}, "above the cluster's 3 brokers"},
		{"assignment and count", func() error {
			_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "x", Partitions: 2, Assignment: [][]int32{{0}}})
			return err
		}, "not both"},
		{"uneven assignment", func() error {
			_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "x", Assignment: [][]int32{{0, 1}, {2}}})
			return err
		}, "give every partition as many"},
		{"broker twice", func() error {
			_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "x", Assignment: [][]int32{{1, 1}}})
			return err
		}, "names broker 1 twice"},
		{"unknown broker", func() error {
			_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "x", Assignment: [][]int32{{7}}})
			return err
		}, "names broker 7, which the cluster does not have"},
		{"fewer partitions", func() error {
			_, err := cl.CreatePartitions(ctx, kafadmin.NewPartitions{Topic: "orders", Count: 2})
			return err
		}, `topic "orders" has 4 partitions: give a count above that`},
		{"growing a missing topic", func() error {
			_, err := cl.CreatePartitions(ctx, kafadmin.NewPartitions{Topic: "nope", Count: 2})
			return err
		}, `topic "nope" does not exist`},
		{"bad topic id", func() error { _, err := cl.DeleteTopicsByID(ctx, "xyz"); return err }, "not 32 hex digits"},
		{"negative offset", func() error {
			_, err := cl.DeleteRecords(ctx, map[kafadmin.TopicPartition]int64{tp("orders", 0): -2})
			return err
		}, "want an offset of 0 or more"},
	} {
		err := tc.call()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	if _, err := cl.DescribeTopics(ctx, "x"); !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("a refused create created topic x: %v", err)
	}

	validated, err := cl.ValidateCreateTopics(ctx, kafadmin.NewTopic{Name: "only-validated", Partitions: 2, ReplicationFactor: 1})
	must(t, err)
	if v := validated["only-validated"]; v.Err != nil {
		t.Fatalf("validated: %+v", v)
	}
	if _, err := cl.DescribeTopics(ctx, "only-validated"); !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("validating created the topic: %v", err)
	}

	_, err = cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "orders"})
	if !errors.Is(err, kerr.TopicAlreadyExists) || kafadmin.MaybeApplied(err) {
		t.Fatalf("creating an existing topic: %v (maybe applied %v)", err, kafadmin.MaybeApplied(err))
	}
	_, err = cl.DeleteTopics(ctx, "nope")
	if !errors.Is(err, kerr.UnknownTopicOrPartition) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("deleting a missing topic: %v", err)
	}
}

// loseNextAnswer makes the broker that receives the next request of key
// apply it and lose the answer: its writes are discarded, then its
// connections reset, as when a connection dies after the request was
// written. It returns how many answers were lost so far.
func loseNextAnswer(t *testing.T, kc *kafkatest.Cluster, key kmsg.Key) func() int {
	kf := kc.Kfake()
	var (
		mu   sync.Mutex
		lost int
	)
	kf.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		kf.DropControl()
		node := kf.CurrentNode()
		if err := kc.SetBlackhole(node, true); err != nil {
			t.Errorf("black-holing broker %d: %v", node, err)
			return nil, nil, false
		}
		mu.Lock()
		lost++
		mu.Unlock()
		go func() {
			time.Sleep(300 * time.Millisecond)
			if err := kc.SetBlackhole(node, false); err != nil {
				t.Errorf("ending broker %d's black hole: %v", node, err)
			}
		}()
		return nil, nil, false // applied as usual; the answer is lost
	})
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return lost
	}
}

// TestChangesAfterALostAnswer checks that a change whose first answer was
// lost is reported done by this call, not failed by its own retry.
func TestChangesAfterALostAnswer(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 2))
	produce(t, kc, "orders", 2, 10)
	cl := newClient(t, kc)
	ctx := testContext(t)

	lost := loseNextAnswer(t, kc, kmsg.CreateTopics)
	created, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "lost", Partitions: 2, ReplicationFactor: 1})
	must(t, err)
	if c := created["lost"]; lost() != 1 || !c.OnRetry || c.Partitions != 2 {
		t.Fatalf("after %d lost answers, created %+v; want it reported created on retry", lost(), c)
	}

	lost = loseNextAnswer(t, kc, kmsg.CreatePartitions)
	grown, err := cl.CreatePartitions(ctx, kafadmin.NewPartitions{Topic: "lost", Count: 3})
	must(t, err)
	// Kafka answers the retry INVALID_PARTITIONS (the topic has 3
	// already), which the call reads as done on retry; kfake answers it
	// with success.
	if g := grown["lost"]; lost() != 1 || g.Count != 3 || g.Err != nil {
		t.Fatalf("after %d lost answers, grown %+v; want it reported grown", lost(), g)
	}
	if desc, err := cl.DescribeTopics(ctx, "lost"); err != nil || len(desc["lost"].Partitions) != 3 {
		t.Fatalf("after growing to 3: %v, %+v", err, desc)
	}

	lost = loseNextAnswer(t, kc, kmsg.DeleteRecords)
	trimmed, err := cl.DeleteRecords(ctx, map[kafadmin.TopicPartition]int64{tp("orders", 1): 6})
	must(t, err)
	if d := trimmed[tp("orders", 1)]; lost() != 1 || d.LogStart != 6 {
		t.Fatalf("after %d lost answers, records deleted to %+v; want log start 6", lost(), d)
	}

	lost = loseNextAnswer(t, kc, kmsg.DeleteTopics)
	deleted, err := cl.DeleteTopics(ctx, "lost")
	must(t, err)
	if d := deleted["lost"]; lost() != 1 || !d.GoneOnRetry {
		t.Fatalf("after %d lost answers, deleted %+v; want it reported gone on retry", lost(), d)
	}
}

// TestTopicsThroughControllerFaults runs the controller's operations
// through NOT_CONTROLLER answers and its connections reset.
func TestTopicsThroughControllerFaults(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 2))
	cl := newClient(t, kc)
	ctx := testContext(t)
	for i, key := range []kmsg.Key{kmsg.CreateTopics, kmsg.CreatePartitions, kmsg.DeleteTopics} {
		h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{key}, Err: kerr.NotController, Count: 3})
		if _, err := kc.ResetConnections(kc.Controller()); err != nil {
			t.Fatal(err)
		}
		var err error
		switch i {
		case 0:
			_, err = cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "faulted", Partitions: 1, ReplicationFactor: 1})
		case 1:
			_, err = cl.CreatePartitions(ctx, kafadmin.NewPartitions{Topic: "faulted", Count: 2})
		case 2:
			_, err = cl.DeleteTopics(ctx, "faulted")
		}
		if err != nil || h.Hits() != 3 {
			t.Fatalf("%s through 3 NOT_CONTROLLER: %v (%d answered)", kmsg.NameForKey(int16(key)), err, h.Hits())
		}
	}
}

// TestDescribeTopicsPages describes 120 topics, one of them of 2,500
// partitions: from DescribeTopicPartitions in requests of 50 topics, the
// wide one's over two pages, every partition once and in order; and from
// Metadata requests of 50 topics on a broker that lacks
// DescribeTopicPartitions.
func TestDescribeTopicsPages(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []kafkatest.Option
		requests map[kmsg.Key]int
	}{
		// 3 requests of 50, 50 and 20 topics; the one with the wide
		// topic asks for a second page.
		{"DescribeTopicPartitions", nil, map[kmsg.Key]int{kmsg.DescribeTopicPartitions: 4}},
		{"Metadata before Kafka 3.8", []kafkatest.Option{kafkatest.WithKfakeOptions(kfake.MaxVersions(kversion.V3_7_0()))}, map[kmsg.Key]int{kmsg.DescribeTopicPartitions: 0, kmsg.Metadata: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := kafkatest.New(t, tc.opts...)
			ctx := testContext(t)
			topics := []string{"a-wide"}
			must(t, kc.CreateTopic("a-wide", 2500))
			for i := range 119 {
				name := fmt.Sprintf("t%03d", i)
				must(t, kc.CreateTopic(name, 3))
				topics = append(topics, name)
			}
			cl := newClient(t, kc)
			_, err := cl.ListBrokers(ctx) // the client's own metadata, before counting
			must(t, err)
			kc.ResetRequestCounts()
			desc, err := cl.DescribeTopics(ctx, topics...)
			must(t, err)
			if len(desc) != len(topics) {
				t.Fatalf("%d topics described, want %d", len(desc), len(topics))
			}
			for _, name := range topics {
				ti := desc[name]
				want := 3
				if name == "a-wide" {
					want = 2500
				}
				if ti.Err != nil || ti.Name != name || ti.ID == "" || len(ti.Partitions) != want {
					t.Fatalf("%s: %d partitions, id %q, err %v; want %d", name, len(ti.Partitions), ti.ID, ti.Err, want)
				}
				for i, p := range ti.Partitions {
					if p.Partition != int32(i) || p.Leader < 0 || len(p.Replicas) == 0 || len(p.ISR) == 0 {
						t.Fatalf("%s: partition %d is %+v, want partition %d with a leader, replicas and ISR", name, i, p, i)
					}
				}
			}
			for key, want := range tc.requests {
				if got := kc.RequestCount(key); got != want {
					t.Fatalf("%d %s requests, want %d (all: %v)", got, kmsg.NameForKey(int16(key)), want, kc.RequestCounts())
				}
			}
		})
	}
}
