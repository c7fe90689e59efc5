package kafadmin_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// resetCluster has topic orders (3 partitions of 10 records; the log of
// orders/1 starts at 3), group g committed at 4 on every partition, group h
// at 6 and 7 on orders/0 and orders/1, group partial at 2 on orders/0 only,
// and group live with a member.
func resetCluster(t *testing.T) *kafkatest.Cluster {
	t.Helper()
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 3))
	ctx := testContext(t)
	produce(t, kc, "orders", 3, 10)
	deleteRecordsBefore(t, kc, tp("orders", 1), 3)
	commitAll(t, kc, "g", "orders", 3, 4)
	must(t, kc.CommitOffsets(ctx, "h", map[string]map[int32]int64{"orders": {0: 6, 1: 7}}))
	must(t, kc.CommitOffsets(ctx, "partial", map[string]map[int32]int64{"orders": {0: 2}}))
	_, err := kc.JoinMember(ctx, kafkatest.Member{Group: "live", InstanceID: "inst", ClientID: "busy", Topics: []string{"orders"}})
	must(t, err)
	return kc
}

// deleteRecordsBefore moves a partition's log start to offset.
func deleteRecordsBefore(t *testing.T, kc *kafkatest.Cluster, at kafadmin.TopicPartition, offset int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Addrs()...))
	must(t, err)
	defer cl.Close()
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = at.Topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = at.Partition, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10000
	resp, err := req.RequestWith(testContext(t), cl)
	must(t, err)
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			must(t, kerr.ErrorForCode(rp.ErrorCode))
		}
	}
}

// planString renders a group's plan as "topic/p committed→target" per
// partition, committed "-" without a commit, with "(asked N)" after a
// clamped target.
func planString(gr kafadmin.GroupReset) string {
	var parts []string
	for _, p := range gr.Partitions {
		committed := "-"
		if p.HasCommit() {
			committed = fmt.Sprint(p.Committed)
		}
		s := fmt.Sprintf("%s %s→%d", p.TopicPartition(), committed, p.Target)
		if p.Clamped {
			s += fmt.Sprintf(" (asked %d)", p.Asked)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// TestPlanResetTargets plans each target, and clamps offsets outside the
// log both ways; PlanReset commits nothing.
func TestPlanResetTargets(t *testing.T) {
	kc := resetCluster(t)
	must(t, kc.CommitOffsets(testContext(t), "far", map[string]map[int32]int64{"orders": {0: 50}}))
	cl := newClient(t, kc)
	orders := []string{"orders"}
	for _, tc := range []struct {
		name  string
		group string
		spec  kafadmin.ResetSpec
		want  string
	}{
		{"earliest", "g", kafadmin.ResetSpec{Target: kafadmin.ToEarliest(), Topics: orders},
			"orders/0 4→0, orders/1 4→3, orders/2 4→0"},
		{"latest on some partitions", "g", kafadmin.ResetSpec{Target: kafadmin.ToLatest(), Partitions: []kafadmin.TopicPartition{tp("orders", 2), tp("orders", 0)}},
			"orders/0 4→10, orders/2 4→10"},
		{"current, log end without a commit", "partial", kafadmin.ResetSpec{Target: kafadmin.ToCurrent(), Topics: orders},
			"orders/0 2→2, orders/1 -→10, orders/2 -→10"},
		{"current is never clamped", "far", kafadmin.ResetSpec{Target: kafadmin.ToCurrent(), AllCommitted: true},
			"orders/0 50→50"},
		{"offset", "g", kafadmin.ResetSpec{Target: kafadmin.ToOffset(7), Topics: orders},
			"orders/0 4→7, orders/1 4→7, orders/2 4→7"},
		{"offset after the log end", "g", kafadmin.ResetSpec{Target: kafadmin.ToOffset(100), Partitions: []kafadmin.TopicPartition{tp("orders", 0)}},
			"orders/0 4→10 (asked 100)"},
		{"offset before the log start, new group", "fresh", kafadmin.ResetSpec{Target: kafadmin.ToOffset(1), Topics: orders},
			"orders/0 -→1, orders/1 -→3 (asked 1), orders/2 -→1"},
		{"topics and partitions together", "g", kafadmin.ResetSpec{Target: kafadmin.ToOffset(5), Topics: orders, Partitions: []kafadmin.TopicPartition{tp("orders", 1)}},
			"orders/0 4→5, orders/1 4→5, orders/2 4→5"},
		{"shift back, clamped at the log start", "g", kafadmin.ResetSpec{Target: kafadmin.ShiftBy(-2), AllCommitted: true},
			"orders/0 4→2, orders/1 4→3 (asked 2), orders/2 4→2"},
		{"shift forward, committed partitions only", "partial", kafadmin.ResetSpec{Target: kafadmin.ShiftBy(3), AllCommitted: true},
			"orders/0 2→5"},
		{"shift past the log end", "g", kafadmin.ResetSpec{Target: kafadmin.ShiftBy(9), Partitions: []kafadmin.TopicPartition{tp("orders", 2)}},
			"orders/2 4→10 (asked 13)"},
		{"from a group", "fresh", kafadmin.ResetSpec{Target: kafadmin.FromGroup("h"), Partitions: []kafadmin.TopicPartition{tp("orders", 1)}},
			"orders/1 -→7"},
		{"from a group, its partitions", "g", kafadmin.ResetSpec{Target: kafadmin.FromGroup("h"), AllCommitted: true},
			"orders/0 4→6, orders/1 4→7"},
		{"from offsets", "g", kafadmin.ResetSpec{Target: kafadmin.FromOffsets(map[string]map[kafadmin.TopicPartition]int64{
			"g": {tp("orders", 2): 8, tp("orders", 0): 1}, "h": {tp("orders", 1): 9}})},
			"orders/0 4→1, orders/2 4→8"},
		{"from offsets, narrowed and clamped", "g", kafadmin.ResetSpec{Target: kafadmin.FromOffsets(map[string]map[kafadmin.TopicPartition]int64{
			"g": {tp("orders", 0): 11, tp("orders", 1): 0}}), Partitions: []kafadmin.TopicPartition{tp("orders", 1)}},
			"orders/1 4→3 (asked 0)"},
		{"from offsets, none for the group", "g", kafadmin.ResetSpec{Target: kafadmin.FromOffsets(map[string]map[kafadmin.TopicPartition]int64{
			"h": {tp("orders", 0): 1}})},
			""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := cl.PlanReset(testContext(t), tc.spec, tc.group)
			must(t, err)
			gr := plan[tc.group]
			if len(plan) != 1 || gr.Group != tc.group || gr.Err != nil || !gr.Time.IsZero() {
				t.Fatalf("plan %+v, want group %s alone, without an error or a time", plan, tc.group)
			}
			if got := planString(gr); got != tc.want {
				t.Fatalf("plan of %s:\n got %s\nwant %s", tc.group, got, tc.want)
			}
		})
	}

	plan, err := cl.PlanReset(testContext(t), kafadmin.ResetSpec{Target: kafadmin.ToEarliest(), Topics: orders}, "g")
	must(t, err)
	for _, p := range plan["g"].Partitions {
		if wantStart := map[int32]int64{1: 3}[p.Partition]; p.LogStart != wantStart || p.LogEnd != 10 {
			t.Fatalf("%s: log %d..%d, want %d..10", p.TopicPartition(), p.LogStart, p.LogEnd, wantStart)
		}
	}
	// A group that does not exist may fail the fetch: only its offsets
	// matter.
	o, _ := cl.FetchOffsets(testContext(t), "g", "fresh")
	if got := offsetsOf(o["g"]); got != wantOffsets("orders", 3, 4) {
		t.Fatalf("planning changed g's offsets to %s", got)
	}
	if len(o["fresh"].Offsets) != 0 {
		t.Fatalf("planning committed offsets for group fresh: %s", offsetsOf(o["fresh"]))
	}
}

// TestPlanResetByTime plans to times between two batches of records: the
// first batch at offsets 0 to 4, the second at 5 to 9.
func TestPlanResetByTime(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("events", 2))
	produce(t, kc, "events", 2, 5)
	time.Sleep(50 * time.Millisecond)
	between := time.Now()
	time.Sleep(50 * time.Millisecond)
	produce(t, kc, "events", 2, 5)
	cl := newClient(t, kc)
	events := []string{"events"}
	for _, tc := range []struct {
		name     string
		spec     kafadmin.ResetSpec
		at       time.Time
		want     int64
		noRecord bool
	}{
		{"before every record", kafadmin.ResetSpec{Target: kafadmin.ToTime(between.Add(-time.Hour)), Topics: events}, between.Add(-time.Hour), 0, false},
		{"before 1970, whose timestamp Kafka would read as the log end", kafadmin.ResetSpec{Target: kafadmin.ToTime(time.UnixMilli(-1)), Topics: events}, time.UnixMilli(-1), 0, false},
		{"between the batches", kafadmin.ResetSpec{Target: kafadmin.ToTime(between), Topics: events}, between, 5, false},
		{"after every record", kafadmin.ResetSpec{Target: kafadmin.ToTime(time.Now().Add(time.Hour)), Topics: events}, time.Time{}, 10, true},
		{"a duration before a fixed now", kafadmin.ResetSpec{Target: kafadmin.ByDuration(time.Hour), Topics: events, Now: between.Add(time.Hour)}, between, 5, false},
		{"no duration", kafadmin.ResetSpec{Target: kafadmin.ByDuration(0), Topics: events}, time.Time{}, 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := cl.PlanReset(testContext(t), tc.spec, "g")
			must(t, err)
			gr := plan["g"]
			if !tc.at.IsZero() && !gr.Time.Equal(tc.at) {
				t.Fatalf("time %v, want %v", gr.Time, tc.at)
			}
			if len(gr.Partitions) != 2 {
				t.Fatalf("plan %+v, want both partitions of events", gr)
			}
			for _, p := range gr.Partitions {
				if p.Target != tc.want || p.NoRecordAtTime != tc.noRecord || p.Clamped {
					t.Fatalf("%s: %+v, want target %d, no record at the time %v", p.TopicPartition(), p, tc.want, tc.noRecord)
				}
			}
		})
	}
}

// TestPlanResetGroupWithMembers refuses the group with a member, naming
// it, and plans the others.
func TestPlanResetGroupWithMembers(t *testing.T) {
	kc := resetCluster(t)
	cl := newClient(t, kc)
	plan, err := cl.PlanReset(testContext(t), kafadmin.ResetSpec{Target: kafadmin.ToEarliest(), Topics: []string{"orders"}}, "g", "live", "fresh")
	var (
		ce *kafadmin.CallError
		ne *kafadmin.GroupNotEmptyError
	)
	if !errors.As(err, &ce) || len(ce.Errors) != 1 || !errors.As(err, &ne) {
		t.Fatalf("err = %v, want a *CallError with live's *GroupNotEmptyError", err)
	}
	if ne.Group != "live" || ne.State != "Stable" || len(ne.Members) != 1 || ne.Members[0].InstanceID != "inst" || !strings.Contains(err.Error(), "inst (client busy") {
		t.Fatalf("not empty: %+v, message %q, want live's member inst named", ne, err)
	}
	if !errors.As(plan["live"].Err, &ne) || len(plan["live"].Partitions) != 0 {
		t.Fatalf("live's plan %+v, want its error and no partitions", plan["live"])
	}
	sorted := plan.Sorted()
	if len(sorted) != 3 || sorted[0].Group != "fresh" || sorted[1].Group != "g" || sorted[2].Group != "live" {
		t.Fatalf("Sorted() = %+v, want fresh, g, live", sorted)
	}
	if planString(plan["g"]) != "orders/0 4→0, orders/1 4→3, orders/2 4→0" || planString(plan["fresh"]) != "orders/0 -→0, orders/1 -→3, orders/2 -→0" {
		t.Fatalf("g %s, fresh %s", planString(plan["g"]), planString(plan["fresh"]))
	}
}

// TestPlanResetErrors covers what fails the whole call (a spec that is
// wrong for every group) and what fails one group.
func TestPlanResetErrors(t *testing.T) {
	kc := resetCluster(t)
	cl := newClient(t, kc)
	orders := []string{"orders"}

	for _, tc := range []struct {
		name   string
		spec   kafadmin.ResetSpec
		groups []string
		want   string
	}{
		{"no target", kafadmin.ResetSpec{Topics: orders}, []string{"g"}, "no target: set ResetSpec.Target"},
		{"no groups", kafadmin.ResetSpec{Target: kafadmin.ToEarliest(), Topics: orders}, nil, "no groups given"},
		{"negative offset", kafadmin.ResetSpec{Target: kafadmin.ToOffset(-1), Topics: orders}, []string{"g"}, "ToOffset(-1): offsets start at 0"},
		{"negative duration", kafadmin.ResetSpec{Target: kafadmin.ByDuration(-time.Minute), Topics: orders}, []string{"g"}, "ByDuration(-1m0s): want a duration of 0 or more"},
		{"no partitions", kafadmin.ResetSpec{Target: kafadmin.ToEarliest()}, []string{"g"}, "no partitions selected: set Topics, Partitions or AllCommitted"},
		{"two selections", kafadmin.ResetSpec{Target: kafadmin.ToEarliest(), Topics: orders, AllCommitted: true}, []string{"g"}, "select the partitions one way"},
		{"copy from itself", kafadmin.ResetSpec{Target: kafadmin.FromGroup("g"), AllCommitted: true}, []string{"g", "h"}, `FromGroup("g"): the source is also a group to reset`},
		{"negative given offset", kafadmin.ResetSpec{Target: kafadmin.FromOffsets(map[string]map[kafadmin.TopicPartition]int64{"g": {tp("orders", 0): -3}})}, []string{"g"}, `group "g": offset -3 for partition 0 of topic "orders" is negative`},
		{"missing topic", kafadmin.ResetSpec{Target: kafadmin.ToEarliest(), Topics: []string{"orders", "nope"}}, []string{"g"}, `topic "nope" does not exist: check the topic name`},
		{"missing partition", kafadmin.ResetSpec{Target: kafadmin.ToEarliest(), Partitions: []kafadmin.TopicPartition{tp("orders", 1), tp("orders", 7)}}, []string{"g"}, `topic "orders" has 3 partitions (0 to 2): partition 7 does not exist`},
		{"source without commits", kafadmin.ResetSpec{Target: kafadmin.FromGroup("nobody"), AllCommitted: true}, []string{"fresh"}, `group "nobody" has no committed offsets to copy: check the group id`},
		{"source without some commits", kafadmin.ResetSpec{Target: kafadmin.FromGroup("partial"), Topics: orders}, []string{"fresh"}, `group "partial" has no committed offset to copy on orders/1, orders/2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := cl.PlanReset(testContext(t), tc.spec, tc.groups...)
			var ce *kafadmin.CallError
			if plan != nil || err == nil || errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "plan reset: ") {
				t.Fatalf("plan %v, err %v; want no plan and an error saying %q", plan, err, tc.want)
			}
		})
	}

	// The call's errors are typed.
	_, err := cl.PlanReset(testContext(t), kafadmin.ResetSpec{Target: kafadmin.ToEarliest(), Partitions: []kafadmin.TopicPartition{tp("orders", 7)}}, "g")
	var upe *kafadmin.UnknownPartitionError
	if !errors.As(err, &upe) || upe.TopicPartition != tp("orders", 7) || upe.PartitionCount != 3 || !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("missing partition: %v, want an *UnknownPartitionError for orders/7 that is UNKNOWN_TOPIC_OR_PARTITION", err)
	}
	_, err = cl.PlanReset(testContext(t), kafadmin.ResetSpec{Target: kafadmin.FromGroup("partial"), Topics: orders}, "fresh")
	var nce *kafadmin.NoCommitError
	if !errors.As(err, &nce) || !nce.Source || nce.Group != "partial" || fmt.Sprint(nce.Partitions) != "[orders/1 orders/2]" {
		t.Fatalf("source without commits: %v, want a *NoCommitError naming partial and orders/1, orders/2", err)
	}

	// A group's own errors fail it alone.
	plan, err := cl.PlanReset(testContext(t), kafadmin.ResetSpec{Target: kafadmin.ShiftBy(1), Topics: orders}, "g", "partial")
	if !errors.As(err, &nce) || nce.Source || nce.Group != "partial" || fmt.Sprint(nce.Partitions) != "[orders/1 orders/2]" ||
		!strings.Contains(err.Error(), `group "partial" has no committed offset to shift on orders/1, orders/2`) {
		t.Fatalf("shift without commits: %v, want partial's *NoCommitError", err)
	}
	if plan["partial"].Err == nil || planString(plan["g"]) != "orders/0 4→5, orders/1 4→5, orders/2 4→5" {
		t.Fatalf("partial %v, g %s: want partial failed and g shifted", plan["partial"].Err, planString(plan["g"]))
	}
	given := map[string]map[kafadmin.TopicPartition]int64{"g": {tp("orders", 0): 1}, "h": {tp("orders", 0): 1, tp("orders", 5): 1}}
	plan, err = cl.PlanReset(testContext(t), kafadmin.ResetSpec{Target: kafadmin.FromOffsets(given)}, "g", "h")
	if !errors.As(err, &upe) || upe.TopicPartition != tp("orders", 5) || !errors.As(plan["h"].Err, &upe) || planString(plan["g"]) != "orders/0 4→1" {
		t.Fatalf("a given offset on a missing partition: %v, plan %+v; want h failed naming orders/5, g planned", err, plan)
	}
}

// TestApplyReset applies a plan and reads the offsets back; groups whose
// plan failed, or that gained a member since, are not committed.
func TestApplyReset(t *testing.T) {
	kc := resetCluster(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	commitAll(t, kc, "joiner", "orders", 3, 1)
	spec := kafadmin.ResetSpec{Target: kafadmin.ToOffset(8), Partitions: []kafadmin.TopicPartition{tp("orders", 0), tp("orders", 2)}}
	plan, err := cl.PlanReset(ctx, spec, "g", "fresh", "live", "joiner")
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || len(ce.Errors) != 1 || plan["live"].Err == nil {
		t.Fatalf("plan: %v, want live refused", err)
	}
	_, err = kc.JoinMember(ctx, kafkatest.Member{Group: "joiner", InstanceID: "late", Topics: []string{"orders"}})
	must(t, err)

	applied, err := cl.ApplyReset(ctx, plan)
	if !errors.As(err, &ce) || len(ce.Errors) != 2 || ce.Op != "apply reset" {
		t.Fatalf("apply: %v, want a *CallError for joiner and live", err)
	}
	var ne *kafadmin.GroupNotEmptyError
	for _, g := range []string{"joiner", "live"} {
		if !errors.As(applied[g].Err, &ne) || ne.Group != g {
			t.Fatalf("%s: %v, want its *GroupNotEmptyError", g, applied[g].Err)
		}
	}
	for _, g := range []string{"g", "fresh"} {
		a := applied[g]
		if a.Err != nil || len(a.Partitions) != 2 || a.Partitions[tp("orders", 0)] != nil || a.Partitions[tp("orders", 2)] != nil {
			t.Fatalf("%s: %+v, want orders/0 and orders/2 committed", g, a)
		}
	}
	if sorted := applied.Sorted(); len(sorted) != 4 || sorted[0].Group != "fresh" || sorted[3].Group != "live" {
		t.Fatalf("Sorted() = %+v", sorted)
	}

	o, err := cl.FetchOffsets(ctx, "g", "fresh", "joiner", "live")
	must(t, err)
	for g, want := range map[string]string{
		"g":      "orders/0=8 orders/1=4 orders/2=8",
		"fresh":  "orders/0=8 orders/2=8",
		"joiner": wantOffsets("orders", 3, 1),
		"live":   "",
	} {
		if got := offsetsOf(o[g]); got != want {
			t.Fatalf("%s after the reset: %s, want %s", g, got, want)
		}
	}

	// An empty plan commits nothing and fails nothing.
	applied, err = cl.ApplyReset(ctx, kafadmin.ResetPlan{})
	if err != nil || len(applied) != 0 {
		t.Fatalf("empty plan: %v, %v", applied, err)
	}
}
