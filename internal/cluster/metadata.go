package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicMeta is one topic as metadata described it.
type TopicMeta struct {
	Name       string
	Err        error // the topic-level error, e.g. UNKNOWN_TOPIC_OR_PARTITION
	Partitions []PartitionMeta
	at         time.Time
}

// PartitionMeta is one partition as metadata described it.
type PartitionMeta struct {
	Partition   int32
	Leader      int32 // -1 when there is none
	LeaderEpoch int32 // -1 from brokers older than Metadata v7
}

// Partition returns partition p, if the topic has it.
func (t *TopicMeta) Partition(p int32) (PartitionMeta, bool) {
	if p >= 0 && int(p) < len(t.Partitions) && t.Partitions[p].Partition == p {
		return t.Partitions[p], true
	}
	for _, pm := range t.Partitions {
		if pm.Partition == p {
			return pm, true
		}
	}
	return PartitionMeta{}, false
}

func (cl *Cluster) refreshBrokers(ctx context.Context) (*fetched, error) {
	return cl.metadata(ctx, "", func(req *kmsg.MetadataRequest) { req.Topics = []kmsg.MetadataRequestTopic{} })
}

// fetched is one metadata answer and the topics parsed from it.
type fetched struct {
	resp   *kmsg.MetadataResponse
	topics map[string]*TopicMeta
}

// metadata fetches metadata shaped by build, sharing the fetch with callers
// asking for the same key.
func (cl *Cluster) metadata(ctx context.Context, key string, build func(*kmsg.MetadataRequest)) (*fetched, error) {
	cl.mu.Lock()
	f := cl.metaFlight[key]
	if f == nil {
		f = cl.startFlight(func(ctx context.Context) (any, error) {
			resp, err := cl.RequestAny(ctx, func() kmsg.Request {
				req := kmsg.NewPtrMetadataRequest()
				build(req)
				return req
			}, metadataMin, metadataMax)
			if err != nil {
				return nil, fmt.Errorf("metadata: %w", err)
			}
			mr := resp.(*kmsg.MetadataResponse)
			return &fetched{resp: mr, topics: cl.applyMetadata(mr)}, nil
		}, func(*flight) {
			cl.mu.Lock()
			delete(cl.metaFlight, key)
			cl.mu.Unlock()
		})
		cl.metaFlight[key] = f
	}
	cl.mu.Unlock()
	v, err := f.wait(ctx)
	if err != nil {
		return nil, err
	}
	return v.(*fetched), nil
}

// applyMetadata updates the broker registry, the controller and the topics
// in resp, and returns the topics.
func (cl *Cluster) applyMetadata(resp *kmsg.MetadataResponse) map[string]*TopicMeta {
	now := time.Now()
	seen := make(map[int32]bool, len(resp.Brokers))
	for _, b := range resp.Brokers {
		cl.upsertBroker(b.NodeID, b.Host, b.Port)
		seen[b.NodeID] = true
	}
	var gone []*Broker
	cl.mu.Lock()
	if len(resp.Brokers) > 0 {
		for id, b := range cl.brokers {
			if !seen[id] {
				gone = append(gone, b)
				delete(cl.brokers, id)
			}
		}
	}
	cl.controller = resp.ControllerID
	cl.brokersAt = now
	topics := make(map[string]*TopicMeta, len(resp.Topics))
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		tm := &TopicMeta{Name: *t.Topic, Err: kerr.ErrorForCode(t.ErrorCode), at: now}
		for _, p := range t.Partitions {
			tm.Partitions = append(tm.Partitions, PartitionMeta{Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch})
		}
		slices.SortFunc(tm.Partitions, func(a, b PartitionMeta) int { return int(a.Partition) - int(b.Partition) })
		cl.topics[tm.Name] = tm
		topics[tm.Name] = tm
	}
	seeds := cl.seeds
	cl.mu.Unlock()

	for _, b := range gone {
		b.close()
		cl.forgetBroker(b.ID)
	}
	// Known brokers replace the bootstrap connections.
	if len(resp.Brokers) > 0 {
		for _, s := range seeds {
			s.closeIdle(0)
		}
	}
	return topics
}

// Topics returns metadata for topics, fetching in one request those not
// cached or older than maxAge (the configured maximum age when 0).
func (cl *Cluster) Topics(ctx context.Context, topics []string, maxAge time.Duration) (map[string]*TopicMeta, error) {
	if maxAge <= 0 {
		maxAge = cl.cfg.metadataMaxAge()
	}
	out := make(map[string]*TopicMeta, len(topics))
	var missing []string
	cl.mu.Lock()
	for _, t := range topics {
		if tm := cl.topics[t]; tm != nil && tm.Err == nil && time.Since(tm.at) < maxAge {
			out[t] = tm
		} else if !slices.Contains(missing, t) {
			missing = append(missing, t)
		}
	}
	cl.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	slices.Sort(missing)
	f, err := cl.metadata(ctx, "topics\x00"+strings.Join(missing, "\x00"), func(req *kmsg.MetadataRequest) {
		for _, t := range missing {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
	})
	if err != nil {
		return nil, err
	}
	for _, t := range missing {
		if tm := f.topics[t]; tm != nil {
			out[t] = tm
		} else { // a broker that answered without the topic
			out[t] = &TopicMeta{Name: t, Err: kerr.UnknownTopicOrPartition}
		}
	}
	return out, nil
}

// InvalidateTopic makes the next look-up of topic fetch metadata.
func (cl *Cluster) InvalidateTopic(topic string) {
	cl.mu.Lock()
	delete(cl.topics, topic)
	cl.mu.Unlock()
}

// FetchMetadata asks broker b for metadata, all topics when topics is nil,
// none when it is empty, and updates the cluster's view with the answer.
func (cl *Cluster) FetchMetadata(ctx context.Context, b *Broker, topics []string) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	if topics != nil {
		req.Topics = make([]kmsg.MetadataRequestTopic, 0, len(topics))
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
	}
	resp, err := b.Request(ctx, req, metadataMin, metadataMax)
	if err != nil {
		return nil, err
	}
	mr := resp.(*kmsg.MetadataResponse)
	cl.applyMetadata(mr)
	return mr, nil
}

// RequestAny sends the request newReq makes to any broker but those in
// avoid, moving to another broker at once when one cannot be reached, and
// to a second one as well when the first has not answered within
// StallAfter (each attempt sends a request of its own).
func (cl *Cluster) RequestAny(ctx context.Context, newReq func() kmsg.Request, lo, hi int16, avoid ...*Broker) (kmsg.Response, error) {
	return withAnyBroker(ctx, cl, func(ctx context.Context, b *Broker) (kmsg.Response, error) {
		return b.Request(ctx, newReq(), lo, hi)
	}, avoid...)
}

// MetadataNow asks any broker but those in avoid for metadata of topics
// (none if empty), with a request of its own, updates the cluster's view
// with the answer, and returns it with its topics parsed. Topics are never
// created by the request.
func (cl *Cluster) MetadataNow(ctx context.Context, topics []string, avoid ...*Broker) (*kmsg.MetadataResponse, map[string]*TopicMeta, error) {
	newReq := func() kmsg.Request {
		req := kmsg.NewPtrMetadataRequest()
		req.AllowAutoTopicCreation = false
		req.Topics = make([]kmsg.MetadataRequestTopic, 0, len(topics))
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
		return req
	}
	resp, err := cl.RequestAny(ctx, newReq, metadataMin, metadataMax, avoid...)
	if err != nil {
		return nil, nil, fmt.Errorf("metadata: %w", err)
	}
	mr := resp.(*kmsg.MetadataResponse)
	return mr, cl.applyMetadata(mr), nil
}
