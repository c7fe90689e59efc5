package kafadmin_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin"
)

// TestAdminOnKafka runs the topic and cluster operations on real Kafka,
// where placement, features and the quorum are Kafka's own.
func TestAdminOnKafka(t *testing.T) {
	rk := sharedKafka(t)
	ctx := testContext(t)
	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(rk.Addrs()...))
	must(t, err)
	defer cl.Close()
	brokers := rk.BrokerIDs()

	t.Run("topics", func(t *testing.T) {
		assignment := [][]int32{{brokers[2], brokers[0]}, {brokers[1], brokers[2]}}
		created, err := cl.CreateTopics(ctx,
			kafadmin.NewTopic{Name: "admin-assigned", Assignment: assignment, Configs: map[string]string{"cleanup.policy": "compact"}},
			kafadmin.NewTopic{Name: "admin-counted", Partitions: 3, ReplicationFactor: 2},
		)
		must(t, err)
		if c := created["admin-counted"]; c.Partitions != 3 || c.ReplicationFactor != 2 || c.ID == "" {
			t.Fatalf("created %+v", c)
		}
		desc, err := cl.DescribeTopics(ctx, "admin-assigned", "admin-counted")
		must(t, err)
		for p, replicas := range assignment {
			if got := desc["admin-assigned"].Partitions[p]; !slices.Equal(got.Replicas, replicas) || got.Leader != replicas[0] {
				t.Fatalf("partition %d placed as %+v, want replicas %v led by %d", p, got, replicas, replicas[0])
			}
		}
		grown, err := cl.CreatePartitions(ctx, kafadmin.NewPartitions{Topic: "admin-counted", Count: 4, Assignment: [][]int32{{brokers[0], brokers[1]}}})
		must(t, err)
		if grown["admin-counted"].Count != 4 {
			t.Fatalf("grown: %+v", grown)
		}
		if _, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "admin-counted"}); !errors.Is(err, kerr.TopicAlreadyExists) {
			t.Fatalf("creating it again: %v", err)
		}
		if _, err := cl.CreatePartitions(ctx, kafadmin.NewPartitions{Topic: "admin-counted", Count: 4}); err == nil {
			t.Fatal("growing to today's count was accepted")
		}
		must(t, rk.Produce(ctx, "admin-counted", 0, 20))
		trimmed, err := cl.DeleteRecords(ctx, map[kafadmin.TopicPartition]int64{tp("admin-counted", 0): 15})
		must(t, err)
		if trimmed[tp("admin-counted", 0)].LogStart != 15 {
			t.Fatalf("trimmed: %+v", trimmed.Sorted())
		}
		deleted, err := cl.DeleteTopics(ctx, "admin-assigned", "admin-counted")
		must(t, err)
		if len(deleted.Failed()) != 0 {
			t.Fatalf("deleted: %+v", deleted.Sorted())
		}
	})

	t.Run("eligible leader replicas", func(t *testing.T) {
		// A follower stopped (controlled shutdown) leaves the ISR, which
		// drops below min.insync.replicas: Kafka keeps it as an eligible
		// leader replica (KIP-966), which only DescribeTopicPartitions
		// reports.
		_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "admin-elr", Partitions: 1, ReplicationFactor: 3, Configs: map[string]string{"min.insync.replicas": "3"}})
		must(t, err)
		defer cl.DeleteTopics(ctx, "admin-elr")
		leader, err := rk.Leader(ctx, "admin-elr", 0)
		for err != nil && ctx.Err() == nil { // until every broker knows the new topic
			time.Sleep(100 * time.Millisecond)
			leader, err = rk.Leader(ctx, "admin-elr", 0)
		}
		must(t, err)
		follower := brokers[0]
		if follower == leader {
			follower = brokers[1]
		}
		must(t, rk.StopNode(ctx, follower))
		defer func() {
			must(t, rk.StartNode(ctx, follower))
			must(t, rk.WaitHealthy(ctx))
		}()
		var p kafadmin.PartitionInfo
		for {
			desc, err := cl.DescribeTopics(ctx, "admin-elr")
			must(t, err)
			p = desc["admin-elr"].Partitions[0]
			if !slices.Contains(p.ISR, follower) && slices.Contains(p.EligibleLeaderReplicas, follower) {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("broker %d stopped, partition described as %+v; want it out of the ISR and among the eligible leader replicas", follower, p)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if p.Leader != leader || len(p.ISR) != 2 || len(p.Replicas) != 3 {
			t.Fatalf("partition described as %+v; want leader %d, 2 in sync of 3", p, leader)
		}
	})

	t.Run("raft voters", func(t *testing.T) {
		// The shared cluster's quorum is dynamic (KIP-853): a voter
		// other than the active controller is removed, stays on as an
		// observer, and is added back.
		q, err := cl.DescribeQuorum(ctx)
		must(t, err)
		var v kafadmin.QuorumReplica
		for _, voter := range q.Voters {
			if voter.ID != q.Leader {
				v = voter
			}
		}
		if v.DirectoryID == "" || len(v.Listeners) == 0 || v.Listeners[0].Host == "" || v.Listeners[0].Port == 0 {
			t.Fatalf("quorum %+v: want voters with directory ids and listeners", q)
		}
		voter := kafadmin.RaftVoter{ID: v.ID, DirectoryID: v.DirectoryID, Listeners: v.Listeners}
		if err := cl.AddRaftVoter(ctx, kafadmin.RaftVoter{ID: v.ID, DirectoryID: v.DirectoryID}); err == nil || !strings.Contains(err.Error(), "no listeners") {
			t.Fatalf("adding a voter without listeners: %v, want an error naming them", err)
		}
		voters := func() []int32 {
			q, err := cl.DescribeQuorum(ctx)
			must(t, err)
			var ids []int32
			for _, r := range q.Voters {
				ids = append(ids, r.ID)
			}
			return ids
		}
		waitVoters := func(want bool) {
			for slices.Contains(voters(), v.ID) != want {
				if ctx.Err() != nil {
					t.Fatalf("voters %v: want %d among them %v", voters(), v.ID, want)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		must(t, cl.RemoveRaftVoter(ctx, voter))
		waitVoters(false)
		if err := cl.RemoveRaftVoter(ctx, voter); !errors.Is(err, kerr.VoterNotFound) {
			t.Fatalf("removing voter %d again: %v, want VOTER_NOT_FOUND", v.ID, err)
		}
		must(t, cl.AddRaftVoter(ctx, voter))
		waitVoters(true)
		if err := cl.AddRaftVoter(ctx, voter); !errors.Is(err, kerr.DuplicateVoter) {
			t.Fatalf("adding voter %d again: %v, want DUPLICATE_VOTER", v.ID, err)
		}
		if ids := voters(); len(ids) != len(q.Voters) {
			t.Fatalf("voters %v after the round trip, want %d", ids, len(q.Voters))
		}
	})

	t.Run("cluster", func(t *testing.T) {
		desc, err := cl.DescribeCluster(ctx)
		must(t, err)
		if desc.ClusterID != rk.ID() || len(desc.Brokers) != len(brokers) {
			t.Fatalf("cluster described as %+v; want id %s and brokers %v", desc, rk.ID(), brokers)
		}
		q, err := cl.DescribeQuorum(ctx)
		must(t, err)
		active, err := rk.ActiveController(ctx)
		must(t, err)
		var voters []int32
		for _, v := range q.Voters {
			voters = append(voters, v.ID)
		}
		if q.Leader != active || !slices.Equal(voters, rk.ControllerIDs()) || q.HighWatermark <= 0 {
			t.Fatalf("quorum %+v; want leader %d and voters %v", q, active, rk.ControllerIDs())
		}
		f, err := cl.DescribeFeatures(ctx)
		must(t, err)
		mv, ok := f.Finalized["metadata.version"]
		if !ok || mv.Max < 1 || f.Supported["metadata.version"].Max < mv.Max {
			t.Fatalf("features %+v: want metadata.version finalized within what is supported", f)
		}
		updated, err := cl.UpdateFeatures(ctx, true, kafadmin.FeatureUpdate{Feature: "metadata.version", Level: mv.Max, Type: kafadmin.Upgrade})
		must(t, err)
		if len(updated.Failed()) != 0 {
			t.Fatalf("validating metadata.version at its level: %+v", updated.Sorted())
		}
		if err := cl.UnregisterBroker(ctx, 99); !errors.Is(err, kerr.BrokerIDNotRegistered) {
			t.Fatalf("unregistering broker 99: %v", err)
		}
	})
}
