// Package cluster is what a client knows of a Kafka cluster and how it
// reaches it: the bootstrap addresses, the brokers by node id with their
// connections (one for requests answered at once, one for requests that
// wait server-side), the controller, topic metadata, and the coordinator
// cache.
//
// Knowledge is cached and refreshed on demand: a look-up that finds nothing
// fresh fetches it, and concurrent look-ups of the same thing share one
// request. Failures make the cache forget: a broker that cannot be dialed
// loses the coordinators and the controller role cached for it, and when no
// known broker can be reached the client falls back to the bootstrap
// addresses (re-bootstrap).
package cluster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/conn"
)

// Defaults for the zero values of Config.
const (
	DefaultMetadataMaxAge    = 5 * time.Minute
	DefaultCoordinatorMaxAge = 5 * time.Minute
	DefaultConnIdleTimeout   = 5 * time.Minute
	DefaultDownFor           = time.Second
)

// Metadata versions kafadmin reads: v1 distinguishes "no topics" from "all
// topics" and names the controller.
const (
	metadataMin = 1
	metadataMax = 12
)

// Config is the cluster's configuration.
type Config struct {
	Conn              *conn.Config
	Seeds             []string // host:port, validated by ParseSeeds
	MetadataMaxAge    time.Duration
	CoordinatorMaxAge time.Duration
	ConnIdleTimeout   time.Duration // idle connections are closed after this
	DownFor           time.Duration // after a failed dial, "any broker" avoids the broker this long
	Observer          Observer
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (c *Config) metadataMaxAge() time.Duration {
	return orDefault(c.MetadataMaxAge, DefaultMetadataMaxAge)
}

func (c *Config) coordinatorMaxAge() time.Duration {
	return orDefault(c.CoordinatorMaxAge, DefaultCoordinatorMaxAge)
}
func (c *Config) connIdleTimeout() time.Duration {
	return orDefault(c.ConnIdleTimeout, DefaultConnIdleTimeout)
}
func (c *Config) downFor() time.Duration { return orDefault(c.DownFor, DefaultDownFor) }

// Cluster is the client's view of a Kafka cluster. It is safe for
// concurrent use.
type Cluster struct {
	cfg Config
	obs Observer

	ctx    context.Context // ends at Close; shared look-ups run under it
	cancel context.CancelFunc

	lifeMu  sync.Mutex // orders wg.Add against Close's wg.Wait
	closing bool
	wg      sync.WaitGroup // shared look-ups, retiring connections and the reaper

	mu         sync.Mutex
	seeds      []*Broker
	brokers    map[int32]*Broker
	seen       map[int32]bool // every node id metadata has listed
	controller int32
	brokersAt  time.Time             // when the broker list was last fetched
	topics     map[string]*TopicMeta // by name
	metaFlight map[string]*flight    // metadata fetches in progress, by topic set

	coordMu      sync.Mutex
	coords       map[CoordKey]*coordEntry
	coordFlights map[CoordKey]*flight
}

// New returns a cluster that will bootstrap from cfg.Seeds. It does no I/O.
func New(cfg Config) *Cluster {
	ctx, cancel := context.WithCancel(context.Background())
	cl := &Cluster{
		cfg:          cfg,
		obs:          cfg.Observer,
		ctx:          ctx,
		cancel:       cancel,
		brokers:      make(map[int32]*Broker),
		seen:         make(map[int32]bool),
		controller:   -1,
		topics:       make(map[string]*TopicMeta),
		metaFlight:   make(map[string]*flight),
		coords:       make(map[CoordKey]*coordEntry),
		coordFlights: make(map[CoordKey]*flight),
	}
	if cl.obs == nil {
		cl.obs = NopObserver{}
	}
	for i, addr := range cfg.Seeds {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		cl.seeds = append(cl.seeds, newBroker(cl, int32(-1-i), host, int32(p)))
	}
	cl.goBackground(cl.reap)
	return cl
}

// Close closes every connection and stops background work. Look-ups in
// progress fail with ErrClosed.
func (cl *Cluster) Close() {
	cl.lifeMu.Lock()
	cl.closing = true
	cl.lifeMu.Unlock()
	cl.cancel()
	cl.wg.Wait()
	for _, b := range cl.allBrokers() {
		b.close()
	}
}

// goBackground runs fn in a goroutine that Close waits for, unless the
// cluster is closing; it reports whether fn was started.
func (cl *Cluster) goBackground(fn func()) bool {
	cl.lifeMu.Lock()
	defer cl.lifeMu.Unlock()
	if cl.closing {
		return false
	}
	cl.wg.Add(1)
	go func() {
		defer cl.wg.Done()
		fn()
	}()
	return true
}

// retire closes c once no request is in flight on it, or at Close.
func (cl *Cluster) retire(c *conn.Conn) {
	started := cl.goBackground(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for c.Err() == nil && !c.CloseIfIdle(0) {
			select {
			case <-cl.ctx.Done():
				c.Close()
				return
			case <-tick.C:
			}
		}
	})
	if !started {
		c.Close()
	}
}

// Closed reports whether Close was called.
func (cl *Cluster) Closed() bool { return cl.ctx.Err() != nil }

// Observer is the cluster's observer, never nil.
func (cl *Cluster) Observer() Observer { return cl.obs }

// reap closes connections that have been idle for the idle timeout, before
// the broker's own connections.max.idle.ms closes them under a request.
func (cl *Cluster) reap() {
	idle := cl.cfg.connIdleTimeout()
	tick := time.NewTicker(min(max(idle/4, 10*time.Millisecond), 30*time.Second))
	defer tick.Stop()
	for {
		select {
		case <-cl.ctx.Done():
			return
		case <-tick.C:
		}
		for _, b := range cl.allBrokers() {
			b.closeIdle(idle)
		}
		cl.pruneCoordinators(time.Now().Add(-time.Hour))
	}
}

func (cl *Cluster) allBrokers() []*Broker {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	out := make([]*Broker, 0, len(cl.brokers)+len(cl.seeds))
	for _, b := range cl.brokers {
		out = append(out, b)
	}
	return append(out, cl.seeds...)
}

// ParseSeeds validates bootstrap addresses. Each entry may hold several
// comma-separated addresses; a missing port means 9092.
func ParseSeeds(in []string) ([]string, error) {
	var out []string
	for _, entry := range in {
		for _, addr := range strings.Split(entry, ",") {
			addr = strings.TrimSpace(addr)
			if addr == "" {
				continue
			}
			norm, err := parseAddr(addr)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(out, norm) {
				out = append(out, norm)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no bootstrap brokers: give at least one host:port, e.g. localhost:9092")
	}
	return out, nil
}

func parseAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if !strings.Contains(err.Error(), "missing port") {
			return "", fmt.Errorf("bootstrap address %q is malformed (%v): want host:port, e.g. localhost:9092", addr, err)
		}
		host, port = strings.Trim(addr, "[]"), "9092"
	}
	if host == "" {
		return "", fmt.Errorf("bootstrap address %q has no host: want host:port, e.g. localhost:9092", addr)
	}
	if strings.ContainsAny(host, " /\\") {
		return "", fmt.Errorf("bootstrap address %q has an invalid host %q: want host:port, e.g. localhost:9092", addr, host)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("bootstrap address %q has an invalid port %q: want a number from 1 to 65535, e.g. localhost:9092", addr, port)
	}
	return net.JoinHostPort(host, port), nil
}

// ---- brokers ----

// upsertBroker records that node id is at host:port. A broker whose address
// changed is replaced, and its connections closed.
func (cl *Cluster) upsertBroker(id int32, host string, port int32) *Broker {
	nb := newBroker(cl, id, host, port)
	cl.mu.Lock()
	old := cl.brokers[id]
	if old != nil && old.Addr == nb.Addr {
		cl.mu.Unlock()
		return old
	}
	if cl.Closed() {
		nb.closed = true // Close has gathered the brokers already, or will
	}
	cl.brokers[id] = nb
	cl.seen[id] = true
	cl.mu.Unlock()
	if old != nil {
		old.close()
		cl.forgetBroker(old.ID)
	}
	return nb
}

// brokerUnreachable is called after a failed dial: the coordinators and the
// controller role cached for the broker are forgotten, and the broker list
// is due for a refresh.
func (cl *Cluster) brokerUnreachable(b *Broker) {
	if b.ID < 0 {
		return
	}
	cl.forgetBroker(b.ID)
	cl.mu.Lock()
	cl.brokersAt = time.Time{}
	cl.mu.Unlock()
}

func (cl *Cluster) forgetBroker(id int32) {
	cl.mu.Lock()
	if cl.controller == id {
		cl.controller = -1
	}
	cl.mu.Unlock()
	cl.coordMu.Lock()
	for _, e := range cl.coords {
		if e.node == id {
			e.valid = false
		}
	}
	cl.coordMu.Unlock()
}

// Broker returns the broker with node id. The broker list is refreshed
// first when it is stale (after a failed dial, or past its maximum age) or
// does not have the broker; a broker that left the cluster is then reported
// as gone.
func (cl *Cluster) Broker(ctx context.Context, id int32) (*Broker, error) {
	cl.mu.Lock()
	b := cl.brokers[id]
	fresh := !cl.brokersAt.IsZero() && time.Since(cl.brokersAt) < cl.cfg.metadataMaxAge()
	cl.mu.Unlock()
	if b != nil && fresh {
		return b, nil
	}
	f, err := cl.refreshBrokers(ctx)
	if err != nil {
		if b != nil {
			return b, nil // the dial will tell whether it is there
		}
		return nil, err
	}
	for _, mb := range f.resp.Brokers {
		if mb.NodeID == id {
			return cl.upsertBroker(id, mb.Host, mb.Port), nil
		}
	}
	if !cl.seenBroker(id) {
		return nil, &conn.Error{Node: id, Op: "look-up", Err: fmt.Errorf("the cluster's metadata does not list it: %w", ErrBrokerUnknown)}
	}
	return nil, &conn.Error{Node: id, Op: "look-up", Err: fmt.Errorf("the cluster's metadata no longer lists it: %w", ErrBrokerGone)}
}

// seenBroker reports whether metadata has ever listed node id.
func (cl *Cluster) seenBroker(id int32) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.seen[id]
}

func (cl *Cluster) knownBroker(id int32) *Broker {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.brokers[id]
}

// Brokers returns every broker of the cluster, by node id, from metadata at
// most maxAge old (the configured maximum age when maxAge is 0).
func (cl *Cluster) Brokers(ctx context.Context, maxAge time.Duration) ([]*Broker, error) {
	if maxAge <= 0 {
		maxAge = cl.cfg.metadataMaxAge()
	}
	cl.mu.Lock()
	fresh := !cl.brokersAt.IsZero() && time.Since(cl.brokersAt) < maxAge
	var out []*Broker
	if fresh {
		for _, b := range cl.brokers {
			out = append(out, b)
		}
	}
	cl.mu.Unlock()
	if !fresh {
		f, err := cl.refreshBrokers(ctx)
		if err != nil {
			return nil, err
		}
		for _, mb := range f.resp.Brokers {
			out = append(out, cl.upsertBroker(mb.NodeID, mb.Host, mb.Port))
		}
	}
	slices.SortFunc(out, func(a, b *Broker) int { return int(a.ID) - int(b.ID) })
	return out, nil
}

// BrokersNow returns every broker of the cluster, by node id, and the
// metadata of topics (none if none are given), from a Metadata request this
// call sends itself: unlike Brokers, it never shares a request already in
// flight, so the answer describes the cluster as it stood after the call
// began. Topics are never created by the request.
func (cl *Cluster) BrokersNow(ctx context.Context, topics ...string) ([]*Broker, map[string]*TopicMeta, error) {
	mr, metas, err := cl.MetadataNow(ctx, topics)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Broker, 0, len(mr.Brokers))
	for _, mb := range mr.Brokers {
		out = append(out, cl.upsertBroker(mb.NodeID, mb.Host, mb.Port))
	}
	slices.SortFunc(out, func(a, b *Broker) int { return int(a.ID) - int(b.ID) })
	return out, metas, nil
}

// Controller returns the controller broker.
func (cl *Cluster) Controller(ctx context.Context) (*Broker, error) {
	cl.mu.Lock()
	id, fresh := cl.controller, time.Since(cl.brokersAt) < cl.cfg.metadataMaxAge()
	cl.mu.Unlock()
	if id < 0 || !fresh {
		f, err := cl.refreshBrokers(ctx)
		if err != nil {
			return nil, err
		}
		id = f.resp.ControllerID
	}
	if id < 0 {
		return nil, errors.New("the cluster names no controller")
	}
	return cl.Broker(ctx, id)
}

// ForgetController drops the cached controller id, if it is id.
func (cl *Cluster) ForgetController(id int32) {
	cl.mu.Lock()
	if cl.controller == id {
		cl.controller = -1
	}
	cl.mu.Unlock()
}

// InvalidateBrokers makes the next broker look-up fetch metadata.
func (cl *Cluster) InvalidateBrokers() {
	cl.mu.Lock()
	cl.brokersAt = time.Time{}
	cl.mu.Unlock()
}

// AnyBroker picks a broker for a request that any broker can serve: one
// with a live connection if possible, never one whose last dial failed
// recently, nor one that is stalled (see StallAfter), unless every broker
// is. When no known broker is left, the
// bootstrap addresses are used (re-bootstrap). skip lists brokers already
// tried.
func (cl *Cluster) AnyBroker(skip ...*Broker) *Broker {
	now := time.Now()
	cl.mu.Lock()
	known := make([]*Broker, 0, len(cl.brokers))
	for _, b := range cl.brokers {
		known = append(known, b)
	}
	seeds := cl.seeds
	cl.mu.Unlock()

	usable := func(bs []*Broker, needConn bool) []*Broker {
		var out []*Broker
		for _, b := range bs {
			if slices.Contains(skip, b) || b.isDown(now) || b.stalled(now) || (needConn && !b.connected()) {
				continue
			}
			out = append(out, b)
		}
		return out
	}
	for _, pool := range [][]*Broker{usable(known, true), usable(known, false), usable(seeds, false)} {
		if len(pool) > 0 {
			return pool[rand.IntN(len(pool))]
		}
	}
	// Everything is down or tried: the broker back soonest.
	var best *Broker
	for _, b := range append(known, seeds...) {
		if slices.Contains(skip, b) {
			continue
		}
		if best == nil || downUntil(b).Before(downUntil(best)) {
			best = b
		}
	}
	return best
}

func downUntil(b *Broker) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.downUntil
}

// RequestAny sends the request newReq makes to any broker but those in
// avoid, moving to another broker at once when one cannot be reached, and
// to a second one as well when the first has not answered within
// StallAfter (each attempt sends a request of its own).
func (cl *Cluster) RequestAny(ctx context.Context, newReq func() kmsg.Request, lo, hi int16, avoid ...*Broker) (kmsg.Response, error) {
	return withAnyBroker(ctx, cl, func(ctx context.Context, b *Broker) (kmsg.Response, error) {
		return b.Request(ctx, newReq(), lo, hi)
	}, avoid...)
}

// MetadataNow asks any broker but those in avoid for metadata of topics
// (none if empty), with a request of its own, updates the cluster's view
// with the answer, and returns it with its topics parsed. Topics are never
// created by the request.
func (cl *Cluster) MetadataNow(ctx context.Context, topics []string, avoid ...*Broker) (*kmsg.MetadataResponse, map[string]*TopicMeta, error) {
	newReq := func() kmsg.Request {
		req := kmsg.NewPtrMetadataRequest()
		req.AllowAutoTopicCreation = false
		req.Topics = make([]kmsg.MetadataRequestTopic, 0, len(topics))
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
		return req
	}
	resp, err := cl.RequestAny(ctx, newReq, metadataMin, metadataMax, avoid...)
	if err != nil {
		return nil, nil, fmt.Errorf("metadata: %w", err)
	}
	mr := resp.(*kmsg.MetadataResponse)
	return mr, cl.applyMetadata(mr), nil
}

// ---- shared look-ups ----

// flight is a look-up in progress that many callers can wait for.
type flight struct {
	done chan struct{}
	val  any
	err  error
}

// lookupTimeout bounds a shared look-up, which runs on the cluster's context
// rather than any one caller's.
func (cl *Cluster) lookupTimeout() time.Duration {
	c := cl.cfg.Conn
	return 2 * (orDefault(c.DialTimeout, conn.DefaultDialTimeout) + orDefault(c.RequestTimeout, conn.DefaultRequestTimeout))
}

// startFlight runs fn in the background under the cluster's context; finish
// runs before the flight's waiters wake.
// startFlight runs fn in the background under the cluster's context; finish
// runs before the flight's waiters wake. On a closing cluster the flight
// fails at once with ErrClosed.
func (cl *Cluster) startFlight(fn func(ctx context.Context) (any, error), finish func(*flight)) *flight {
	f := &flight{done: make(chan struct{})}
	started := cl.goBackground(func() {
		ctx, cancel := context.WithTimeout(cl.ctx, cl.lookupTimeout())
		f.val, f.err = fn(ctx)
		cancel()
		if cl.Closed() && f.err != nil {
			f.err = ErrClosed
		}
		finish(f)
		close(f.done)
	})
	if !started {
		f.err = ErrClosed
		close(f.done)
	}
	return f
}

func (f *flight) wait(ctx context.Context) (any, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ---- metadata ----

// TopicMeta is one topic as metadata described it.
type TopicMeta struct {
	Name       string
	Err        error // the topic-level error, e.g. UNKNOWN_TOPIC_OR_PARTITION
	Partitions []PartitionMeta
	at         time.Time
}

// PartitionMeta is one partition as metadata described it.
type PartitionMeta struct {
	Partition   int32
	Leader      int32 // -1 when there is none
	LeaderEpoch int32 // -1 from brokers older than Metadata v7
}

// Partition returns partition p, if the topic has it.
func (t *TopicMeta) Partition(p int32) (PartitionMeta, bool) {
	if p >= 0 && int(p) < len(t.Partitions) && t.Partitions[p].Partition == p {
		return t.Partitions[p], true
	}
	for _, pm := range t.Partitions {
		if pm.Partition == p {
			return pm, true
		}
	}
	return PartitionMeta{}, false
}

func (cl *Cluster) refreshBrokers(ctx context.Context) (*fetched, error) {
	return cl.metadata(ctx, "", func(req *kmsg.MetadataRequest) { req.Topics = []kmsg.MetadataRequestTopic{} })
}

// fetched is one metadata answer and the topics parsed from it.
type fetched struct {
	resp   *kmsg.MetadataResponse
	topics map[string]*TopicMeta
}

// metadata fetches metadata shaped by build, sharing the fetch with callers
// asking for the same key.
func (cl *Cluster) metadata(ctx context.Context, key string, build func(*kmsg.MetadataRequest)) (*fetched, error) {
	cl.mu.Lock()
	f := cl.metaFlight[key]
	if f == nil {
		f = cl.startFlight(func(ctx context.Context) (any, error) {
			resp, err := cl.RequestAny(ctx, func() kmsg.Request {
				req := kmsg.NewPtrMetadataRequest()
				build(req)
				return req
			}, metadataMin, metadataMax)
			if err != nil {
				return nil, fmt.Errorf("metadata: %w", err)
			}
			mr := resp.(*kmsg.MetadataResponse)
			return &fetched{resp: mr, topics: cl.applyMetadata(mr)}, nil
		}, func(*flight) {
			cl.mu.Lock()
			delete(cl.metaFlight, key)
			cl.mu.Unlock()
		})
		cl.metaFlight[key] = f
	}
	cl.mu.Unlock()
	v, err := f.wait(ctx)
	if err != nil {
		return nil, err
	}
	return v.(*fetched), nil
}

// applyMetadata updates the broker registry, the controller and the topics
// in resp, and returns the topics.
func (cl *Cluster) applyMetadata(resp *kmsg.MetadataResponse) map[string]*TopicMeta {
	now := time.Now()
	seen := make(map[int32]bool, len(resp.Brokers))
	for _, b := range resp.Brokers {
		cl.upsertBroker(b.NodeID, b.Host, b.Port)
		seen[b.NodeID] = true
	}
	var gone []*Broker
	cl.mu.Lock()
	if len(resp.Brokers) > 0 {
		for id, b := range cl.brokers {
			if !seen[id] {
				gone = append(gone, b)
				delete(cl.brokers, id)
			}
		}
	}
	cl.controller = resp.ControllerID
	cl.brokersAt = now
	topics := make(map[string]*TopicMeta, len(resp.Topics))
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		tm := &TopicMeta{Name: *t.Topic, Err: kerr.ErrorForCode(t.ErrorCode), at: now}
		for _, p := range t.Partitions {
			tm.Partitions = append(tm.Partitions, PartitionMeta{Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch})
		}
		slices.SortFunc(tm.Partitions, func(a, b PartitionMeta) int { return int(a.Partition) - int(b.Partition) })
		cl.topics[tm.Name] = tm
		topics[tm.Name] = tm
	}
	seeds := cl.seeds
	cl.mu.Unlock()

	for _, b := range gone {
		b.close()
		cl.forgetBroker(b.ID)
	}
	// Known brokers replace the bootstrap connections.
	if len(resp.Brokers) > 0 {
		for _, s := range seeds {
			s.closeIdle(0)
		}
	}
	return topics
}

// Topics returns metadata for topics, fetching in one request those not
// cached or older than maxAge (the configured maximum age when 0).
func (cl *Cluster) Topics(ctx context.Context, topics []string, maxAge time.Duration) (map[string]*TopicMeta, error) {
	if maxAge <= 0 {
		maxAge = cl.cfg.metadataMaxAge()
	}
	out := make(map[string]*TopicMeta, len(topics))
	var missing []string
	cl.mu.Lock()
	for _, t := range topics {
		if tm := cl.topics[t]; tm != nil && tm.Err == nil && time.Since(tm.at) < maxAge {
			out[t] = tm
		} else if !slices.Contains(missing, t) {
			missing = append(missing, t)
		}
	}
	cl.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	slices.Sort(missing)
	f, err := cl.metadata(ctx, "topics\x00"+strings.Join(missing, "\x00"), func(req *kmsg.MetadataRequest) {
		for _, t := range missing {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
	})
	if err != nil {
		return nil, err
	}
	for _, t := range missing {
		if tm := f.topics[t]; tm != nil {
			out[t] = tm
		} else { // a broker that answered without the topic
			out[t] = &TopicMeta{Name: t, Err: kerr.UnknownTopicOrPartition}
		}
	}
	return out, nil
}

// InvalidateTopic makes the next look-up of topic fetch metadata.
func (cl *Cluster) InvalidateTopic(topic string) {
	cl.mu.Lock()
	delete(cl.topics, topic)
	cl.mu.Unlock()
}

// FetchMetadata asks broker b for metadata, all topics when topics is nil,
// none when it is empty, and updates the cluster's view with the answer.
func (cl *Cluster) FetchMetadata(ctx context.Context, b *Broker, topics []string) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	if topics != nil {
		req.Topics = make([]kmsg.MetadataRequestTopic, 0, len(topics))
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
	}
	resp, err := b.Request(ctx, req, metadataMin, metadataMax)
	if err != nil {
		return nil, err
	}
	mr := resp.(*kmsg.MetadataResponse)
	cl.applyMetadata(mr)
	return mr, nil
}
