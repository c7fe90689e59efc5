package harness

import (
	"context"
	"slices"
	"testing"
	"time"
)

// listAdmin answers under real names.
type listAdmin struct{ listed []string }

func (a listAdmin) DescribeGroups(_ context.Context, groups ...string) (map[string]Group, error) {
	out := map[string]Group{}
	for _, g := range groups {
		out[g] = Group{State: "Empty"}
	}
	return out, nil
}

func (a listAdmin) FetchOffsets(_ context.Context, groups ...string) (map[string]Offsets, error) {
	out := map[string]Offsets{}
	for _, g := range groups {
		out[g] = Offsets{"orders": {0: 1}}
	}
	return out, nil
}

func (a listAdmin) ListGroups(context.Context) ([]string, error) { return a.listed, nil }

func (a listAdmin) Lag(_ context.Context, group string) (Lag, error) {
	if group != "p.g-main.3" {
		return nil, nil
	}
	return Lag{"orders": {0: {Lag: 1}}}, nil
}

func (a listAdmin) Close() error { return nil }

// TestRenamed checks that calls go out under real names and come back
// under logical ones, and that listing keeps only the prefix's groups.
func TestRenamed(t *testing.T) {
	names := map[string]string{"g-main": "p.g-main.3", "g-b": "p.g-b.0"}
	a := Renamed(listAdmin{listed: []string{"p.g-main.3", "other.g-main.1", "p.g-b.0", "p.stray"}}, "p.", names)
	ctx := context.Background()
	d, err := a.DescribeGroups(ctx, "g-main", "g-b")
	if err != nil || len(d) != 2 || d["g-main"].State != "Empty" || d["g-b"].State != "Empty" {
		t.Errorf("describe: %v, %v", d, err)
	}
	o, err := a.FetchOffsets(ctx, "g-b")
	if err != nil || o["g-b"]["orders"][0] != 1 {
		t.Errorf("fetch: %v, %v", o, err)
	}
	listed, err := a.ListGroups(ctx)
	slices.Sort(listed)
	if want := []string{"g-b", "g-main", "p.stray"}; err != nil || !slices.Equal(listed, want) {
		t.Errorf("list: %v, %v; want %v", listed, err, want)
	}
	l, err := a.Lag(ctx, "g-main")
	if err != nil || l["orders"][0].Lag != 1 {
		t.Errorf("lag: %v, %v", l, err)
	}
}

// TestSummarizeFrom checks recovery counted from a moment after the
// fault: the longest over the operations, 0 when every operation had
// recovered by then, -1 when one never did.
func TestSummarizeFrom(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var calls []Call
	for _, op := range operations {
		calls = append(calls, Call{Op: op.name, Start: at(-50), End: at(-40)})
		calls = append(calls, Call{Op: op.name, Start: at(10), End: at(20)})
	}
	calls = append(calls, Call{Op: "lag", Start: at(30), End: at(900), Err: context.DeadlineExceeded})
	calls = append(calls, Call{Op: "lag", Start: at(950), End: at(1000)})

	var c Cell
	Summarize(&c, slices.Clone(calls), t0, at(500))
	if c.RecoveryMs != 500 || c.Failed != 1 || c.Calls != len(calls) || c.SlowestMs != 870 {
		t.Errorf("from 500 ms: %+v, want recovery 500 ms, 1 failed, slowest 870 ms", c)
	}
	calls = calls[:len(calls)-2]
	c = Cell{}
	Summarize(&c, slices.Clone(calls), t0, at(500))
	if c.RecoveryMs != 0 {
		t.Errorf("every operation recovered before 500 ms: recovery %v, want 0", c.RecoveryMs)
	}
	calls = append(calls, Call{Op: "lag", Start: at(30), End: at(900), Err: context.DeadlineExceeded})
	c = Cell{}
	Summarize(&c, slices.Clone(calls), t0, at(500))
	if c.RecoveryMs != -1 {
		t.Errorf("lag never recovered: recovery %v, want -1", c.RecoveryMs)
	}
}
