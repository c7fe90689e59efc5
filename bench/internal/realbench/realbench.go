// Package realbench runs the failover comparison on a real Apache Kafka
// cluster (package realkafka: one JVM per node, a fault proxy in front of
// every broker): twelve real faults, each injected once while every client
// calls at the same time, each with groups of its own.
//
// One cluster serves the whole run. For each scenario the cluster is first
// made whole, the seeded topics' leaders and __consumer_offsets' leaders are
// placed so that the attacked broker is the coordinator of every client's
// g-main and g-members, each client's groups are seeded under names of its
// own, the clients are connected and warmed up, their loops run, the fault
// is injected, and a probe on the control plane says when the cluster could
// serve the attacked groups again; the loops stop a tail after that.
package realbench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kafadmin/kafadmin/realkafka"

	"github.com/kafadmin/kafadmin/bench/internal/harness"
)

// Options are the timing of the real table.
type Options struct {
	// Options are the loops' timing. Tail counts from when the fault is
	// over and the cluster served again, whichever is later; Parallel is
	// ignored (the clients always run at once).
	harness.Options
	// ServeWait bounds how long the loops wait, after the fault is over,
	// for the cluster to serve the attacked groups again.
	ServeWait time.Duration
	// Logf receives progress lines; nil for none.
	Logf func(format string, args ...any)
}

// DefaultOptions are the options of a full run: the embedded table's
// timing, but a 30 s deadline per call (kafadmin's default call timeout;
// the Java AdminClient's default.api.timeout.ms is 60 s) instead of 10 s.
// A real broker that dies is fenced only when its 9 s session times out,
// and its groups are loaded elsewhere after that: with 10 s, every call
// made at the fault would fail at its deadline whatever the client does.
var DefaultOptions = Options{Options: withCallTimeout(harness.DefaultOptions, 30*time.Second), ServeWait: 2 * time.Minute}

func withCallTimeout(o harness.Options, d time.Duration) harness.Options {
	o.CallTimeout = d
	return o
}

// memberSession is the silent static member's session timeout: longer than
// any run, so that the member stays through every fault.
const memberSession = 20 * time.Minute

// partitionOf is where each logical group is placed: on partition 0 of
// __consumer_offsets, led by the attacked broker, g-main and g-members (so
// that the fault hits every operation of the loops) and g-del; the groups of
// the many-group fetch spread over the two others.
var partitionOf = map[string]int32{"g-main": 0, "g-members": 0, "g-del": 0, "g-b": 1, "g-c": 2, "g-d": 1}

// Cluster is the run's real cluster, with the seeded topics.
type Cluster struct {
	rk   *realkafka.Cluster
	logf func(format string, args ...any)
}

// Start starts a 3-broker cluster (realkafka.Alone: no other cluster of
// realkafka's on this machine meanwhile) and creates the seeded topics: orders (6 partitions, 20
// records each) and payments (3 partitions, 10 records each). Close it when
// done.
func Start(ctx context.Context, logf func(format string, args ...any)) (*Cluster, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	rk, err := realkafka.Start(ctx, realkafka.Alone(), realkafka.Logf(logf))
	if err != nil {
		return nil, err
	}
	for _, t := range harness.SeedTopics() {
		err := rk.CreateTopic(ctx, t.Name, t.Partitions)
		for p := range t.Partitions {
			if err != nil {
				break
			}
			err = rk.Produce(ctx, t.Name, p, t.Records)
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("seeding topic %s: %w", t.Name, err), rk.Close())
		}
	}
	return &Cluster{rk: rk, logf: logf}, nil
}

// Version is the Kafka version the cluster runs.
func (c *Cluster) Version() string { return c.rk.Version() }

// Close stops the cluster.
func (c *Cluster) Close() error { return c.rk.Close() }

// Run runs every scenario, one after the other, with every client at once,
// and calls progress after each scenario's cells. Results are in scenario
// order, then client order.
func (c *Cluster) Run(ctx context.Context, scenarios []Scenario, clients []harness.Client, opts Options, progress func(harness.Cell)) []harness.Cell {
	if opts.Logf == nil {
		opts.Logf = c.logf
	}
	// A row without a fault first, not measured: freshly started brokers
	// run their code cold (the first calls take several times as long),
	// which would slow the first scenario's clients and probe alike.
	begin := time.Now()
	warm := opts
	warm.Tail = warmUpFor
	c.runRow(ctx, 0, "warm", Scenario{Name: "warm-up", inject: func(context.Context, *env, int32) *fault {
		return async(func(*fault) error { return nil })
	}}, clients, warm)
	opts.Logf("failover on Kafka: a warm-up row without a fault ran for %v", time.Since(begin).Round(100*time.Millisecond))

	var cells []harness.Cell
	for row, sc := range scenarios {
		begin := time.Now()
		got := c.runRow(ctx, row, fmt.Sprintf("r%d", row+1), sc, clients, opts)
		opts.Logf("failover on Kafka: %s: done in %v", sc.Name, time.Since(begin).Round(100*time.Millisecond))
		for _, cell := range got {
			if progress != nil {
				progress(cell)
			}
		}
		cells = append(cells, got...)
	}
	return cells
}

// warmUpFor is how long the warm-up row's loops run.
const warmUpFor = 10 * time.Second

// prepareTimeout bounds the preparation of a scenario: the cluster made
// whole, leaders placed, groups seeded, clients connected and warmed up.
const prepareTimeout = 5 * time.Minute

// runRow runs one scenario, the row-th (from 0), every client at once
// against the same fault; label starts the names of the row's groups.
func (c *Cluster) runRow(ctx context.Context, row int, label string, sc Scenario, clients []harness.Client, opts Options) []harness.Cell {
	rk := c.rk
	cells := make([]harness.Cell, len(clients))
	for i, cl := range clients {
		cells[i] = harness.Cell{Scenario: sc.Name, Client: cl.Name, RecoveryMs: -1, ServeMs: -1}
	}
	failAll := func(err error) []harness.Cell {
		for i := range cells {
			if cells[i].Err == "" {
				cells[i].Err = err.Error()
			}
		}
		return cells
	}
	prep, cancel := context.WithTimeout(ctx, prepareTimeout)
	defer cancel()
	phase := time.Now()
	if err := rk.WaitHealthy(prep); err != nil {
		return failAll(fmt.Errorf("the cluster is not whole before the fault: %w", err))
	}
	target, err := c.place(prep, row, sc)
	if err != nil {
		return failAll(fmt.Errorf("placing the leaders: %w", err))
	}
	opts.Logf("failover on Kafka: %s: cluster whole and leaders placed in %v; broker %d attacked", sc.Name, time.Since(phase).Round(100*time.Millisecond), target)

	// Each client's groups, seeded one client after the other.
	phase = time.Now()
	names := make([]map[string]string, len(clients))
	prefixes := make([]string, len(clients))
	for i, cl := range clients {
		prefixes[i] = groupPrefix(label, cl.Name)
		names[i], err = c.seed(prep, prefixes[i])
		if err != nil {
			cells[i].Err = fmt.Sprintf("seeding the groups: %v", err)
		}
	}
	opts.Logf("failover on Kafka: %s: groups seeded in %v", sc.Name, time.Since(phase).Round(100*time.Millisecond))

	// The clients, connected and warmed up at once.
	phase = time.Now()
	admins := make([]harness.Admin, len(clients))
	var wg sync.WaitGroup
	for i, cl := range clients {
		if cells[i].Err != "" {
			continue
		}
		wg.Go(func() {
			a, err := cl.Connect(prep, rk.Addrs())
			if err != nil {
				cells[i].Err = fmt.Sprintf("connecting %s: %v", cl.Name, err)
				return
			}
			ra := harness.Renamed(a, prefixes[i], names[i])
			if err := harness.WarmUp(prep, ra, opts.Options); err != nil {
				cells[i].Err = fmt.Sprintf("warming %s up: %v", cl.Name, err)
				harness.CloseWithin(ra, 15*time.Second)
				return
			}
			admins[i] = ra
		})
	}
	wg.Wait()
	closeAll := func() {
		var wg sync.WaitGroup
		for i, a := range admins {
			if a != nil {
				wg.Go(func() { harness.CloseWithin(a, 15*time.Second) })
				admins[i] = nil
			}
		}
		wg.Wait()
	}
	defer closeAll()
	first := slices.IndexFunc(admins, func(a harness.Admin) bool { return a != nil })
	if first < 0 {
		return cells
	}
	opts.Logf("failover on Kafka: %s: clients connected and warmed up in %v", sc.Name, time.Since(phase).Round(100*time.Millisecond))

	// The probe watches the first client's g-main: every client's sits on
	// the same partition of __consumer_offsets.
	commits := harness.SeedCommits()
	orders := harness.SeedTopics()[0]
	ends := map[int32]int64{}
	for p := range orders.Partitions {
		ends[p] = int64(orders.Records)
	}
	pr, err := newProbe(rk, names[first]["g-main"], commits["g-main"], orders.Name, ends)
	if err != nil {
		return failAll(err)
	}
	if err := pr.check(); err != nil {
		pr.stop()
		return failAll(fmt.Errorf("the probe fails before the fault: %w", err))
	}

	loops := make([]*harness.Loops, len(clients))
	for i, a := range admins {
		if a != nil {
			loops[i] = harness.StartLoops(ctx, a, opts.Options)
		}
	}
	time.Sleep(opts.Baseline)
	t0 := time.Now()
	pr.start()
	f := sc.inject(ctx, &env{rk: rk, probe: pr}, target)
	<-f.done
	served := pr.firstServedAfter(f.end, opts.ServeWait)
	stopAt := f.end
	if served.After(stopAt) {
		stopAt = served
	}
	time.Sleep(time.Until(stopAt.Add(opts.Tail)))

	calls := make([][]harness.Call, len(clients))
	for i, l := range loops {
		if l != nil {
			wg.Go(func() { calls[i] = l.Stop() })
		}
	}
	wg.Wait()
	pr.stop()
	closeAll()
	servedAt, probeErr, probeFailed := pr.servedAt(t0)

	note := f.note
	if f.restore != nil {
		rctx, rcancel := context.WithTimeout(ctx, prepareTimeout)
		if err := f.restore(rctx); err != nil {
			note = joinNote(note, fmt.Sprintf("mending the fault afterwards failed: %v", err))
			opts.Logf("failover on Kafka: %s: mending the fault failed: %v", sc.Name, err)
		}
		rcancel()
	}
	if probeFailed > 0 {
		note = joinNote(note, fmt.Sprintf("%d probes failed, the last with: %v", probeFailed, oneLine(probeErr)))
	}
	if servedAt.IsZero() {
		note = joinNote(note, "the cluster did not serve the attacked groups again within the run; recovery counts from the fault")
	}
	for i := range clients {
		if calls[i] == nil && cells[i].Err != "" {
			continue
		}
		cell := &cells[i]
		cell.Note = note
		if sc.Outage {
			cell.OutageMs = ms(f.end.Sub(t0))
		}
		if f.err != nil {
			cell.Err = fmt.Sprintf("injecting the fault: %v", f.err)
			continue
		}
		from := t0
		if !servedAt.IsZero() {
			cell.ServeMs = ms(servedAt.Sub(t0))
			from = servedAt
		}
		harness.Summarize(cell, calls[i], t0, from)
	}
	opts.Logf("failover on Kafka: %s: fault over after %v, served after %s", sc.Name, f.end.Sub(t0).Round(time.Millisecond), formatServe(servedAt, t0))
	return cells
}

func formatServe(served, t0 time.Time) string {
	if served.IsZero() {
		return "never"
	}
	return served.Sub(t0).Round(time.Millisecond).String()
}

// place puts the leaders where scenario sc wants them for row and returns
// the broker to attack. The seeded topics' partitions are spread over the
// brokers (partition p on the p-th broker), or all on the target with
// leadersOnTarget; __consumer_offsets partition i is led by the i-th broker
// from the coordinator on (skipping the target when only leaders are on
// it), the coordinator being the target, or the broker after it with
// leadersOnTarget.
func (c *Cluster) place(ctx context.Context, row int, sc Scenario) (int32, error) {
	rk := c.rk
	brokers := rk.BrokerIDs()
	target := brokers[row%len(brokers)]
	if sc.target != nil {
		var err error
		if target, err = sc.target(ctx, rk); err != nil {
			return -1, err
		}
	}
	coordinator := target
	if sc.leadersOnTarget {
		coordinator = brokers[(indexOf(brokers, target)+1)%len(brokers)]
	}
	for _, t := range harness.SeedTopics() {
		for p := range t.Partitions {
			to := brokers[int(p)%len(brokers)]
			if sc.leadersOnTarget {
				to = target
			}
			if err := rk.MoveLeader(ctx, t.Name, p, to); err != nil {
				return -1, err
			}
		}
	}
	leaders := slices.Clone(brokers)
	if sc.leadersOnTarget {
		leaders = slices.DeleteFunc(leaders, func(id int32) bool { return id == target })
	}
	at := indexOf(leaders, coordinator)
	for i := range int32(3) {
		if err := rk.MoveLeader(ctx, offsetsTopic, i, leaders[(at+int(i))%len(leaders)]); err != nil {
			return -1, err
		}
	}
	return target, nil
}

// seed commits one client's groups, each named prefix + its logical name +
// a number that puts it on its partition of __consumer_offsets, and joins
// g-members' static member. It returns the names: logical to real.
func (c *Cluster) seed(ctx context.Context, prefix string) (map[string]string, error) {
	rk := c.rk
	names := map[string]string{}
	for _, g := range harness.GroupNames() {
		for k := 0; ; k++ {
			name := fmt.Sprintf("%s%s.%d", prefix, g, k)
			if rk.OffsetsPartition(name) == partitionOf[g] {
				names[g] = name
				break
			}
		}
	}
	commits := harness.SeedCommits()
	for _, g := range slices.Sorted(maps.Keys(commits)) {
		if err := rk.CommitOffsets(ctx, names[g], commits[g]); err != nil {
			return nil, err
		}
	}
	var topics []string
	for _, t := range harness.SeedTopics()[:1] { // the member is assigned orders
		topics = append(topics, t.Name)
	}
	_, err := rk.JoinMember(ctx, realkafka.Member{Group: names[harness.MemberGroup], InstanceID: harness.MemberInstanceID,
		ClientID: harness.MemberClientID, Topics: topics, SessionTimeout: memberSession})
	if err != nil {
		return nil, err
	}
	return names, nil
}

// groupPrefix starts the names of a client's groups in the row labelled
// label.
func groupPrefix(label, client string) string {
	return label + "." + shortName(client) + "."
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// shortName is a client's name as a group name prefix: lower case letters
// and digits.
func shortName(name string) string {
	return nonAlnum.ReplaceAllString(strings.ToLower(name), "")
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	s := strings.ReplaceAll(err.Error(), "\n", "; ")
	const maxLen = 300
	if len(s) > maxLen {
		s = s[:maxLen] + "..."
	}
	return s
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
