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

// ErrClosed is returned once the cluster (the client) is closed.
var ErrClosed = errors.New("kafadmin: client closed")

// sessionMargin is how long before its SASL session ends a connection stops
// taking new requests.
const sessionMargin = 5 * time.Second

// Broker is one broker of the cluster, or one bootstrap address (negative
// ID), and its connection. A Broker's address never changes: a broker that
// moves is a new Broker, and the old one is closed.
type Broker struct {
	cl   *Cluster
	ID   int32
	Addr string

	mu        sync.Mutex
	conn      *conn.Conn
	dial      *dialFlight // the dial in progress, if any
	downUntil time.Time   // after a failed dial: "any broker" skips it until then
	closed    bool
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

// connected reports whether the broker has a live connection.
func (b *Broker) connected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.conn != nil && b.conn.Err() == nil
}

// StallAfter is how long a request may go unanswered, or a dial unfinished,
// before its broker counts as stalled: a broker that is paused, or cut off
// by a network that drops packets, accepts connections and requests and
// answers nothing until the request timeout. Requests any broker can serve
// avoid a stalled broker, and the driver checks whether the keys of a
// stalled request have moved elsewhere.
const StallAfter = 200 * time.Millisecond

// stalled reports whether the broker's connection has had a request
// unanswered, or its dial unfinished, for more than StallAfter.
func (b *Broker) stalled(now time.Time) bool {
	b.mu.Lock()
	c, f := b.conn, b.dial
	b.mu.Unlock()
	return (f != nil && now.Sub(f.start) > StallAfter) || (c != nil && c.Err() == nil && c.Stalled(StallAfter))
}

func (b *Broker) isDown(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return now.Before(b.downUntil)
}

// Conn returns the broker's live connection, dialing one if there is none.
// Concurrent callers share one dial and its outcome.
func (b *Broker) Conn(ctx context.Context) (*conn.Conn, error) {
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, b.goneError()
		}
		if c := b.conn; c != nil && c.Err() == nil && !c.Expired(sessionMargin) {
			b.mu.Unlock()
			return c, nil
		}
		if f := b.dial; f != nil {
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
		if old := b.conn; old != nil {
			b.conn = nil
			b.cl.retire(old) // its SASL session is ending: new requests go to a new one
		}
		f := &dialFlight{start: time.Now(), done: make(chan struct{})}
		b.dial = f
		b.mu.Unlock()

		f.conn, f.err = b.doDial(ctx)

		b.mu.Lock()
		b.dial = nil
		if f.err == nil {
			if b.closed {
				f.err = b.goneError()
			} else {
				b.conn = f.conn
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
		go b.watch(f.conn)
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

// watch reports the connection's death and forgets it.
func (b *Broker) watch(c *conn.Conn) {
	<-c.Done()
	b.mu.Lock()
	if b.conn == c {
		b.conn = nil
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

// close closes the broker's connection and refuses new ones.
func (b *Broker) close() {
	b.mu.Lock()
	b.closed = true
	c := b.conn
	b.conn = nil
	b.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// closeIdle closes the connection if it has been idle for d.
func (b *Broker) closeIdle(d time.Duration) {
	b.mu.Lock()
	c := b.conn
	b.mu.Unlock()
	if c != nil {
		c.CloseIfIdle(d)
	}
}

// Version returns the highest version of the API both the broker and the
// caller (lo through hi) support, dialing if needed.
func (b *Broker) Version(ctx context.Context, key kmsg.Key, lo, hi int16) (int16, error) {
	c, err := b.Conn(ctx)
	if err != nil {
		return 0, err
	}
	return c.Version(int16(key), lo, hi)
}

// Request sends req at the highest version in lo..hi the broker supports and
// returns the response. A connection found dead before the request was
// written is replaced at once; any other failure is returned.
func (b *Broker) Request(ctx context.Context, req kmsg.Request, lo, hi int16) (kmsg.Response, error) {
	for tries := 0; ; tries++ {
		c, err := b.Conn(ctx)
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
