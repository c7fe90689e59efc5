package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/bench/internal/clusterproc"
	"github.com/kafadmin/kafadmin/bench/internal/wire"
)

// The throughput workloads.
const (
	workloadLag          = "lag"
	workloadListDescribe = "list+describe"
)

// lagSizes are the numbers of groups whose lag is measured, and
// listDescribeSize the number of groups listed and described.
var lagSizes = []int{10, 100, 1000}

const listDescribeSize = 1000

// traceDelay is how long the round-trip tracer holds each response back;
// see package wire.
const traceDelay = 50 * time.Millisecond

// runner is one client's way of doing the throughput workloads. Each method
// checks its result against the seeded data.
type runner interface {
	// Lag computes the lag of groups.
	Lag(ctx context.Context, groups []string) error
	// ListDescribe lists every group and describes them all; want is the
	// number of groups.
	ListDescribe(ctx context.Context, want int) error
	Close()
}

// throughputClient connects a runner with the client's default settings;
// dial replaces its dialer when not nil.
type throughputClient struct {
	name    string
	connect func(ctx context.Context, addrs []string, dial dialFunc) (runner, error)
}

var throughputClients = []throughputClient{
	{name: nameKafadmin, connect: func(ctx context.Context, addrs []string, dial dialFunc) (runner, error) {
		cl, err := newKafadmin(ctx, addrs, 0, dial)
		if err != nil {
			return nil, err
		}
		return kafadminRunner{cl}, nil
	}},
	{name: nameKadm, connect: func(_ context.Context, addrs []string, dial dialFunc) (runner, error) {
		adm, err := newKadm(addrs, 0, dial)
		if err != nil {
			return nil, err
		}
		return kadmRunner{adm}, nil
	}},
	{name: nameSarama, connect: func(_ context.Context, addrs []string, dial dialFunc) (runner, error) {
		admin, err := sarama.NewClusterAdmin(addrs, saramaConfig(0, dial))
		if err != nil {
			return nil, fmt.Errorf("sarama: new cluster admin: %w", err)
		}
		return saramaRunner{admin}, nil
	}},
}

// kafadminRunner runs the workloads with kafadmin's Lag, ListGroups and
// DescribeGroups.
type kafadminRunner struct{ cl *kafadmin.Client }

func (r kafadminRunner) Lag(ctx context.Context, groups []string) error {
	lags, err := r.cl.Lag(ctx, groups...)
	if err != nil {
		return err
	}
	totals := make(map[string]int64, len(lags))
	for g, l := range lags {
		totals[g] = l.TotalLag
	}
	return checkLags(groups, totals)
}

func (r kafadminRunner) ListDescribe(ctx context.Context, want int) error {
	listed, err := r.cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil {
		return err
	}
	names := make([]string, len(listed))
	for i, g := range listed {
		names[i] = g.Group
	}
	described, err := r.cl.DescribeGroups(ctx, names...)
	if err != nil {
		return err
	}
	states := make(map[string]string, len(described))
	for g, d := range described {
		states[g] = d.State
	}
	return checkDescribed(want, states)
}

func (r kafadminRunner) Close() { r.cl.Close() }

// kadmRunner runs the workloads with kadm's Lag, ListGroups and
// DescribeGroups.
type kadmRunner struct{ adm *kadm.Client }

func (r kadmRunner) Lag(ctx context.Context, groups []string) error {
	lags, err := r.adm.Lag(ctx, groups...)
	if err != nil {
		return err
	}
	totals := make(map[string]int64, len(lags))
	for g, l := range lags {
		if err := l.Error(); err != nil {
			return fmt.Errorf("group %s: %w", g, err)
		}
		totals[g] = l.Lag.Total()
	}
	return checkLags(groups, totals)
}

func (r kadmRunner) ListDescribe(ctx context.Context, want int) error {
	listed, err := r.adm.ListGroups(ctx)
	if err != nil {
		return err
	}
	described, err := r.adm.DescribeGroups(ctx, listed.Groups()...)
	if err != nil {
		return err
	}
	states := make(map[string]string, len(described))
	for g, d := range described {
		if d.Err != nil {
			return fmt.Errorf("group %s: %w", g, d.Err)
		}
		states[g] = d.State
	}
	return checkDescribed(want, states)
}

func (r kadmRunner) Close() { r.adm.Close() }

// saramaRunner runs the workloads with Sarama's best path: the committed
// offsets of every group in one batched OffsetFetch per coordinator
// (ListConsumerGroupOffsetsBatch), then the log end offsets in one
// ListOffsets per leader (ListOffsets); ListConsumerGroups and
// DescribeConsumerGroups for the other workload. Unlike kafadmin's and
// kadm's Lag, it neither describes the groups nor lists the log start
// offsets: a lag monitor built on Sarama needs neither.
type saramaRunner struct{ admin sarama.ClusterAdmin }

func (r saramaRunner) Lag(_ context.Context, groups []string) error {
	request := make(map[string]map[string][]int32, len(groups))
	for _, g := range groups {
		request[g] = nil
	}
	fetched, err := r.admin.ListConsumerGroupOffsetsBatch(request)
	if err != nil {
		return fmt.Errorf("fetching the committed offsets: %w", err)
	}
	ends := map[string]map[int32]int64{}
	for g, f := range fetched {
		if !errors.Is(f.Err, sarama.ErrNoError) {
			return fmt.Errorf("group %s: %w", g, f.Err)
		}
		for topic, ps := range f.Blocks {
			if ends[topic] == nil {
				ends[topic] = map[int32]int64{}
			}
			for p := range ps {
				ends[topic][p] = sarama.OffsetNewest
			}
		}
	}
	listed, err := r.admin.ListOffsets(ends, nil)
	if err != nil {
		return fmt.Errorf("listing the log end offsets: %w", err)
	}
	totals := make(map[string]int64, len(fetched))
	for g, f := range fetched {
		for topic, ps := range f.Blocks {
			for p, b := range ps {
				if !errors.Is(b.Err, sarama.ErrNoError) {
					return fmt.Errorf("group %s, %s/%d: %w", g, topic, p, b.Err)
				}
				end := listed[topic][p]
				if end == nil {
					return fmt.Errorf("%s/%d: no log end offset in the ListOffsets results", topic, p)
				}
				if !saramaOK(end.Err) {
					return fmt.Errorf("%s/%d: log end offset: %w", topic, p, end.Err)
				}
				totals[g] += max(end.Offset-b.Offset, 0)
			}
		}
	}
	return checkLags(groups, totals)
}

// saramaOK reports whether err, from a Sarama result, means success.
// ClusterAdmin.ListOffsets stores each partition's KError in an error field
// as is, so a partition without error carries sarama.ErrNoError, a non-nil
// error, rather than nil.
func saramaOK(err error) bool {
	return err == nil || errors.Is(err, sarama.ErrNoError)
}

func (r saramaRunner) ListDescribe(_ context.Context, want int) error {
	listed, err := r.admin.ListConsumerGroups()
	if err != nil {
		return err
	}
	described, err := r.admin.DescribeConsumerGroups(slices.Collect(maps.Keys(listed)))
	if err != nil {
		return err
	}
	states := make(map[string]string, len(described))
	for _, d := range described {
		if !errors.Is(d.Err, sarama.ErrNoError) {
			return fmt.Errorf("group %s: %w", d.GroupId, d.Err)
		}
		states[d.GroupId] = d.State
	}
	return checkDescribed(want, states)
}

func (r saramaRunner) Close() { r.admin.Close() }

func checkLags(groups []string, totals map[string]int64) error {
	if len(totals) != len(groups) {
		return fmt.Errorf("lag of %d groups, want %d", len(totals), len(groups))
	}
	for _, g := range groups {
		if got, ok := totals[g]; !ok || got != clusterproc.GroupLag {
			return fmt.Errorf("group %s: lag %d, want %d", g, got, clusterproc.GroupLag)
		}
	}
	return nil
}

func checkDescribed(want int, states map[string]string) error {
	if len(states) != want {
		return fmt.Errorf("described %d groups, want %d", len(states), want)
	}
	for g, s := range states {
		if s != "Empty" {
			return fmt.Errorf("group %s: state %q, want Empty", g, s)
		}
	}
	return nil
}

// workload is one measured call.
type workload struct {
	name   string
	groups int
	run    func(ctx context.Context, r runner, groups []string) error
}

func lagWorkload(groups int) workload {
	return workload{name: workloadLag, groups: groups, run: func(ctx context.Context, r runner, groups []string) error {
		return r.Lag(ctx, groups)
	}}
}

func listDescribeWorkload(groups int) workload {
	return workload{name: workloadListDescribe, groups: groups, run: func(ctx context.Context, r runner, groups []string) error {
		return r.ListDescribe(ctx, len(groups))
	}}
}

// measurement is one workload × client: medians over the runs.
type measurement struct {
	Workload   string         `json:"workload"`
	Groups     int            `json:"groups"`
	Client     string         `json:"client"`
	Runs       int            `json:"runs"`
	WallMs     float64        `json:"wall_ms"`
	MinWallMs  float64        `json:"min_wall_ms"`
	Requests   map[string]int `json:"requests"`
	RoundTrips int            `json:"round_trips"`
	Allocs     uint64         `json:"allocs"`
	Bytes      uint64         `json:"bytes"`
	Err        string         `json:"err,omitempty"`
}

func (m measurement) totalRequests() int {
	n := 0
	for _, c := range m.Requests {
		n += c
	}
	return n
}

// clusterPool starts cluster processes, at most one per number of groups,
// each in the background on first demand, and stops them.
type clusterPool struct {
	mu       sync.Mutex
	clusters map[int]*pendingCluster
}

// pendingCluster is a cluster process starting or started; remote and err
// are set once done is closed.
type pendingCluster struct {
	done   chan struct{}
	remote *clusterproc.Remote
	err    error
}

// start starts the cluster of groups groups in the background, unless it
// was started already.
func (p *clusterPool) start(groups int) *pendingCluster {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pc, ok := p.clusters[groups]; ok {
		return pc
	}
	if p.clusters == nil {
		p.clusters = map[int]*pendingCluster{}
	}
	pc := &pendingCluster{done: make(chan struct{})}
	p.clusters[groups] = pc
	go func() {
		defer close(pc.done)
		pc.remote, pc.err = clusterproc.Start(groups)
	}()
	return pc
}

// get returns the cluster of groups groups, starting it if need be and
// waiting until it serves.
func (p *clusterPool) get(groups int) (*clusterproc.Remote, error) {
	pc := p.start(groups)
	<-pc.done
	return pc.remote, pc.err
}

// stop stops the cluster of groups groups, waiting for it to have started
// first; it does nothing for a cluster never started.
func (p *clusterPool) stop(groups int) error {
	p.mu.Lock()
	pc, ok := p.clusters[groups]
	delete(p.clusters, groups)
	p.mu.Unlock()
	if !ok {
		return nil
	}
	<-pc.done
	if pc.err != nil {
		return nil
	}
	if err := pc.remote.Close(); err != nil {
		return fmt.Errorf("stopping the cluster of %d groups: %w", groups, err)
	}
	return nil
}

// stopAll stops every cluster the pool started.
func (p *clusterPool) stopAll() error {
	p.mu.Lock()
	sizes := slices.Collect(maps.Keys(p.clusters))
	p.mu.Unlock()
	var errs []error
	for _, n := range sizes {
		errs = append(errs, p.stop(n))
	}
	return errors.Join(errs...)
}

// session is one client connected twice to a cluster: once as is, for the
// timed runs, and once through a tracer, for the round trips.
type session struct {
	client throughputClient
	timed  runner
	traced runner
	tracer *wire.Tracer
}

func openSession(ctx context.Context, c throughputClient, addrs []string) (*session, error) {
	timed, err := c.connect(ctx, addrs, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	tracer := wire.NewTracer(0)
	traced, err := c.connect(ctx, addrs, tracer.DialContext)
	if err != nil {
		timed.Close()
		return nil, fmt.Errorf("%s through the tracer: %w", c.name, err)
	}
	return &session{client: c, timed: timed, traced: traced, tracer: tracer}, nil
}

func (s *session) close() {
	s.timed.Close()
	s.traced.Close()
}

// roundTrips warms the traced client up, without holding responses back
// (Sarama finds the coordinator of each group in turn on its first call),
// and then measures one call's sequential round trips with traceDelay.
func (s *session) roundTrips(ctx context.Context, w workload, groups []string) (int, error) {
	s.tracer.SetDelay(0)
	for range 2 {
		if err := w.run(ctx, s.traced, groups); err != nil {
			return 0, fmt.Errorf("warming up through the tracer: %w", err)
		}
	}
	s.tracer.SetDelay(traceDelay)
	defer s.tracer.SetDelay(0)
	s.tracer.Reset()
	if err := w.run(ctx, s.traced, groups); err != nil {
		return 0, fmt.Errorf("through the tracer: %w", err)
	}
	return s.tracer.RoundTrips(), nil
}

// prepareSession connects c to the cluster, measures the round trips of w
// and warms the timed client up with one call, as a long-running client is
// warm: connected, with its coordinators and metadata cached.
func prepareSession(ctx context.Context, c throughputClient, remote *clusterproc.Remote, w workload) (*session, int, error) {
	groups := remote.Groups[:w.groups]
	s, err := openSession(ctx, c, remote.Addrs)
	if err != nil {
		return nil, 0, err
	}
	rt, err := s.roundTrips(ctx, w, groups)
	if err == nil {
		err = w.run(ctx, s.timed, groups)
	}
	if err != nil {
		s.close()
		return nil, 0, err
	}
	return s, rt, nil
}

// sample is one timed run.
type sample struct {
	wall     time.Duration
	allocs   uint64
	bytes    uint64
	requests map[string]int
}

// timedRun runs the workload once on the timed client, measuring its wall
// time, the allocations of this process (the cluster runs in another) and
// the requests the cluster received.
func timedRun(ctx context.Context, remote *clusterproc.Remote, s *session, w workload, groups []string) (sample, error) {
	if err := remote.ResetCounts(); err != nil {
		return sample{}, err
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := w.run(ctx, s.timed, groups)
	wall := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		return sample{}, err
	}
	counts, err := remote.Counts()
	if err != nil {
		return sample{}, err
	}
	return sample{wall: wall, allocs: after.Mallocs - before.Mallocs, bytes: after.TotalAlloc - before.TotalAlloc, requests: counts}, nil
}

// measureWorkload runs w for every client on one cluster: the round trips
// first, then runs timed runs per client, the clients taking turns so that
// a noisy neighbour slows them all alike.
func measureWorkload(ctx context.Context, remote *clusterproc.Remote, w workload, runs int, logf func(string, ...any)) []measurement {
	start := time.Now()
	groups := remote.Groups[:w.groups]
	results := make([]measurement, len(throughputClients))
	sessions := make([]*session, len(throughputClients))
	for i, c := range throughputClients {
		results[i] = measurement{Workload: w.name, Groups: w.groups, Client: c.name}
		s, rt, err := prepareSession(ctx, c, remote, w)
		if err != nil {
			results[i].Err = err.Error()
			continue
		}
		defer s.close()
		results[i].RoundTrips = rt
		sessions[i] = s
	}
	samples := make([][]sample, len(throughputClients))
	for run := range runs {
		for k := range throughputClients {
			i := (run + k) % len(throughputClients)
			if sessions[i] == nil {
				continue
			}
			smp, err := timedRun(ctx, remote, sessions[i], w, groups)
			if err != nil {
				results[i].Err = err.Error()
				sessions[i] = nil
				continue
			}
			samples[i] = append(samples[i], smp)
		}
	}
	for i := range results {
		if len(samples[i]) > 0 {
			summarizeSamples(&results[i], samples[i])
		}
		logf("%s, %d groups, %s: %s", w.name, w.groups, results[i].Client, describeMeasurement(results[i]))
	}
	logf("%s, %d groups: measured in %v", w.name, w.groups, time.Since(start).Round(time.Millisecond))
	return results
}

func summarizeSamples(m *measurement, samples []sample) {
	m.Runs = len(samples)
	walls := make([]float64, len(samples))
	allocs := make([]uint64, len(samples))
	bytes := make([]uint64, len(samples))
	totals := make([]int, len(samples))
	for i, s := range samples {
		walls[i] = float64(s.wall.Microseconds()) / 1000
		allocs[i] = s.allocs
		bytes[i] = s.bytes
		for _, n := range s.requests {
			totals[i] += n
		}
	}
	m.WallMs = median(walls)
	m.MinWallMs = slices.Min(walls)
	m.Allocs = median(allocs)
	m.Bytes = median(bytes)
	// The requests of the run whose total is the median: they hardly
	// ever differ between runs of warm clients.
	idx := make([]int, len(samples))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return totals[idx[a]] < totals[idx[b]] })
	m.Requests = samples[idx[len(idx)/2]].requests
}

func median[T int | uint64 | float64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func describeMeasurement(m measurement) string {
	if m.Err != "" {
		return "error: " + m.Err
	}
	return fmt.Sprintf("%.2f ms, %d requests, %d round trips, %d allocs, %s", m.WallMs, m.totalRequests(), m.RoundTrips, m.Allocs, formatBytes(m.Bytes))
}
