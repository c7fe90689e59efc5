package kafadmin_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestRequestRoutesByType sends raw requests of every route through
// faults: each reaches the right broker, split requests come back merged,
// and no error reaches the caller.
func TestRequestRoutesByType(t *testing.T) {
	kc := seeded(t)
	var groups []string
	for i := range 12 {
		g := fmt.Sprintf("raw-%d", i)
		commitAll(t, kc, g, "orders", 4, int64(i))
		groups = append(groups, g)
	}
	cl := newClient(t, kc)
	ctx := testContext(t)

	t.Run("any broker", func(t *testing.T) {
		req := kmsg.NewPtrMetadataRequest()
		resp, err := cl.Request(ctx, req)
		must(t, err)
		if n := len(resp.(*kmsg.MetadataResponse).Brokers); n != 3 {
			t.Fatalf("metadata lists %d brokers, want 3", n)
		}
	})

	t.Run("group coordinator", func(t *testing.T) {
		h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: "raw-5", Err: kerr.NotCoordinator, Count: 3})
		req := kmsg.NewPtrOffsetFetchRequest()
		req.Group = "raw-5"
		req.Topics = nil
		resp, err := cl.Request(ctx, req)
		must(t, err)
		if h.Hits() != 3 {
			t.Fatalf("%d NOT_COORDINATOR answers, want 3", h.Hits())
		}
		r := resp.(*kmsg.OffsetFetchResponse)
		var offsets []int64
		for _, tp := range r.Topics {
			for _, p := range tp.Partitions {
				offsets = append(offsets, p.Offset)
			}
		}
		if len(offsets) != 4 || slices.ContainsFunc(offsets, func(o int64) bool { return o != 5 }) {
			t.Fatalf("raw-5's offsets: %v, want 4 partitions at 5", offsets)
		}
	})

	t.Run("groups split by coordinator", func(t *testing.T) {
		h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Err: kerr.CoordinatorLoadInProgress, Count: 3})
		req := kmsg.NewPtrDescribeGroupsRequest()
		req.Groups = append(slices.Clone(groups), "raw-missing")
		resp, err := cl.Request(ctx, req)
		must(t, err)
		if h.Hits() != 3 {
			t.Fatalf("%d COORDINATOR_LOAD_IN_PROGRESS answers, want 3", h.Hits())
		}
		var got []string
		for _, g := range resp.(*kmsg.DescribeGroupsResponse).Groups {
			switch err := kerr.ErrorForCode(g.ErrorCode); {
			case g.Group == "raw-missing" && errors.Is(err, kerr.GroupIDNotFound):
				// A code the rules leave to the caller is in the answer.
				got = append(got, g.Group+"/not found")
			case err != nil:
				t.Fatalf("group %s answered %v", g.Group, err)
			default:
				got = append(got, g.Group+"/"+g.State)
			}
		}
		want := make([]string, 0, len(req.Groups))
		for _, g := range groups {
			want = append(want, g+"/Empty")
		}
		want = append(want, "raw-missing/not found")
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("described, in order:\n%v\nwant\n%v", got, want)
		}
	})

	t.Run("partitions split by leader", func(t *testing.T) {
		kc.ShuffleLeaders()
		h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "orders", Partitions: []int32{2}, Err: kerr.NotLeaderForPartition, Count: 2})
		req := kmsg.NewPtrListOffsetsRequest()
		req.ReplicaID = -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "orders"
		for p := range int32(4) {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = p, -1, -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		resp, err := cl.Request(ctx, req)
		must(t, err)
		if h.Hits() != 2 {
			t.Fatalf("%d NOT_LEADER answers, want 2", h.Hits())
		}
		r := resp.(*kmsg.ListOffsetsResponse)
		if len(r.Topics) != 1 || len(r.Topics[0].Partitions) != 4 {
			t.Fatalf("merged answer: %+v, want one topic of 4 partitions", r.Topics)
		}
		for _, p := range r.Topics[0].Partitions {
			if p.ErrorCode != 0 || p.Offset != 10 {
				t.Fatalf("partition %d: offset %d, %v; want 10", p.Partition, p.Offset, kerr.ErrorForCode(p.ErrorCode))
			}
		}
	})

	t.Run("controller", func(t *testing.T) {
		h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.CreateTopics}, Err: kerr.NotController, Count: 2})
		req := kmsg.NewPtrCreateTopicsRequest()
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "raw-created", 3, 1
		req.Topics = append(req.Topics, rt)
		req.TimeoutMillis = 5000
		resp, err := cl.Request(ctx, req)
		must(t, err)
		if h.Hits() != 2 {
			t.Fatalf("%d NOT_CONTROLLER answers, want 2", h.Hits())
		}
		if code := resp.(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode; code != 0 {
			t.Fatalf("create topics: %v", kerr.ErrorForCode(code))
		}
		// A code the rules leave to the caller comes back in the answer.
		resp, err = cl.Request(ctx, req)
		must(t, err)
		if code := resp.(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode; !errors.Is(kerr.ErrorForCode(code), kerr.TopicAlreadyExists) {
			t.Fatalf("creating it again answered %v, want TOPIC_ALREADY_EXISTS", kerr.ErrorForCode(code))
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		if _, err := cl.Request(ctx, nil); err == nil || !strings.Contains(err.Error(), "nil request") {
			t.Fatalf("nil request: %v", err)
		}
		if _, err := cl.Request(ctx, kmsg.NewPtrHeartbeatRequest()); err == nil || !strings.Contains(err.Error(), "names no group") {
			t.Fatalf("heartbeat without a group: %v", err)
		}
	})
}
