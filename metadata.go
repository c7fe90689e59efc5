package kafadmin

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// BrokerInfo is one broker of the cluster.
type BrokerInfo struct {
	ID         int32
	Host       string
	Port       int32
	Rack       string
	Controller bool
	// Fenced reports a broker the controller fenced (down, or not caught
	// up): it serves no partitions. Only DescribeCluster reports it.
	Fenced bool
}

// TopicInfo is one topic of the cluster.
type TopicInfo struct {
	Name       string
	ID         string // hex topic id; "" from brokers older than Kafka 2.8
	Internal   bool
	Partitions []PartitionInfo
	Err        error
}

// PartitionInfo is one partition of a topic.
type PartitionInfo struct {
	Partition   int32
	Leader      int32 // -1 when there is none
	LeaderEpoch int32
	Replicas    []int32
	ISR         []int32
	// OfflineReplicas are the replicas on brokers that are down or whose
	// log directory failed.
	OfflineReplicas []int32
	// EligibleLeaderReplicas are the replicas out of the ISR that may
	// still be elected leader without losing data (KIP-966), and
	// LastKnownELR those last known eligible when the partition lost
	// every leader. Only DescribeTopics reports them, from brokers with
	// DescribeTopicPartitions (Kafka 3.8) and eligible leader replicas
	// enabled; they are nil otherwise.
	EligibleLeaderReplicas []int32
	LastKnownELR           []int32
	Err                    error
}

func (t TopicInfo) err() error { return t.Err }

// UnderReplicated reports whether fewer replicas than assigned are in sync.
func (p PartitionInfo) UnderReplicated() bool { return len(p.ISR) < len(p.Replicas) }

// metadata fetches fresh metadata from any broker, retrying another broker
// after a failure until the deadline.
func (c *Client) metadata(ctx context.Context, op string, topics []string) (*kmsg.MetadataResponse, error) {
	var resp *kmsg.MetadataResponse
	failed := run(ctx, c, driver.Call[string]{
		Name:  op,
		Keys:  []string{"metadata"},
		Route: func(string) driver.Route { return driver.Route{Kind: driver.ToAnyBroker} },
		Send: func(ctx context.Context, b *cluster.Broker, _ []driver.Attempt[string]) (map[string]driver.Result, error) {
			mr, err := c.cl.FetchMetadata(ctx, b, topics)
			if err != nil {
				return nil, err
			}
			resp = mr
			return map[string]driver.Result{"metadata": {Outcome: driver.Done}}, nil
		},
	}, func(string) Key { return RequestKey("cluster metadata") })
	if ke := failed["metadata"]; ke != nil {
		return nil, ke
	}
	return resp, nil
}

// ListBrokers lists the cluster's brokers, by node id, from fresh metadata.
func (c *Client) ListBrokers(ctx context.Context) ([]BrokerInfo, error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp, err := c.metadata(ctx, "list brokers", []string{})
	if err != nil {
		return nil, err
	}
	return brokerInfos(resp), nil
}

// brokerInfos reads the brokers of a Metadata answer, by node id.
func brokerInfos(resp *kmsg.MetadataResponse) []BrokerInfo {
	out := make([]BrokerInfo, 0, len(resp.Brokers))
	for _, b := range resp.Brokers {
		bi := BrokerInfo{ID: b.NodeID, Host: b.Host, Port: b.Port, Controller: b.NodeID == resp.ControllerID}
		if b.Rack != nil {
			bi.Rack = *b.Rack
		}
		out = append(out, bi)
	}
	slices.SortFunc(out, func(a, b BrokerInfo) int { return int(a.ID) - int(b.ID) })
	return out
}

// hexDecode16 reads a 16-byte id (a topic or directory id) from hex.
func hexDecode16(s string) ([16]byte, error) {
	var id [16]byte
	b, err := hex.DecodeString(s)
	if err != nil {
		return id, err
	}
	if len(b) != 16 {
		return id, fmt.Errorf("%d bytes, want 16", len(b))
	}
	return [16]byte(b), nil
}

// ListTopicsOption changes what ListTopics lists.
type ListTopicsOption func(*listTopics)

type listTopics struct{ excludeInternal bool }

// ExcludeInternal leaves internal topics (__consumer_offsets,
// __transaction_state, ...) out of ListTopics.
func ExcludeInternal() ListTopicsOption { return func(l *listTopics) { l.excludeInternal = true } }

// ListTopics lists the cluster's topics and their partitions, sorted by
// name, from fresh metadata. Internal topics (__consumer_offsets, ...) are
// included and marked, unless ExcludeInternal is given.
func (c *Client) ListTopics(ctx context.Context, opts ...ListTopicsOption) ([]TopicInfo, error) {
	var lt listTopics
	for _, o := range opts {
		o(&lt)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp, err := c.metadata(ctx, "list topics", nil)
	if err != nil {
		return nil, err
	}
	out := make([]TopicInfo, 0, len(resp.Topics))
	for _, t := range resp.Topics {
		if t.Topic == nil || (lt.excludeInternal && t.IsInternal) {
			continue
		}
		out = append(out, topicInfo(t))
	}
	slices.SortFunc(out, func(a, b TopicInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// topicInfo reads one topic of a Metadata answer.
func topicInfo(t kmsg.MetadataResponseTopic) TopicInfo {
	ti := TopicInfo{Internal: t.IsInternal, ID: topicID(t.TopicID), Err: kafkaerr.New(t.ErrorCode, nil)}
	if t.Topic != nil {
		ti.Name = *t.Topic
	}
	for _, p := range t.Partitions {
		ti.Partitions = append(ti.Partitions, PartitionInfo{
			Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch,
			Replicas: p.Replicas, ISR: p.ISR, OfflineReplicas: p.OfflineReplicas, Err: kafkaerr.New(p.ErrorCode, nil),
		})
	}
	slices.SortFunc(ti.Partitions, func(a, b PartitionInfo) int { return int(a.Partition) - int(b.Partition) })
	return ti
}

// DescribeTopics describes topics by name: id, internal or not, and each
// partition's leader, leader epoch, replicas, in-sync, offline and
// eligible-leader replicas. A broker with DescribeTopicPartitions (Kafka
// 3.8) is asked with it, the only request that reports eligible leader
// replicas (KIP-966); it pages its answers (Kafka caps each at 2,000
// partitions), so the topics go out in requests of describeTopicsBatch
// topics at once, each following its pages to their end. An older broker
// is asked with Metadata, in the same requests at once. A
// topic that does not exist fails with UNKNOWN_TOPIC_OR_PARTITION; a topic
// being created (LEADER_NOT_AVAILABLE) is asked again until it has leaders
// or the deadline passes. A request that fails part-way through its pages
// is sent again from its first page.
func (c *Client) DescribeTopics(ctx context.Context, topics ...string) (Results[string, TopicInfo], error) {
	const op = "describe topics"
	if len(topics) == 0 {
		return nil, errors.New("describe topics: no topics given: name at least one topic (ListTopics lists them all)")
	}
	for _, t := range topics {
		if t == "" {
			return nil, errors.New("describe topics: a topic name is empty: name each topic")
		}
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	topics = slices.Compact(slices.Sorted(slices.Values(topics)))
	done := newResults[string, TopicInfo](len(topics))
	exceptions := []driver.Exception{{Code: kerr.UnknownTopicOrPartition, Outcome: driver.Fail, Why: "the topic does not exist: retrying cannot help"}}
	failed := run(ctx, c, driver.Call[string]{
		Name:     op,
		Keys:     topics,
		Route:    func(string) driver.Route { return driver.Route{Kind: driver.ToAnyBroker} },
		MaxBatch: describeTopicsBatch,
		Send: func(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string]) (map[string]driver.Result, error) {
			names := make([]string, len(batch))
			for i, a := range batch {
				names[i] = a.Key
			}
			described, err := describeTopicsOn(ctx, b, names)
			if err != nil {
				return nil, err
			}
			out := make(map[string]driver.Result, len(batch))
			for _, t := range names {
				ti, ok := described[t]
				if !ok {
					out[t] = driver.Result{Outcome: driver.Relookup, Err: fmt.Errorf("%s left topic %q out of its answer", b, t)}
					continue
				}
				err := ti.Err
				if errors.Is(err, kerr.UnknownTopicOrPartition) {
					err = kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("topic %q does not exist: check the topic name", t))
				}
				ti.Err = nil
				res := driver.Classify(driver.ToAnyBroker, err, false, exceptions)
				if res.Outcome == driver.Done {
					done.set(t, ti)
				}
				out[t] = res
			}
			return out, nil
		},
	}, TopicKey)
	for t, ke := range failed {
		done.m[t] = TopicInfo{Name: t, Err: ke}
	}
	return done.m, callError(op, len(topics), failed)
}

// describeTopicsBatch is how many topics one DescribeTopicPartitions
// request names: 50 topics of up to 40 partitions fit in one page of
// Kafka's 2,000, and the requests for more topics go out at once.
const describeTopicsBatch = 50

// topicPartitionsPage is the partitions asked of each page of
// DescribeTopicPartitions: Kafka's cap (max.request.partition.size.limit).
const topicPartitionsPage = 2000

// describeTopicsOn describes topics on broker b, with
// DescribeTopicPartitions followed to its last page where b has it, else
// with Metadata. Each topic's error is left in its TopicInfo.
func describeTopicsOn(ctx context.Context, b *cluster.Broker, topics []string) (map[string]TopicInfo, error) {
	_, err := b.Version(ctx, kmsg.DescribeTopicPartitions, 0, 0)
	var ue *conn.UnsupportedVersionError
	switch {
	case errors.As(err, &ue):
		req := kmsg.NewPtrMetadataRequest()
		req.AllowAutoTopicCreation = false
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
		resp, err := b.Request(ctx, req, 1, 12)
		if err != nil {
			return nil, err
		}
		out := make(map[string]TopicInfo, len(topics))
		for _, t := range resp.(*kmsg.MetadataResponse).Topics {
			ti := topicInfo(t)
			out[ti.Name] = ti
		}
		return out, nil
	case err != nil:
		return nil, err
	}
	out := make(map[string]TopicInfo, len(topics))
	req := kmsg.NewPtrDescribeTopicPartitionsRequest()
	req.ResponsePartitionLimit = topicPartitionsPage
	req.Topics = make([]kmsg.DescribeTopicPartitionsRequestTopic, len(topics))
	for i, t := range topics {
		req.Topics[i].Topic = t
	}
	for page := 1; ; page++ {
		resp, err := b.Request(ctx, req, 0, 0)
		if err != nil {
			return nil, err
		}
		r := resp.(*kmsg.DescribeTopicPartitionsResponse)
		for _, t := range r.Topics {
			name := ""
			if t.Topic != nil {
				name = *t.Topic
			}
			ti, seen := out[name]
			if !seen {
				ti = TopicInfo{Name: name, ID: topicID(t.TopicID), Internal: t.IsInternal, Err: kafkaerr.New(t.ErrorCode, nil)}
			}
			for _, p := range t.Partitions {
				ti.Partitions = append(ti.Partitions, PartitionInfo{
					Partition: p.Partition, Leader: p.LeaderID, LeaderEpoch: p.LeaderEpoch,
					Replicas: p.Replicas, ISR: p.ISR, OfflineReplicas: p.OfflineReplicas,
					EligibleLeaderReplicas: p.EligibleLeaderReplicas, LastKnownELR: p.LastKnownELR,
					Err: kafkaerr.New(p.ErrorCode, nil),
				})
			}
			out[name] = ti
		}
		if r.NextCursor == nil {
			break
		}
		next := &kmsg.DescribeTopicPartitionsRequestCursor{Topic: r.NextCursor.Topic, Partition: r.NextCursor.Partition}
		if prev := req.Cursor; prev != nil && (next.Topic < prev.Topic || next.Topic == prev.Topic && next.Partition <= prev.Partition) {
			// A cursor that does not move on would page forever.
			return nil, fmt.Errorf("%s: DescribeTopicPartitions' page %d went back to topic %q partition %d", b, page, next.Topic, next.Partition)
		}
		req.Cursor = next
	}
	for name, ti := range out {
		slices.SortFunc(ti.Partitions, func(a, b PartitionInfo) int { return int(a.Partition) - int(b.Partition) })
		out[name] = ti
	}
	return out, nil
}

// String names the broker and its address.
func (b BrokerInfo) String() string { return fmt.Sprintf("%d (%s:%d)", b.ID, b.Host, b.Port) }
