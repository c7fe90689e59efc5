package realkafka

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// errClosed is returned by every control once Close has run.
var errClosed = errors.New("realkafka: the cluster is closed")

// Cluster is an Apache Kafka cluster in KRaft mode: one JVM per node on
// loopback ports, a fault proxy in front of every broker's client
// listeners, and controls to stop, kill, pause and restart nodes, break
// connections, and move partition leaders and group coordinators. Every
// method is safe for concurrent use.
type Cluster struct {
	cfg       config
	java      string
	classpath string
	id        string // the cluster id storage is formatted with
	dir       string
	tls       *tlsFiles

	nodes []*node // brokers in id order, then dedicated controllers
	byID  map[int32]*node

	sp      *spawner
	janitor *janitor
	ctl     *kgo.Client // the control client, on the internal listeners
	release func()      // gives up the TakeTurns turn

	watchers sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

// node is one JVM: a broker, a controller, or both.
type node struct {
	id         int32
	broker     bool
	controller bool
	dir        string
	// directoryID is the metadata log directory's id a voter of a
	// dynamic quorum is formatted with; "" otherwise.
	directoryID string

	internalPort   int
	controllerPort int
	clientPorts    map[Listener]int
	proxies        map[Listener]*proxy

	// ops serializes the controls of one node (start, stop, kill).
	ops sync.Mutex

	mu   sync.Mutex
	proc *process // the last JVM started, nil before the first
}

func (n *node) dataDir() string   { return filepath.Join(n.dir, "data") }
func (n *node) propsPath() string { return filepath.Join(n.dir, "server.properties") }
func (n *node) logPath() string   { return filepath.Join(n.dir, "kafka.log") }
func (n *node) pidPath() string   { return filepath.Join(n.dir, "jvm.pid") }
func (n *node) internalAddr() string {
	return "127.0.0.1:" + strconv.Itoa(n.internalPort)
}

func (n *node) internalPortOrController() int {
	if n.broker {
		return n.internalPort
	}
	return n.controllerPort
}

// afterPickPorts, when set (by tests), is called with the first node's
// first port after every pick, before any JVM binds it.
var afterPickPorts func(port int)

func (n *node) process() *process {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// New starts a cluster for a test and closes it when the test ends. Where
// Java or Maven is missing it skips the test with how to enable it, unless
// $CI is true: then their absence fails the test. A cluster that cannot
// start fails the test with the reason and the tail of the failing node's
// log.
func New(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	SkipUnlessAvailable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := Start(ctx, append([]Option{Logf(t.Logf)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.logTails(t)
		}
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// Start resolves Kafka's jars (with Maven, into the cache, on first use),
// formats storage for every node, starts one JVM per node and returns once
// the cluster serves: metadata lists every broker, the consumer offsets
// topic exists with every replica in sync, and every broker's client port
// answers through its proxy. ctx bounds the jars' resolution; StartTimeout
// bounds the rest. Close the cluster when done.
func Start(ctx context.Context, opts ...Option) (*Cluster, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if err := Available(); err != nil {
		return nil, err
	}
	java, _ := javaBinary()
	begin := time.Now()
	jars, err := classpath(ctx, cfg.version, false)
	if err != nil {
		return nil, err
	}
	if d := time.Since(begin); d > time.Second {
		cfg.logf("realkafka: resolved Kafka %s's classpath with Maven in %v", cfg.version, d.Round(100*time.Millisecond))
	}

	c := &Cluster{cfg: cfg, java: java, classpath: strings.Join(jars, string(os.PathListSeparator)), byID: map[int32]*node{}}
	if cfg.takeTurns {
		wait := time.Now()
		release, err := turns.acquire(ctx, cfg.alone)
		if err != nil {
			return nil, err
		}
		c.release = release
		if d := time.Since(wait); d > time.Second {
			cfg.logf("realkafka: waited %v for a turn among the clusters of other processes", d.Round(100*time.Millisecond))
		}
	}
	if err := c.start(ctx); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	cfg.logf("realkafka: Kafka %s serving in %v: brokers %s", cfg.version, time.Since(begin).Round(100*time.Millisecond), strings.Join(c.Addrs(), ","))
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "realkafka-")
	if err != nil {
		return fmt.Errorf("realkafka: creating the cluster's directory: %w", err)
	}
	c.dir = dir
	if c.janitor, err = startJanitor(dir); err != nil {
		os.RemoveAll(dir)
		return err
	}
	c.sp = newSpawner()
	if c.id, err = randomUUID(); err != nil {
		return err
	}
	if err := os.WriteFile(c.log4jPath(), []byte(log4jConfig), 0o644); err != nil {
		return fmt.Errorf("realkafka: %w", err)
	}
	if c.cfg.tls {
		if c.tls, err = writeTLSFiles(dir); err != nil {
			return err
		}
	}
	if err := c.makeNodes(); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, c.cfg.startTimeout)
	defer cancel()
	const attempts = 3
	for attempt := 1; ; attempt++ {
		if err := c.pickPorts(); err != nil {
			return err
		}
		if afterPickPorts != nil {
			afterPickPorts(c.nodes[0].internalPortOrController())
		}
		if err := c.writeProperties(); err != nil {
			return err
		}
		if attempt == 1 {
			if err := c.format(ctx); err != nil {
				return err
			}
		}
		err := c.startAll(ctx)
		if err == nil {
			break
		}
		c.killAll()
		if !errors.Is(err, errPortTaken) || attempt == attempts {
			return err
		}
		c.cfg.logf("realkafka: %v; starting again on other ports", err)
	}
	return nil
}

// makeNodes lays out the nodes: brokers 1..n, and either dedicated
// controllers 101.. or the first three brokers as voters.
func (c *Cluster) makeNodes() error {
	add := func(id int32, broker, controller bool) error {
		n := &node{id: id, broker: broker, controller: controller, dir: filepath.Join(c.dir, "node-"+strconv.Itoa(int(id))),
			clientPorts: map[Listener]int{}, proxies: map[Listener]*proxy{}}
		if err := os.MkdirAll(n.dataDir(), 0o755); err != nil {
			return fmt.Errorf("realkafka: %w", err)
		}
		if controller && c.cfg.dynamic {
			id, err := randomUUID()
			if err != nil {
				return err
			}
			n.directoryID = id
		}
		if broker {
			for _, l := range c.cfg.clientListeners() {
				p, err := newProxy()
				if err != nil {
					return fmt.Errorf("realkafka: listening for node %d's proxy: %w", id, err)
				}
				n.proxies[l] = p
			}
		}
		c.nodes = append(c.nodes, n)
		c.byID[id] = n
		return nil
	}
	for i := 1; i <= c.cfg.brokers; i++ {
		if err := add(int32(i), true, c.cfg.controllers == 0 && i <= 3); err != nil {
			return err
		}
	}
	for i := 1; i <= c.cfg.controllers; i++ {
		if err := add(int32(100+i), false, true); err != nil {
			return err
		}
	}
	return nil
}

// pickPorts gives every node free loopback ports for its JVM's listeners.
// The proxies keep theirs for the cluster's life.
func (c *Cluster) pickPorts() error {
	var held []net.Listener
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	free := func() (int, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("realkafka: finding a free port: %w", err)
		}
		held = append(held, ln)
		return ln.Addr().(*net.TCPAddr).Port, nil
	}
	var err error
	for _, n := range c.nodes {
		if n.controller {
			if n.controllerPort, err = free(); err != nil {
				return err
			}
		}
		if !n.broker {
			continue
		}
		if n.internalPort, err = free(); err != nil {
			return err
		}
		for l := range n.proxies {
			if n.clientPorts[l], err = free(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Cluster) writeProperties() error {
	for _, n := range c.nodes {
		if err := os.WriteFile(n.propsPath(), []byte(c.nodeProperties(n)), 0o644); err != nil {
			return fmt.Errorf("realkafka: writing node %d's properties: %w", n.id, err)
		}
	}
	return nil
}

func (c *Cluster) log4jPath() string { return filepath.Join(c.dir, "log4j2.properties") }

// jvmArgs are the flags of every JVM: a small heap, the serial collector and
// the C1 compiler only, which start fastest and leave the CPU to others on a
// small machine, and a property that marks the JVM as this cluster's.
func (c *Cluster) jvmArgs(heapMB int) []string {
	return []string{
		"-Xms64m", "-Xmx" + strconv.Itoa(heapMB) + "m",
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError",
		"-Djava.awt.headless=true",
		"-Dlog4j2.configurationFile=" + c.log4jPath(),
		"-Drealkafka.dir=" + c.dir,
		"-cp", c.classpath,
	}
}

// format runs Kafka's storage tool for every node at once, with the SCRAM
// credentials WithSCRAM asked for.
func (c *Cluster) format(ctx context.Context) error {
	begin := time.Now()
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Go(func() {
			args := append(c.jvmArgs(256), "kafka.tools.StorageTool", "format", "-t", c.id, "-c", n.propsPath())
			switch {
			case c.cfg.dynamic && n.controller:
				args = append(args, "--initial-controllers", c.initialControllers())
			case c.cfg.dynamic:
				args = append(args, "--no-initial-controllers")
			}
			for _, u := range c.cfg.scram {
				for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512"} {
					args = append(args, "--add-scram", fmt.Sprintf("%s=[name=%s,password=%s]", mech, u.user, u.password))
				}
			}
			logPath := filepath.Join(n.dir, "format.log")
			p, err := startProcess(c.sp, c.java, args, logPath)
			if err != nil {
				errs[i] = err
				return
			}
			select {
			case <-p.done:
			case <-ctx.Done():
				p.kill()
			}
			if p.err != nil || ctx.Err() != nil {
				errs[i] = fmt.Errorf("realkafka: formatting node %d's storage failed (%v); the end of %s:\n%s",
					n.id, errors.Join(p.err, ctx.Err()), logPath, fileTail(logPath, 20))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.cfg.logf("realkafka: formatted %d nodes in %v", len(c.nodes), time.Since(begin).Round(100*time.Millisecond))
	return nil
}

// startAll starts every node and waits until the cluster serves.
func (c *Cluster) startAll(ctx context.Context) error {
	for _, n := range c.nodes {
		if err := c.launch(n); err != nil {
			return err
		}
	}
	// The control client is made anew for every attempt: a retry moves
	// the internal listeners to other ports.
	if c.ctl != nil {
		c.ctl.Close()
		c.ctl = nil
	}
	{
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.internalSeeds()...), kgo.ClientID("realkafka-control"),
			kgo.DialTimeout(2*time.Second), kgo.RequestRetries(0), kgo.RetryTimeout(5*time.Second),
			kgo.MetadataMinAge(100*time.Millisecond))
		if err != nil {
			return fmt.Errorf("realkafka: creating the control client: %w", err)
		}
		c.ctl = cl
	}
	return c.waitServing(ctx, c.nodes)
}

// launch starts n's JVM. Its proxies follow it: they serve once the broker
// accepts connections on its client port and refuse again when the JVM
// exits.
func (c *Cluster) launch(n *node) error {
	args := append(c.jvmArgs(c.cfg.heapMB), "kafka.Kafka", n.propsPath())
	p, err := startProcess(c.sp, c.java, args, n.logPath())
	if err != nil {
		return err
	}
	_ = os.WriteFile(n.pidPath(), []byte(strconv.Itoa(p.pid())), 0o644)
	n.mu.Lock()
	n.proc = p
	n.mu.Unlock()
	c.watchers.Go(func() { c.follow(n, p) })
	return nil
}

// follow makes n's proxies follow process p: up once the broker's client
// port accepts, down when p exits.
func (c *Cluster) follow(n *node, p *process) {
	if n.broker {
		addr := "127.0.0.1:" + strconv.Itoa(n.clientPorts[ListenerPlaintext])
		ticker := time.NewTicker(50 * time.Millisecond)
	poll:
		for {
			select {
			case <-p.done:
				break poll
			case <-ticker.C:
				conn, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					continue
				}
				conn.Close()
				for l, px := range n.proxies {
					_ = px.setBroker("127.0.0.1:"+strconv.Itoa(n.clientPorts[l]), true)
				}
				break poll
			}
		}
		ticker.Stop()
	}
	<-p.done
	for _, px := range n.proxies {
		_ = px.setBroker("", false)
	}
	_ = os.Remove(n.pidPath())
	close(p.followed)
}

// errPortTaken marks a JVM that could not bind a port picked for it:
// something else took it in between.
var errPortTaken = errors.New("a port picked for a node was taken before its JVM bound it")

// exitedError describes a JVM that exited while it was expected to run.
func (c *Cluster) exitedError(n *node, p *process) error {
	logTail := c.LogTail(n.id, 30)
	err := fmt.Errorf("realkafka: node %d's JVM exited (%v) before the cluster served; the end of %s:\n%s", n.id, exitStatus(p.err), n.logPath(), logTail)
	if strings.Contains(logTail, "BindException") || strings.Contains(logTail, "Address already in use") {
		return fmt.Errorf("%w: %w", errPortTaken, err)
	}
	return err
}

// killAll kills every JVM.
func (c *Cluster) killAll() {
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		if p := n.process(); p != nil {
			wg.Go(p.kill)
		}
	}
	wg.Wait()
	c.watchers.Wait()
}

// Close kills every JVM, closes the proxies and removes the cluster's
// directory (logs included). It is idempotent.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()

	c.killAll()
	if c.ctl != nil {
		c.ctl.Close()
	}
	for _, n := range c.nodes {
		for _, p := range n.proxies {
			p.close()
		}
	}
	if c.sp != nil {
		c.sp.close()
	}
	var err error
	if c.dir != "" {
		err = os.RemoveAll(c.dir)
	}
	if c.janitor != nil {
		c.janitor.finish()
	}
	if c.release != nil {
		c.release()
	}
	if err != nil {
		return fmt.Errorf("realkafka: removing the cluster's directory: %w", err)
	}
	return nil
}

func (c *Cluster) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// node returns the node with id.
func (c *Cluster) node(id int32) (*node, error) {
	if c.isClosed() {
		return nil, errClosed
	}
	n, ok := c.byID[id]
	if !ok {
		ids := make([]string, 0, len(c.nodes))
		for _, n := range c.nodes {
			ids = append(ids, strconv.Itoa(int(n.id)))
		}
		return nil, fmt.Errorf("realkafka: node %d does not exist (nodes: %s)", id, strings.Join(ids, ", "))
	}
	return n, nil
}

func (c *Cluster) brokers() []*node {
	var bs []*node
	for _, n := range c.nodes {
		if n.broker {
			bs = append(bs, n)
		}
	}
	return bs
}

// Version returns the Kafka version the cluster runs.
func (c *Cluster) Version() string { return c.cfg.version }

// ID returns the cluster id.
func (c *Cluster) ID() string { return c.id }

// Dir returns the cluster's directory: each node's data, properties and log
// under node-<id>. Close removes it.
func (c *Cluster) Dir() string { return c.dir }

// BrokerIDs returns the brokers' node ids, ascending.
func (c *Cluster) BrokerIDs() []int32 {
	var ids []int32
	for _, n := range c.brokers() {
		ids = append(ids, n.id)
	}
	return ids
}

// ControllerIDs returns the ids of the controller quorum's voters,
// ascending: dedicated controllers with Controllers, else brokers.
func (c *Cluster) ControllerIDs() []int32 {
	var ids []int32
	for _, n := range c.nodes {
		if n.controller {
			ids = append(ids, n.id)
		}
	}
	return ids
}

// ControllerAddr returns the address of node id's controller listener,
// "" for a node that is not a controller.
func (c *Cluster) ControllerAddr(id int32) string {
	n, ok := c.byID[id]
	if !ok || !n.controller {
		return ""
	}
	return fmt.Sprintf("127.0.0.1:%d", n.controllerPort)
}

// Addrs returns every broker's PLAINTEXT client address (its proxy's), in
// node order, whether the broker is up or not.
func (c *Cluster) Addrs() []string { return c.ListenerAddrs(ListenerPlaintext) }

// ListenerAddrs returns every broker's address for a client listener, in
// node order; nil if the cluster has no such listener.
func (c *Cluster) ListenerAddrs(l Listener) []string {
	var addrs []string
	for _, n := range c.brokers() {
		if p, ok := n.proxies[l]; ok {
			addrs = append(addrs, p.addr())
		}
	}
	return addrs
}

// Addr returns a broker's PLAINTEXT client address, "" for a node that is
// not a broker.
func (c *Cluster) Addr(id int32) string {
	if n, ok := c.byID[id]; ok && n.broker {
		return n.proxies[ListenerPlaintext].addr()
	}
	return ""
}

// NodeOf returns the broker whose client address (of any listener) is addr,
// or -1.
func (c *Cluster) NodeOf(addr string) int32 {
	for _, n := range c.brokers() {
		for _, p := range n.proxies {
			if p.addr() == addr {
				return n.id
			}
		}
	}
	return -1
}

// LogPath returns the file a node's JVM writes its log to.
func (c *Cluster) LogPath(id int32) string {
	if n, ok := c.byID[id]; ok {
		return n.logPath()
	}
	return ""
}

// LogTail returns the last lines of a node's log.
func (c *Cluster) LogTail(id int32, lines int) string {
	return fileTail(c.LogPath(id), lines)
}

// PIDs returns the process id of every running JVM by node id.
func (c *Cluster) PIDs() map[int32]int {
	pids := map[int32]int{}
	for _, n := range c.nodes {
		if p := n.process(); p != nil && !p.exited() {
			pids[n.id] = p.pid()
		}
	}
	return pids
}

func fileTail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	return tail(b, lines)
}

// randomUUID returns a Kafka Uuid: 16 random bytes in unpadded base64url.
// Kafka's own never start with '-', which its command-line parsing would
// take for an option.
func randomUUID() (string, error) {
	for {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("realkafka: %w", err)
		}
		id := base64.RawURLEncoding.EncodeToString(b[:])
		if !strings.HasPrefix(id, "-") {
			return id, nil
		}
	}
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

const lockPoll = 100 * time.Millisecond

// sortedIDs returns ids sorted.
func sortedIDs(ids []int32) []int32 {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}
