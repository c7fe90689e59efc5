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
	"net"
	"strconv"
	"sync"
	"time"

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
