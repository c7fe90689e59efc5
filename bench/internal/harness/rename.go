package harness

import (
	"context"
	"strings"
)

// The seeded world, for clusters the harness does not start itself (the
// real-Kafka table): topics, commits and the static member its checks
// expect, under the groups' logical names.
const (
	// MemberGroup is the group with one static member, assigned every
	// partition of the orders topic.
	MemberGroup = "g-members"
	// MemberInstanceID and MemberClientID are that member's
	// group.instance.id and client id.
	MemberInstanceID = memberID
	MemberClientID   = memberClient
)

// SeedTopic is a topic of the seeded world: Records records in each of its
// partitions.
type SeedTopic struct {
	Name       string
	Partitions int32
	Records    int
}

// SeedTopics are the seeded world's topics.
func SeedTopics() []SeedTopic {
	return []SeedTopic{{"orders", ordersParts, ordersRecords}, {"payments", paymentsParts, paymentRecords}}
}

// GroupNames are the logical names of every seeded group.
func GroupNames() []string { return append([]string(nil), allGroups...) }

// SeedCommits are the seeded commits: group, topic, partition, offset.
// MemberGroup has none (its member is joined instead).
func SeedCommits() map[string]map[string]map[int32]int64 {
	all := func(topic string, partitions int32, offset int64) map[string]map[int32]int64 {
		o := map[int32]int64{}
		for p := range partitions {
			o[p] = offset
		}
		return map[string]map[int32]int64{topic: o}
	}
	commits := map[string]map[string]map[int32]int64{
		"g-main": all("orders", ordersParts, mainCommitted),
		"g-del":  all("orders", 1, 1),
	}
	for i, g := range manyGroups[1:] {
		commits[g] = all("payments", paymentsParts, int64(2+i))
	}
	return commits
}

// Renamed puts an Admin whose groups carry other names under the loops:
// names maps each logical group name (GroupNames) to its real name, and
// every real name starts with prefix. Calls take and return logical names;
// ListGroups returns only the groups whose name starts with prefix, those
// of names under their logical name and any other under its real one (so
// that the check sees it as wrong). Many clients can then share one cluster,
// each with groups of its own.
func Renamed(a Admin, prefix string, names map[string]string) Admin {
	r := renamed{a: a, prefix: prefix, real: names, logical: map[string]string{}}
	for l, n := range names {
		r.logical[n] = l
	}
	return r
}

type renamed struct {
	a             Admin
	prefix        string
	real, logical map[string]string
}

func (r renamed) toReal(groups []string) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		if n, ok := r.real[g]; ok {
			out[i] = n
		} else {
			out[i] = g
		}
	}
	return out
}

func (r renamed) toLogical(g string) string {
	if l, ok := r.logical[g]; ok {
		return l
	}
	return g
}

func (r renamed) DescribeGroups(ctx context.Context, groups ...string) (map[string]Group, error) {
	d, err := r.a.DescribeGroups(ctx, r.toReal(groups)...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Group, len(d))
	for g, v := range d {
		out[r.toLogical(g)] = v
	}
	return out, nil
}

func (r renamed) FetchOffsets(ctx context.Context, groups ...string) (map[string]Offsets, error) {
	o, err := r.a.FetchOffsets(ctx, r.toReal(groups)...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Offsets, len(o))
	for g, v := range o {
		out[r.toLogical(g)] = v
	}
	return out, nil
}

func (r renamed) ListGroups(ctx context.Context) ([]string, error) {
	listed, err := r.a.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range listed {
		if strings.HasPrefix(g, r.prefix) {
			out = append(out, r.toLogical(g))
		}
	}
	return out, nil
}

func (r renamed) Lag(ctx context.Context, group string) (Lag, error) {
	return r.a.Lag(ctx, r.toReal([]string{group})[0])
}

func (r renamed) Close() error { return r.a.Close() }
