// Package driver runs one admin call to completion over a cluster that may
// be changing under it.
//
// A call is a set of keys (group ids, topic partitions, brokers...). Each key
// is looked up to the broker that must serve it, keys bound for the same
// broker are sent together, and each key then ends in one of four ways:
// done, failed, back to look-up (its broker no longer serves it: the
// coordinator or leader moved, or the connection died), or retried on the
// same broker (the broker is busy: a coordinator loading its state). Retries
// are unlimited but backed off, exponentially from 20 ms to 200 ms with ±20 %
// jitter, look-ups included; only a non-retriable error or the caller's
// deadline ends a key that is not done. Keys that fail together wait
// together: the keys of one answer that fail on the same attempt share one
// backoff, so that they are retried in one request rather than one request
// each.
//
// A broker that stops answering without closing its connections (paused,
// or cut off by a network that drops packets) is not left to the request
// timeout alone: while a request to it is unanswered, its keys are looked
// up again every StallAfter (with a request of its own, sent to another
// broker), and once they have moved elsewhere the request is abandoned and
// its keys go to their new broker.
//
// One goroutine, the caller's, owns all of a call's state. Look-ups and
// sends run in their own goroutines and report back to it, so that a slow
// broker never holds up keys bound elsewhere.
package driver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
)

// RouteKind is how a key finds its broker.
type RouteKind uint8

// Route kinds.
const (
	ToGroupCoordinator RouteKind = iota // Route.Key is a group id
	ToTxnCoordinator                    // Route.Key is a transactional id
	ToLeader                            // Route.Key and Route.Partition name a partition
	ToController
	ToBroker // Route.Broker is the node id
	ToAnyBroker
)

// Route says where a key must be sent.
type Route struct {
	Kind      RouteKind
	Key       string
	Partition int32
	Broker    int32
	// Every marks a key of a call to every broker: a broker that is no
	// longer in the cluster's metadata fails at once, for the call to
	// leave it out. A named broker missing from metadata is waited for
	// instead: Kafka leaves a broker that is shut down or fenced out of
	// metadata until it is back.
	Every bool
}

// Outcome is what became of a key after one attempt.
type Outcome uint8

// Outcomes.
const (
	Done     Outcome = iota // finished; the call stored its value
	Fail                    // finished with an error retrying cannot cure
	Relookup                // find the key's broker again, then retry
	Retry                   // retry on the same broker
)

func (o Outcome) String() string {
	return [...]string{"done", "fail", "relookup", "retry"}[o]
}

// Result is one key's outcome and, unless done, its cause.
type Result struct {
	Outcome Outcome
	Err     error
	// MaybeApplied reports an answer that leaves the change possibly
	// made (REQUEST_TIMED_OUT from a broker that goes on applying it).
	MaybeApplied bool
}

// Attempt is one key as a Send sees it.
type Attempt[K comparable] struct {
	Key K
	// N counts the key's sends, 1 for the first.
	N int
	// MaybeApplied reports that an earlier send of this key may have
	// reached the broker and been applied: the connection died after the
	// request was written. A call that is not idempotent uses it to tell
	// "done by this call" from "already so".
	MaybeApplied bool
}

// Call is an admin call over a set of keys.
type Call[K comparable] struct {
	// Name is what the call does, e.g. "describe groups".
	Name string
	Keys []K
	// Route says where each key must be sent.
	Route func(K) Route
	// Describe names a key in errors and events, e.g. `group "g"`.
	Describe func(K) string
	// Send sends keys that are all bound for broker b and reports each
	// key's result. An error instead fails the whole batch: a connection
	// error sends every key back to look-up, any other error fails them.
	// Send is called from many goroutines at once, one per broker.
	Send func(ctx context.Context, b *cluster.Broker, batch []Attempt[K]) (map[K]Result, error)
	// MaxBatch caps the keys of one Send (0: no cap); more keys bound for
	// one broker go out in several requests at once.
	MaxBatch int
	// ServerWait is how long the broker may hold the call's requests by
	// design (their timeout field): a request is only checked for a stall
	// once that has passed.
	ServerWait time.Duration
}

// Failure is why a key did not finish.
type Failure struct {
	Broker   int32 // the broker of the last attempt, -1 if none was reached
	Attempts int   // failed attempts, look-ups included
	Cause    error // the last cause
	// Deadline is the context's error when the deadline (or a
	// cancellation) ended the key, nil when a non-retriable error did.
	Deadline error
	// MaybeApplied reports that a send of the key may have reached the
	// broker and been applied although no answer said so.
	MaybeApplied bool
}

// Backoff is the delay before retry n (1 for the first).
type Backoff func(n int) time.Duration

// DefaultBackoff is exponential from 20 ms to 200 ms, with ±20 % jitter.
//
// The cap bounds how late a key notices that the cluster healed: a key
// waiting on a broker that is down retries at least every 240 ms, so a call
// completes within about a quarter of a second of the broker's return. A
// failed attempt costs a refused dial or one small request answered with an
// error, and keys that fail together are retried together (see wave), so
// about five requests a second per broker a call waits on is cheap for the
// cluster (Kafka's Java clients long retried every 100 ms, without backing
// off at all). The short start lets a burst of NOT_COORDINATOR or
// COORDINATOR_LOAD_IN_PROGRESS answers cost tens of milliseconds, not
// seconds.
func DefaultBackoff(n int) time.Duration {
	return ExponentialBackoff(20*time.Millisecond, 200*time.Millisecond, 0.2)(n)
}

// ExponentialBackoff doubles from lo up to hi, with ±jitter of randomness.
func ExponentialBackoff(lo, hi time.Duration, jitter float64) Backoff {
	return func(n int) time.Duration {
		d := lo
		for i := 1; i < n && d < hi; i++ {
			d *= 2
		}
		d = min(d, hi)
		return time.Duration(float64(d) * (1 + jitter*(2*rand.Float64()-1)))
	}
}

// Run runs call until every key is done or failed, or ctx ends. It returns
// the keys that did not finish, nil when all did.
func Run[K comparable](ctx context.Context, cl *cluster.Cluster, backoff Backoff, call Call[K]) map[K]*Failure {
	if backoff == nil {
		backoff = DefaultBackoff
	}
	r := &run[K]{
		ctx:     ctx,
		cl:      cl,
		call:    call,
		backoff: backoff,
		events:  make(chan func()),
		sends:   make(map[*inflight[K]]struct{}),
	}
	seen := make(map[K]struct{}, len(call.Keys))
	states := make([]keyState[K], 0, len(call.Keys)) // one allocation for every key
	r.keys = make([]*keyState[K], 0, len(call.Keys))
	for _, k := range call.Keys {
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			states = append(states, keyState[K]{key: k, route: call.Route(k), broker: -1})
			r.keys = append(r.keys, &states[len(states)-1])
		}
	}
	r.open = len(r.keys)
	r.loop()
	return r.failures
}

type phase uint8

const (
	waiting phase = iota // for its readyAt
	busy                 // a look-up or send is under way
	finished
)

type keyState[K comparable] struct {
	key          K
	route        Route
	phase        phase
	readyAt      time.Time
	tries        int // failed attempts
	sends        int
	attemptAt    time.Time       // when its last attempt (look-up or send) began
	broker       int32           // broker of the last attempt
	same         *cluster.Broker // retry here without a look-up
	cause        error
	maybeApplied bool
}

type run[K comparable] struct {
	ctx      context.Context
	sends    map[*inflight[K]]struct{} // sends under way
	cl       *cluster.Cluster
	call     Call[K]
	backoff  Backoff
	keys     []*keyState[K]
	open     int // keys not finished
	running  int // goroutines that will send one event
	events   chan func()
	stopping bool // ctx ended: apply outcomes, start nothing new
	failures map[K]*Failure
	wave     wave
}

// wave is the backoff shared by the keys that fail while one event is
// applied: drawn once per attempt number and counted from one instant, so
// that those keys are due at the same moment and go out in one request.
type wave struct {
	at    time.Time
	waits map[int]time.Duration
}

// newWave starts a new wave; the next backoff is drawn afresh.
func (r *run[K]) newWave() {
	r.wave.at = time.Time{}
	clear(r.wave.waits)
}

// waveWait is the backoff before retry n of a key failing in this wave,
// and the instant it counts from.
func (r *run[K]) waveWait(n int) (time.Time, time.Duration) {
	if r.wave.at.IsZero() {
		r.wave.at = time.Now()
	}
	if r.wave.waits == nil {
		r.wave.waits = make(map[int]time.Duration)
	}
	w, ok := r.wave.waits[n]
	if !ok {
		w = r.backoff(n)
		r.wave.waits[n] = w
	}
	return r.wave.at, w
}

func (r *run[K]) loop() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for r.open > 0 || r.running > 0 {
		r.newWave()
		var next time.Time
		if !r.stopping {
			next = r.dispatchDue()
		}
		var wake <-chan time.Time
		if !next.IsZero() {
			timer.Reset(time.Until(next))
			wake = timer.C
		}
		done := r.ctx.Done()
		if r.stopping {
			done = nil
		}
		select {
		case ev := <-r.events:
			r.running--
			r.newWave()
			ev()
		case <-wake:
		case <-done:
			r.stopping = true
		}
		timer.Stop()
		if r.stopping && r.running == 0 {
			r.expire()
		}
	}
}

// dispatchDue starts look-ups and sends for the keys whose wait is over and
// returns when the next waiting key is due.
func (r *run[K]) dispatchDue() time.Time {
	now := time.Now()
	var (
		next    time.Time
		direct  = make(map[*cluster.Broker][]*keyState[K])
		lookups = make(map[RouteKind][]*keyState[K])
	)
	for _, s := range r.keys {
		if s.phase != waiting {
			continue
		}
		if s.readyAt.After(now) {
			if next.IsZero() || s.readyAt.Before(next) {
				next = s.readyAt
			}
			continue
		}
		s.phase = busy
		s.attemptAt = now
		if s.same != nil {
			direct[s.same] = append(direct[s.same], s)
			s.same = nil
		} else {
			lookups[s.route.Kind] = append(lookups[s.route.Kind], s)
		}
	}
	for b, ss := range direct {
		r.sendBatches(b, ss)
	}
	for kind, ss := range lookups {
		r.lookup(kind, ss)
	}
	for f := range r.sends {
		if f.abandoned || f.checking || !movable(f.ss[0].route.Kind) {
			continue
		}
		if f.checkAt.After(now) {
			if next.IsZero() || f.checkAt.Before(next) {
				next = f.checkAt
			}
			continue
		}
		r.checkMoved(f)
	}
	return next
}

// spawn runs work in a goroutine; the function work returns is applied on
// the loop's goroutine.
func (r *run[K]) spawn(work func() func()) {
	r.running++
	go func() { r.events <- work() }()
}

// resolved is one key's look-up answer.
type resolved struct {
	broker *cluster.Broker
	err    error
}

func (r *run[K]) lookup(kind RouteKind, ss []*keyState[K]) {
	r.spawn(func() func() {
		found := r.resolve(kind, ss)
		return func() {
			byBroker := make(map[*cluster.Broker][]*keyState[K])
			for i, s := range ss {
				if found[i].err != nil {
					r.lookupFailed(s, found[i].err)
					continue
				}
				byBroker[found[i].broker] = append(byBroker[found[i].broker], s)
			}
			if r.stopping {
				for _, ks := range byBroker {
					for _, s := range ks {
						s.phase = waiting
					}
				}
				return
			}
			for b, ks := range byBroker {
				r.sendBatches(b, ks)
			}
		}
	})
}

// resolve looks up the broker of every key; it runs off the loop.
func (r *run[K]) resolve(kind RouteKind, ss []*keyState[K]) []resolved {
	out := make([]resolved, len(ss))
	switch kind {
	case ToGroupCoordinator, ToTxnCoordinator:
		ck, ids := coordKeys(kind, ss)
		found := r.cl.Coordinators(r.ctx, ck, ids)
		for i, s := range ss {
			out[i] = resolved{found[s.route.Key].Broker, found[s.route.Key].Err}
		}
	case ToLeader:
		topics := make([]string, 0, len(ss))
		for _, s := range ss {
			topics = append(topics, s.route.Key)
		}
		metas, err := r.cl.Topics(r.ctx, topics, 0)
		if err == nil {
			r.refreshIfMissing(metas, ss)
		}
		for i, s := range ss {
			if err != nil {
				out[i] = resolved{err: err}
				continue
			}
			out[i] = r.leader(metas[s.route.Key], s.route.Partition)
		}
	case ToController:
		b, err := r.cl.Controller(r.ctx)
		for i := range ss {
			out[i] = resolved{b, err}
		}
	case ToBroker:
		for i, s := range ss {
			b, err := r.cl.Broker(r.ctx, s.route.Broker)
			out[i] = resolved{b, err}
		}
	case ToAnyBroker:
		b := r.cl.AnyBroker()
		for i := range ss {
			out[i] = resolved{broker: b}
			if b == nil {
				out[i].err = errors.New("no broker known: check the bootstrap addresses")
			}
		}
	}
	return out
}

// coordKeys returns the coordinator kind of a coordinator route and the
// keys' ids.
func coordKeys[K comparable](kind RouteKind, ss []*keyState[K]) (cluster.CoordKind, []string) {
	ck := cluster.GroupCoordinator
	if kind == ToTxnCoordinator {
		ck = cluster.TxnCoordinator
	}
	ids := make([]string, 0, len(ss))
	for _, s := range ss {
		ids = append(ids, s.route.Key)
	}
	return ck, ids
}

// refreshIfMissing fetches again the topics whose cached metadata lacks a
// partition some key names: partitions may have been added since, and a
// partition is only said not to exist on fresh metadata.
func (r *run[K]) refreshIfMissing(metas map[string]*cluster.TopicMeta, ss []*keyState[K]) {
	var stale []string
	for _, s := range ss {
		tm := metas[s.route.Key]
		if _, ok := tm.Partition(s.route.Partition); tm.Err == nil && !ok && !slices.Contains(stale, tm.Name) {
			stale = append(stale, tm.Name)
		}
	}
	if len(stale) == 0 {
		return
	}
	if fresh, err := r.cl.Topics(r.ctx, stale, time.Nanosecond); err == nil {
		maps.Copy(metas, fresh)
	}
}

func (r *run[K]) leader(tm *cluster.TopicMeta, partition int32) resolved {
	if tm.Err != nil {
		return resolved{err: &topicError{topic: tm.Name, err: tm.Err}}
	}
	pm, ok := tm.Partition(partition)
	if !ok {
		return resolved{err: &partitionError{topic: tm.Name, partition: partition, count: len(tm.Partitions)}}
	}
	if pm.Leader < 0 {
		r.cl.InvalidateTopic(tm.Name)
		return resolved{err: fmt.Errorf("partition %d of topic %q has no leader: %w", partition, tm.Name, kerr.LeaderNotAvailable)}
	}
	b, err := r.cl.Broker(r.ctx, pm.Leader)
	if err != nil {
		r.cl.InvalidateTopic(tm.Name)
	}
	return resolved{b, err}
}

func (r *run[K]) lookupFailed(s *keyState[K], err error) {
	if r.stopping || r.ctx.Err() != nil {
		s.phase = waiting
		if s.cause == nil || !isContext(err) {
			s.cause = err
		}
		return
	}
	if !lookupRetriable(s.route, err) {
		r.fail(s, err)
		return
	}
	r.again(s, nil, err)
}

// inflight is a send under way.
type inflight[K comparable] struct {
	b        *cluster.Broker
	ss       []*keyState[K]
	cancel   context.CancelFunc
	checkAt  time.Time // when to check whether its keys moved
	checking bool      // a check is under way
	// abandoned reports that its keys moved elsewhere while it waited:
	// its context is canceled and its keys go to their new broker.
	abandoned bool
	moved     error // why it was abandoned
	done      bool
}

// movable reports whether keys of a route can move to another broker
// while a request waits: a coordinator or a leader can, and a named broker
// can leave the cluster.
func movable(kind RouteKind) bool {
	switch kind {
	case ToGroupCoordinator, ToTxnCoordinator, ToLeader, ToBroker:
		return true
	}
	return false
}

// sendBatches sends keys bound for b, in requests of at most MaxBatch keys.
func (r *run[K]) sendBatches(b *cluster.Broker, ss []*keyState[K]) {
	n := r.call.MaxBatch
	if n <= 0 {
		n = len(ss)
	}
	for len(ss) > 0 {
		k := min(n, len(ss))
		r.send(b, ss[:k:k])
		ss = ss[k:]
	}
}

func (r *run[K]) send(b *cluster.Broker, ss []*keyState[K]) {
	batch := make([]Attempt[K], len(ss))
	now := time.Now()
	for i, s := range ss {
		s.sends++
		s.attemptAt = now
		s.broker = b.ID
		batch[i] = Attempt[K]{Key: s.key, N: s.sends, MaybeApplied: s.maybeApplied}
	}
	ctx, cancel := context.WithCancel(r.ctx)
	f := &inflight[K]{b: b, ss: ss, cancel: cancel, checkAt: time.Now().Add(cluster.StallAfter + r.call.ServerWait)}
	r.sends[f] = struct{}{}
	r.spawn(func() func() {
		results, err := r.call.Send(ctx, b, batch)
		return func() {
			f.done = true
			delete(r.sends, f)
			cancel()
			if err != nil && f.abandoned && r.ctx.Err() == nil {
				r.abandoned(f)
				return
			}
			for _, s := range ss {
				if err != nil {
					r.sendFailed(s, b, err)
					continue
				}
				res, ok := results[s.key]
				if !ok {
					res = Result{Outcome: Fail, Err: fmt.Errorf("%s left %s out of its answer", b, r.call.Describe(s.key))}
				}
				r.apply(s, b, res)
			}
		}
	})
}

// checkMoved looks a stalled send's keys up again, from metadata or a
// FindCoordinator of its own, and abandons the send once a key has moved
// to another broker (or its broker has left the cluster).
func (r *run[K]) checkMoved(f *inflight[K]) {
	f.checking = true
	r.spawn(func() func() {
		ctx, cancel := context.WithTimeout(r.ctx, moveCheckTimeout)
		moved := r.movedFrom(ctx, f.b, f.ss)
		cancel()
		return func() {
			f.checking = false
			f.checkAt = time.Now().Add(cluster.StallAfter)
			if moved != nil && !f.done && !f.abandoned {
				f.abandoned, f.moved = true, moved
				f.cancel()
				r.cl.Observer().Retry(r.call.Name, r.call.Describe(f.ss[0].key), f.b.ID, f.ss[0].tries+1, 0, moved)
			}
		}
	})
}

// moveCheckTimeout bounds one check of a stalled send.
const moveCheckTimeout = 5 * cluster.StallAfter

// movedFrom reports, off the loop, why the keys are no longer b's (nil
// while they still are, or when the look-up failed).
func (r *run[K]) movedFrom(ctx context.Context, b *cluster.Broker, ss []*keyState[K]) error {
	switch kind := ss[0].route.Kind; kind {
	case ToGroupCoordinator, ToTxnCoordinator:
		ck, ids := coordKeys(kind, ss)
		found, err := r.cl.CoordinatorsNow(ctx, ck, ids, b)
		if err != nil {
			return nil
		}
		for _, s := range ss {
			if c := found[s.route.Key]; c.Err == nil && c.Broker != nil && c.Broker.ID != b.ID {
				return fmt.Errorf("%s moved from %s, which does not answer, to broker %d", r.call.Describe(s.key), b, c.Broker.ID)
			}
		}
	case ToLeader:
		var topics []string
		for _, s := range ss {
			if !slices.Contains(topics, s.route.Key) {
				topics = append(topics, s.route.Key)
			}
		}
		_, metas, err := r.cl.MetadataNow(ctx, topics, b)
		if err != nil {
			return nil
		}
		for _, s := range ss {
			tm := metas[s.route.Key]
			if tm == nil {
				continue
			}
			if pm, ok := tm.Partition(s.route.Partition); ok && pm.Leader >= 0 && pm.Leader != b.ID {
				return fmt.Errorf("%s moved from %s, which does not answer, to broker %d", r.call.Describe(s.key), b, pm.Leader)
			}
		}
	case ToBroker:
		md, _, err := r.cl.MetadataNow(ctx, nil, b)
		if err == nil && len(md.Brokers) > 0 && !slices.ContainsFunc(md.Brokers, func(o kmsg.MetadataResponseBroker) bool { return o.NodeID == b.ID }) {
			return fmt.Errorf("%s, which does not answer, has left the cluster", b)
		}
	}
	return nil
}

// abandoned sends the keys of a send abandoned because they moved back to
// look-up at once: the request may still reach the old broker, so their
// next send says it may have been applied.
func (r *run[K]) abandoned(f *inflight[K]) {
	now := time.Now()
	for _, s := range f.ss {
		if s.phase == finished {
			continue
		}
		s.maybeApplied = true
		s.tries++
		s.cause = f.moved
		r.forget(s, f.b)
		s.phase = waiting
		s.readyAt = now
		s.same = nil
	}
}

// sendFailed handles an error that failed a whole batch.
func (r *run[K]) sendFailed(s *keyState[K], b *cluster.Broker, err error) {
	if conn.MaybeSent(err) {
		s.maybeApplied = true
	}
	switch {
	case isContext(err) && r.ctx.Err() != nil:
		// The call ended while the request was out: it may have been
		// written and applied.
		s.maybeApplied = true
		s.phase = waiting
		if s.cause == nil {
			s.cause = err
		}
	case conn.IsTransport(err):
		r.apply(s, b, Result{Outcome: Relookup, Err: err})
	default:
		r.fail(s, err)
	}
}

// apply records a key's outcome from broker b.
func (r *run[K]) apply(s *keyState[K], b *cluster.Broker, res Result) {
	if res.MaybeApplied {
		s.maybeApplied = true
	}
	switch res.Outcome {
	case Done:
		s.phase = finished
		s.cause = nil
		r.open--
	case Fail:
		r.fail(s, res.Err)
	case Relookup:
		r.forget(s, b)
		r.again(s, nil, res.Err)
	case Retry:
		r.again(s, b, res.Err)
	}
}

// forget drops what sent the key to b, so that its look-up asks the cluster.
func (r *run[K]) forget(s *keyState[K], b *cluster.Broker) {
	switch s.route.Kind {
	case ToGroupCoordinator:
		r.cl.ForgetCoordinator(cluster.GroupCoordinator, s.route.Key, b.ID)
	case ToTxnCoordinator:
		r.cl.ForgetCoordinator(cluster.TxnCoordinator, s.route.Key, b.ID)
	case ToLeader:
		r.cl.InvalidateTopic(s.route.Key)
	case ToController:
		r.cl.ForgetController(b.ID)
	case ToBroker:
		r.cl.InvalidateBrokers()
	}
}

// again schedules the key's next attempt after a backoff (counted from the
// start of the attempt that failed), on broker same if given, else through
// a new look-up. A backoff that would end past the deadline ends the key
// now, with the cause that it was waiting out.
func (r *run[K]) again(s *keyState[K], same *cluster.Broker, cause error) {
	s.tries++
	s.cause = cause
	now, wait := r.waveWait(s.tries)
	ready := now.Add(wait)
	// An attempt that itself outlasted the backoff (a request that timed
	// out, a dial to a silent broker) is retried at once: the wait the
	// backoff asks for has passed, and a broker coming back is met by an
	// attempt already under way, not by a client backing off.
	if !s.attemptAt.IsZero() && s.attemptAt.Add(wait).Before(now) {
		ready = now
	}
	if dl, ok := r.ctx.Deadline(); ok && ready.After(dl) {
		r.finishFailed(s, context.DeadlineExceeded)
		return
	}
	s.phase = waiting
	s.readyAt = ready
	s.same = same
	r.cl.Observer().Retry(r.call.Name, r.call.Describe(s.key), s.broker, s.tries, wait, cause)
}

func (r *run[K]) fail(s *keyState[K], err error) {
	s.tries++
	s.cause = err
	r.finishFailed(s, nil)
}

func (r *run[K]) finishFailed(s *keyState[K], deadline error) {
	if r.failures == nil {
		r.failures = make(map[K]*Failure)
	}
	r.failures[s.key] = &Failure{Broker: s.broker, Attempts: s.tries, Cause: s.cause, Deadline: deadline, MaybeApplied: s.maybeApplied}
	s.phase = finished
	r.open--
}

// expire ends every unfinished key with the context's error.
func (r *run[K]) expire() {
	for _, s := range r.keys {
		if s.phase != finished {
			if s.cause == nil {
				s.cause = r.ctx.Err()
			}
			r.finishFailed(s, r.ctx.Err())
		}
	}
}

func isContext(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
