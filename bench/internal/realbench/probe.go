package realbench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/realkafka"
)

// The probe's timing: an attempt starts every probeInterval, at most
// probeInFlight at once, each given up after probeTimeout.
const (
	probeInterval = 20 * time.Millisecond
	probeInFlight = 4
	probeTimeout  = 2 * time.Second
)

const offsetsTopic = "__consumer_offsets"

// probe says when the cluster can serve the attacked groups: on the
// control plane (the brokers' internal listeners, which no fault touches),
// an attempt asks every live broker for metadata, then asks the group's
// coordinator, as any of them names it, for the group's committed offsets
// (OffsetFetch), and each partition's leader, as any of them names it, for
// the topic's log end (ListOffsets). An attempt succeeds when the
// coordinator answered the seeded offsets and every leader the seeded log
// ends. A broker that is down, paused, or whose client connections are
// refused (cut) does not count as live: clients cannot reach it, so it
// cannot serve them.
type probe struct {
	rk        *realkafka.Cluster
	cl        *kgo.Client
	group     string
	partition int32 // the group's partition of __consumer_offsets
	offsets   map[string]map[int32]int64
	topic     string
	ends      map[int32]int64

	cutMu sync.Mutex
	cut   map[int32]bool

	mu       sync.Mutex
	attempts []attempt

	inFlight atomic.Int32
	stopc    chan struct{}
	wg       sync.WaitGroup
}

// attempt is one finished probe.
type attempt struct {
	start, end time.Time
	err        error
}

// newProbe connects a probe for group, whose committed offsets are
// offsets, and for topic, whose log ends are ends.
func newProbe(rk *realkafka.Cluster, group string, offsets map[string]map[int32]int64, topic string, ends map[int32]int64) (*probe, error) {
	cl, err := rk.Client(kgo.ClientID("bench-probe"), kgo.DialTimeout(time.Second))
	if err != nil {
		return nil, err
	}
	return &probe{rk: rk, cl: cl, group: group, partition: rk.OffsetsPartition(group), offsets: offsets, topic: topic, ends: ends,
		cut: map[int32]bool{}, stopc: make(chan struct{})}, nil
}

// setCut marks a broker whose client connections are refused.
func (p *probe) setCut(id int32, cut bool) {
	p.cutMu.Lock()
	defer p.cutMu.Unlock()
	p.cut[id] = cut
}

func (p *probe) live(id int32) bool {
	p.cutMu.Lock()
	cut := p.cut[id]
	p.cutMu.Unlock()
	return !cut && p.rk.Running(id) && !p.rk.Paused(id)
}

// check makes one attempt now and returns its error.
func (p *probe) check() error {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	return p.try(ctx)
}

// start starts an attempt every probeInterval until stop.
func (p *probe) start() {
	p.wg.Go(func() {
		ticker := time.NewTicker(probeInterval)
		defer ticker.Stop()
		for {
			select {
			case <-p.stopc:
				return
			case <-ticker.C:
			}
			if p.inFlight.Load() >= probeInFlight {
				continue
			}
			p.inFlight.Add(1)
			p.wg.Go(func() {
				defer p.inFlight.Add(-1)
				start := time.Now()
				err := p.check()
				p.mu.Lock()
				p.attempts = append(p.attempts, attempt{start: start, end: time.Now(), err: err})
				p.mu.Unlock()
			})
		}
	})
}

// stop stops the attempts, waits for those in flight and closes the
// client.
func (p *probe) stop() {
	close(p.stopc)
	p.wg.Wait()
	p.cl.Close()
}

// firstServedAfter waits up to wait for an attempt that started at or
// after t and succeeded, and returns its end; zero if none did.
func (p *probe) firstServedAfter(t time.Time, wait time.Duration) time.Time {
	deadline := time.Now().Add(wait)
	for {
		p.mu.Lock()
		var first time.Time
		for _, a := range p.attempts {
			if a.err == nil && !a.start.Before(t) && (first.IsZero() || a.end.Before(first)) {
				first = a.end
			}
		}
		p.mu.Unlock()
		if !first.IsZero() || time.Now().After(deadline) {
			return first
		}
		time.Sleep(probeInterval)
	}
}

// servedAt returns when the cluster could serve again after the fault at
// t0, by the rule the clients' recovery follows: the end of the first
// successful attempt that started at or after t0 and after which no attempt
// failed; zero if there is none. lastErr is the last failed attempt's
// error, and failed counts the failed attempts.
func (p *probe) servedAt(t0 time.Time) (served time.Time, lastErr error, failed int) {
	p.mu.Lock()
	attempts := slices.Clone(p.attempts)
	p.mu.Unlock()
	slices.SortFunc(attempts, func(a, b attempt) int { return a.start.Compare(b.start) })
	for _, a := range attempts {
		if a.start.Before(t0) {
			continue
		}
		switch {
		case a.err != nil:
			served, lastErr = time.Time{}, a.err
			failed++
		case served.IsZero():
			served = a.end
		}
	}
	return served, lastErr, failed
}

// try is one attempt.
func (p *probe) try(ctx context.Context) error {
	var live []int32
	for _, id := range p.rk.BrokerIDs() {
		if p.live(id) {
			live = append(live, id)
		}
	}
	if len(live) == 0 {
		return errors.New("no broker is live")
	}
	// Every live broker's view of the coordinator and the leaders.
	type view struct {
		coordinator int32
		leaders     map[int32]int32
	}
	views := make([]*view, len(live))
	var wg sync.WaitGroup
	for i, id := range live {
		wg.Go(func() {
			req := kmsg.NewPtrMetadataRequest()
			for _, t := range []string{offsetsTopic, p.topic} {
				rt := kmsg.NewMetadataRequestTopic()
				rt.Topic = kmsg.StringPtr(t)
				req.Topics = append(req.Topics, rt)
			}
			resp, err := p.cl.Broker(int(id)).Request(ctx, req)
			if err != nil {
				return
			}
			v := &view{coordinator: -1, leaders: map[int32]int32{}}
			for _, t := range resp.(*kmsg.MetadataResponse).Topics {
				for _, part := range t.Partitions {
					switch {
					case t.Topic == nil:
					case *t.Topic == offsetsTopic && part.Partition == p.partition:
						v.coordinator = part.Leader
					case *t.Topic == p.topic:
						v.leaders[part.Partition] = part.Leader
					}
				}
			}
			views[i] = v
		})
	}
	wg.Wait()
	coordinators := map[int32]bool{}
	byLeader := map[int32][]int32{} // leader -> partitions it is named for
	named := map[[2]int32]bool{}
	for _, v := range views {
		if v == nil {
			continue
		}
		if v.coordinator >= 0 {
			coordinators[v.coordinator] = true
		}
		for part, leader := range v.leaders {
			if leader >= 0 && !named[[2]int32{leader, part}] {
				named[[2]int32{leader, part}] = true
				byLeader[leader] = append(byLeader[leader], part)
			}
		}
	}
	if len(coordinators) == 0 {
		return fmt.Errorf("no live broker answered metadata naming group %s's coordinator (live: %v)", p.group, live)
	}

	var (
		mu       sync.Mutex
		coordOK  bool
		coordErr []error
		partOK   = map[int32]bool{}
		partErr  []error
	)
	for coord := range coordinators {
		if !p.live(coord) {
			mu.Lock()
			coordErr = append(coordErr, fmt.Errorf("coordinator %d is not live", coord))
			mu.Unlock()
			continue
		}
		wg.Go(func() {
			err := p.fetchOffsets(ctx, coord)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				coordOK = true
			} else {
				coordErr = append(coordErr, fmt.Errorf("coordinator %d: %w", coord, err))
			}
		})
	}
	for leader, parts := range byLeader {
		if !p.live(leader) {
			mu.Lock()
			partErr = append(partErr, fmt.Errorf("leader %d of %s %v is not live", leader, p.topic, parts))
			mu.Unlock()
			continue
		}
		wg.Go(func() {
			ok, err := p.listOffsets(ctx, leader, parts)
			mu.Lock()
			defer mu.Unlock()
			for _, part := range ok {
				partOK[part] = true
			}
			if err != nil {
				partErr = append(partErr, fmt.Errorf("leader %d: %w", leader, err))
			}
		})
	}
	wg.Wait()
	if !coordOK {
		return fmt.Errorf("group %s: %w", p.group, errors.Join(coordErr...))
	}
	for part := range p.ends {
		if !partOK[part] {
			return fmt.Errorf("%s/%d: no leader answered its log end: %w", p.topic, part, errors.Join(partErr...))
		}
	}
	return nil
}

// fetchOffsets asks coordinator for the group's offsets and checks them.
func (p *probe) fetchOffsets(ctx context.Context, coordinator int32) error {
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = p.group
	req.Topics = nil // every topic
	rg := kmsg.NewOffsetFetchRequestGroup()
	rg.Group = p.group
	rg.Topics = nil
	req.Groups = []kmsg.OffsetFetchRequestGroup{rg}
	resp, err := p.cl.Broker(int(coordinator)).Request(ctx, req)
	if err != nil {
		return err
	}
	r := resp.(*kmsg.OffsetFetchResponse)
	got := map[int32]int64{} // the seeded group commits one topic: partition -> offset
	var codes []error
	if r.Version >= 8 {
		for _, g := range r.Groups {
			codes = append(codes, kerr.ErrorForCode(g.ErrorCode))
			for _, t := range g.Topics {
				for _, part := range t.Partitions {
					codes = append(codes, kerr.ErrorForCode(part.ErrorCode))
					got[part.Partition] = part.Offset
				}
			}
		}
	} else {
		codes = append(codes, kerr.ErrorForCode(r.ErrorCode))
		for _, t := range r.Topics {
			for _, part := range t.Partitions {
				codes = append(codes, kerr.ErrorForCode(part.ErrorCode))
				got[part.Partition] = part.Offset
			}
		}
	}
	if err := errors.Join(codes...); err != nil {
		return err
	}
	var want map[int32]int64
	for _, o := range p.offsets {
		want = o
	}
	if len(got) != len(want) {
		return fmt.Errorf("answered %d partitions' offsets, want %d", len(got), len(want))
	}
	for part, off := range want {
		if got[part] != off {
			return fmt.Errorf("answered offset %d for partition %d, want %d", got[part], part, off)
		}
	}
	return nil
}

// listOffsets asks leader for the log end of parts and returns those it
// answered right.
func (p *probe) listOffsets(ctx context.Context, leader int32, parts []int32) ([]int32, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = p.topic
	for _, part := range parts {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = part
		rp.Timestamp = -1 // latest
		rp.CurrentLeaderEpoch = -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = []kmsg.ListOffsetsRequestTopic{rt}
	resp, err := p.cl.Broker(int(leader)).Request(ctx, req)
	if err != nil {
		return nil, err
	}
	var ok []int32
	var errs []error
	for _, t := range resp.(*kmsg.ListOffsetsResponse).Topics {
		for _, part := range t.Partitions {
			if err := kerr.ErrorForCode(part.ErrorCode); err != nil {
				errs = append(errs, fmt.Errorf("%s/%d: %w", t.Topic, part.Partition, err))
				continue
			}
			if part.Offset != p.ends[part.Partition] {
				errs = append(errs, fmt.Errorf("%s/%d: log end %d, want %d", t.Topic, part.Partition, part.Offset, p.ends[part.Partition]))
				continue
			}
			ok = append(ok, part.Partition)
		}
	}
	return ok, errors.Join(errs...)
}
