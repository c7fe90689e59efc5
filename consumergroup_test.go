package kafadmin_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

var allOrders = []int32{0, 1, 2, 3}

// checkConsumerGroup checks a KIP-848 group described with one member,
// memberID, holding every partition of orders.
func checkConsumerGroup(d kafadmin.GroupDescription, coordinator int32, memberID, clientID string) error {
	switch {
	case d.Err != nil:
		return fmt.Errorf("group %s: %w", d.Group, d.Err)
	case d.Type != "consumer" || d.ProtocolType != "consumer" || d.Protocol != "uniform" || d.State != "Stable":
		return fmt.Errorf("group %s: type %q, protocol %q/%q, state %q; want consumer, consumer/uniform, Stable", d.Group, d.Type, d.ProtocolType, d.Protocol, d.State)
	case d.GroupEpoch < 1 || d.AssignmentEpoch != d.GroupEpoch:
		return fmt.Errorf("group %s: group epoch %d, assignment epoch %d; want equal and positive", d.Group, d.GroupEpoch, d.AssignmentEpoch)
	case d.Coordinator != coordinator:
		return fmt.Errorf("group %s: coordinator %d, want %d", d.Group, d.Coordinator, coordinator)
	case len(d.Members) != 1:
		return fmt.Errorf("group %s: %d members, want 1", d.Group, len(d.Members))
	}
	m := d.Members[0]
	want := map[string][]int32{"orders": allOrders}
	switch {
	case m.MemberID != memberID || m.ClientID != clientID || m.ClientHost == "":
		return fmt.Errorf("member: id %q, client %q, host %q; want %q, %q and a host", m.MemberID, m.ClientID, m.ClientHost, memberID, clientID)
	case m.MemberEpoch != d.AssignmentEpoch:
		return fmt.Errorf("member epoch %d, want the assignment epoch %d", m.MemberEpoch, d.AssignmentEpoch)
	case !reflect.DeepEqual(m.Assigned, want) || !reflect.DeepEqual(m.Target, want):
		return fmt.Errorf("member: assigned %v, target %v; want %v for both", m.Assigned, m.Target, want)
	case !slices.Equal(m.Topics, []string{"orders"}):
		return fmt.Errorf("member subscribes to %v, want [orders]", m.Topics)
	}
	return nil
}

// checkClassicEmpty checks the seeded group g: classic, empty.
func checkClassicEmpty(d kafadmin.GroupDescription) error {
	if d.Err != nil || d.Type != "classic" || d.State != "Empty" || d.GroupEpoch != -1 || d.AssignmentEpoch != -1 || len(d.Members) != 0 {
		return fmt.Errorf("group %s = %+v, want a classic Empty group with epochs -1", d.Group, d)
	}
	return nil
}

func TestDescribeConsumerGroups(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	classicID, err := kc.JoinMember(ctx, kafkatest.Member{Group: "classic", InstanceID: "inst", ClientID: "old-client", Topics: []string{"orders"}})
	must(t, err)
	first, err := kc.JoinConsumerMember(ctx, kafkatest.ConsumerMember{
		Group: "kip848", InstanceID: "static-1", ClientID: "new-client", Topics: []string{"orders"}, RackID: "rack-a",
	})
	must(t, err)
	second, err := kc.JoinConsumerMember(ctx, kafkatest.ConsumerMember{Group: "kip848", ClientID: "new-client-2", Topics: []string{"orders"}})
	must(t, err)
	if _, err := kc.Kfake().WaitGroupInfo(ctx, "kip848", func(g *kfake.GroupInfo) bool {
		return g != nil && g.State == "Stable" && len(g.Members) == 2 && g.Members[0].NumAssigned() == 2 && g.Members[1].NumAssigned() == 2
	}); err != nil {
		t.Fatalf("the consumer group did not settle with 2 partitions per member: %v", err)
	}
	rec := &recorder{}
	cl := newClient(t, kc, kafadmin.WithHooks(rec))

	d, err := cl.DescribeGroups(ctx, "kip848", "classic", "nope")
	var ce *kafadmin.CallError
	if !errors.Is(err, kerr.GroupIDNotFound) || !errors.As(err, &ce) || len(ce.Errors) != 1 || ce.Errors[0].Key != kafadmin.GroupKey("nope") {
		t.Fatalf("err = %v, want one GROUP_ID_NOT_FOUND for group nope", err)
	}
	if d["nope"].Err == nil || !errors.Is(d["nope"].Err, kerr.GroupIDNotFound) {
		t.Fatalf("nope: %+v, want GROUP_ID_NOT_FOUND", d["nope"])
	}

	g := d["kip848"]
	if g.Err != nil || g.Type != "consumer" || g.ProtocolType != "consumer" || g.Protocol != "uniform" || g.State != "Stable" ||
		g.GroupEpoch < 2 || g.AssignmentEpoch != g.GroupEpoch || g.Coordinator != kc.Coordinator("kip848") || len(g.Members) != 2 {
		t.Fatalf("kip848 = %+v, want a Stable consumer group, assignor uniform, epochs equal and >= 2, 2 members", g)
	}
	ids := []string{g.Members[0].MemberID, g.Members[1].MemberID}
	if !slices.IsSorted(ids) || !slices.Equal(ids, slices.Sorted(slices.Values([]string{first, second}))) {
		t.Fatalf("members %v, want %s and %s sorted by member id", ids, first, second)
	}
	var held []int32
	for _, m := range g.Members {
		wantClient, wantInstance, wantRack := "new-client-2", "", ""
		if m.MemberID == first {
			wantClient, wantInstance, wantRack = "new-client", "static-1", "rack-a"
		}
		switch {
		case m.ClientID != wantClient || m.InstanceID != wantInstance || m.RackID != wantRack || m.ClientHost == "":
			t.Fatalf("member %s: client %q, instance %q, rack %q, host %q; want %q, %q, %q and a host", m.MemberID, m.ClientID, m.InstanceID, m.RackID, m.ClientHost, wantClient, wantInstance, wantRack)
		case m.MemberEpoch != g.AssignmentEpoch:
			t.Fatalf("member %s: epoch %d, want the assignment epoch %d", m.MemberID, m.MemberEpoch, g.AssignmentEpoch)
		case len(m.Assigned["orders"]) != 2 || !reflect.DeepEqual(m.Assigned, m.Target) || !slices.IsSorted(m.Assigned["orders"]):
			t.Fatalf("member %s: assigned %v, target %v; want the same 2 sorted orders partitions", m.MemberID, m.Assigned, m.Target)
		case !slices.Equal(m.Topics, []string{"orders"}) || m.SubscribedRegex != "" || m.RawMetadata != nil || m.RawAssignment != nil:
			t.Fatalf("member %s: topics %v, regex %q, raw %v/%v; want [orders] and nothing else", m.MemberID, m.Topics, m.SubscribedRegex, m.RawMetadata, m.RawAssignment)
		}
		held = append(held, m.Assigned["orders"]...)
	}
	if slices.Sort(held); !slices.Equal(held, allOrders) {
		t.Fatalf("the members hold %v together, want %v", held, allOrders)
	}

	c := d["classic"]
	if c.Err != nil || c.Type != "classic" || c.ProtocolType != "consumer" || c.Protocol != "range" || c.State != "Stable" ||
		c.GroupEpoch != -1 || c.AssignmentEpoch != -1 || len(c.Members) != 1 {
		t.Fatalf("classic = %+v, want a Stable classic group with range, epochs -1 and 1 member", c)
	}
	if m := c.Members[0]; m.MemberID != classicID || m.MemberEpoch != -1 || m.Target != nil || m.ClientID != "old-client" ||
		!slices.Equal(m.Assigned["orders"], allOrders) || !slices.Equal(m.Topics, []string{"orders"}) {
		t.Fatalf("classic member = %+v, want %s with epoch -1, no target, every orders partition", m, classicID)
	}

	// One ConsumerGroupDescribe and one DescribeGroups per coordinator,
	// sent together, and more pairs for the missing group alone, asked
	// again of its coordinator looked up afresh until its absence has
	// stood for a while.
	coords := map[int32]bool{}
	for _, g := range []string{"kip848", "classic", "nope"} {
		coords[kc.Coordinator(g)] = true
	}
	if err := onePairPerCoordinatorAndMoreForTheMissing(rec.snapshotAPIs(), len(coords)); err != nil {
		t.Fatal(err)
	}

	// A delete refused for members names them, as described.
	_, err = cl.DeleteGroups(ctx, "kip848")
	var ne *kafadmin.GroupNotEmptyError
	if !errors.As(err, &ne) || len(ne.Members) != 2 || ne.State != "Stable" {
		t.Fatalf("deleting a consumer group with members: %v, want a GroupNotEmptyError naming its 2 members", err)
	}
}

// TestDescribeConsumerGroupNamesTopics feeds DescribeGroups a
// ConsumerGroupDescribe answer as Kafka may send it: names missing from
// some assignments (they are looked up by topic id), an id no topic has
// (it stays in hex), unsorted partitions, a regex subscription.
func TestDescribeConsumerGroupNamesTopics(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	ordersID := kc.Kfake().TopicInfo("orders").TopicID
	unknownID := [16]byte{0xde, 0xad, 0xbe, 0xef, 15: 1}
	kc.Kfake().ControlKey(int16(kmsg.ConsumerGroupDescribe), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		kc.Kfake().KeepControl()
		req := kreq.(*kmsg.ConsumerGroupDescribeRequest)
		resp := req.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse)
		for _, group := range req.Groups {
			g := kmsg.NewConsumerGroupDescribeResponseGroup()
			g.Group = group
			if group != "crafted" {
				g.ErrorCode = kerr.GroupIDNotFound.Code
				resp.Groups = append(resp.Groups, g)
				continue
			}
			g.State, g.Epoch, g.AssignmentEpoch, g.AssignorName = "Reconciling", 8, 8, "range"
			m := kmsg.NewConsumerGroupDescribeResponseGroupMember()
			m.MemberID, m.MemberEpoch, m.ClientID, m.ClientHost = "m-1", 7, "regex-client", "/10.0.0.1"
			m.SubscribedTopics = []string{"payments", "orders"}
			m.SubscribedTopicRegex = kmsg.StringPtr("ord.*")
			m.Assignment.TopicPartitions = []kmsg.AssignmentTopicPartition{
				{TopicID: ordersID, Partitions: []int32{3, 1}},
				{TopicID: unknownID, Partitions: []int32{0}},
			}
			m.TargetAssignment.TopicPartitions = []kmsg.AssignmentTopicPartition{
				{TopicID: ordersID, Topic: "orders", Partitions: []int32{2, 0, 1, 3}},
			}
			other := kmsg.NewConsumerGroupDescribeResponseGroupMember()
			other.MemberID, other.MemberEpoch = "a-0", 8
			g.Members = []kmsg.ConsumerGroupDescribeResponseGroupMember{m, other}
			resp.Groups = append(resp.Groups, g)
		}
		return resp, nil, true
	})
	cl := newClient(t, kc)

	d, err := cl.DescribeGroups(ctx, "crafted")
	must(t, err)
	g := d["crafted"]
	if g.Type != "consumer" || g.State != "Reconciling" || g.Protocol != "range" || g.GroupEpoch != 8 || g.AssignmentEpoch != 8 || len(g.Members) != 2 {
		t.Fatalf("crafted = %+v", g)
	}
	if g.Members[0].MemberID != "a-0" || g.Members[1].MemberID != "m-1" {
		t.Fatalf("members %s, %s; want a-0, m-1 (sorted)", g.Members[0].MemberID, g.Members[1].MemberID)
	}
	if empty := g.Members[0]; empty.Assigned == nil || len(empty.Assigned) != 0 || empty.Target == nil || len(empty.Target) != 0 {
		t.Fatalf("a member with no partitions: assigned %#v, target %#v; want empty, non-nil maps", empty.Assigned, empty.Target)
	}
	m := g.Members[1]
	wantAssigned := map[string][]int32{"orders": {1, 3}, hex.EncodeToString(unknownID[:]): {0}}
	if !reflect.DeepEqual(m.Assigned, wantAssigned) || !reflect.DeepEqual(m.Target, map[string][]int32{"orders": allOrders}) {
		t.Fatalf("assigned %v, target %v; want %v and orders %v", m.Assigned, m.Target, wantAssigned, allOrders)
	}
	if m.MemberEpoch != 7 || m.SubscribedRegex != "ord.*" || !slices.Equal(m.Topics, []string{"orders", "payments"}) || m.ClientHost != "/10.0.0.1" {
		t.Fatalf("member = %+v", m)
	}
	if got := m.AssignedPartitions(); len(got) != 3 {
		t.Fatalf("AssignedPartitions = %v, want 3", got)
	}

	// When the topic ids cannot be named before the deadline, the group
	// fails, rather than reporting partitions under ids.
	kc.Kfake().ControlKey(int16(kmsg.Metadata), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		kc.Kfake().KeepControl()
		if kreq.GetVersion() < 12 || len(kreq.(*kmsg.MetadataRequest).Topics) == 0 || kreq.(*kmsg.MetadataRequest).Topics[0].Topic != nil {
			return nil, nil, false
		}
		return nil, errors.New("dropped"), true
	})
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	d, err = cl.DescribeGroups(short, "crafted")
	if err == nil || !strings.Contains(err.Error(), "naming the topics of its assignment") || d["crafted"].Err == nil || len(d["crafted"].Members) != 0 {
		t.Fatalf("topic ids not nameable: %+v, %v; want the group to fail", d["crafted"], err)
	}
}

func TestLagOfConsumerGroup(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	// The group committed 3 on every partition before its member joined.
	commitAll(t, kc, "kip848", "orders", 4, 3)
	memberID, err := kc.JoinConsumerMember(ctx, kafkatest.ConsumerMember{Group: "kip848", ClientID: "lagger", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)

	for _, groups := range [][]string{{"kip848", "g"}, nil} {
		lags, err := cl.Lag(ctx, groups...)
		must(t, err)
		l := lags["kip848"]
		if l.Err != nil || l.State != "Stable" || l.TotalLag != 4*7 || len(l.Partitions) != 4 || l.Coordinator != kc.Coordinator("kip848") {
			t.Fatalf("Lag(%v) of kip848 = %+v, want Stable, 4 partitions, lag 28", groups, l)
		}
		for _, p := range l.Partitions {
			if p.MemberID != memberID || p.ClientID != "lagger" || p.ClientHost == "" || p.InstanceID != "" || p.Committed != 3 || p.Lag != 7 {
				t.Fatalf("Lag(%v): %s/%d = %+v, want member %s (client lagger), committed 3, lag 7", groups, p.Topic, p.Partition, p, memberID)
			}
		}
		if lags["g"].TotalLag != 28 {
			t.Fatalf("Lag(%v) of the classic group g = %d, want 28", groups, lags["g"].TotalLag)
		}
	}
}

// TestDescribeConsumerGroupThroughFaults describes a KIP-848 group and a
// classic one on a warmed-up client while the KIP-848 group's coordinator
// fails in each way: the call returns the right answer and no error.
func TestDescribeConsumerGroupThroughFaults(t *testing.T) {
	type fault struct {
		name string
		// inject breaks the coordinator and returns what heals it (run in
		// the background) and, for error codes, the injected fault.
		inject func(t *testing.T, kc *kafkatest.Cluster, coordinator int32) (heal func() error, codes *kfake.FaultHandle)
		// fired checks, after the call, that the fault happened.
		fired func(rec *recorder, coordinator int32) error
	}
	codes := func(code *kerr.Error) func(*testing.T, *kafkatest.Cluster, int32) (func() error, *kfake.FaultHandle) {
		return func(_ *testing.T, kc *kafkatest.Cluster, _ int32) (func() error, *kfake.FaultHandle) {
			return nil, kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.ConsumerGroupDescribe}, Group: "kip848", Err: code, Count: 3})
		}
	}
	faults := []fault{
		{
			name: "RST on the coordinator's connections",
			inject: func(t *testing.T, kc *kafkatest.Cluster, coordinator int32) (func() error, *kfake.FaultHandle) {
				n, err := kc.ResetConnections(coordinator)
				must(t, err)
				if n == 0 {
					t.Fatal("no connection to reset")
				}
				return nil, nil
			},
			fired: func(rec *recorder, coordinator int32) error {
				if !slices.ContainsFunc(rec.disconnects, func(ev kafadmin.BrokerDisconnectEvent) bool { return ev.Broker == coordinator }) {
					return fmt.Errorf("no disconnect from broker %d among %+v", coordinator, rec.disconnects)
				}
				return nil
			},
		},
		{
			name: "coordinator moved, the old one answering NOT_COORDINATOR",
			inject: func(t *testing.T, kc *kafkatest.Cluster, coordinator int32) (func() error, *kfake.FaultHandle) {
				to, err := kc.MoveCoordinator("kip848", -1)
				must(t, err)
				if to == coordinator {
					t.Fatalf("kip848 did not move off broker %d", coordinator)
				}
				return nil, nil
			},
			fired: func(rec *recorder, coordinator int32) error {
				if !slices.ContainsFunc(rec.retries, func(ev kafadmin.RetryEvent) bool {
					return ev.Key == `group "kip848"` && ev.Broker == coordinator && errors.Is(ev.Cause, kerr.NotCoordinator)
				}) {
					return fmt.Errorf("no NOT_COORDINATOR retry of kip848 from broker %d among %+v", coordinator, rec.retries)
				}
				return nil
			},
		},
		{
			name: "coordinator stopped, then started on the same port",
			inject: func(t *testing.T, kc *kafkatest.Cluster, coordinator int32) (func() error, *kfake.FaultHandle) {
				must(t, kc.StopBroker(coordinator))
				return func() error { return kc.StartBroker(coordinator) }, nil
			},
			fired: func(rec *recorder, _ int32) error {
				if rec.failedDials == 0 {
					return errors.New("no dial failed while the coordinator was stopped")
				}
				return nil
			},
		},
		{name: "NOT_COORDINATOR x3", inject: codes(kerr.NotCoordinator)},
		{name: "COORDINATOR_NOT_AVAILABLE x3", inject: codes(kerr.CoordinatorNotAvailable)},
		{name: "COORDINATOR_LOAD_IN_PROGRESS x3", inject: codes(kerr.CoordinatorLoadInProgress)},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			kc := seeded(t)
			ctx := testContext(t)
			memberID, err := kc.JoinConsumerMember(ctx, kafkatest.ConsumerMember{Group: "kip848", ClientID: "c848", Topics: []string{"orders"}})
			must(t, err)
			rec := &recorder{}
			cl := newClient(t, kc, kafadmin.WithHooks(rec), kafadmin.WithRequestTimeout(time.Second), kafadmin.WithDialTimeout(time.Second))
			_, err = cl.DescribeGroups(ctx, "kip848", "g")
			must(t, err)
			rec.reset()

			coordinator := kc.Coordinator("kip848")
			heal, handle := f.inject(t, kc, coordinator)
			healed := make(chan error, 1)
			if heal != nil {
				time.AfterFunc(time.Second, func() { healed <- heal() })
			}
			callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			d, err := cl.DescribeGroups(callCtx, "kip848", "g")
			if heal != nil {
				must(t, <-healed)
			}
			if err != nil {
				t.Fatalf("DescribeGroups: %v", err)
			}
			if err := checkConsumerGroup(d["kip848"], kc.Coordinator("kip848"), memberID, "c848"); err != nil {
				t.Fatal(err)
			}
			if err := checkClassicEmpty(d["g"]); err != nil {
				t.Fatal(err)
			}
			if handle != nil && handle.Hits() != 3 {
				t.Fatalf("the injected error code answered %d requests, want 3", handle.Hits())
			}
			if f.fired != nil {
				seen := rec.snapshot()
				if err := f.fired(&seen, coordinator); err != nil {
					t.Fatalf("the fault did not happen: %v", err)
				}
			}
		})
	}
}

// TestDescribeGroupsWithoutConsumerGroupDescribe runs DescribeGroups
// against Kafka 3.6, which has no ConsumerGroupDescribe: every group is
// described with DescribeGroups alone.
func TestDescribeGroupsWithoutConsumerGroupDescribe(t *testing.T) {
	kc := seeded(t, kafkatest.WithKfakeOptions(kfake.MaxVersions(kversion.V3_6_0())))
	ctx := testContext(t)
	memberID, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst", ClientID: "old", Topics: []string{"orders"}})
	must(t, err)
	rec := &recorder{}
	cl := newClient(t, kc, kafadmin.WithHooks(rec))

	d, err := cl.DescribeGroups(ctx, "live", "g", "nope")
	if !errors.Is(err, kerr.GroupIDNotFound) || d["nope"].Err == nil || d["live"].Err != nil || d["g"].Err != nil {
		t.Fatalf("err = %v, per group: live %v, g %v, nope %v; want GROUP_ID_NOT_FOUND for nope only", err, d["live"].Err, d["g"].Err, d["nope"].Err)
	}
	live := d["live"]
	if live.Type != "classic" || live.State != "Stable" || live.GroupEpoch != -1 || live.AssignmentEpoch != -1 || len(live.Members) != 1 {
		t.Fatalf("live = %+v, want a Stable classic group with 1 member", live)
	}
	if m := live.Members[0]; m.MemberID != memberID || m.MemberEpoch != -1 || m.Target != nil || !slices.Equal(m.Assigned["orders"], allOrders) {
		t.Fatalf("member = %+v", m)
	}
	if err := checkClassicEmpty(d["g"]); err != nil {
		t.Fatal(err)
	}
	apis := rec.snapshotAPIs()
	if apis["ConsumerGroupDescribe"] != 0 || apis["DescribeGroups"] == 0 {
		t.Fatalf("requests %v: want DescribeGroups only from a broker without ConsumerGroupDescribe", apis)
	}
	if got := slices.Sorted(maps.Keys(d)); !slices.Equal(got, []string{"g", "live", "nope"}) {
		t.Fatalf("described %v", got)
	}
}

// placeTogether rehashes the coordinators until every group has the same
// one, and returns it.
func placeTogether(t *testing.T, kc *kafkatest.Cluster, groups ...string) int32 {
	t.Helper()
	for range 5000 {
		coord := kc.Coordinator(groups[0])
		if !slices.ContainsFunc(groups, func(g string) bool { return kc.Coordinator(g) != coord }) {
			return coord
		}
		kc.Kfake().RehashCoordinators()
	}
	t.Fatalf("could not place %v on one coordinator", groups)
	return -1
}

// TestDescribeGroupsOnOneCoordinator describes a KIP-848 group, a classic
// group with a member, an empty classic group and a missing one, all on one
// coordinator, so that one ConsumerGroupDescribe and one DescribeGroups
// carry them all and their answers must be merged, while either answer
// carries error codes for one group or all of them, or DescribeGroups'
// connection breaks.
func TestDescribeGroupsOnOneCoordinator(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	classicID, err := kc.JoinMember(ctx, kafkatest.Member{Group: "classic", InstanceID: "inst", ClientID: "old", Topics: []string{"orders"}})
	must(t, err)
	memberID, err := kc.JoinConsumerMember(ctx, kafkatest.ConsumerMember{Group: "kip848", ClientID: "c848", Topics: []string{"orders"}})
	must(t, err)
	coord := placeTogether(t, kc, "kip848", "classic", "g", "nope")
	rec := &recorder{}
	cl := newClient(t, kc, kafadmin.WithHooks(rec))

	// dropDescribeGroups closes the connection of the next two
	// DescribeGroups requests and returns how many it dropped so far.
	dropDescribeGroups := func() func() int {
		var dropped atomic.Int32
		kc.Kfake().ControlKey(int16(kmsg.DescribeGroups), func(kmsg.Request) (kmsg.Response, error, bool) {
			if dropped.Add(1) <= 2 {
				kc.Kfake().KeepControl()
				return nil, errors.New("connection dropped"), true
			}
			return nil, nil, false
		})
		return func() int { return int(dropped.Load()) }
	}
	for _, tc := range []struct {
		name   string
		faults []kfake.Fault
		inject func() func() int
	}{
		{name: "no fault"},
		{name: "DescribeGroups NOT_COORDINATOR for the KIP-848 group", faults: []kfake.Fault{{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: "kip848", Err: kerr.NotCoordinator, Count: 3}}},
		{name: "DescribeGroups COORDINATOR_LOAD_IN_PROGRESS for the classic group", faults: []kfake.Fault{{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: "classic", Err: kerr.CoordinatorLoadInProgress, Count: 3}}},
		{name: "DescribeGroups NOT_COORDINATOR for the empty group", faults: []kfake.Fault{{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: "g", Err: kerr.NotCoordinator, Count: 3}}},
		{name: "ConsumerGroupDescribe COORDINATOR_LOAD_IN_PROGRESS for the KIP-848 group", faults: []kfake.Fault{{Keys: []kmsg.Key{kmsg.ConsumerGroupDescribe}, Group: "kip848", Err: kerr.CoordinatorLoadInProgress, Count: 3}}},
		{name: "COORDINATOR_NOT_AVAILABLE for every group in both", faults: []kfake.Fault{{Keys: []kmsg.Key{kmsg.DescribeGroups, kmsg.ConsumerGroupDescribe}, Err: kerr.CoordinatorNotAvailable, Count: 4}}},
		{name: "DescribeGroups' connection dropped twice", inject: dropDescribeGroups},
	} {
		var handles []*kfake.FaultHandle
		for _, f := range tc.faults {
			handles = append(handles, kc.FailNext(f))
		}
		dropped := func() int { return -1 }
		if tc.inject != nil {
			dropped = tc.inject()
		}
		rec.reset()
		d, err := cl.DescribeGroups(ctx, "kip848", "classic", "g", "nope")
		var ce *kafadmin.CallError
		if !errors.As(err, &ce) || len(ce.Errors) != 1 || !errors.Is(err, kerr.GroupIDNotFound) || d["nope"].Err == nil {
			t.Fatalf("%s: err %v, want only nope to fail, with GROUP_ID_NOT_FOUND", tc.name, err)
		}
		if err := checkConsumerGroup(d["kip848"], coord, memberID, "c848"); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c := d["classic"]; c.Err != nil || c.Type != "classic" || c.State != "Stable" || len(c.Members) != 1 || c.Members[0].MemberID != classicID {
			t.Fatalf("%s: classic = %+v, want Stable with member %s", tc.name, c, classicID)
		}
		if err := checkClassicEmpty(d["g"]); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, h := range handles {
			if h.Hits() == 0 {
				t.Fatalf("%s: the fault was never hit", tc.name)
			}
			h.Remove()
		}
		if tc.inject != nil && dropped() < 2 {
			t.Fatalf("%s: %d connections dropped, want 2", tc.name, dropped())
		}
		// One of each for the four groups, and more for the missing
		// one, asked again before it is said not to exist.
		if tc.faults == nil && tc.inject == nil {
			if err := onePairPerCoordinatorAndMoreForTheMissing(rec.snapshotAPIs(), 1); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
	}
}

// onePairPerCoordinatorAndMoreForTheMissing checks the describe requests
// of a call over coordinators coordinators, one group of which does not
// exist: one ConsumerGroupDescribe and one DescribeGroups to each, and at
// least one more pair for the missing group, asked again until its absence
// has stood for a while (a retry every 20 to 200 ms over two seconds is far
// fewer than 50).
func onePairPerCoordinatorAndMoreForTheMissing(apis map[string]int, coordinators int) error {
	cgd, dg := apis["ConsumerGroupDescribe"], apis["DescribeGroups"]
	if cgd != dg || cgd <= coordinators || cgd > coordinators+50 {
		return fmt.Errorf("requests %v, want as many ConsumerGroupDescribe as DescribeGroups, more than %d and at most %d", apis, coordinators, coordinators+50)
	}
	return nil
}

// TestDescribeGroupNotFoundByANewCoordinator has a group's coordinator
// answer GROUP_ID_NOT_FOUND for a while, as a Kafka broker that has just
// become its coordinator does until its high watermark catches up: the
// group is described, and its lag read, with no error. A group that does
// not exist fails, once its absence has stood for a while.
func TestDescribeGroupNotFoundByANewCoordinator(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	for _, op := range []struct {
		name string
		call func() error
	}{
		{"describe", func() error {
			d, err := cl.DescribeGroups(ctx, "g")
			if err == nil && (d["g"].State != "Empty" || d["g"].Type != "classic") {
				err = fmt.Errorf("g = %+v, want an Empty classic group", d["g"])
			}
			return err
		}},
		{"lag", func() error {
			lags, err := cl.Lag(ctx, "g")
			if err == nil && lags["g"].TotalLag != 28 {
				err = fmt.Errorf("lag %d, want 28", lags["g"].TotalLag)
			}
			return err
		}},
	} {
		// Five answers each, over more than one attempt's backoff.
		h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups, kmsg.ConsumerGroupDescribe}, Group: "g", Err: kerr.GroupIDNotFound, Count: 10})
		if err := op.call(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if h.Hits() != 10 {
			t.Fatalf("%s: the fault answered %d requests, want 10", op.name, h.Hits())
		}
		h.Remove()
	}

	start := time.Now()
	_, err := cl.DescribeGroups(ctx, "nope")
	if !errors.Is(err, kerr.GroupIDNotFound) {
		t.Fatalf("describe nope: %v, want GROUP_ID_NOT_FOUND", err)
	}
	if took := time.Since(start); took < time.Second {
		t.Fatalf("nope was said not to exist after %v, before its absence stood a second", took)
	}
}
