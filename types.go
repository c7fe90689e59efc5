package kafadmin

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return fmt.Sprintf("%s/%d", tp.Topic, tp.Partition) }

func compareTP(a, b TopicPartition) int {
	if a.Topic != b.Topic {
		return strings.Compare(a.Topic, b.Topic)
	}
	return cmp.Compare(a.Partition, b.Partition)
}

// SortTopicPartitions sorts by topic, then partition.
func SortTopicPartitions(tps []TopicPartition) { slices.SortFunc(tps, compareTP) }

func describeTP(tp TopicPartition) string { return PartitionKey(tp).String() }

// checkGroups validates a call's group ids and drops duplicates.
func checkGroups(groups []string) ([]string, error) {
	if len(groups) == 0 {
		return nil, errors.New("no groups given: name at least one group")
	}
	out := make([]string, 0, len(groups))
	seen := make(map[string]bool, len(groups))
	for _, g := range groups {
		if g == "" {
			return nil, errors.New("a group id is empty: group ids must be non-empty")
		}
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out, nil
}

// setOf returns the set of keys.
func setOf[K comparable](keys []K) map[K]bool {
	set := make(map[K]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	return set
}

// checkTopicPartitions validates partitions and drops duplicates.
func checkTopicPartitions(tps []TopicPartition) ([]TopicPartition, error) {
	if len(tps) == 0 {
		return nil, errors.New("no partitions given: name at least one topic partition")
	}
	seen := make(map[TopicPartition]bool, len(tps))
	out := make([]TopicPartition, 0, len(tps))
	for _, tp := range tps {
		if tp.Topic == "" {
			return nil, errors.New("a topic name is empty: topic names must be non-empty")
		}
		if tp.Partition < 0 {
			return nil, fmt.Errorf("partition %d of topic %q is negative: partitions are numbered from 0", tp.Partition, tp.Topic)
		}
		if !seen[tp] {
			seen[tp] = true
			out = append(out, tp)
		}
	}
	return out, nil
}

// results is a call's per-key values, written by the call's sends, which
// run concurrently.
type results[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

func newResults[K comparable, V any](n int) *results[K, V] {
	return &results[K, V]{m: make(map[K]V, n)}
}

func (r *results[K, V]) set(k K, v V) {
	r.mu.Lock()
	r.m[k] = v
	r.mu.Unlock()
}

// GroupMember is one member of a consumer group.
type GroupMember struct {
	MemberID   string
	InstanceID string // group.instance.id of a static member; "" for a dynamic one
	ClientID   string
	ClientHost string
	// RackID is the member's client.rack, "" if it set none. Only consumer
	// groups (KIP-848) report it.
	RackID string
	// MemberEpoch is a consumer-group member's epoch: the group epoch of
	// the assignment it has reconciled; -1 for classic members.
	MemberEpoch int32
	// Topics is the member's subscription: the subscribed topic names, for
	// consumer-protocol classic groups and consumer groups.
	Topics []string
	// SubscribedRegex is the regular expression a consumer-group member
	// subscribed with (KIP-848), "" if it subscribed by name or is a
	// classic member.
	SubscribedRegex string
	// Assigned is the member's assignment, topic to sorted partitions: for
	// consumer-protocol classic groups what the leader assigned, for
	// consumer groups the member's current assignment.
	Assigned map[string][]int32
	// Target is a consumer-group member's target assignment, topic to
	// sorted partitions: what the server-side assignor gave it, which it
	// is reconciling Assigned towards. Nil for classic members.
	Target map[string][]int32
	// RawMetadata and RawAssignment are a classic member's protocol bytes,
	// as the broker sent them; nil for consumer-group members.
	RawMetadata, RawAssignment []byte
}

func (m GroupMember) String() string {
	id := m.MemberID
	if m.InstanceID != "" {
		id = m.InstanceID
	}
	return fmt.Sprintf("%s (client %s, host %s)", id, m.ClientID, m.ClientHost)
}

// AssignedPartitions lists the member's assignment, sorted.
func (m GroupMember) AssignedPartitions() []TopicPartition {
	var out []TopicPartition
	for t, ps := range m.Assigned {
		for _, p := range ps {
			out = append(out, TopicPartition{t, p})
		}
	}
	SortTopicPartitions(out)
	return out
}

// decodeMember reads a DescribeGroups member, decoding the consumer
// protocol's subscription and assignment.
func decodeMember(protocolType string, m kmsg.DescribeGroupsResponseGroupMember) GroupMember {
	gm := GroupMember{
		MemberID:      m.MemberID,
		MemberEpoch:   -1,
		ClientID:      m.ClientID,
		ClientHost:    m.ClientHost,
		RawMetadata:   m.ProtocolMetadata,
		RawAssignment: m.MemberAssignment,
	}
	if m.InstanceID != nil {
		gm.InstanceID = *m.InstanceID
	}
	if protocolType != "consumer" {
		return gm
	}
	var meta kmsg.ConsumerMemberMetadata
	if len(m.ProtocolMetadata) > 0 && meta.ReadFrom(m.ProtocolMetadata) == nil {
		gm.Topics = meta.Topics
	}
	var asn kmsg.ConsumerMemberAssignment
	if len(m.MemberAssignment) > 0 && asn.ReadFrom(m.MemberAssignment) == nil {
		gm.Assigned = make(map[string][]int32, len(asn.Topics))
		for _, t := range asn.Topics {
			ps := slices.Clone(t.Partitions)
			slices.Sort(ps)
			gm.Assigned[t.Topic] = append(gm.Assigned[t.Topic], ps...)
		}
	}
	return gm
}
