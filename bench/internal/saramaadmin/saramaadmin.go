// Package saramaadmin puts Sarama's ClusterAdmin under the failover
// harness. It builds against the latest Sarama in the bench module and
// against Sarama v1.44.0 in the sarama144 module, so it uses only what both
// offer; what differs (where an OffsetFetch response keeps its offsets) is
// passed in by each module's program.
package saramaadmin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafadmin/kafadmin/bench/internal/harness"
)

// Config is the configuration the comparison gives Sarama: Kafka 3.9
// protocol versions, the 1 s dial and read timeouts every client gets (so
// that a black-holed broker is noticed as quickly), and Sarama's own retry
// defaults: Admin.Retry.Max 5 with a 100 ms backoff, Metadata.Retry.Max 3
// with a 250 ms backoff.
func Config() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "bench-sarama"
	cfg.Version = sarama.V3_9_0_0
	cfg.Net.DialTimeout = time.Second
	cfg.Net.ReadTimeout = time.Second
	cfg.Net.WriteTimeout = time.Second
	return cfg
}

// Blocks returns an OffsetFetch response's offsets, topic then partition,
// and its group-level error (sarama.ErrNoError if none).
type Blocks func(resp *sarama.OffsetFetchResponse) (map[string]map[int32]*sarama.OffsetFetchResponseBlock, sarama.KError)

// Admin is a Sarama ClusterAdmin with the client it was built on.
type Admin struct {
	client sarama.Client
	admin  sarama.ClusterAdmin
	blocks Blocks
}

// Factory returns a harness factory for Sarama with cfg.
func Factory(cfg func() *sarama.Config, blocks Blocks) harness.Factory {
	return func(_ context.Context, addrs []string) (harness.Admin, error) {
		return New(addrs, cfg(), blocks)
	}
}

// New connects to the brokers at addrs.
func New(addrs []string, cfg *sarama.Config, blocks Blocks) (*Admin, error) {
	client, err := sarama.NewClient(addrs, cfg)
	if err != nil {
		return nil, fmt.Errorf("sarama: new client: %w", err)
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("sarama: new cluster admin: %w", err)
	}
	return &Admin{client: client, admin: admin, blocks: blocks}, nil
}

// DescribeGroups calls DescribeConsumerGroups.
func (a *Admin) DescribeGroups(_ context.Context, groups ...string) (map[string]harness.Group, error) {
	described, err := a.admin.DescribeConsumerGroups(groups)
	if err != nil {
		return nil, err
	}
	out := make(map[string]harness.Group, len(described))
	for _, d := range described {
		if !errors.Is(d.Err, sarama.ErrNoError) {
			return nil, fmt.Errorf("group %s: %w", d.GroupId, d.Err)
		}
		g := harness.Group{State: d.State}
		for _, m := range d.Members {
			member := harness.Member{ClientID: m.ClientId}
			if m.GroupInstanceId != nil {
				member.InstanceID = *m.GroupInstanceId
			}
			assignment, err := m.GetMemberAssignment()
			if err != nil {
				return nil, fmt.Errorf("group %s: decoding the assignment of %s: %w", d.GroupId, m.MemberId, err)
			}
			if assignment != nil {
				for _, ps := range assignment.Topics {
					member.Assigned += len(ps)
				}
			}
			g.Members = append(g.Members, member)
		}
		out[d.GroupId] = g
	}
	return out, nil
}

// FetchOffsets calls ListConsumerGroupOffsets for each group in turn, as
// Sarama v1.44.0 has no batched form.
func (a *Admin) FetchOffsets(_ context.Context, groups ...string) (map[string]harness.Offsets, error) {
	out := make(map[string]harness.Offsets, len(groups))
	for _, g := range groups {
		o, err := a.fetch(g)
		if err != nil {
			return nil, err
		}
		out[g] = o
	}
	return out, nil
}

func (a *Admin) fetch(group string) (harness.Offsets, error) {
	resp, err := a.admin.ListConsumerGroupOffsets(group, nil)
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", group, err)
	}
	blocks, groupErr := a.blocks(resp)
	if !errors.Is(groupErr, sarama.ErrNoError) {
		return nil, fmt.Errorf("group %s: %w", group, groupErr)
	}
	o := harness.Offsets{}
	for topic, partitions := range blocks {
		for p, b := range partitions {
			if !errors.Is(b.Err, sarama.ErrNoError) {
				return nil, fmt.Errorf("group %s, %s/%d: %w", group, topic, p, b.Err)
			}
			if b.Offset < 0 {
				continue
			}
			if o[topic] == nil {
				o[topic] = map[int32]int64{}
			}
			o[topic][p] = b.Offset
		}
	}
	return o, nil
}

// ListGroups calls ListConsumerGroups.
func (a *Admin) ListGroups(context.Context) ([]string, error) {
	groups, err := a.admin.ListConsumerGroups()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	return names, nil
}

// Lag fetches the group's offsets and each partition's newest offset with
// the client's GetOffset.
func (a *Admin) Lag(_ context.Context, group string) (harness.Lag, error) {
	o, err := a.fetch(group)
	if err != nil {
		return nil, err
	}
	lag := harness.Lag{}
	for topic, partitions := range o {
		lag[topic] = map[int32]harness.PartitionLag{}
		for p, committed := range partitions {
			end, err := a.client.GetOffset(topic, p, sarama.OffsetNewest)
			if err != nil {
				return nil, fmt.Errorf("%s/%d: log end: %w", topic, p, err)
			}
			lag[topic][p] = harness.PartitionLag{Committed: committed, End: end, Lag: max(end-committed, 0)}
		}
	}
	return lag, nil
}

// Close closes the admin and its client.
func (a *Admin) Close() error { return a.admin.Close() }
