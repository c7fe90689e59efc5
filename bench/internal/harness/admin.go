// Package harness runs the failover comparison: the faults of kafadmin's
// failover matrix, injected into a fresh embedded cluster for each client,
// while the client calls read operations in loops, each call checked against
// the seeded data.
//
// Each client under test is wrapped in an Admin. An Admin reports every
// error its client reports, whether returned or carried inside a result (a
// per-group error field), so that a call counts as wrong only when the
// client said nothing was amiss.
package harness

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Admin is one client under test, reduced to the operations the failover
// loops call. Implementations return an error whenever their client
// reported one, in its returned error or inside its result.
type Admin interface {
	// DescribeGroups describes groups.
	DescribeGroups(ctx context.Context, groups ...string) (map[string]Group, error)
	// FetchOffsets fetches the committed offsets of groups.
	FetchOffsets(ctx context.Context, groups ...string) (map[string]Offsets, error)
	// ListGroups lists every group of the cluster.
	ListGroups(ctx context.Context) ([]string, error)
	// Lag computes a group's committed offset and log end per partition.
	Lag(ctx context.Context, group string) (Lag, error)
	// Close releases the client.
	Close() error
}

// Factory connects an Admin to the brokers at addrs.
type Factory func(ctx context.Context, addrs []string) (Admin, error)

// Group is a described group.
type Group struct {
	State   string
	Members []Member
}

// Member is a described group member.
type Member struct {
	InstanceID string
	ClientID   string
	// Assigned counts the partitions assigned to the member.
	Assigned int
}

// Offsets are a group's committed offsets: topic, then partition.
type Offsets map[string]map[int32]int64

// PartitionLag is one partition of a group's lag.
type PartitionLag struct {
	Committed int64
	End       int64
	Lag       int64
}

// Lag is a group's lag: topic, then partition.
type Lag map[string]map[int32]PartitionLag

// The seeded world: two topics with records, groups with known commits, and
// one group with a static member.
const (
	ordersParts    = 6
	paymentsParts  = 3
	ordersRecords  = 20
	paymentRecords = 10
	mainCommitted  = 5
	memberClient   = "member-client"
	memberID       = "inst-1"
)

var (
	topics     = []string{"orders", "payments"}
	manyGroups = []string{"g-main", "g-b", "g-c", "g-d"}
	allGroups  = []string{"g-main", "g-b", "g-c", "g-d", "g-del", "g-members"}
)

// operation is one read call of the failover loops and its check.
type operation struct {
	name string
	call func(ctx context.Context, a Admin) error
}

var operations = []operation{
	{name: "describe", call: func(ctx context.Context, a Admin) error {
		d, err := a.DescribeGroups(ctx, "g-members", "g-main")
		if err != nil {
			return err
		}
		return wrong(checkDescribe(d))
	}},
	{name: "fetch offsets", call: func(ctx context.Context, a Admin) error {
		o, err := a.FetchOffsets(ctx, "g-main")
		if err != nil {
			return err
		}
		return wrong(checkOffsets(o, "g-main", "orders", ordersParts, mainCommitted))
	}},
	{name: "fetch offsets, 4 groups", call: func(ctx context.Context, a Admin) error {
		o, err := a.FetchOffsets(ctx, manyGroups...)
		if err != nil {
			return err
		}
		if err := checkOffsets(o, "g-main", "orders", ordersParts, mainCommitted); err != nil {
			return wrong(err)
		}
		for i, g := range manyGroups[1:] {
			if err := checkOffsets(o, g, "payments", paymentsParts, int64(2+i)); err != nil {
				return wrong(err)
			}
		}
		return nil
	}},
	{name: "list groups", call: func(ctx context.Context, a Admin) error {
		listed, err := a.ListGroups(ctx)
		if err != nil {
			return err
		}
		got := slices.Sorted(slices.Values(listed))
		if want := slices.Sorted(slices.Values(allGroups)); !slices.Equal(got, want) {
			return wrong(fmt.Errorf("listed %v, want %v", got, want))
		}
		return nil
	}},
	{name: "lag", call: func(ctx context.Context, a Admin) error {
		l, err := a.Lag(ctx, "g-main")
		if err != nil {
			return err
		}
		return wrong(checkLag(l))
	}},
}

// wrongResult marks a result that differs from the seeded data although the
// client reported no error.
type wrongResult struct{ err error }

func (w *wrongResult) Error() string { return "wrong result: " + w.err.Error() }

func wrong(err error) error {
	if err == nil {
		return nil
	}
	return &wrongResult{err}
}

func checkDescribe(d map[string]Group) error {
	gm, ok := d["g-members"]
	if !ok {
		return fmt.Errorf("g-members missing from the description")
	}
	if gm.State != "Stable" || len(gm.Members) != 1 {
		return fmt.Errorf("g-members: state %q with %d members, want Stable with 1", gm.State, len(gm.Members))
	}
	m := gm.Members[0]
	if m.InstanceID != memberID || m.ClientID != memberClient || m.Assigned != ordersParts {
		return fmt.Errorf("g-members member: %+v, want instance %s, client %s, %d partitions assigned", m, memberID, memberClient, ordersParts)
	}
	main, ok := d["g-main"]
	if !ok {
		return fmt.Errorf("g-main missing from the description")
	}
	if main.State != "Empty" || len(main.Members) != 0 {
		return fmt.Errorf("g-main: state %q with %d members, want Empty with none", main.State, len(main.Members))
	}
	return nil
}

func checkOffsets(o map[string]Offsets, group, topic string, partitions int32, offset int64) error {
	want := Offsets{topic: {}}
	for p := range partitions {
		want[topic][p] = offset
	}
	got := o[group]
	if !maps.EqualFunc(got, want, maps.Equal) {
		return fmt.Errorf("group %s offsets %s, want %s", group, formatOffsets(got), formatOffsets(want))
	}
	return nil
}

func checkLag(l Lag) error {
	orders := l["orders"]
	if len(l) != 1 || len(orders) != ordersParts {
		return fmt.Errorf("lag over %d topics and %d orders partitions, want 1 topic of %d", len(l), len(orders), ordersParts)
	}
	for p, pl := range orders {
		if pl.Committed != mainCommitted || pl.End != ordersRecords || pl.Lag != ordersRecords-mainCommitted {
			return fmt.Errorf("orders/%d: %+v, want committed %d, end %d, lag %d", p, pl, mainCommitted, ordersRecords, ordersRecords-mainCommitted)
		}
	}
	return nil
}

func formatOffsets(o Offsets) string {
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(o)) {
		for _, p := range slices.Sorted(maps.Keys(o[t])) {
			parts = append(parts, fmt.Sprintf("%s/%d=%d", t, p, o[t][p]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}
