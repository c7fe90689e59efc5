package kafadmin_test

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/kafadmin/kafadmin/realkafka"
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

// kafkaTopic creates a topic of the shared real cluster with the given
// replicas for each partition, through the cluster's internal listener,
// and returns a kafadmin client and a franz-go one; the topic is deleted
// when the test ends, so that no reassignment or throttle outlives it.
func kafkaTopic(t *testing.T, topic string, assignment ...[]int32) (*realkafka.Cluster, *kafadmin.Client, *kgo.Client) {
	t.Helper()
	rk := sharedKafka(t)
	ctx := testContext(t)
	kg, err := rk.Client()
	must(t, err)
	t.Cleanup(kg.Close)
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = topic, -1, -1
	for p, replicas := range assignment {
		ra := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		ra.Partition, ra.Replicas = int32(p), replicas
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, ra)
	}
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 30000
	resp, err := kg.Request(ctx, req)
	must(t, err)
	must(t, kerr.ErrorForCode(resp.(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode))
	t.Cleanup(func() {
		del := kmsg.NewPtrDeleteTopicsRequest()
		dt := kmsg.NewDeleteTopicsRequestTopic()
		dt.Topic = kmsg.StringPtr(topic)
		del.Topics = append(del.Topics, dt)
		del.TimeoutMillis = 30000
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := kg.Request(ctx, del); err != nil {
			t.Errorf("deleting topic %s: %v", topic, err)
		}
	})
	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(rk.Addrs()...))
	must(t, err)
	t.Cleanup(func() { cl.Close() })
	for p, replicas := range assignment {
		waitPartition(t, cl, tp(topic, int32(p)), replicas, replicas[0])
	}
	return rk, cl, kg
}

// waitPartition waits until metadata shows a partition with the replicas,
// in order, and the leader.
func waitPartition(t *testing.T, cl *kafadmin.Client, p kafadmin.TopicPartition, replicas []int32, leader int32) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%s to have replicas %v led by %d", p, replicas, leader), func() error {
		pi, err := partitionInfo(testContext(t), cl, p)
		if err != nil {
			return err
		}
		if !slices.Equal(pi.Replicas, replicas) || pi.Leader != leader {
			return fmt.Errorf("replicas %v, in sync %v, leader %d", pi.Replicas, pi.ISR, pi.Leader)
		}
		return nil
	})
}

func partitionInfo(ctx context.Context, cl *kafadmin.Client, p kafadmin.TopicPartition) (kafadmin.PartitionInfo, error) {
	topics, err := cl.ListTopics(ctx)
	if err != nil {
		return kafadmin.PartitionInfo{}, err
	}
	for _, ti := range topics {
		for _, pi := range ti.Partitions {
			if ti.Name == p.Topic && pi.Partition == p.Partition {
				return pi, nil
			}
		}
	}
	return kafadmin.PartitionInfo{}, fmt.Errorf("metadata lacks %s", p)
}

// throttleReplication throttles the replication of topic's replicas to a
// byte a second on every broker, as kafka-reassign-partitions.sh
// --throttle does, so that a reassignment stays in progress until
// unthrottled; the throttle is removed when the test ends.
func throttleReplication(t *testing.T, rk *realkafka.Cluster, kg *kgo.Client, topic string) (unthrottle func()) {
	t.Helper()
	set := func(op kmsg.IncrementalAlterConfigOp, rate, replicas string) error {
		req := kmsg.NewPtrIncrementalAlterConfigsRequest()
		add := func(typ kmsg.ConfigResourceType, name string, kvs ...string) {
			r := kmsg.NewIncrementalAlterConfigsRequestResource()
			r.ResourceType, r.ResourceName = typ, name
			for i := 0; i < len(kvs); i += 2 {
				c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
				c.Name, c.Op, c.Value = kvs[i], op, kmsg.StringPtr(kvs[i+1])
				r.Configs = append(r.Configs, c)
			}
			req.Resources = append(req.Resources, r)
		}
		for _, id := range rk.BrokerIDs() {
			add(kmsg.ConfigResourceTypeBroker, fmt.Sprint(id), "leader.replication.throttled.rate", rate, "follower.replication.throttled.rate", rate)
		}
		add(kmsg.ConfigResourceTypeTopic, topic, "leader.replication.throttled.replicas", replicas, "follower.replication.throttled.replicas", replicas)
		resp, err := kg.Request(testContext(t), req)
		if err != nil {
			return err
		}
		for _, r := range resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
			if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
				return fmt.Errorf("%s %q: %w", r.ResourceType, r.ResourceName, err)
			}
		}
		return nil
	}
	must(t, set(kmsg.IncrementalAlterConfigOpSet, "1", "*"))
	done := false
	unthrottle = func() {
		if !done {
			done = true
			must(t, set(kmsg.IncrementalAlterConfigOpDelete, "", ""))
		}
	}
	t.Cleanup(unthrottle)
	return unthrottle
}

// TestReassignOnKafka moves a partition to another broker while its
// replication is throttled: the reassignment is listed in progress,
// canceled (the partition is back where it was), started again and, once
// unthrottled, completes, and metadata shows the new replica.
func TestReassignOnKafka(t *testing.T) {
	const topic = "reassign-kafka"
	rk, cl, kg := kafkaTopic(t, topic, []int32{1})
	ctx := testContext(t)
	p := tp(topic, 0)
	// 3 MiB: more than a follower's first fetch (1 MiB), which the
	// throttle lets through.
	records := make([]*kgo.Record, 30)
	for i := range records {
		records[i] = &kgo.Record{Topic: topic, Partition: 0, Value: make([]byte, 100<<10)}
	}
	must(t, kg.ProduceSync(ctx, records...).FirstErr())
	unthrottle := throttleReplication(t, rk, kg, topic)

	move := map[kafadmin.TopicPartition][]int32{p: {2}}
	res, err := cl.AlterPartitionReassignments(ctx, move)
	must(t, err)
	if r := res[p]; r.Err != nil || !slices.Equal(r.Replicas, []int32{2}) {
		t.Fatalf("reassign: %+v", r)
	}
	listed, err := cl.ListPartitionReassignments(ctx, p)
	must(t, err)
	r, ok := listed[p]
	if !ok || !slices.Equal(r.Adding, []int32{2}) || !slices.Equal(r.Removing, []int32{1}) || !slices.Equal(r.Target(), []int32{2}) ||
		!slices.Contains(r.Replicas, 1) || !slices.Contains(r.Replicas, 2) {
		t.Fatalf("the reassignment in progress: %+v (listed %v)", r, listed)
	}
	every, err := cl.ListPartitionReassignments(ctx)
	must(t, err)
	if _, ok := every[p]; !ok {
		t.Fatalf("listing every reassignment: %v lacks %s", every, p)
	}

	canceled, err := cl.CancelPartitionReassignments(ctx, p)
	must(t, err)
	if c := canceled[p]; c.Err != nil || c.Replicas != nil {
		t.Fatalf("cancel: %+v", c)
	}
	waitPartition(t, cl, p, []int32{1}, 1)
	if listed, err := cl.ListPartitionReassignments(ctx, p); err != nil || len(listed) != 0 {
		t.Fatalf("after the cancel: %v, %v", listed, err)
	}
	if _, err := cl.CancelPartitionReassignments(ctx, p); !errors.Is(err, kerr.NoReassignmentInProgress) {
		t.Fatalf("canceling again: %v, want NO_REASSIGNMENT_IN_PROGRESS", err)
	}

	_, err = cl.AlterPartitionReassignments(ctx, move)
	must(t, err)
	unthrottle()
	waitPartition(t, cl, p, []int32{2}, 2)
	waitUntil(t, "the reassignment to leave the list", func() error {
		listed, err := cl.ListPartitionReassignments(ctx, p)
		if err == nil && len(listed) > 0 {
			err = fmt.Errorf("still in progress: %+v", listed[p])
		}
		return err
	})
}

// TestElectLeadersOnKafka reorders a partition's replicas, which moves no
// data and leaves the leader where it was, then elects the new preferred
// leader; electing again needs no election, and says so.
func TestElectLeadersOnKafka(t *testing.T) {
	const topic = "elect-kafka"
	_, cl, _ := kafkaTopic(t, topic, []int32{1, 2, 3})
	ctx := testContext(t)
	p := tp(topic, 0)
	_, err := cl.AlterPartitionReassignments(ctx, map[kafadmin.TopicPartition][]int32{p: {2, 1, 3}})
	must(t, err)
	waitPartition(t, cl, p, []int32{2, 1, 3}, 1)

	res, err := cl.ElectLeaders(ctx, kafadmin.PreferredElection, p)
	must(t, err)
	if r := res[p]; r.Err != nil || r.NotNeeded || r.String() != "elected" {
		t.Fatalf("preferred election: %+v", r)
	}
	waitPartition(t, cl, p, []int32{2, 1, 3}, 2)

	res, err = cl.ElectLeaders(ctx, kafadmin.PreferredElection, p)
	must(t, err)
	if r := res[p]; !r.NotNeeded || r.String() != "already the preferred leader" {
		t.Fatalf("electing the preferred leader again: %+v", r)
	}
	res, err = cl.ElectLeaders(ctx, kafadmin.UncleanElection, p)
	must(t, err)
	if r := res[p]; !r.NotNeeded || r.String() != "already has a leader" {
		t.Fatalf("an unclean election of a led partition: %+v", r)
	}
}

// TestReassignmentThrottles throttles a reassignment, reads the throttles
// back from the topic and the brokers involved, and clears them: on the
// embedded cluster and on real Kafka, which checks the configs' names and
// values.
func TestReassignmentThrottles(t *testing.T) {
	run := func(t *testing.T, cl *kafadmin.Client, topic string) {
		ctx := testContext(t)
		desc, err := cl.DescribeTopics(ctx, topic)
		must(t, err)
		brokers, err := cl.ListBrokers(ctx)
		must(t, err)
		p0, p1 := desc[topic].Partitions[0].Replicas, desc[topic].Partitions[1].Replicas
		// Partition 0 moves to a broker it is not on; partition 1 keeps
		// its replicas, reversed.
		var to int32 = -1
		for _, b := range brokers {
			if !slices.Contains(p0, b.ID) {
				to = b.ID
			}
		}
		if to < 0 || len(p0) != 1 {
			t.Fatalf("partition 0 on %v of brokers %v: want one replica and a broker without it", p0, brokers)
		}
		targets := map[kafadmin.TopicPartition][]int32{tp(topic, 0): {to}, tp(topic, 1): reversed(p1)}
		if _, err := cl.ThrottleReassignment(ctx, targets, 0); err == nil || !strings.Contains(err.Error(), "positive rate") {
			t.Fatalf("a rate of 0: %v, want an error asking for a positive rate", err)
		}
		res, err := cl.ThrottleReassignment(ctx, targets, 1<<20)
		must(t, err)
		want := []kafadmin.ConfigResource{kafadmin.TopicResource(topic), kafadmin.BrokerResource(p0[0]), kafadmin.BrokerResource(to)}
		if got := res.Keys(); len(got) != len(want) {
			t.Fatalf("changed %v, want %v", got, want)
		}
		read := func() kafadmin.Results[kafadmin.ConfigResource, kafadmin.ResourceConfigs] {
			got, err := cl.DescribeConfigs(ctx, want...)
			must(t, err)
			return got
		}
		override := func(rc kafadmin.ResourceConfigs, name string) string {
			for _, e := range rc.Overrides() {
				if e.Name == name && e.Value != nil {
					return *e.Value
				}
			}
			return ""
		}
		// Kafka applies a broker's config change through the metadata
		// log, so each broker reads it back moments later: read until
		// the cluster agrees.
		eventually := func(what string, check func(got kafadmin.Results[kafadmin.ConfigResource, kafadmin.ResourceConfigs]) error) {
			for {
				err := check(read())
				if err == nil {
					return
				}
				if ctx.Err() != nil {
					t.Fatalf("%s: %v", what, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		eventually("throttled", func(got kafadmin.Results[kafadmin.ConfigResource, kafadmin.ResourceConfigs]) error {
			topicRC := got[kafadmin.TopicResource(topic)]
			if l, f := override(topicRC, "leader.replication.throttled.replicas"), override(topicRC, "follower.replication.throttled.replicas"); l != fmt.Sprintf("0:%d", p0[0]) || f != fmt.Sprintf("0:%d", to) {
				return fmt.Errorf("throttled replicas: leader %q, follower %q; want 0:%d and 0:%d", l, f, p0[0], to)
			}
			for _, r := range want[1:] {
				for _, name := range []string{"leader.replication.throttled.rate", "follower.replication.throttled.rate"} {
					if v := override(got[r], name); v != "1048576" {
						return fmt.Errorf("%s: %s = %q, want 1048576", r, name, v)
					}
				}
			}
			return nil
		})

		_, err = cl.ClearReassignmentThrottles(ctx, topic)
		must(t, err)
		eventually("cleared", func(got kafadmin.Results[kafadmin.ConfigResource, kafadmin.ResourceConfigs]) error {
			for _, r := range want {
				for _, e := range got[r].Overrides() {
					if strings.Contains(e.Name, "throttled") {
						return fmt.Errorf("%s still has %s after clearing", r, e.Name)
					}
				}
			}
			return nil
		})
	}
	t.Run("embedded", func(t *testing.T) {
		kc := kafkatest.New(t)
		cl := newClient(t, kc)
		_, err := cl.CreateTopics(testContext(t), kafadmin.NewTopic{Name: "throttled", Partitions: 2, ReplicationFactor: 1})
		must(t, err)
		run(t, cl, "throttled")
	})
	t.Run("kafka", func(t *testing.T) {
		rk := sharedKafka(t)
		ctx := testContext(t)
		cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(rk.Addrs()...))
		must(t, err)
		defer cl.Close()
		_, err = cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "throttled", Partitions: 2, ReplicationFactor: 1})
		must(t, err)
		defer cl.DeleteTopics(ctx, "throttled")
		run(t, cl, "throttled")
	})
}

func reversed(ids []int32) []int32 {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}
