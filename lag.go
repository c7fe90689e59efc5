package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// PartitionLag is a group's lag on one partition.
type PartitionLag struct {
	Topic     string
	Partition int32
	// Committed is the group's committed offset, -1 when the group has no
	// commit for the partition (it is assigned one, but has not committed).
	Committed int64
	LogStart  int64 // the log start offset; -1 when unknown (see Err)
	LogEnd    int64 // the log end offset (high watermark); -1 when unknown
	// Lag is LogEnd - Committed, and 0 when the commit is past the log
	// end; -1 when there is no commit or the log end is unknown.
	Lag int64
	// The member the partition is assigned to, if any.
	MemberID, InstanceID, ClientID, ClientHost string
	Err                                        error // why the log offsets are unknown
}

// HasCommit reports whether the group has a commit for the partition.
func (p PartitionLag) HasCommit() bool { return p.Committed >= 0 }

// GroupLag is one group's lag.
type GroupLag struct {
	Group       string
	State       string // "" when the group could not be described
	Coordinator int32
	// Partitions are the partitions the group has a commit for or is
	// assigned, sorted by topic and partition.
	Partitions []PartitionLag
	// TopicLag and TotalLag sum the lag of the partitions whose lag is
	// known.
	TopicLag map[string]int64
	TotalLag int64
	Err      error
}

// Lag computes the lag of groups: for every partition the group has a
// commit for or is assigned, the committed offset, the log start and end
// offsets, and their difference, with totals per topic and per group. With
// no groups given it covers every consumer group of the cluster.
//
// It runs in two rounds whatever the number of groups: every group's
// description and committed offsets at once (per coordinator, one
// OffsetFetch, and one DescribeGroups with one ConsumerGroupDescribe where
// the broker has it), then the log start and end offsets of every partition
// at once (one ListOffsets per leader for each).
func (c *Client) Lag(ctx context.Context, groups ...string) (Results[string, GroupLag], error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if len(groups) == 0 {
		listed, err := c.ListGroups(ctx, GroupFilter{})
		if err != nil {
			return nil, fmt.Errorf("lag: listing the groups: %w", err)
		}
		for _, g := range listed {
			if g.ProtocolType == "consumer" || g.ProtocolType == "" && g.Type != "share" {
				groups = append(groups, g.Group)
			}
		}
		if len(groups) == 0 {
			return map[string]GroupLag{}, nil
		}
	}
	groups, err = checkGroups(groups)
	if err != nil {
		return nil, fmt.Errorf("lag: %w", err)
	}

	var (
		wg        sync.WaitGroup
		described map[string]GroupDescription
		fetched   map[string]GroupOffsets
	)
	wg.Add(2)
	go func() { defer wg.Done(); described, _ = c.describeGroups(ctx, groups) }()
	go func() { defer wg.Done(); fetched, _ = c.fetchOffsets(ctx, groups) }()
	wg.Wait()

	lags := make(map[string]*GroupLag, len(groups))
	var tps []TopicPartition
	seen := make(map[string]map[int32]bool) // by topic, hashing each name once per group
	for _, g := range groups {
		gl := startLag(g, described[g], fetched[g])
		lags[g] = gl
		var topicSeen map[int32]bool
		for i, p := range gl.Partitions {
			if i == 0 || p.Topic != gl.Partitions[i-1].Topic {
				if topicSeen = seen[p.Topic]; topicSeen == nil {
					topicSeen = make(map[int32]bool)
					seen[p.Topic] = topicSeen
				}
			}
			if !topicSeen[p.Partition] {
				topicSeen[p.Partition] = true
				tps = append(tps, TopicPartition{p.Topic, p.Partition})
			}
		}
	}

	var starts, ends logOffsets
	if len(tps) > 0 {
		wg.Add(2)
		go func() { defer wg.Done(); listed, _ := c.listOffsets(ctx, Earliest(), tps); starts = byTopic(listed) }()
		go func() { defer wg.Done(); listed, _ := c.listOffsets(ctx, Latest(), tps); ends = byTopic(listed) }()
		wg.Wait()
	}

	out := make(map[string]GroupLag, len(groups))
	failed := make(map[string]*KeyError)
	for _, g := range groups {
		gl := lags[g]
		finishLag(gl, starts, ends)
		out[g] = *gl
		if gl.Err != nil {
			var ke *KeyError
			if !errors.As(gl.Err, &ke) {
				ke = keyError("lag", GroupKey(g), gl.Coordinator, gl.Err)
			}
			failed[g] = ke
		}
	}
	return out, callError("lag", len(groups), failed)
}

// startLag lays out a group's partitions from its commits and assignment,
// sorted by topic and partition.
func startLag(group string, d GroupDescription, o GroupOffsets) *GroupLag {
	gl := &GroupLag{Group: group, State: d.State, Coordinator: o.Coordinator, TopicLag: map[string]int64{}}
	if gl.Coordinator < 0 {
		gl.Coordinator = d.Coordinator
	}
	switch {
	case o.Err != nil:
		gl.Err = o.Err
		return gl
	case d.Err != nil:
		gl.Err = d.Err
	}
	tps := make([]TopicPartition, 0, len(o.Offsets))
	for tp := range o.Offsets {
		tps = append(tps, tp)
	}
	for _, m := range d.Members {
		for t, ps := range m.Assigned {
			for _, p := range ps {
				if tp := (TopicPartition{t, p}); !o.has(tp) {
					tps = append(tps, tp)
				}
			}
		}
	}
	SortTopicPartitions(tps)
	tps = slices.Compact(tps) // a partition assigned to two members
	if len(tps) > 0 {
		gl.Partitions = make([]PartitionLag, len(tps))
	}
	for i, tp := range tps {
		committed := int64(-1)
		if co, ok := o.Offsets[tp]; ok {
			committed = co.Offset
		}
		gl.Partitions[i] = PartitionLag{Topic: tp.Topic, Partition: tp.Partition, Committed: committed, LogStart: -1, LogEnd: -1, Lag: -1}
	}
	for _, m := range d.Members {
		for t, ps := range m.Assigned {
			for _, p := range ps {
				i, _ := slices.BinarySearchFunc(gl.Partitions, TopicPartition{t, p}, func(pl PartitionLag, tp TopicPartition) int {
					return compareTP(TopicPartition{pl.Topic, pl.Partition}, tp)
				})
				pl := &gl.Partitions[i]
				pl.MemberID, pl.InstanceID, pl.ClientID, pl.ClientHost = m.MemberID, m.InstanceID, m.ClientID, m.ClientHost
			}
		}
	}
	return gl
}

// logOffsets are listed log offsets by topic, then partition, for lookups
// that hash each topic name once rather than once per partition.
type logOffsets map[string]map[int32]ListedOffset

func byTopic(listed map[TopicPartition]ListedOffset) logOffsets {
	out := make(logOffsets)
	for tp, lo := range listed {
		ps := out[tp.Topic]
		if ps == nil {
			ps = make(map[int32]ListedOffset)
			out[tp.Topic] = ps
		}
		ps[tp.Partition] = lo
	}
	return out
}

// finishLag fills in the log offsets and the sums.
func finishLag(gl *GroupLag, starts, ends logOffsets) {
	var (
		unknown                int
		firstErr               error
		topic                  string
		topicStarts, topicEnds map[int32]ListedOffset
	)
	for i := range gl.Partitions {
		p := &gl.Partitions[i]
		if i == 0 || p.Topic != topic {
			topic, topicStarts, topicEnds = p.Topic, starts[p.Topic], ends[p.Topic]
		}
		s, sok := topicStarts[p.Partition]
		e, eok := topicEnds[p.Partition]
		if !sok || !eok {
			s.Err = errors.New("no log offsets were listed for the partition")
		}
		if err := cmpErr(e.Err, s.Err); err != nil {
			p.Err = err
			unknown++
			firstErr = cmpErr(firstErr, err)
		} else {
			p.LogStart, p.LogEnd = s.Offset, e.Offset
		}
		if p.HasCommit() && p.Err == nil {
			p.Lag = max(0, p.LogEnd-p.Committed)
			gl.TopicLag[p.Topic] += p.Lag
			gl.TotalLag += p.Lag
		}
	}
	if firstErr != nil && gl.Err == nil {
		gl.Err = fmt.Errorf("the log offsets of %d partition(s) are unknown: %w", unknown, firstErr)
	}
}

// SortedLags returns lags ordered by group id.
func SortedLags(lags map[string]GroupLag) []GroupLag {
	out := make([]GroupLag, 0, len(lags))
	for _, gl := range lags {
		out = append(out, gl)
	}
	slices.SortFunc(out, func(a, b GroupLag) int { return strings.Compare(a.Group, b.Group) })
	return out
}
