package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/conn"
)

// ErrBrokerGone is the cause of a request to a broker that has left the
// cluster's metadata (or whose address changed) since it was looked up.
var ErrBrokerGone = errors.New("broker left the cluster")

// ErrBrokerUnknown is the cause of a request to a broker id the cluster's
// metadata has never listed since the client started: most likely a wrong
// id. It wraps ErrBrokerGone.
var ErrBrokerUnknown = fmt.Errorf("no such broker: %w", ErrBrokerGone)

// ErrClosed is returned once the cluster (the client) is closed.
var ErrClosed = errors.New("kafadmin: client closed")

// sessionMargin is how long before its SASL session ends a connection stops
// taking new requests.
const sessionMargin = 5 * time.Second

// Broker is one broker of the cluster, or one bootstrap address (negative
// ID), and its connections. A Broker's address never changes: a broker that
// moves is a new Broker, and the old one is closed.
//
// A broker has two connections, each dialed on first use: one for requests
// it answers at once, and one for requests that wait server-side (see
// conn.ServerWait: CreateTopics, DeleteRecords, ElectLeaders... holding up
// to their timeout for the cluster to apply them). Kafka answers the
// requests of one connection in order, so on a shared connection every
// request behind a waiting one would wait too, past its own request
// timeout, and that timeout would kill the connection and everything on it.
type Broker struct {
	cl   *Cluster
	ID   int32
	Addr string

	mu        sync.Mutex
	fast      connSlot  // requests answered at once
	slow      connSlot  // requests that wait server-side
	downUntil time.Time // after a failed dial: "any broker" skips it until then
	closed    bool
}

// connSlot is one of a broker's connections: the live one and the dial in
// progress, each nil when there is none. The broker's mu guards it.
type connSlot struct {
	conn *conn.Conn
	dial *dialFlight
}

type dialFlight struct {
	start time.Time
	done  chan struct{}
	conn  *conn.Conn
	err   error
}

func newBroker(cl *Cluster, id int32, host string, port int32) *Broker {
	return &Broker{cl: cl, ID: id, Addr: net.JoinHostPort(host, strconv.Itoa(int(port)))}
}

// Host and Port split Addr.
func (b *Broker) Host() string {
	h, _, _ := net.SplitHostPort(b.Addr)
	return h
}

// Port is the broker's port.
func (b *Broker) Port() int32 {
	_, p, _ := net.SplitHostPort(b.Addr)
	n, _ := strconv.Atoi(p)
	return int32(n)
}

func (b *Broker) String() string {
	if b.ID < 0 {
		return "bootstrap broker " + b.Addr
	}
	return fmt.Sprintf("broker %d (%s)", b.ID, b.Addr)
}

// slotFor is the connection req goes on: the slow one when the broker may
// hold it before answering.
func (b *Broker) slotFor(req kmsg.Request) *connSlot {
	if conn.ServerWait(req) > 0 {
		return &b.slow
	}
	return &b.fast
}

// connected reports whether the broker has a live connection for requests
// answered at once. The slow connection does not count: "any broker"
// requests, which prefer a connected broker to save a dial, are all of that
// kind.
func (b *Broker) connected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fast.conn != nil && b.fast.conn.Err() == nil
}

// StallAfter is how long a request may go unanswered, or a dial unfinished,
// before its broker counts as stalled: a broker that is paused, or cut off
// by a network that drops packets, accepts connections and requests and
// answers nothing until the request timeout. Requests any broker can serve
// avoid a stalled broker, and the driver checks whether the keys of a
// stalled request have moved elsewhere.
const StallAfter = 200 * time.Millisecond

// stalled reports whether one of the broker's connections has had a
// request unanswered, or its dial unfinished, for more than StallAfter.
//
// Both connections are consulted, but a request that waits server-side is
// judged from the end of its own wait (conn.Conn.Stalled): until then its
// silence is the broker doing what it was asked, not a sign that it stopped
// answering. Leaving the slow connection out altogether would lose what it
// does show: a dial that hangs, and a request still unanswered after its
// wait, mean a silent broker whichever connection they are on.
func (b *Broker) stalled(now time.Time) bool {
	b.mu.Lock()
	slots := [...]connSlot{b.fast, b.slow}
	b.mu.Unlock()
	for _, s := range slots {
		if s.stalled(now) {
			return true
		}
	}
	return false
}

// stalled is Broker.stalled for one connection.
func (s connSlot) stalled(now time.Time) bool {
	if s.dial != nil && now.Sub(s.dial.start) > StallAfter {
		return true
	}
	return s.conn != nil && s.conn.Err() == nil && s.conn.Stalled(StallAfter)
}

func (b *Broker) isDown(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return now.Before(b.downUntil)
}

// Conn returns the broker's live connection for requests answered at once,
// dialing one if there is none. Concurrent callers share one dial and its
// outcome.
func (b *Broker) Conn(ctx context.Context) (*conn.Conn, error) {
	return b.connect(ctx, &b.fast)
}

// connect returns the live connection of slot s, dialing one if there is
// none. Concurrent callers share one dial and its outcome. A failed dial
// marks the broker down, whichever of its connections it was for.
func (b *Broker) connect(ctx context.Context, s *connSlot) (*conn.Conn, error) {
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, b.goneError()
		}
		if c := s.conn; c != nil && c.Err() == nil && !c.Expired(sessionMargin) {
			b.mu.Unlock()
			return c, nil
		}
		if f := s.dial; f != nil {
			b.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if f.err != nil && !(isContextError(f.err) && ctx.Err() == nil) {
				return nil, f.err
			}
			continue // the dial succeeded (or its dialer gave up): look again
		}
		if old := s.conn; old != nil {
			s.conn = nil
			b.cl.retire(old) // its SASL session is ending: new requests go to a new one
		}
		f := &dialFlight{start: time.Now(), done: make(chan struct{})}
		s.dial = f
		b.mu.Unlock()

		f.conn, f.err = b.doDial(ctx)

		b.mu.Lock()
		s.dial = nil
		if f.err == nil {
			if b.closed {
				f.err = b.goneError()
			} else {
				s.conn = f.conn
				b.downUntil = time.Time{}
			}
		} else if !isContextError(f.err) {
			b.downUntil = time.Now().Add(b.cl.cfg.downFor())
		}
		b.mu.Unlock()
		close(f.done)

		if f.err != nil {
			if f.conn != nil {
				f.conn.Close()
			}
			if !isContextError(f.err) {
				b.cl.brokerUnreachable(b)
			}
			return nil, f.err
		}
		go b.watch(s, f.conn)
		return f.conn, nil
	}
}

func (b *Broker) doDial(ctx context.Context) (*conn.Conn, error) {
	start := time.Now()
	c, err := conn.Dial(ctx, b.cl.cfg.Conn, b.ID, b.Addr)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	b.cl.obs.BrokerConnected(b.ID, b.Addr, time.Since(start), err)
	return c, err
}

// watch reports the death of c, slot s's connection, and forgets it.
func (b *Broker) watch(s *connSlot, c *conn.Conn) {
	<-c.Done()
	b.mu.Lock()
	if s.conn == c {
		s.conn = nil
	}
	b.mu.Unlock()
	b.cl.obs.BrokerDisconnected(b.ID, b.Addr, c.Err())
}

func (b *Broker) goneError() error {
	if b.cl.Closed() {
		return ErrClosed
	}
	return &conn.Error{Node: b.ID, Addr: b.Addr, Op: "dial", Err: ErrBrokerGone}
}

// close closes the broker's connections and refuses new ones.
func (b *Broker) close() {
	b.mu.Lock()
	b.closed = true
	conns := b.conns()
	b.fast.conn, b.slow.conn = nil, nil
	b.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// closeIdle closes each of the broker's connections that has been idle for
// d.
func (b *Broker) closeIdle(d time.Duration) {
	b.mu.Lock()
	conns := b.conns()
	b.mu.Unlock()
	for _, c := range conns {
		c.CloseIfIdle(d)
	}
}

// conns is the broker's connections that exist; b.mu must be held.
func (b *Broker) conns() []*conn.Conn {
	var out []*conn.Conn
	for _, c := range [...]*conn.Conn{b.fast.conn, b.slow.conn} {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Version returns the highest version of the API both the broker and the
// caller (lo through hi) support, dialing if needed. It asks the
// connection for requests answered at once; Request chooses the version on
// the connection it sends on.
func (b *Broker) Version(ctx context.Context, key kmsg.Key, lo, hi int16) (int16, error) {
	c, err := b.Conn(ctx)
	if err != nil {
		return 0, err
	}
	return c.Version(int16(key), lo, hi)
}

// Request sends req at the highest version in lo..hi the broker supports and
// returns the response. A request that waits server-side goes on the
// broker's slow connection, any other on its fast one (see Broker). A
// connection found dead before the request was written is replaced at once;
// any other failure is returned.
func (b *Broker) Request(ctx context.Context, req kmsg.Request, lo, hi int16) (kmsg.Response, error) {
	s := b.slotFor(req)
	for tries := 0; ; tries++ {
		c, err := b.connect(ctx, s)
		if err != nil {
			return nil, err
		}
		v, err := c.Version(req.Key(), lo, hi)
		if err != nil {
			return nil, err
		}
		req.SetVersion(v)
		start := time.Now()
		resp, err := c.Do(ctx, req)
		b.cl.obs.RequestDone(b.ID, req.Key(), v, time.Since(start), err)
		if err != nil && tries == 0 && errors.Is(err, conn.ErrClosed) && !conn.MaybeSent(err) {
			continue
		}
		return resp, err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
