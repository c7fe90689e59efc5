package kafkatest

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafadmin/kafadmin/internal/faultnet"
	"github.com/twmb/franz-go/pkg/kgo"
)

// errClosed is returned by every method that needs a live cluster once Close
// has run.
var errClosed = errors.New("kafkatest: the cluster is closed")

// Cluster is an in-process Kafka cluster of kfake brokers on loopback TCP
// ports, with controls to fail brokers, connections and requests. Every
// method is safe for concurrent use.
type Cluster struct {
	kf         *kfake.Cluster
	cfg        config
	controller int32
	counts     requestCounter

	// life is held shared around every call that runs on kfake's loop and
	// exclusively by Close: once kfake is closed its loop is gone, and a
	// call into it would block forever.
	life   sync.RWMutex
	closed bool

	// removeMu serializes RemoveBroker, which must not hold mu while kfake
	// works: kfake calls back into the cluster to listen.
	removeMu sync.Mutex

	mu      sync.Mutex
	byAddr  map[string]*faultnet.Listener // every listener kfake asked for
	nodes   map[int32]*faultnet.Listener
	removed map[int32]bool
	seeder  *kgo.Client

	consumers consumerMembers // JoinConsumerMember's members

	holds holds // HoldNext's holds, released at Close
}

// Start starts a cluster on free loopback ports. Close it when done; New does
// that for tests.
func Start(opts ...Option) (*Cluster, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}

	c := &Cluster{
		cfg:     cfg,
		byAddr:  make(map[string]*faultnet.Listener),
		nodes:   make(map[int32]*faultnet.Listener),
		removed: make(map[int32]bool),
	}
	kf, err := kfake.NewCluster(cfg.kfakeOptions(c.listen)...)
	if err != nil {
		c.closeListeners()
		return nil, fmt.Errorf("kafkatest: starting kfake: %w", err)
	}
	c.kf = kf
	if err := c.mapNodes(kf.ListenAddrs()); err != nil {
		kf.Close()
		c.closeListeners()
		return nil, err
	}
	kf.Control(c.counts.observe)
	return c, nil
}

// New starts a cluster for the test, failing it if the cluster cannot start,
// and closes the cluster when the test ends.
func New(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	c, err := Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// listen is kfake's listener function: every broker listener is ours.
func (c *Cluster) listen(network, address string) (net.Listener, error) {
	l, err := faultnet.Listen(network, address)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.byAddr[l.Addr().String()] = l
	c.mu.Unlock()
	return l, nil
}

// mapNodes records which listener serves which node. kfake numbers the
// brokers it starts with from 0 in the order it lists their addresses, and
// its controller is the last of them.
func (c *Cluster) mapNodes(addrs []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, addr := range addrs {
		l, ok := c.byAddr[addr]
		if !ok {
			return fmt.Errorf("kafkatest: broker %d listens on %s, which kafkatest did not open; do not pass kfake.ListenFn through WithKfakeOptions", i, addr)
		}
		c.nodes[int32(i)] = l
	}
	c.controller = int32(len(addrs) - 1)
	return nil
}

// Close shuts the cluster down: the seeding client, kfake, every listener and
// every connection. It is idempotent.
func (c *Cluster) Close() {
	c.life.Lock()
	if c.closed {
		c.life.Unlock()
		return
	}
	c.closed = true
	c.life.Unlock()

	c.consumers.stopAll()
	c.holds.releaseAll()

	c.mu.Lock()
	seeder := c.seeder
	c.seeder = nil
	c.mu.Unlock()

	if seeder != nil {
		seeder.Close()
	}
	c.kf.Close()
	c.closeListeners()
}

func (c *Cluster) closeListeners() {
	c.mu.Lock()
	listeners := make([]*faultnet.Listener, 0, len(c.byAddr))
	for _, l := range c.byAddr {
		listeners = append(listeners, l)
	}
	c.mu.Unlock()
	for _, l := range listeners {
		l.Close()
	}
}

// Kfake returns the underlying kfake cluster, for what kafkatest does not
// wrap. Brokers added with its AddNode are not known to kafkatest's controls,
// and most of its methods block forever once the cluster is closed.
func (c *Cluster) Kfake() *kfake.Cluster { return c.kf }

// Addrs returns the "127.0.0.1:port" address of every broker that has not
// been removed, in node order. Stopped brokers are included.
func (c *Cluster) Addrs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addrsLocked()
}

func (c *Cluster) addrsLocked() []string {
	ids := c.nodeIDsLocked()
	addrs := make([]string, len(ids))
	for i, id := range ids {
		addrs[i] = c.nodes[id].Addr().String()
	}
	return addrs
}

// BootstrapServers returns Addrs joined with commas, ready for a client's
// bootstrap configuration.
func (c *Cluster) BootstrapServers() string { return strings.Join(c.Addrs(), ",") }

// Addr returns the address of a broker, including one that was removed (its
// port then refuses connections), or "" for a node that never existed.
func (c *Cluster) Addr(node int32) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.nodes[node]; ok {
		return l.Addr().String()
	}
	return ""
}

// NodeIDs returns the ids of the brokers that have not been removed, in
// ascending order.
func (c *Cluster) NodeIDs() []int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodeIDsLocked()
}

func (c *Cluster) nodeIDsLocked() []int32 {
	ids := make([]int32, 0, len(c.nodes))
	for id := range c.nodes {
		if !c.removed[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Controller returns the id of the controller broker, which kfake fixes for
// the life of the cluster: the broker with the highest id at Start.
func (c *Cluster) Controller() int32 { return c.controller }

// Running reports whether a broker exists, has not been removed and is not
// stopped.
func (c *Cluster) Running(node int32) bool {
	l, err := c.broker(node)
	if err != nil {
		return false
	}
	running, _ := l.Running()
	return running
}

// runningNodes returns the ids of the running brokers in ascending order.
func (c *Cluster) runningNodes() []int32 {
	var running []int32
	for _, id := range c.NodeIDs() {
		if c.Running(id) {
			running = append(running, id)
		}
	}
	return running
}

// broker returns the listener of an existing, not removed node of a cluster
// that is not closed.
func (c *Cluster) broker(node int32) (*faultnet.Listener, error) {
	if c.isClosed() {
		return nil, errClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.nodes[node]
	switch {
	case !ok:
		return nil, fmt.Errorf("kafkatest: node %d does not exist (nodes: %s)", node, formatNodes(c.nodeIDsLocked()))
	case c.removed[node]:
		return nil, fmt.Errorf("kafkatest: node %d was removed by RemoveBroker (nodes: %s)", node, formatNodes(c.nodeIDsLocked()))
	}
	return l, nil
}

func (c *Cluster) isClosed() bool {
	c.life.RLock()
	defer c.life.RUnlock()
	return c.closed
}

// onLoop runs fn, which calls into kfake's loop, unless the cluster is
// closed.
func (c *Cluster) onLoop(fn func(kf *kfake.Cluster)) error {
	c.life.RLock()
	defer c.life.RUnlock()
	if c.closed {
		return errClosed
	}
	fn(c.kf)
	return nil
}

// formatNodes formats node ids for error messages: "0, 1, 2".
func formatNodes(ids []int32) string {
	if len(ids) == 0 {
		return "none"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(int(id))
	}
	return strings.Join(parts, ", ")
}
