package kafadmin_test

import (
	"errors"
	"slices"
	"testing"

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
