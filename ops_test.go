package kafadmin_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
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

// seeded is a cluster with topic orders (4 partitions, 10 records each) and
// group g committed at 3 on every partition.
func seeded(t *testing.T, opts ...kafkatest.Option) *kafkatest.Cluster {
	t.Helper()
	kc := kafkatest.New(t, append([]kafkatest.Option{kafkatest.SeedTopic("orders", 4)}, opts...)...)
	produce(t, kc, "orders", 4, 10)
	commitAll(t, kc, "g", "orders", 4, 3)
	return kc
}

func TestListGroupsFilters(t *testing.T) {
	kc := seeded(t)
	commitAll(t, kc, "h", "orders", 1, 1)
	_, err := kc.JoinMember(testContext(t), kafkatest.Member{Group: "live", InstanceID: "i1", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)
	ctx := testContext(t)

	for _, tc := range []struct {
		filter kafadmin.GroupFilter
		want   []string
	}{
		{kafadmin.GroupFilter{}, []string{"g", "h", "live"}},
		{kafadmin.GroupFilter{States: []string{"stable"}}, []string{"live"}},
		{kafadmin.GroupFilter{States: []string{"Empty"}}, []string{"g", "h"}},
		{kafadmin.GroupFilter{Types: []string{"classic"}}, []string{"g", "h", "live"}},
		{kafadmin.GroupFilter{Types: []string{"consumer"}}, nil},
	} {
		listed, err := cl.ListGroups(ctx, tc.filter)
		must(t, err)
		var names []string
		for _, g := range listed {
			names = append(names, g.Group)
			if g.Coordinator != kc.Coordinator(g.Group) {
				t.Fatalf("group %s listed on broker %d, its coordinator is %d", g.Group, g.Coordinator, kc.Coordinator(g.Group))
			}
		}
		if !slices.Equal(names, tc.want) {
			t.Fatalf("ListGroups(%+v) = %v, want %v", tc.filter, names, tc.want)
		}
	}
	_, err = cl.ListGroups(ctx, kafadmin.GroupFilter{States: []string{"Sleeping"}})
	if err == nil || !strings.Contains(err.Error(), `unknown group state "Sleeping"`) || !strings.Contains(err.Error(), "Stable") {
		t.Fatalf("unknown state: %v, want an error naming it and the valid states", err)
	}
}

func TestDescribeGroups(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	memberID, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst", ClientID: "my-client", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)

	d, err := cl.DescribeGroups(ctx, "live", "g", "nope")
	if !errors.Is(err, kerr.GroupIDNotFound) {
		t.Fatalf("err = %v, want GROUP_ID_NOT_FOUND for the missing group", err)
	}
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || len(ce.Errors) != 1 || ce.Errors[0].Key != kafadmin.GroupKey("nope") {
		t.Fatalf("err = %v, want one KeyError naming group nope", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `group "nope" does not exist: check the group id`) {
		t.Fatalf("error %q does not say the group does not exist and what to do", msg)
	}
	if d["nope"].Err == nil || d["g"].Err != nil || d["live"].Err != nil {
		t.Fatalf("per-group errors: nope=%v g=%v live=%v", d["nope"].Err, d["g"].Err, d["live"].Err)
	}
	live := d["live"]
	if live.State != "Stable" || live.ProtocolType != "consumer" || live.Protocol != "range" || live.Coordinator != kc.Coordinator("live") {
		t.Fatalf("live = %+v", live)
	}
	if len(live.Members) != 1 {
		t.Fatalf("live has %d members, want 1", len(live.Members))
	}
	m := live.Members[0]
	if m.MemberID != memberID || m.InstanceID != "inst" || m.ClientID != "my-client" || m.ClientHost == "" {
		t.Fatalf("member = %+v", m)
	}
	if !slices.Equal(m.Topics, []string{"orders"}) || !slices.Equal(m.Assigned["orders"], []int32{0, 1, 2, 3}) {
		t.Fatalf("member subscription %v and assignment %v, want orders and orders 0-3", m.Topics, m.Assigned)
	}
	if d["g"].State != "Empty" || len(d["g"].Members) != 0 {
		t.Fatalf("g = %+v, want Empty without members", d["g"])
	}
	if _, err := cl.DescribeGroups(ctx); err == nil || !strings.Contains(err.Error(), "no groups given") {
		t.Fatalf("no groups: %v", err)
	}
	if _, err := cl.DescribeGroups(ctx, ""); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty group id: %v", err)
	}
}

func TestFetchOffsets(t *testing.T) {
	// A current broker batches the groups (OffsetFetch v8); Kafka 2.4
	// gets one request per group, and FindCoordinator one key at a time.
	for _, tc := range []struct {
		name string
		opts []kafkatest.Option
	}{
		{"batched", nil},
		{"kafka 2.4", []kafkatest.Option{kafkatest.WithKfakeOptions(kfake.MaxVersions(kversion.V2_4_0()))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := seeded(t, tc.opts...)
			for i, g := range []string{"g1", "g2", "g3", "g4", "g5"} {
				commitAll(t, kc, g, "orders", 4, int64(i))
			}
			rec := &recorder{}
			cl := newClient(t, kc, kafadmin.WithHooks(rec))
			ctx := testContext(t)
			rec.reset()
			o, err := cl.FetchOffsets(ctx, "g", "g1", "g2", "g3", "g4", "g5")
			must(t, err)
			if err := checkOffsets(o["g"], "orders", 4, 3); err != nil {
				t.Fatal(err)
			}
			for i, g := range []string{"g1", "g2", "g3", "g4", "g5"} {
				if err := checkOffsets(o[g], "orders", 4, int64(i)); err != nil {
					t.Fatal(err)
				}
				if o[g].Coordinator != kc.Coordinator(g) {
					t.Fatalf("%s coordinator %d, want %d", g, o[g].Coordinator, kc.Coordinator(g))
				}
			}
			fetches := rec.snapshotAPIs()["OffsetFetch"]
			coordinators := map[int32]bool{}
			for _, g := range []string{"g", "g1", "g2", "g3", "g4", "g5"} {
				coordinators[kc.Coordinator(g)] = true
			}
			switch tc.name {
			case "batched":
				if fetches != len(coordinators) {
					t.Fatalf("%d OffsetFetch requests for 6 groups on %d coordinators, want one per coordinator", fetches, len(coordinators))
				}
			default:
				if fetches != 6 {
					t.Fatalf("%d OffsetFetch requests to Kafka 2.4 for 6 groups, want 6", fetches)
				}
			}
		})
	}
}

func TestCommitOffsets(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	_, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst", ClientID: "busy-client", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)

	res, err := cl.CommitOffsets(ctx, "g", map[kafadmin.TopicPartition]int64{tp("orders", 0): 9, tp("orders", 2): 0})
	must(t, err)
	if len(res) != 2 || res[tp("orders", 0)] != nil {
		t.Fatalf("commit result %v", res)
	}
	o, err := cl.FetchOffsets(ctx, "g")
	must(t, err)
	if got := offsetsOf(o["g"]); got != "orders/0=9 orders/1=3 orders/2=0 orders/3=3" {
		t.Fatalf("offsets after commit: %s", got)
	}

	// Refused before anything is sent, and nothing is committed.
	for _, tc := range []struct {
		name    string
		group   string
		offsets map[kafadmin.TopicPartition]int64
		want    string
	}{
		{"unknown topic", "g", map[kafadmin.TopicPartition]int64{tp("orders", 1): 5, tp("missing", 0): 1}, `topic "missing" does not exist: check the topic name (UNKNOWN_TOPIC_OR_PARTITION); nothing was committed`},
		{"unknown partition", "g", map[kafadmin.TopicPartition]int64{tp("orders", 1): 5, tp("orders", 4): 1}, `topic "orders" has 4 partitions (0 to 3): partition 4 does not exist`},
		{"negative offset", "g", map[kafadmin.TopicPartition]int64{tp("orders", 1): -2}, "offset -2 for partition 1 of topic \"orders\" is negative"},
		{"no offsets", "g", nil, "no offsets given"},
		{"no group", "", map[kafadmin.TopicPartition]int64{tp("orders", 1): 5}, "the group id is empty"},
	} {
		_, err := cl.CommitOffsets(ctx, tc.group, tc.offsets)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	o, err = cl.FetchOffsets(ctx, "g")
	must(t, err)
	if got := offsetsOf(o["g"]); got != "orders/0=9 orders/1=3 orders/2=0 orders/3=3" {
		t.Fatalf("a refused commit changed the offsets: %s", got)
	}

	// A group with members is refused, naming them.
	_, err = cl.CommitOffsets(ctx, "live", map[kafadmin.TopicPartition]int64{tp("orders", 0): 1})
	var ne *kafadmin.GroupNotEmptyError
	if !errors.As(err, &ne) || !errors.Is(err, kerr.UnknownMemberID) {
		t.Fatalf("commit to a live group: %v, want a GroupNotEmptyError", err)
	}
	if ne.State != "Stable" || len(ne.Members) != 1 || !strings.Contains(err.Error(), "inst (client busy-client") || !strings.Contains(err.Error(), "stop its consumers first") {
		t.Fatalf("the refusal does not name the member and what to do: %v", err)
	}
}

func TestDeleteGroups(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	commitAll(t, kc, "old", "orders", 2, 1)
	_, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)

	res, err := cl.DeleteGroups(ctx, "old", "live", "never")
	if res["old"].Err != nil || res["old"].GoneOnRetry {
		t.Fatalf("old: %+v, want deleted by this call", res["old"])
	}
	var ne *kafadmin.GroupNotEmptyError
	if !errors.As(res["live"].Err, &ne) || !errors.Is(res["live"].Err, kerr.NonEmptyGroup) || len(ne.Members) != 1 {
		t.Fatalf("live: %v, want a GroupNotEmptyError naming its member", res["live"].Err)
	}
	if !errors.Is(res["never"].Err, kerr.GroupIDNotFound) {
		t.Fatalf("never: %v, want GROUP_ID_NOT_FOUND", res["never"].Err)
	}
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || len(ce.Errors) != 2 {
		t.Fatalf("err = %v, want a CallError with 2 failures", err)
	}
	if _, err := cl.FetchOffsets(ctx, "old"); !errors.Is(err, kerr.GroupIDNotFound) {
		t.Fatalf("fetching the deleted group's offsets: %v, want GROUP_ID_NOT_FOUND", err)
	}
}

func TestDeleteOffsets(t *testing.T) {
	kc := seeded(t, kafkatest.SeedTopic("other", 1))
	ctx := testContext(t)
	must(t, kc.CommitOffsets(ctx, "live", map[string]map[int32]int64{"other": {0: 0}, "orders": {0: 1}}))
	_, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)

	res, err := cl.DeleteOffsets(ctx, "g", tp("orders", 1), tp("orders", 3))
	must(t, err)
	if len(res) != 2 {
		t.Fatalf("result %v", res)
	}
	o, err := cl.FetchOffsets(ctx, "g")
	must(t, err)
	if got := offsetsOf(o["g"]); got != "orders/0=3 orders/2=3" {
		t.Fatalf("offsets after deleting 1 and 3: %s", got)
	}

	// A live group's offsets of a topic it consumes cannot be deleted;
	// those of a topic it does not consume can.
	res, err = cl.DeleteOffsets(ctx, "live", tp("orders", 0), tp("other", 0))
	if !errors.Is(err, kerr.GroupSubscribedToTopic) || res[tp("other", 0)] != nil {
		t.Fatalf("deleting a consumed topic's offsets: result %v, err %v", res, err)
	}
	if !strings.Contains(res[tp("orders", 0)].Error(), `group "live" consumes topic "orders": stop its consumers`) {
		t.Fatalf("the refusal does not say why and what to do: %v", res[tp("orders", 0)])
	}
	if _, err := cl.DeleteOffsets(ctx, "nope", tp("orders", 0)); !errors.Is(err, kerr.GroupIDNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := cl.DeleteOffsets(ctx, "g"); err == nil || !strings.Contains(err.Error(), "no partitions given") {
		t.Fatalf("no partitions: %v", err)
	}
}

func TestRemoveMembers(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	_, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)

	res, err := cl.RemoveMembers(ctx, "live", "inst", "ghost")
	if res["inst"].Err != nil || !errors.Is(res["ghost"].Err, kerr.UnknownMemberID) {
		t.Fatalf("results %+v", res)
	}
	if err == nil || !strings.Contains(err.Error(), `no member of group "live" has instance id "ghost"`) {
		t.Fatalf("err = %v, want the unknown member named", err)
	}
	d, err := cl.DescribeGroups(ctx, "live")
	must(t, err)
	if len(d["live"].Members) != 0 {
		t.Fatalf("members after removal: %+v", d["live"].Members)
	}
	if _, err := cl.RemoveMembers(ctx, "nope", "x"); !errors.Is(err, kerr.GroupIDNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := cl.RemoveMembers(ctx, "live"); err == nil || !strings.Contains(err.Error(), "no instance ids given") {
		t.Fatalf("no ids: %v", err)
	}
}

func TestFindCoordinators(t *testing.T) {
	kc := seeded(t)
	commitAll(t, kc, "h", "orders", 1, 1)
	cl := newClient(t, kc)
	ctx := testContext(t)
	for range 2 {
		found, err := cl.FindCoordinators(ctx, "g", "h")
		must(t, err)
		for _, g := range []string{"g", "h"} {
			c := found[g]
			if c.NodeID != kc.Coordinator(g) || c.Host+":"+itoa(c.Port) != kc.Addr(c.NodeID) {
				t.Fatalf("%s: %+v, want node %d at %s", g, c, kc.Coordinator(g), kc.Addr(kc.Coordinator(g)))
			}
		}
		// A move is seen at once: FindCoordinators asks afresh.
		_, err = kc.MoveCoordinator("g", -1)
		must(t, err)
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func TestListOffsets(t *testing.T) {
	kc := seeded(t, kafkatest.SeedTopic("ts", 1))
	ctx := testContext(t)
	// Five records, then one more a little later: the last one alone
	// holds the largest timestamp.
	must(t, kc.Produce(ctx, "ts", 0, 5))
	time.Sleep(20 * time.Millisecond)
	must(t, kc.Produce(ctx, "ts", 0, 1))
	cl := newClient(t, kc)
	for _, tc := range []struct {
		spec kafadmin.OffsetSpec
		want int64
	}{
		{kafadmin.Earliest(), 0},
		{kafadmin.Latest(), 6},
		{kafadmin.MaxTimestamp(), 5},
		{kafadmin.AtTime(time.Now().Add(-time.Hour)), 0},
		{kafadmin.AtTime(time.Now().Add(time.Hour)), -1},
	} {
		got, err := cl.ListOffsets(ctx, tc.spec, "ts")
		must(t, err)
		lo := got[tp("ts", 0)]
		if len(got) != 1 || lo.Offset != tc.want || lo.Leader != kc.Leader("ts", 0) {
			t.Fatalf("%v: %+v, want offset %d from leader %d", tc.spec, got, tc.want, kc.Leader("ts", 0))
		}
	}
	ends, err := cl.ListOffsets(ctx, kafadmin.Latest(), "orders")
	must(t, err)
	for p := range int32(4) {
		if ends[tp("orders", p)].Offset != 10 {
			t.Fatalf("orders/%d end %+v, want 10", p, ends[tp("orders", p)])
		}
	}
	got, err := cl.ListOffsets(ctx, kafadmin.Latest(), "orders", "missing")
	if !errors.Is(err, kerr.UnknownTopicOrPartition) || !strings.Contains(err.Error(), `topic "missing"`) || len(got) != 4 {
		t.Fatalf("a missing topic among good ones: %d results, err %v", len(got), err)
	}
	_, err = cl.ListPartitionOffsets(ctx, kafadmin.Latest(), tp("orders", 7))
	if !errors.Is(err, kerr.UnknownTopicOrPartition) || !strings.Contains(err.Error(), "has 4 partitions") {
		t.Fatalf("a missing partition: %v", err)
	}
}

func TestLag(t *testing.T) {
	kc := seeded(t, kafkatest.SeedTopic("unread", 2))
	ctx := testContext(t)
	produce(t, kc, "unread", 2, 4)
	// live committed orders/0 at 2 before its member joined; the member is
	// assigned every partition of orders and unread.
	must(t, kc.CommitOffsets(ctx, "live", map[string]map[int32]int64{"orders": {0: 2}}))
	_, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst", ClientID: "lagger", Topics: []string{"orders", "unread"}})
	must(t, err)
	cl := newClient(t, kc)

	lags, err := cl.Lag(ctx, "g", "live")
	must(t, err)
	g := lags["g"]
	if g.TotalLag != 4*7 || g.TopicLag["orders"] != 28 || g.State != "Empty" || len(g.Partitions) != 4 {
		t.Fatalf("g = %+v, want lag 28 over 4 partitions", g)
	}
	live := lags["live"]
	if len(live.Partitions) != 6 || live.TotalLag != 8 || live.State != "Stable" {
		t.Fatalf("live = %+v, want 6 assigned partitions and a lag of 8 on the one committed", live)
	}
	for _, p := range live.Partitions {
		if p.ClientID != "lagger" || p.InstanceID != "inst" {
			t.Fatalf("%s/%d is not shown assigned to lagger: %+v", p.Topic, p.Partition, p)
		}
		if want := map[string]int64{"orders": 10, "unread": 4}[p.Topic]; p.LogEnd != want || p.LogStart != 0 {
			t.Fatalf("%s/%d log %d..%d, want 0..%d", p.Topic, p.Partition, p.LogStart, p.LogEnd, want)
		}
		committed := p.Topic == "orders" && p.Partition == 0
		if committed && (p.Committed != 2 || p.Lag != 8) {
			t.Fatalf("orders/0 %+v, want committed 2, lag 8", p)
		}
		if !committed && (p.HasCommit() || p.Lag != -1 || p.Committed != -1) {
			t.Fatalf("uncommitted %s/%d %+v, want committed -1 and lag -1", p.Topic, p.Partition, p)
		}
	}

	all, err := cl.Lag(ctx)
	must(t, err)
	if len(all) != 2 || all["g"].TotalLag != 28 || all["live"].TotalLag != 8 {
		t.Fatalf("Lag of every group: %v", kafadmin.SortedLags(all))
	}

	lags, err = cl.Lag(ctx, "g", "nope")
	if !errors.Is(err, kerr.GroupIDNotFound) || lags["g"].TotalLag != 28 || lags["nope"].Err == nil {
		t.Fatalf("lag of a missing group next to a good one: %v, %+v", err, lags)
	}
}

func TestListTopicsAndBrokers(t *testing.T) {
	kc := seeded(t, kafkatest.SeedTopic("b-topic", 2))
	cl := newClient(t, kc)
	ctx := testContext(t)
	brokers, err := cl.ListBrokers(ctx)
	must(t, err)
	if len(brokers) != 3 {
		t.Fatalf("brokers %v", brokers)
	}
	for i, b := range brokers {
		if b.ID != int32(i) || b.Host+":"+itoa(b.Port) != kc.Addr(b.ID) || b.Controller != (b.ID == kc.Controller()) {
			t.Fatalf("broker %+v", b)
		}
	}
	topics, err := cl.ListTopics(ctx)
	must(t, err)
	var names []string
	for _, ti := range topics {
		names = append(names, ti.Name)
		if ti.Name == "b-topic" && (len(ti.Partitions) != 2 || ti.ID == "" || ti.Partitions[1].Leader != kc.Leader("b-topic", 1)) {
			t.Fatalf("b-topic %+v", ti)
		}
	}
	if !slices.Contains(names, "b-topic") || !slices.Contains(names, "orders") || !slices.IsSorted(names) {
		t.Fatalf("topics %v", names)
	}
}

func TestBadClientSetup(t *testing.T) {
	ctx := testContext(t)
	kc := kafkatest.New(t)
	refused := kc.Addr(0)
	must(t, kc.StopBroker(0))
	for _, tc := range []struct {
		name string
		opts []kafadmin.Option
		want string
	}{
		{"no brokers", nil, "no bootstrap brokers: pass WithBrokers"},
		{"malformed port", []kafadmin.Option{kafadmin.WithBrokers("localhost:ninety")}, `bootstrap address "localhost:ninety" has an invalid port "ninety"`},
		{"port out of range", []kafadmin.Option{kafadmin.WithBrokers("localhost:70000")}, "want a number from 1 to 65535"},
		{"no host", []kafadmin.Option{kafadmin.WithBrokers(":9092")}, "has no host"},
		{"unreachable", []kafadmin.Option{kafadmin.WithBrokers(refused), kafadmin.WithCallTimeout(5 * time.Second)}, "cannot reach the cluster"},
		{"bad timeout", []kafadmin.Option{kafadmin.WithBrokers(refused), kafadmin.WithRequestTimeout(-time.Second)}, "WithRequestTimeout(-1s): want a positive duration"},
		{"bad hook", []kafadmin.Option{kafadmin.WithBrokers(refused), kafadmin.WithHooks(42)}, "hook int implements none of the hook interfaces"},
		{"sasl without password", []kafadmin.Option{kafadmin.WithBrokers(refused), kafadmin.WithSASLPlain("u", "")}, "needs a user name and a password"},
	} {
		_, err := kafadmin.NewClient(ctx, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestDeadlineTooShort(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	must(t, kc.StopBroker(kc.Coordinator("g")))
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := cl.FetchOffsets(ctx, "g")
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a 400ms deadline returned after %v", took)
	}
	var ke *kafadmin.KeyError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ke) || ke.Attempts < 1 {
		t.Fatalf("err = %v, want a KeyError at the deadline", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "connection refused") || !strings.Contains(msg, "raise the timeout") {
		t.Fatalf("error %q does not name the last cause and what to do", msg)
	}
}

func TestClosedClient(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	must(t, cl.Close())
	must(t, cl.Close())
	if _, err := cl.Lag(testContext(t), "g"); !errors.Is(err, kafadmin.ErrClientClosed) {
		t.Fatalf("Lag on a closed client: %v", err)
	}
}

func TestHooksAndLogger(t *testing.T) {
	kc := seeded(t)
	rec := &recorder{}
	var logs logBuffer
	cl := newClient(t, kc, kafadmin.WithHooks(rec), kafadmin.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := testContext(t)
	_, err := cl.FetchOffsets(ctx, "g")
	must(t, err)
	from := kc.Coordinator("g")
	to, err := kc.MoveCoordinator("g", -1)
	must(t, err)
	_, err = cl.FetchOffsets(ctx, "g")
	must(t, err)

	seen := rec.snapshot()
	if seen.dials == 0 || seen.requests == 0 {
		t.Fatalf("hooks saw %d dials and %d requests", seen.dials, seen.requests)
	}
	if !slices.ContainsFunc(seen.moves, func(ev kafadmin.CoordinatorMovedEvent) bool {
		return ev.Key == "g" && ev.From == from && ev.To == to && ev.Kind == "group"
	}) {
		t.Fatalf("no move of g from %d to %d among %+v", from, to, seen.moves)
	}
	if !slices.ContainsFunc(seen.retries, func(ev kafadmin.RetryEvent) bool {
		return ev.Key == `group "g"` && ev.Broker == from && errors.Is(ev.Cause, kerr.NotCoordinator) && ev.Backoff > 0
	}) {
		t.Fatalf("no retry of g after NOT_COORDINATOR among %+v", seen.retries)
	}
	for _, want := range []string{"kafadmin: coordinator moved", "kafadmin: retrying", "kafadmin: broker connected"} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	kc := seeded(t)
	rec := &recorder{}
	cl := newClient(t, kc, kafadmin.WithHooks(rec), kafadmin.WithConnIdleTimeout(100*time.Millisecond))
	ctx := testContext(t)
	_, err := cl.FetchOffsets(ctx, "g")
	must(t, err)
	coordinator := kc.Coordinator("g")
	deadline := time.Now().Add(30 * time.Second)
	for !rec.sawDisconnect(coordinator, "idle") {
		if time.Now().After(deadline) {
			t.Fatal("the idle connection was never closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, err = cl.FetchOffsets(ctx, "g")
	must(t, err)
}

// TestLagWhileBrokersRoll has 32 goroutines call Lag on one client while
// every broker restarts in turn: no call may fail or be wrong.
func TestLagWhileBrokersRoll(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		kc := seeded(t)
		for _, g := range []string{"a", "b", "c"} {
			commitAll(t, kc, g, "orders", 4, 5)
		}
		want := map[string]int64{"g": 28, "a": 20, "b": 20, "c": 20}
		lagThroughRoll(t, newClient(t, kc), want, func(ctx context.Context) error {
			return kc.RollingRestart(ctx, 500*time.Millisecond, 200*time.Millisecond)
		})
	})
	t.Run("kafka", func(t *testing.T) {
		rk := sharedKafka(t)
		ctx := testContext(t)
		want := map[string]int64{}
		for i, g := range []string{"roll-a", "roll-b", "roll-c", "roll-d"} {
			offsets := map[int32]int64{}
			for p := range int32(ordersParts) {
				offsets[p] = int64(5 + i)
			}
			must(t, rk.CommitOffsets(ctx, g, map[string]map[int32]int64{"orders": offsets}))
			want[g] = int64(ordersParts * (ordersRecords - 5 - i))
		}
		cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(rk.Addrs()...))
		must(t, err)
		t.Cleanup(func() { cl.Close() })
		lagThroughRoll(t, cl, want, func(ctx context.Context) error { return rk.RollingRestart(ctx, 0) })
	})
}

// lagThroughRoll calls Lag of want's groups from 32 goroutines until roll
// returns, and fails the test if any call failed or got a total lag other
// than want's.
func lagThroughRoll(t *testing.T, cl *kafadmin.Client, want map[string]int64, roll func(ctx context.Context) error) {
	t.Helper()
	ctx := testContext(t)
	groups := slices.Sorted(maps.Keys(want))
	_, err := cl.Lag(ctx, groups...)
	must(t, err)

	rolled := make(chan error, 1)
	go func() { rolled <- roll(ctx) }()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		calls  int
		failed []error
		stop   = make(chan struct{})
	)
	for range 32 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				callCtx, cancel := context.WithTimeout(ctx, time.Minute)
				lags, err := cl.Lag(callCtx, groups...)
				cancel()
				if err == nil {
					for _, g := range groups {
						if lags[g].TotalLag != want[g] {
							err = fmt.Errorf("wrong lag: group %s at %d, want %d", g, lags[g].TotalLag, want[g])
							break
						}
					}
				}
				mu.Lock()
				calls++
				if err != nil {
					failed = append(failed, err)
				}
				mu.Unlock()
			}
		})
	}
	must(t, <-rolled)
	close(stop)
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d of %d calls failed through the rolling restart; first: %v", len(failed), calls, failed[0])
	}
	if calls < 32 {
		t.Fatalf("only %d calls were made", calls)
	}
	t.Logf("%d Lag calls from 32 goroutines through a rolling restart, none failed", calls)
}

// TestLagLayout checks how Lag lays out a group's partitions: those with a
// commit and those only assigned, over two topics, sorted, with the member
// on the assigned ones and -1 where there is no commit.
func TestLagLayout(t *testing.T) {
	kc := seeded(t, kafkatest.SeedTopic("audit", 2))
	ctx := testContext(t)
	produce(t, kc, "audit", 2, 6)
	must(t, kc.CommitOffsets(ctx, "mixed", map[string]map[int32]int64{"audit": {1: 2}, "orders": {2: 4, 0: 9}}))
	memberID, err := kc.JoinMember(ctx, kafkatest.Member{Group: "mixed", InstanceID: "inst", ClientID: "mixer", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)

	lags, err := cl.Lag(ctx, "mixed")
	must(t, err)
	l := lags["mixed"]
	type row struct {
		tp        kafadmin.TopicPartition
		committed int64
		end, lag  int64
		member    string
	}
	want := []row{
		{tp("audit", 1), 2, 6, 4, ""},
		{tp("orders", 0), 9, 10, 1, memberID},
		{tp("orders", 1), -1, 10, -1, memberID},
		{tp("orders", 2), 4, 10, 6, memberID},
		{tp("orders", 3), -1, 10, -1, memberID},
	}
	var got []row
	for _, p := range l.Partitions {
		got = append(got, row{tp(p.Topic, p.Partition), p.Committed, p.LogEnd, p.Lag, p.MemberID})
		if p.Err != nil || p.LogStart != 0 {
			t.Fatalf("%s/%d: log start %d, err %v; want 0 and none", p.Topic, p.Partition, p.LogStart, p.Err)
		}
		if p.MemberID != "" && (p.InstanceID != "inst" || p.ClientID != "mixer" || p.ClientHost == "") {
			t.Fatalf("%s/%d: member %+v, want instance inst, client mixer and a host", p.Topic, p.Partition, p)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("partitions:\n got %+v\nwant %+v", got, want)
	}
	if l.Err != nil || l.State != "Stable" || l.TotalLag != 11 || l.TopicLag["audit"] != 4 || l.TopicLag["orders"] != 7 || len(l.TopicLag) != 2 {
		t.Fatalf("group: state %q, total %d, by topic %v, err %v; want Stable, 11, audit 4 and orders 7", l.State, l.TotalLag, l.TopicLag, l.Err)
	}
}

// TestRetriesStayBatched holds every OffsetFetch off with
// COORDINATOR_LOAD_IN_PROGRESS for a second while 200 groups are fetched:
// the groups of one coordinator fail together, so they must be retried
// together, in one request per coordinator and backoff, not one per group.
func TestRetriesStayBatched(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	groups := make([]string, 200)
	for i := range groups {
		groups[i] = fmt.Sprintf("batched-%d", i)
		must(t, kc.CommitOffsets(ctx, groups[i], map[string]map[int32]int64{"orders": {0: int64(i)}}))
	}
	rec := &recorder{}
	cl := newClient(t, kc, kafadmin.WithHooks(rec))
	_, err := cl.FetchOffsets(ctx, groups...)
	must(t, err)
	coordinators := map[int32]bool{}
	for _, g := range groups {
		coordinators[kc.Coordinator(g)] = true
	}

	rec.reset()
	h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Err: kerr.CoordinatorLoadInProgress, Count: -1})
	time.AfterFunc(time.Second, h.Remove)
	fetched, err := cl.FetchOffsets(ctx, groups...)
	must(t, err)
	for i, g := range groups {
		if got := fetched[g].Offsets[tp("orders", 0)].Offset; got != int64(i) {
			t.Fatalf("%s: offset %d, want %d", g, got, i)
		}
	}
	// A second of backoffs from 20 ms up to 200 ms is at most 10 retries.
	sent, limit := rec.snapshotAPIs()["OffsetFetch"], 12*len(coordinators)
	if sent > limit {
		t.Fatalf("%d OffsetFetch requests for %d groups on %d coordinators through a second of COORDINATOR_LOAD_IN_PROGRESS, want at most %d: retries of keys that failed together went out one by one", sent, len(groups), len(coordinators), limit)
	}
	t.Logf("%d OffsetFetch requests (%d answered with the code)", sent, h.Hits())
}

// listGroupsHook runs a function once the client has had its third
// ListGroups answer since the function was set.
type listGroupsHook struct {
	mu sync.Mutex
	n  int
	fn func()
}

func (h *listGroupsHook) after3(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n, h.fn = 0, fn
}

func (h *listGroupsHook) OnRequest(ev kafadmin.RequestEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ev.API != "ListGroups" || h.fn == nil {
		return
	}
	if h.n++; h.n == 3 {
		h.fn()
		h.fn = nil
	}
}

// TestListGroupsWithStaleBrokers lists groups on a client whose cached
// broker list is out of date: first it lacks a broker that holds a group
// and leaves during the round (the group moving to a broker already asked),
// then it names a broker that has left. Both lists must be complete, with
// a nil error.
func TestListGroupsWithStaleBrokers(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	hook := &listGroupsHook{}
	cl := newClient(t, kc, kafadmin.WithHooks(hook))
	_, err := cl.ListGroups(ctx, kafadmin.GroupFilter{}) // caches brokers 0, 1 and 2
	must(t, err)

	added, _, err := kc.Kfake().AddNode(-1, 0)
	must(t, err)
	for i := 0; kc.Coordinator("g") != added; i++ {
		if i == 5000 {
			t.Fatalf("could not move g to the new broker %d", added)
		}
		kc.Kfake().RehashCoordinators()
	}
	hook.after3(func() { must(t, kc.Kfake().RemoveNode(added)) })
	listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil || len(listed) != 1 || listed[0].Group != "g" {
		t.Fatalf("a broker the cache lacked left during the round: listed %+v, %v; want g", listed, err)
	}

	gone, _, err := kc.Kfake().AddNode(-1, 0)
	must(t, err)
	_, err = cl.ListGroups(ctx, kafadmin.GroupFilter{}) // caches the new broker
	must(t, err)
	must(t, kc.Kfake().RemoveNode(gone))
	listed, err = cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil || len(listed) != 1 || listed[0].Group != "g" {
		t.Fatalf("the cache named a broker that left: listed %+v, %v; want g", listed, err)
	}
}

// TestListGroupsWaitsForNewCoordinators checks that ListGroups asks the
// leader of a partition of __consumer_offsets new to the client, before it
// lists its groups, whether it coordinates the partition's groups yet, and
// waits while it answers that it does not: a Kafka broker that has just
// become the leader leaves the partition's groups out of its list without
// an error.
func TestListGroupsWaitsForNewCoordinators(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 2))
	ctx := testContext(t)
	must(t, kc.CreateTopic("__consumer_offsets", 1))
	for _, g := range []string{"a", "b"} {
		commitAll(t, kc, g, "orders", 2, 1)
	}
	// With one partition every group is on it; the client's probe is the
	// first of its probe ids.
	const probe = "kafadmin-probe-0"
	placeProbe := func() {
		t.Helper()
		leader := kc.Leader("__consumer_offsets", 0)
		if kc.Coordinator(probe) != leader {
			_, err := kc.MoveCoordinator(probe, leader)
			must(t, err)
		}
	}
	placeProbe()
	notYet := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: probe, Err: kerr.NotCoordinator, Count: 2})
	loading := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: probe, Err: kerr.CoordinatorLoadInProgress, Count: 1})
	cl := newClient(t, kc)

	list := func() {
		t.Helper()
		listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
		must(t, err)
		var names []string
		for _, g := range listed {
			names = append(names, g.Group)
		}
		if !slices.Equal(names, []string{"a", "b"}) {
			t.Fatalf("listed %v, want [a b]", names)
		}
	}
	list()
	if notYet.Hits() != 2 || loading.Hits() != 1 {
		t.Fatalf("the probe was answered NOT_COORDINATOR %d times and COORDINATOR_LOAD_IN_PROGRESS %d times, want 2 and 1", notYet.Hits(), loading.Hits())
	}
	probes := kc.RequestCount(kmsg.DescribeGroups)
	if probes != 4 {
		t.Fatalf("%d DescribeGroups probes, want 4: three refused, one answered", probes)
	}

	// A partition already known active is not asked about again.
	list()
	if n := kc.RequestCount(kmsg.DescribeGroups); n != probes {
		t.Fatalf("a second list probed again: %d DescribeGroups, want %d", n, probes)
	}

	// A new leadership (a new leader epoch) is.
	kc.ShuffleLeaders()
	placeProbe()
	list()
	if n := kc.RequestCount(kmsg.DescribeGroups); n != probes+1 {
		t.Fatalf("after the partition's leadership changed: %d DescribeGroups, want %d", n, probes+1)
	}
}

// TestStalledBrokerIsLeftForTheKeysNewBroker black-holes a coordinator and
// a leader (they accept requests and answer nothing, as a paused broker
// does) and moves their groups and partitions away: calls on a client with
// the default 10 s request timeout must follow them within about a second,
// not wait out the timeout. A stalled broker whose keys stay with it is
// waited for.
func TestStalledBrokerIsLeftForTheKeysNewBroker(t *testing.T) {
	kc := seeded(t)
	rec := &recorder{}
	cl := newClient(t, kc, kafadmin.WithHooks(rec))
	ctx := testContext(t)
	_, err := cl.Lag(ctx, "g")
	must(t, err)

	target := kc.Coordinator("g")
	must(t, kc.SetBlackhole(target, true))
	t.Cleanup(func() { _ = kc.SetBlackhole(target, false) })
	must(t, kc.MoveCoordinatorsOff(target, "g"))
	must(t, kc.MoveLeadersOff(target, "orders"))
	begin := time.Now()
	lags, err := cl.Lag(ctx, "g")
	took := time.Since(begin)
	must(t, err)
	if lags["g"].TotalLag != 28 {
		t.Fatalf("lag %d, want 28", lags["g"].TotalLag)
	}
	if took > 2*time.Second || rec.sawDisconnect(target, "request timeout") {
		t.Fatalf("the call took %v: it waited for the silent broker %d instead of following its keys", took, target)
	}
	t.Logf("followed the moved group and partitions in %v", took.Round(time.Millisecond))

	// Silent, but still the coordinator: the call waits for it.
	must(t, kc.SetBlackhole(target, false))
	_, err = cl.FetchOffsets(ctx, "g")
	must(t, err)
	coordinator := kc.Coordinator("g")
	must(t, kc.SetBlackhole(coordinator, true))
	kc.ResetRequestCounts()
	time.AfterFunc(time.Second, func() { _ = kc.SetBlackhole(coordinator, false) })
	begin = time.Now()
	o, err := cl.FetchOffsets(ctx, "g")
	must(t, err)
	if got := offsetsOf(o["g"]); got != wantOffsets("orders", 4, 3) {
		t.Fatalf("offsets %s", got)
	}
	// A look-up about every StallAfter while it waits, no storm.
	if n := kc.RequestCount(kmsg.FindCoordinator); n > 20 {
		t.Fatalf("%d FindCoordinator requests while one call waited %v", n, time.Since(begin))
	}
}

// TestCommitWaitsOutARebalance checks CommitOffsets' exception to the
// rules: REBALANCE_IN_PROGRESS, which fails other calls, is retried.
func TestCommitWaitsOutARebalance(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Group: "g", Err: kerr.RebalanceInProgress, Count: 3})
	res, err := cl.CommitOffsets(ctx, "g", map[kafadmin.TopicPartition]int64{tp("orders", 0): 8})
	must(t, err)
	if h.Hits() != 3 || res[tp("orders", 0)] != nil {
		t.Fatalf("%d REBALANCE_IN_PROGRESS answers, result %v", h.Hits(), res)
	}
	o, err := cl.FetchOffsets(ctx, "g")
	must(t, err)
	if got := o["g"].Offsets[tp("orders", 0)].Offset; got != 8 {
		t.Fatalf("orders/0 committed at %d after committing 8", got)
	}
}
