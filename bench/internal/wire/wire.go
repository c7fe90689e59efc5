// Package wire measures how many sequential round trips a Kafka client needs
// for a call, by watching the bytes of its broker connections.
//
// A Tracer dials the brokers for a client and wraps each connection. Every
// request the client writes is given a depth: one more than the deepest
// request whose response the client had received before it started writing
// this one. A call's sequential round trips are the largest depth of its
// requests: 1 when every request went out at once, N when each request had
// to wait for the previous answer.
//
// Timing alone cannot tell a request that waited for an answer from one that
// was merely written a little later, so the tracer holds every response back
// for a fixed delay before the client may read it. Requests a client writes
// together (within the delay of one another) then never see each other's
// answers, and only a request that really waited for an answer counts one
// round trip deeper. The depth is an upper bound: a request written after an
// answer arrived is counted as depending on it.
package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// maxFrame bounds a response frame; a larger length prefix means the stream
// is not Kafka's.
const maxFrame = 1 << 30

// Tracer dials broker connections that measure request depth. It is safe for
// concurrent use.
type Tracer struct {
	delay  atomic.Int64 // a time.Duration
	dialer net.Dialer

	mu       sync.Mutex
	done     int // the deepest request whose response has been read
	deepest  int // the deepest request written
	requests int
}

// NewTracer returns a tracer whose connections hold every response back for
// delay before the client can read it.
func NewTracer(delay time.Duration) *Tracer {
	t := &Tracer{}
	t.delay.Store(int64(delay))
	return t
}

// SetDelay changes how long responses read from now on are held back. A
// client can be warmed up with no delay (filling its caches may take a
// request per group) and then measured with one.
func (t *Tracer) SetDelay(delay time.Duration) {
	t.delay.Store(int64(delay))
}

// Reset starts a new measurement: the next request written has depth 1.
// Call it between calls, while no request is in flight.
func (t *Tracer) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done, t.deepest, t.requests = 0, 0, 0
}

// RoundTrips returns the deepest request written since the last Reset: the
// number of sequential round trips.
func (t *Tracer) RoundTrips() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.deepest
}

// Requests returns how many requests were written since the last Reset.
func (t *Tracer) Requests() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests
}

func (t *Tracer) written() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests++
	depth := t.done + 1
	t.deepest = max(t.deepest, depth)
	return depth
}

func (t *Tracer) answered(depth int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done = max(t.done, depth)
}

// DialContext dials addr and wraps the connection; its signature fits
// kafadmin.WithDialer and kgo.Dialer.
func (t *Tracer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	raw, err := t.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c := &conn{
		Conn:    raw,
		t:       t,
		frames:  make(chan frame, 64),
		closed:  make(chan struct{}),
		changed: make(chan struct{}, 1),
	}
	go c.readFrames()
	return c, nil
}

// Dial dials addr with no deadline but the dialer's; its signature fits
// Sarama's Net.Proxy.Dialer.
func (t *Tracer) Dial(network, addr string) (net.Conn, error) {
	return t.DialContext(context.Background(), network, addr)
}

// frame is one response, readable by the client from at on.
type frame struct {
	data []byte
	at   time.Time
}

// conn is a traced connection. Writes go straight to the socket; responses
// are read by a goroutine and handed to the client's Reads after the delay.
type conn struct {
	net.Conn
	t *Tracer

	wmu    sync.Mutex
	header [4]byte // the length prefix of the request being written
	hlen   int     // how much of it has been written
	body   int     // bytes of the request body still to be written

	pmu     sync.Mutex
	pending []int // depths of the requests awaiting a response, in order

	frames    chan frame
	readErr   error // set before frames is closed
	closeOnce sync.Once
	closed    chan struct{}

	rmu      sync.Mutex // serializes Reads
	head     *frame     // the response being read
	dmu      sync.Mutex
	deadline time.Time
	changed  chan struct{} // a new read deadline was set
}

// Write records the requests that start in p and writes it.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.scan(p)
	return c.Conn.Write(p)
}

// scan follows the request framing: a 4-byte length, then the body.
func (c *conn) scan(p []byte) {
	for len(p) > 0 {
		if c.body > 0 {
			n := min(c.body, len(p))
			c.body -= n
			p = p[n:]
			continue
		}
		if c.hlen == 0 {
			depth := c.t.written()
			c.pmu.Lock()
			c.pending = append(c.pending, depth)
			c.pmu.Unlock()
		}
		n := copy(c.header[c.hlen:], p)
		c.hlen += n
		p = p[n:]
		if c.hlen == len(c.header) {
			c.body = int(binary.BigEndian.Uint32(c.header[:]))
			c.hlen = 0
		}
	}
}

// readFrames reads whole responses off the socket and queues them.
func (c *conn) readFrames() {
	defer close(c.frames)
	var size [4]byte
	for {
		if _, err := io.ReadFull(c.Conn, size[:]); err != nil {
			c.readErr = err
			return
		}
		n := binary.BigEndian.Uint32(size[:])
		if n > maxFrame {
			c.readErr = fmt.Errorf("wire: response of %d bytes: not a Kafka stream", n)
			return
		}
		data := make([]byte, 4+int(n))
		copy(data, size[:])
		if _, err := io.ReadFull(c.Conn, data[4:]); err != nil {
			c.readErr = err
			return
		}
		select {
		case c.frames <- frame{data: data, at: time.Now().Add(time.Duration(c.t.delay.Load()))}:
		case <-c.closed:
			c.readErr = net.ErrClosed
			return
		}
	}
}

// Read hands the client the queued responses, each once its delay is over,
// honouring the read deadline.
func (c *conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for c.head == nil {
		timer, expired := c.deadlineTimer()
		if expired {
			return 0, os.ErrDeadlineExceeded
		}
		select {
		case f, ok := <-c.frames:
			stopTimer(timer)
			if !ok {
				return 0, c.readErr
			}
			c.head = &f
		case <-c.closed:
			stopTimer(timer)
			return 0, net.ErrClosed
		case <-c.changed:
			stopTimer(timer)
		case <-timerC(timer):
			return 0, os.ErrDeadlineExceeded
		}
	}
	for {
		wait := time.Until(c.head.at)
		if wait <= 0 {
			break
		}
		timer, expired := c.deadlineTimer()
		if expired {
			return 0, os.ErrDeadlineExceeded
		}
		delay := time.NewTimer(wait)
		select {
		case <-delay.C:
		case <-c.closed:
			delay.Stop()
			stopTimer(timer)
			return 0, net.ErrClosed
		case <-c.changed:
			delay.Stop()
		case <-timerC(timer):
			delay.Stop()
			return 0, os.ErrDeadlineExceeded
		}
		stopTimer(timer)
	}
	n := copy(p, c.head.data)
	c.head.data = c.head.data[n:]
	if len(c.head.data) == 0 {
		c.head = nil
		c.pmu.Lock()
		if len(c.pending) > 0 {
			depth := c.pending[0]
			c.pending = c.pending[1:]
			c.pmu.Unlock()
			c.t.answered(depth)
		} else {
			c.pmu.Unlock()
		}
	}
	return n, nil
}

// deadlineTimer returns a timer firing at the read deadline (nil without
// one), or reports that it has passed.
func (c *conn) deadlineTimer() (*time.Timer, bool) {
	c.dmu.Lock()
	deadline := c.deadline
	c.dmu.Unlock()
	if deadline.IsZero() {
		return nil, false
	}
	wait := time.Until(deadline)
	if wait <= 0 {
		return nil, true
	}
	return time.NewTimer(wait), false
}

func timerC(t *time.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// SetReadDeadline sets the deadline of the client's Reads; the socket
// itself is read without one.
func (c *conn) SetReadDeadline(t time.Time) error {
	c.dmu.Lock()
	c.deadline = t
	c.dmu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
	return nil
}

// SetDeadline sets the read deadline and the socket's write deadline.
func (c *conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

// Close closes the socket and ends any Read in progress.
func (c *conn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	err := c.Conn.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
