// Package seed commits consumer group offsets into a kafkatest cluster the
// way Kafka stores them.
//
// kafkatest's CommitOffsets sends no metadata with a commit, and kfake then
// answers OffsetFetch with a null metadata string, which Kafka never does (it
// stores a missing metadata as ""). Sarama v1.44.0 cannot decode a null
// metadata in the flexible OffsetFetch versions (v6 and later) and fails
// every fetch with "invalid byteslice length", which would say nothing about
// its failover. The comparison's commits therefore carry an empty metadata
// string, as a real broker's answers do.
package seed

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/kafkatest"
)

// Committer commits offsets into one cluster.
type Committer struct {
	kc *kafkatest.Cluster
	cl *kgo.Client
}

// NewCommitter connects a committer to kc.
func NewCommitter(kc *kafkatest.Cluster) (*Committer, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Addrs()...), kgo.ClientID("bench-seed"))
	if err != nil {
		return nil, fmt.Errorf("seed: new client: %w", err)
	}
	return &Committer{kc: kc, cl: cl}, nil
}

// Commit commits offsets (partition to offset) of topic for group, as an
// admin does: generation -1, no member, empty metadata.
func (c *Committer) Commit(ctx context.Context, group, topic string, offsets map[int32]int64) error {
	info := c.kc.Kfake().TopicInfo(topic)
	if info == nil {
		return fmt.Errorf("seed: topic %q does not exist", topic)
	}
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = group
	req.Generation = -1
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = topic
	rt.TopicID = info.TopicID // OffsetCommit v10 names topics by id
	for _, p := range slices.Sorted(maps.Keys(offsets)) {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition = p
		rp.Offset = offsets[p]
		rp.Metadata = kmsg.StringPtr("")
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return fmt.Errorf("seed: committing %s for group %s: %w", topic, group, err)
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("seed: committing %s/%d for group %s: %w", topic, p.Partition, group, err)
			}
		}
	}
	return nil
}

// Close closes the committer's client.
func (c *Committer) Close() { c.cl.Close() }
