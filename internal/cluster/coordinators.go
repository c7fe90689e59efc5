package cluster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// CoordKind is what a coordinator coordinates, numbered as FindCoordinator's
// KeyType.
type CoordKind int8

// Coordinator kinds.
const (
	GroupCoordinator CoordKind = 0
	TxnCoordinator   CoordKind = 1
)

func (k CoordKind) String() string {
	if k == TxnCoordinator {
		return "transaction"
	}
	return "group"
}

// CoordKey names a coordinated key: a group id or a transactional id.
type CoordKey struct {
	Kind CoordKind
	Key  string
}

// coordEntry is a cached coordinator. An invalid entry is kept only to tell
// a moved coordinator from a first look-up.
type coordEntry struct {
	node  int32
	at    time.Time
	valid bool
}

// CoordResult is one key's coordinator, or why it could not be found.
type CoordResult struct {
	Broker *Broker
	Err    error
}

// FindCoordinator versions: v4 (KIP-699) carries many keys per request.
const (
	findCoordinatorMax   = 6
	findCoordinatorBatch = 4
)

// Coordinators returns the coordinator of every key. Cached coordinators
// younger than the maximum age are used; the others are looked up together, in one FindCoordinator request where the broker
// supports batching, and a key already being looked up by another caller
// waits for that look-up instead of starting its own. A key whose look-up
// failed carries the error: transport failures and COORDINATOR_NOT_AVAILABLE
// or COORDINATOR_LOAD_IN_PROGRESS are worth retrying, the others are not.
func (cl *Cluster) Coordinators(ctx context.Context, kind CoordKind, keys []string) map[string]CoordResult {
	out := make(map[string]CoordResult, len(keys))
	waits := make(map[*flight][]string)
	var missing []string

	now := time.Now()
	maxAge := cl.cfg.coordinatorMaxAge()
	cl.coordMu.Lock()
	for _, k := range keys {
		ck := CoordKey{kind, k}
		if e := cl.coords[ck]; e != nil && e.valid && now.Sub(e.at) < maxAge {
			if b := cl.knownBroker(e.node); b != nil {
				out[k] = CoordResult{Broker: b}
				continue
			}
		}
		if f := cl.coordFlights[ck]; f != nil {
			waits[f] = append(waits[f], k)
			continue
		}
		missing = append(missing, k)
	}
	if len(missing) > 0 {
		batch := missing
		f := cl.startFlight(func(ctx context.Context) (any, error) {
			return cl.findCoordinators(ctx, kind, batch)
		}, func(f *flight) {
			cl.recordCoordinators(kind, batch, f)
		})
		for _, k := range missing {
			cl.coordFlights[CoordKey{kind, k}] = f
		}
		waits[f] = missing
	}
	cl.coordMu.Unlock()

	for f, ks := range waits {
		v, err := f.wait(ctx)
		for _, k := range ks {
			if err != nil {
				out[k] = CoordResult{Err: err}
				continue
			}
			out[k] = v.(map[string]CoordResult)[k]
		}
	}
	return out
}

// CoordinatorsNow looks the coordinators of keys up with a FindCoordinator
// of its own, sent to any broker but those in avoid, neither reading the
// cache nor joining a look-up in flight, and caches what it finds.
func (cl *Cluster) CoordinatorsNow(ctx context.Context, kind CoordKind, keys []string, avoid ...*Broker) (map[string]CoordResult, error) {
	found, err := cl.findCoordinators(ctx, kind, keys, avoid...)
	if err != nil {
		return nil, err
	}
	cl.cacheCoordinators(kind, keys, found, false)
	return found, nil
}

// recordCoordinators caches a finished look-up's answers and reports moves.
func (cl *Cluster) recordCoordinators(kind CoordKind, keys []string, f *flight) {
	var found map[string]CoordResult
	if f.err == nil {
		found = f.val.(map[string]CoordResult)
	}
	cl.cacheCoordinators(kind, keys, found, true)
}

// cacheCoordinators caches the keys' coordinators in found (none if nil),
// reporting moves; with flight set, the keys' look-up in flight is over.
func (cl *Cluster) cacheCoordinators(kind CoordKind, keys []string, found map[string]CoordResult, flight bool) {
	type move struct {
		key      string
		from, to int32
	}
	var moves []move
	now := time.Now()
	cl.coordMu.Lock()
	for _, k := range keys {
		ck := CoordKey{kind, k}
		if flight {
			delete(cl.coordFlights, ck)
		}
		r, ok := found[k]
		if !ok || r.Err != nil {
			continue
		}
		old := cl.coords[ck]
		if old != nil && old.node != r.Broker.ID {
			moves = append(moves, move{k, old.node, r.Broker.ID})
		}
		cl.coords[ck] = &coordEntry{node: r.Broker.ID, at: now, valid: true}
	}
	cl.coordMu.Unlock()
	for _, m := range moves {
		cl.obs.CoordinatorMoved(kind, m.key, m.from, m.to)
	}
}

// findCoordinators asks any broker but those in avoid for the keys'
// coordinators.
func (cl *Cluster) findCoordinators(ctx context.Context, kind CoordKind, keys []string, avoid ...*Broker) (map[string]CoordResult, error) {
	return withAnyBroker(ctx, cl, func(ctx context.Context, b *Broker) (map[string]CoordResult, error) {
		v, err := b.Version(ctx, kmsg.FindCoordinator, 0, findCoordinatorMax)
		if err != nil {
			return nil, err
		}
		if v >= findCoordinatorBatch {
			return cl.findBatched(ctx, b, kind, keys)
		}
		return cl.findOneByOne(ctx, b, kind, keys)
	}, avoid...)
}

func (cl *Cluster) findBatched(ctx context.Context, b *Broker, kind CoordKind, keys []string) (map[string]CoordResult, error) {
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorType = int8(kind)
	req.CoordinatorKeys = keys
	resp, err := b.Request(ctx, req, findCoordinatorBatch, findCoordinatorMax)
	if err != nil {
		return nil, err
	}
	out := make(map[string]CoordResult, len(keys))
	for _, c := range resp.(*kmsg.FindCoordinatorResponse).Coordinators {
		out[c.Key] = cl.coordResult(c.ErrorCode, c.ErrorMessage, c.NodeID, c.Host, c.Port)
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			out[k] = CoordResult{Err: fmt.Errorf("%s left %q out of its FindCoordinator answer", b, k)}
		}
	}
	return out, nil
}

// findOneByOne serves brokers older than FindCoordinator v4: one request per
// key, all in flight at once on the one connection.
func (cl *Cluster) findOneByOne(ctx context.Context, b *Broker, kind CoordKind, keys []string) (map[string]CoordResult, error) {
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		out      = make(map[string]CoordResult, len(keys))
		firstErr error
	)
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := kmsg.NewPtrFindCoordinatorRequest()
			req.CoordinatorType = int8(kind)
			req.CoordinatorKey = k
			resp, err := b.Request(ctx, req, 0, findCoordinatorBatch-1)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			r := resp.(*kmsg.FindCoordinatorResponse)
			out[k] = cl.coordResult(r.ErrorCode, r.ErrorMessage, r.NodeID, r.Host, r.Port)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func (cl *Cluster) coordResult(code int16, msg *string, node int32, host string, port int32) CoordResult {
	if err := kafkaerr.New(code, msg); err != nil {
		return CoordResult{Err: err}
	}
	return CoordResult{Broker: cl.upsertBroker(node, host, port)}
}

// ForgetCoordinator drops the cached coordinator of key if it is node, so
// that the next look-up asks the cluster.
func (cl *Cluster) ForgetCoordinator(kind CoordKind, key string, node int32) {
	cl.coordMu.Lock()
	if e := cl.coords[CoordKey{kind, key}]; e != nil && e.node == node {
		e.valid = false
	}
	cl.coordMu.Unlock()
}

// CachedCoordinator returns the cached coordinator node of key, if valid.
func (cl *Cluster) CachedCoordinator(kind CoordKind, key string) (int32, bool) {
	cl.coordMu.Lock()
	defer cl.coordMu.Unlock()
	if e := cl.coords[CoordKey{kind, key}]; e != nil && e.valid {
		return e.node, true
	}
	return -1, false
}

// pruneCoordinators drops entries not refreshed since before.
func (cl *Cluster) pruneCoordinators(before time.Time) {
	cl.coordMu.Lock()
	defer cl.coordMu.Unlock()
	for k, e := range cl.coords {
		if e.at.Before(before) {
			delete(cl.coords, k)
		}
	}
}

// withAnyBroker runs fn on any broker but those in avoid, moving to another
// broker at once when one cannot be reached, until every broker and
// bootstrap address was tried. A broker that has not answered within
// StallAfter is not waited for alone: fn also runs on another broker, and
// the first answer is taken (the others are canceled). fn must therefore be
// a request any broker can answer, without side effects.
func withAnyBroker[T any](ctx context.Context, cl *Cluster, fn func(context.Context, *Broker) (T, error), avoid ...*Broker) (T, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		val T
		err error
	}
	var (
		tried   = slices.Clone(avoid)
		running int
		lastErr error
		zero    T
	)
	answers := make(chan answer, len(cl.allBrokers())+len(avoid)+8)
	start := func() bool {
		b := cl.AnyBroker(tried...)
		if b == nil {
			return false
		}
		tried = append(tried, b)
		running++
		go func() {
			v, err := fn(ctx, b)
			answers <- answer{v, err}
		}()
		return true
	}
	// wait lets the canceled attempts end before returning.
	wait := func() {
		cancel()
		for ; running > 0; running-- {
			<-answers
		}
	}
	if !start() {
		return zero, errors.New("no broker known: check the bootstrap addresses")
	}
	hedge := time.NewTimer(StallAfter)
	defer hedge.Stop()
	for {
		select {
		case a := <-answers:
			running--
			if a.err == nil || !conn.IsTransport(a.err) || ctx.Err() != nil {
				wait()
				return a.val, a.err
			}
			lastErr = a.err
			if running == 0 && !start() {
				return zero, lastErr
			}
		case <-hedge.C:
			start()
			hedge.Reset(StallAfter)
		}
	}
}

// ForgetCoordinators drops the cached coordinators of keys, wherever they
// point.
func (cl *Cluster) ForgetCoordinators(kind CoordKind, keys []string) {
	cl.coordMu.Lock()
	defer cl.coordMu.Unlock()
	for _, k := range keys {
		if e := cl.coords[CoordKey{kind, k}]; e != nil {
			e.valid = false
		}
	}
}

// GroupPartition returns the partition of __consumer_offsets (of
// partitions partitions) that holds group, whose leader is the group's
// coordinator: Kafka takes Java's String.hashCode of the group id, makes it
// non-negative as its Utils.abs does (0 for the smallest int), and takes it
// modulo the partition count.
func GroupPartition(group string, partitions int) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(group)) {
		h = 31*h + int32(u)
	}
	switch {
	case h == math.MinInt32:
		h = 0
	case h < 0:
		h = -h
	}
	return h % int32(partitions)
}
