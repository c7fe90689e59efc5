package realkafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/groupmember"
)

// internalSeeds returns the brokers' internal listener addresses.
func (c *Cluster) internalSeeds() []string {
	var seeds []string
	for _, n := range c.brokers() {
		seeds = append(seeds, n.internalAddr())
	}
	return seeds
}

// Client returns a franz-go client of the cluster on the brokers' internal
// listeners, which no client-side fault touches, with extra options. The
// caller closes it.
func (c *Cluster) Client(extra ...kgo.Opt) (*kgo.Client, error) {
	if c.isClosed() {
		return nil, errClosed
	}
	opts := append([]kgo.Opt{kgo.SeedBrokers(c.internalSeeds()...), kgo.ClientID("realkafka"), kgo.MetadataMinAge(100 * time.Millisecond)}, extra...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("realkafka: creating a client: %w", err)
	}
	return cl, nil
}

// CreateTopic creates a topic with the given number of partitions, each
// replicated on min(3, brokers) brokers, and waits until every partition
// has a leader.
func (c *Cluster) CreateTopic(ctx context.Context, topic string, partitions int32) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = int32(attemptTimeout.Milliseconds())
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = topic
	rt.NumPartitions = partitions
	rt.ReplicationFactor = int16(min(len(c.brokers()), 3))
	req.Topics = []kmsg.CreateTopicsRequestTopic{rt}
	for {
		resp, err := c.request(ctx, req)
		if err != nil {
			return err
		}
		r := resp.(*kmsg.CreateTopicsResponse)
		if len(r.Topics) != 1 {
			return fmt.Errorf("realkafka: creating topic %q: answered for %d topics", topic, len(r.Topics))
		}
		err = kerr.ErrorForCode(r.Topics[0].ErrorCode)
		if err == nil || errors.Is(err, kerr.TopicAlreadyExists) {
			break
		}
		if !retriable(err) {
			return fmt.Errorf("realkafka: creating topic %q: %w", topic, err)
		}
		if serr := sleepCtx(ctx, pollInterval); serr != nil {
			return fmt.Errorf("realkafka: creating topic %q: %w (last answer: %w)", topic, serr, err)
		}
	}
	for {
		ps, err := c.partitions(ctx, topic)
		if err == nil && len(ps) == int(partitions) && !slices.ContainsFunc(ps, func(p partitionState) bool { return p.leader < 0 }) {
			return nil
		}
		if serr := sleepCtx(ctx, pollInterval); serr != nil {
			return fmt.Errorf("realkafka: waiting for topic %q's leaders: %w", topic, errors.Join(serr, err))
		}
	}
}

// Produce writes n records ("0", "1", ...) to one partition, acknowledged
// by every in-sync replica.
func (c *Cluster) Produce(ctx context.Context, topic string, partition int32, n int) error {
	cl, err := c.Client(kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DisableIdempotentWrite())
	if err != nil {
		return err
	}
	defer cl.Close()
	records := make([]*kgo.Record, n)
	for i := range records {
		records[i] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte(strconv.Itoa(i))}
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return fmt.Errorf("realkafka: producing %d records to %s/%d: %w", n, topic, partition, err)
	}
	return nil
}

// CommitOffsets commits offsets (topic, then partition) for a group that has
// no members, through its coordinator.
func (c *Cluster) CommitOffsets(ctx context.Context, group string, offsets map[string]map[int32]int64) error {
	cl, err := c.Client()
	if err != nil {
		return err
	}
	defer cl.Close()
	// Each topic carries its name and its id, so the request is right
	// whichever version the client picks (v10 names topics by id).
	ids := map[[16]byte]string{}
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = group
	req.Generation = -1
	for _, topic := range slices.Sorted(maps.Keys(offsets)) {
		id, err := c.topicID(ctx, topic)
		if err != nil {
			return err
		}
		ids[id] = topic
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = topic
		rt.TopicID = id
		parts := offsets[topic]
		for _, p := range slices.Sorted(maps.Keys(parts)) {
			off := parts[p]
			rp := kmsg.NewOffsetCommitRequestTopicPartition()
			rp.Partition = p
			rp.Offset = off
			rp.LeaderEpoch = -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("realkafka: committing group %q's offsets: %w", group, err)
	}
	var errs []error
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				errs = append(errs, fmt.Errorf("%s/%d: %w", cmp.Or(t.Topic, ids[t.TopicID]), p.Partition, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("realkafka: committing group %q's offsets: %w", group, err)
	}
	return nil
}

// topicID returns a topic's id.
func (c *Cluster) topicID(ctx context.Context, topic string) ([16]byte, error) {
	md, err := c.metadata(ctx, topic)
	if err != nil {
		return [16]byte{}, err
	}
	for _, t := range md.Topics {
		if t.Topic != nil && *t.Topic == topic {
			if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
				return [16]byte{}, fmt.Errorf("realkafka: topic %q: %w", topic, err)
			}
			return t.TopicID, nil
		}
	}
	return [16]byte{}, fmt.Errorf("realkafka: topic %q is missing from metadata", topic)
}

// Member is a silent, static member of a classic consumer group, for
// JoinMember.
type Member struct {
	// Group is the group to join. Required.
	Group string
	// InstanceID is the member's group.instance.id. Required.
	InstanceID string
	// ClientID is the client id its requests carry, "realkafka-member" if
	// empty.
	ClientID string
	// Topics are the topics the member subscribes to; it is assigned every
	// partition of each. They must exist.
	Topics []string
	// SessionTimeout is how long the member stays without heartbeats, 5
	// minutes if zero (the broker allows 6 s to 30 min).
	SessionTimeout time.Duration
}

// JoinMember makes a silent member join a classic consumer group as its
// leader and only member, assigns it every partition of its topics, and
// returns its member id once the group is Stable. It sends nothing more: it
// stays in the group, through coordinator moves, until its session times
// out or it is removed.
func (c *Cluster) JoinMember(ctx context.Context, m Member) (string, error) {
	switch {
	case m.Group == "":
		return "", errors.New("realkafka: JoinMember needs Member.Group")
	case m.InstanceID == "":
		return "", fmt.Errorf("realkafka: JoinMember needs Member.InstanceID: the member of group %q is static", m.Group)
	}
	if m.ClientID == "" {
		m.ClientID = "realkafka-member"
	}
	if m.SessionTimeout == 0 {
		m.SessionTimeout = 5 * time.Minute
	}
	partitions := map[string][]int32{}
	for _, topic := range m.Topics {
		ps, err := c.partitions(ctx, topic)
		if err != nil {
			return "", fmt.Errorf("realkafka: JoinMember subscribes to %q: %w", topic, err)
		}
		for i := range ps {
			partitions[topic] = append(partitions[topic], int32(i))
		}
	}
	cl, err := c.Client(kgo.ClientID(m.ClientID))
	if err != nil {
		return "", err
	}
	defer cl.Close()
	id, err := groupmember.Join(ctx, cl, groupmember.Spec{Group: m.Group, InstanceID: m.InstanceID, Topics: m.Topics, SessionTimeout: m.SessionTimeout}, groupmember.Assignment(partitions))
	if err != nil {
		return "", fmt.Errorf("realkafka: %w", err)
	}
	return id, nil
}
