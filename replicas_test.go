package kafadmin_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// notController answers the next three requests of api with a top-level
// NOT_CONTROLLER, as a controller that just lost its role does, and resets
// the controller's connections: the call must follow the controller.
func notController(t *testing.T, kc *kafkatest.Cluster, api kmsg.Key) *kfake.FaultHandle {
	t.Helper()
	h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{api}, TopLevel: true, Err: kerr.NotController, Count: 3})
	_, err := kc.ResetConnections(kc.Controller())
	must(t, err)
	return h
}

func TestReassignPartitions(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	_, err := cl.ListTopics(ctx) // warm: connections to reset
	must(t, err)

	h := notController(t, kc, kmsg.AlterPartitionAssignments)
	targets := map[kafadmin.TopicPartition][]int32{tp("orders", 0): {1, 2, 0}, tp("orders", 1): {2, 0, 1}}
	res, err := cl.AlterPartitionReassignments(ctx, targets)
	must(t, err)
	if h.Hits() != 3 {
		t.Fatalf("%d NOT_CONTROLLER answers, want 3", h.Hits())
	}
	if keys := res.Keys(); !slices.Equal(keys, []kafadmin.TopicPartition{tp("orders", 0), tp("orders", 1)}) {
		t.Fatalf("result keys %v", keys)
	}
	for p, r := range res {
		if r.Err != nil || r.Partition != p || !slices.Equal(r.Replicas, targets[p]) || r.CanceledOnRetry {
			t.Fatalf("%s: %+v", p, r)
		}
	}

	h = notController(t, kc, kmsg.ListPartitionReassignments)
	listed, err := cl.ListPartitionReassignments(ctx)
	must(t, err)
	if h.Hits() != 3 || listed == nil || len(listed) != 0 {
		t.Fatalf("listed %v after %d NOT_CONTROLLER answers; kfake has no reassignment in progress", listed, h.Hits())
	}

	// kfake has no reassignment in progress to cancel.
	res, err = cl.CancelPartitionReassignments(ctx, tp("orders", 0))
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || !errors.Is(err, kerr.NoReassignmentInProgress) ||
		!strings.Contains(err.Error(), `partition 0 of topic "orders" has no reassignment in progress: nothing to cancel`) ||
		res[tp("orders", 0)].Err == nil || res[tp("orders", 0)].Replicas != nil {
		t.Fatalf("cancel without a reassignment: %v, %+v", err, res)
	}
}

// TestCancelReassignmentRetried loses the answer of a cancellation: the
// controller applied it, and the retry, which finds nothing to cancel, is
// a success that says so.
func TestCancelReassignmentRetried(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	// Warm the controller's connection for requests it holds, so that the
	// cancellation is written on it while the broker is silent.
	_, err := cl.AlterPartitionReassignments(ctx, map[kafadmin.TopicPartition][]int32{tp("orders", 2): {0, 1, 2}})
	must(t, err)
	controller := kc.Controller()
	must(t, kc.SetBlackhole(controller, true))
	seen := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.AlterPartitionAssignments}, Observe: true, Count: -1})
	defer seen.Remove()
	go func() {
		// Mend once the cancellation has reached the broker: turning the
		// black hole off resets the connection whose answer was lost.
		_ = seen.Wait(ctx, 1)
		time.Sleep(100 * time.Millisecond)
		_ = kc.SetBlackhole(controller, false)
	}()
	res, err := cl.CancelPartitionReassignments(ctx, tp("orders", 2))
	must(t, err)
	if r := res[tp("orders", 2)]; !r.CanceledOnRetry || r.Err != nil || seen.Hits() < 2 {
		t.Fatalf("cancellation retried after a lost answer: %+v, %d requests", r, seen.Hits())
	}
}

func TestReassignBadInput(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	for _, tc := range []struct {
		targets map[kafadmin.TopicPartition][]int32
		want    string
	}{
		{nil, "no partitions given: name each partition and its new replicas (nil cancels"},
		{map[kafadmin.TopicPartition][]int32{tp("orders", 0): {}}, `the replica list of partition 0 of topic "orders" is empty: name at least one broker, or pass nil to cancel`},
		{map[kafadmin.TopicPartition][]int32{tp("orders", 0): {1, 2, 1}}, `the replica list [1 2 1] of partition 0 of topic "orders" names broker 1 twice`},
		{map[kafadmin.TopicPartition][]int32{tp("orders", 0): {0, -2}}, `the replica list [0 -2] of partition 0 of topic "orders" holds broker id -2: broker ids are 0 or more`},
		{map[kafadmin.TopicPartition][]int32{tp("orders", -1): {0}}, `partition -1 of topic "orders" is negative: partitions are numbered from 0`},
		{map[kafadmin.TopicPartition][]int32{tp("", 0): {0}}, "a topic name is empty"},
		{map[kafadmin.TopicPartition][]int32{tp("orders", 0): {0}, tp("nope", 0): {1}}, `topic "nope" does not exist: check the topic name`},
		{map[kafadmin.TopicPartition][]int32{tp("orders", 7): {0}}, `topic "orders" has 4 partitions (0 to 3): partition 7 does not exist`},
	} {
		res, err := cl.AlterPartitionReassignments(ctx, tc.targets)
		if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
			t.Errorf("%v: %v, want an error containing %q", tc.targets, err, tc.want)
		}
	}
	if _, err := cl.CancelPartitionReassignments(ctx); err == nil || !strings.Contains(err.Error(), "no partitions given") {
		t.Errorf("cancel of nothing: %v", err)
	}
	if _, err := cl.ListPartitionReassignments(ctx, tp("orders", -3)); err == nil || !strings.Contains(err.Error(), "partition -3") {
		t.Errorf("list of a negative partition: %v", err)
	}
	if n := kc.RequestCount(kmsg.AlterPartitionAssignments); n != 0 {
		t.Fatalf("bad input sent %d AlterPartitionAssignments requests", n)
	}
}

func TestElectLeaders(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	_, err := cl.ListTopics(ctx)
	must(t, err)

	// kfake elects the next broker of a partition, whatever the type.
	before := kc.Leader("orders", 0)
	h := notController(t, kc, kmsg.ElectLeaders)
	res, err := cl.ElectLeaders(ctx, kafadmin.PreferredElection, tp("orders", 0), tp("orders", 1))
	must(t, err)
	if h.Hits() != 3 {
		t.Fatalf("%d NOT_CONTROLLER answers, want 3", h.Hits())
	}
	if r := res[tp("orders", 0)]; r.Err != nil || r.NotNeeded || r.String() != "elected" || r.Type != kafadmin.PreferredElection || len(res) != 2 {
		t.Fatalf("election: %+v", res)
	}
	if after := kc.Leader("orders", 0); after == before {
		t.Fatalf("orders/0 is still led by %d", after)
	}

	// ELECTION_NOT_NEEDED is a success that says so.
	kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.ElectLeaders}, Topic: "orders", Partitions: []int32{2}, Err: kerr.ElectionNotNeeded})
	res, err = cl.ElectLeaders(ctx, kafadmin.PreferredElection, tp("orders", 2), tp("orders", 3))
	must(t, err)
	if r := res[tp("orders", 2)]; r.Err != nil || !r.NotNeeded || r.String() != "already the preferred leader" || res[tp("orders", 3)].NotNeeded {
		t.Fatalf("election not needed: %+v", res)
	}
	kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.ElectLeaders}, Topic: "orders", Partitions: []int32{2}, Err: kerr.ElectionNotNeeded})
	res, err = cl.ElectLeaders(ctx, kafadmin.UncleanElection, tp("orders", 2))
	must(t, err)
	if r := res[tp("orders", 2)]; !r.NotNeeded || r.String() != "already has a leader" {
		t.Fatalf("unclean election not needed: %+v", r)
	}

	// A preferred replica out of sync fails its partition at once; the
	// others are elected.
	h = kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.ElectLeaders}, Topic: "orders", Partitions: []int32{3}, Err: kerr.PreferredLeaderNotAvailable, Count: -1})
	start := time.Now()
	res, err = cl.ElectLeaders(ctx, kafadmin.PreferredElection, tp("orders", 1), tp("orders", 3))
	h.Remove()
	if !errors.Is(err, kerr.PreferredLeaderNotAvailable) || !strings.Contains(err.Error(), `the preferred replica of partition 3 of topic "orders" is down or not in sync: elect again once it has caught up`) ||
		res[tp("orders", 1)].Err != nil || res[tp("orders", 3)].Err == nil || h.Hits() != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("preferred leader not available: %v after %v and %d answers, %+v", err, time.Since(start), h.Hits(), res)
	}

	// No partitions: every partition of the cluster.
	kc.ResetRequestCounts()
	res, err = cl.ElectLeaders(ctx, kafadmin.PreferredElection)
	must(t, err)
	for p := range int32(4) {
		if r, ok := res[tp("orders", p)]; !ok || r.Err != nil {
			t.Fatalf("every partition: orders/%d: %+v (%v)", p, r, res.Keys())
		}
	}
	if n := kc.RequestCount(kmsg.ElectLeaders); n != 1 {
		t.Fatalf("every partition took %d ElectLeaders requests, want 1", n)
	}
}

func TestElectLeadersBadInput(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	for _, tc := range []struct {
		how        kafadmin.ElectionType
		partitions []kafadmin.TopicPartition
		want       string
	}{
		{kafadmin.ElectionType(7), nil, "unknown election type 7: want PreferredElection or UncleanElection"},
		{kafadmin.PreferredElection, []kafadmin.TopicPartition{tp("orders", -1)}, `partition -1 of topic "orders" is negative`},
		{kafadmin.PreferredElection, []kafadmin.TopicPartition{tp("orders", 0), tp("nope", 0)}, `topic "nope" does not exist: check the topic name (UNKNOWN_TOPIC_OR_PARTITION); nothing was sent`},
		{kafadmin.UncleanElection, []kafadmin.TopicPartition{tp("orders", 4)}, `topic "orders" has 4 partitions (0 to 3): partition 4 does not exist`},
	} {
		if _, err := cl.ElectLeaders(ctx, tc.how, tc.partitions...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want an error containing %q", tc.how, tc.partitions, err, tc.want)
		}
	}
	if n := kc.RequestCount(kmsg.ElectLeaders); n != 0 {
		t.Fatalf("bad input sent %d ElectLeaders requests", n)
	}
	for in, want := range map[string]kafadmin.ElectionType{"preferred": kafadmin.PreferredElection, "UNCLEAN": kafadmin.UncleanElection, " Preferred ": kafadmin.PreferredElection} {
		if got, err := kafadmin.ParseElectionType(in); err != nil || got != want {
			t.Errorf("ParseElectionType(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := kafadmin.ParseElectionType("dirty"); err == nil || err.Error() != `unknown election type "dirty": want preferred or unclean` {
		t.Errorf("ParseElectionType(dirty): %v", err)
	}
}
