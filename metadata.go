package kafadmin

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
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
	Err         error
}

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
	out := make([]BrokerInfo, 0, len(resp.Brokers))
	for _, b := range resp.Brokers {
		bi := BrokerInfo{ID: b.NodeID, Host: b.Host, Port: b.Port, Controller: b.NodeID == resp.ControllerID}
		if b.Rack != nil {
			bi.Rack = *b.Rack
		}
		out = append(out, bi)
	}
	slices.SortFunc(out, func(a, b BrokerInfo) int { return int(a.ID) - int(b.ID) })
	return out, nil
}

// ListTopics lists the cluster's topics and their partitions, sorted by
// name, from fresh metadata. Internal topics (__consumer_offsets, ...) are
// included and marked.
func (c *Client) ListTopics(ctx context.Context) ([]TopicInfo, error) {
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
		if t.Topic == nil {
			continue
		}
		ti := TopicInfo{Name: *t.Topic, Internal: t.IsInternal, Err: kafkaerr.New(t.ErrorCode, nil)}
		if t.TopicID != [16]byte{} {
			ti.ID = hex.EncodeToString(t.TopicID[:])
		}
		for _, p := range t.Partitions {
			ti.Partitions = append(ti.Partitions, PartitionInfo{
				Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch,
				Replicas: p.Replicas, ISR: p.ISR, Err: kafkaerr.New(p.ErrorCode, nil),
			})
		}
		slices.SortFunc(ti.Partitions, func(a, b PartitionInfo) int { return int(a.Partition) - int(b.Partition) })
		out = append(out, ti)
	}
	slices.SortFunc(out, func(a, b TopicInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// String names the broker and its address.
func (b BrokerInfo) String() string { return fmt.Sprintf("%d (%s:%d)", b.ID, b.Host, b.Port) }
