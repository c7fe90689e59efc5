package kafkatest

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// describeConsumerGroup sends ConsumerGroupDescribe for one group.
func describeConsumerGroup(t *testing.T, c *Cluster, group string) kmsg.ConsumerGroupDescribeResponseGroup {
	t.Helper()
	ctx := testContext(t)
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = []string{group}
	resp, err := req.RequestWith(ctx, newClient(t, c))
	if err != nil {
		t.Fatalf("describing consumer group %q: %v", group, err)
	}
	if len(resp.Groups) != 1 {
		t.Fatalf("describing consumer group %q: %d groups in the answer", group, len(resp.Groups))
	}
	g := resp.Groups[0]
	if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
		t.Fatalf("describing consumer group %q: %v", group, err)
	}
	return g
}

func countAssigned(a kmsg.Assignment) int {
	n := 0
	for _, tp := range a.TopicPartitions {
		n += len(tp.Partitions)
	}
	return n
}

func TestJoinConsumerMember(t *testing.T) {
	c := New(t, SeedTopic("orders", 4), SeedTopic("payments", 2))
	ctx := testContext(t)

	first, err := c.JoinConsumerMember(ctx, ConsumerMember{
		Group: "kip848", InstanceID: "first", ClientID: "reporter", Topics: []string{"orders", "payments"}, RackID: "rack-a",
	})
	if err != nil {
		t.Fatal(err)
	}
	g := describeConsumerGroup(t, c, "kip848")
	if g.State != "Stable" || g.AssignorName != "uniform" || len(g.Members) != 1 {
		t.Fatalf("group: state %q, assignor %q, %d members; want Stable, uniform, 1 member", g.State, g.AssignorName, len(g.Members))
	}
	m := g.Members[0]
	switch {
	case m.MemberID != first, m.ClientID != "reporter", m.InstanceID == nil || *m.InstanceID != "first", m.RackID == nil || *m.RackID != "rack-a":
		t.Fatalf("member = id %q, client %q, instance %v, rack %v; want %q, reporter, first, rack-a", m.MemberID, m.ClientID, m.InstanceID, m.RackID, first)
	case m.MemberEpoch != g.AssignmentEpoch || m.MemberEpoch < 1:
		t.Fatalf("member epoch %d, assignment epoch %d; want equal and positive", m.MemberEpoch, g.AssignmentEpoch)
	case countAssigned(m.Assignment) != 6 || countAssigned(m.TargetAssignment) != 6:
		t.Fatalf("member holds %d partitions, target %d; want all 6", countAssigned(m.Assignment), countAssigned(m.TargetAssignment))
	case !slices.Equal(m.SubscribedTopics, []string{"orders", "payments"}):
		t.Fatalf("subscription = %v, want [orders payments]", m.SubscribedTopics)
	}

	// A second member takes half the partitions: the first one's heartbeats
	// must give them up.
	second, err := c.JoinConsumerMember(ctx, ConsumerMember{Group: "kip848", Topics: []string{"orders", "payments"}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Kfake().WaitGroupInfo(ctx, "kip848", func(g *kfake.GroupInfo) bool {
		return g != nil && g.State == "Stable" && len(g.Members) == 2 && g.Members[0].NumAssigned() == 3 && g.Members[1].NumAssigned() == 3
	})
	if err != nil {
		t.Fatalf("the group did not split its 6 partitions between its 2 members: %v (last: %+v)", err, info)
	}
	ids := []string{info.Members[0].MemberID, info.Members[1].MemberID}
	if want := []string{first, second}; !slices.Equal(slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(want))) {
		t.Fatalf("members %v, want %v", ids, want)
	}

	// The members outlive several heartbeat intervals, faults included.
	if _, err := c.ResetConnections(c.Coordinator("kip848")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * maxConsumerHeartbeatInterval)
	if g := describeConsumerGroup(t, c, "kip848"); len(g.Members) != 2 || g.State != "Stable" {
		t.Fatalf("after a connection reset: state %q, %d members; want Stable with 2", g.State, len(g.Members))
	}

	if err := c.LeaveConsumerMember(ctx, "kip848", second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Kfake().WaitGroupInfo(ctx, "kip848", func(g *kfake.GroupInfo) bool {
		return g != nil && len(g.Members) == 1 && g.Members[0].MemberID == first && g.Members[0].NumAssigned() == 6
	}); err != nil {
		t.Fatalf("the first member did not take every partition back after the second left: %v", err)
	}
	if err := c.LeaveConsumerMember(ctx, "kip848", second); err == nil {
		t.Fatal("leaving twice succeeded")
	}
}

func TestJoinConsumerMemberByRegex(t *testing.T) {
	c := New(t, SeedTopic("orders", 2), SeedTopic("order-returns", 1), SeedTopic("payments", 1))
	ctx := testContext(t)
	id, err := c.JoinConsumerMember(ctx, ConsumerMember{Group: "by-regex", Regex: "order.*", Assignor: "range"})
	if err != nil {
		t.Fatal(err)
	}
	g := describeConsumerGroup(t, c, "by-regex")
	if g.AssignorName != "range" || len(g.Members) != 1 || g.Members[0].MemberID != id {
		t.Fatalf("group: assignor %q, members %d; want range with member %q", g.AssignorName, len(g.Members), id)
	}
	// kfake's ConsumerGroupDescribe leaves SubscribedTopicRegex out; the
	// assignment shows the regex took effect.
	if n := countAssigned(g.Members[0].Assignment); n != 3 {
		t.Fatalf("member holds %d partitions, want the 3 of the topics matching order.*", n)
	}
	info := c.Kfake().GroupInfo("by-regex")
	if got := slices.Sorted(maps.Keys(info.Members[0].Assignment)); !slices.Equal(got, []string{"order-returns", "orders"}) {
		t.Fatalf("assigned topics %v, want [order-returns orders]", got)
	}
}

func TestJoinConsumerMemberRejects(t *testing.T) {
	c := New(t, SeedTopic("orders", 1))
	ctx := testContext(t)
	if _, err := c.JoinMember(ctx, Member{Group: "classic", InstanceID: "i", Topics: []string{"orders"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		member ConsumerMember
		want   string
	}{
		{"no group", ConsumerMember{Topics: []string{"orders"}}, "needs ConsumerMember.Group"},
		{"no subscription", ConsumerMember{Group: "g"}, "needs ConsumerMember.Topics or Regex"},
		{"classic group with members", ConsumerMember{Group: "classic", Topics: []string{"orders"}}, kerr.GroupIDNotFound.Message},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			if _, err := c.JoinConsumerMember(ctx, tt.member); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("JoinConsumerMember(%+v) = %v, want an error mentioning %q", tt.member, err, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("JoinConsumerMember took %v to fail, want a prompt refusal", d)
			}
		})
	}
}

func TestCloseStopsConsumerMembers(t *testing.T) {
	c, err := Start(SeedTopic("orders", 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	if _, err := c.JoinConsumerMember(ctx, ConsumerMember{Group: "closing", Topics: []string{"orders"}}); err != nil {
		c.Close()
		t.Fatal(err)
	}
	c.Close()
	if _, err := c.JoinConsumerMember(ctx, ConsumerMember{Group: "closing", Topics: []string{"orders"}}); !errors.Is(err, errClosed) {
		t.Fatalf("JoinConsumerMember after Close = %v, want the closed error", err)
	}
	// goleak in TestMain checks that the member's goroutines ended.
}
