package kafkatest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errListenerClosed is what Accept returns once kfake (or Close) has closed a
// broker's listener; kfake's accept loop ends on it.
var errListenerClosed = fmt.Errorf("kafkatest: broker listener closed: %w", net.ErrClosed)

const (
	// rebindAttempts and rebindBackoff bound how long StartBroker keeps
	// trying to bind a port that something else briefly holds.
	rebindAttempts = 50
	rebindBackoff  = 20 * time.Millisecond

	// minAcceptBackoff and maxAcceptBackoff bound the wait after an
	// unexpected Accept error on a live listener, such as running out of
	// file descriptors.
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// brokerListener is the net.Listener kfake serves one broker on. It owns the
// OS listener and every connection accepted through it, which is what lets
// the cluster stop a broker without kfake noticing: while stopped, the OS
// listener is closed (dials are refused) but Accept blocks instead of failing,
// so kfake's accept loop survives until the broker starts again.
type brokerListener struct {
	addr      net.Addr
	blackhole atomic.Bool

	mu     sync.Mutex
	os     net.Listener  // nil while stopped or closed
	wake   chan struct{} // closed and replaced when os or closed changes
	closed bool
	conns  map[*brokerConn]struct{}
}

// listenBroker binds address and returns a listener serving it.
func listenBroker(network, address string) (*brokerListener, error) {
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	return &brokerListener{
		addr:  ln.Addr(),
		os:    ln,
		wake:  make(chan struct{}),
		conns: make(map[*brokerConn]struct{}),
	}, nil
}

// Addr returns the broker's address, stable across stops and restarts.
func (l *brokerListener) Addr() net.Addr { return l.addr }

// Accept returns the next connection to the broker. While the broker is
// stopped it blocks; once the listener is closed it returns an error.
func (l *brokerListener) Accept() (net.Conn, error) {
	backoff := minAcceptBackoff
	for {
		ln, wake, err := l.acceptState()
		if err != nil {
			return nil, err
		}
		if ln == nil {
			<-wake
			continue
		}
		raw, err := ln.Accept()
		if err != nil {
			if err := l.waitAfterAcceptError(ln, backoff); err != nil {
				return nil, err
			}
			backoff = min(2*backoff, maxAcceptBackoff)
			continue
		}
		backoff = minAcceptBackoff
		if conn := l.track(ln, raw); conn != nil {
			return conn, nil
		}
	}
}

// acceptState returns the OS listener to accept on, or, while stopped, the
// channel that is closed when that changes.
func (l *brokerListener) acceptState() (net.Listener, <-chan struct{}, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, nil, errListenerClosed
	}
	return l.os, l.wake, nil
}

// waitAfterAcceptError decides what an Accept error on ln means. If the
// listener was closed it returns an error; if ln was closed by a stop or
// replaced by a start it returns at once; otherwise the OS listener failed
// while live, and it waits for backoff (or a state change) before the caller
// tries again.
func (l *brokerListener) waitAfterAcceptError(ln net.Listener, backoff time.Duration) error {
	l.mu.Lock()
	closed, current, wake := l.closed, l.os, l.wake
	l.mu.Unlock()
	if closed {
		return errListenerClosed
	}
	if current != ln {
		return nil
	}
	timer := time.NewTimer(backoff)
	defer timer.Stop()
	select {
	case <-wake:
	case <-timer.C:
	}
	return nil
}

// track registers a freshly accepted connection. A connection accepted on a
// listener that has since been stopped, restarted or closed is reset and nil
// is returned.
func (l *brokerListener) track(ln net.Listener, raw net.Conn) *brokerConn {
	conn := &brokerConn{Conn: raw, l: l}
	l.mu.Lock()
	live := !l.closed && l.os == ln
	if live {
		l.conns[conn] = struct{}{}
	}
	l.mu.Unlock()
	if !live {
		conn.reset()
		return nil
	}
	return conn
}

// Close closes the listener for good and resets its live connections. kfake
// calls it on Close and RemoveNode.
func (l *brokerListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	ln := l.takeOSLocked()
	l.signalLocked()
	conns := l.connsLocked()
	l.mu.Unlock()

	var err error
	if ln != nil {
		err = ln.Close()
	}
	resetAll(conns)
	return err
}

// stop closes the OS listener, so dials are refused, and resets every live
// connection. Stopping a stopped broker does nothing.
func (l *brokerListener) stop() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return errListenerClosed
	}
	ln := l.takeOSLocked()
	conns := l.connsLocked()
	l.mu.Unlock()

	if ln == nil {
		return nil
	}
	err := ln.Close()
	resetAll(conns)
	return err
}

// start binds the broker's address again and lets Accept hand connections to
// kfake. Starting a running broker does nothing.
func (l *brokerListener) start() error {
	if running, err := l.running(); running || err != nil {
		return err
	}
	ln, err := rebind(l.addr.String())
	if err != nil {
		return err
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		ln.Close()
		return errListenerClosed
	case l.os != nil: // a concurrent start won
		ln.Close()
		return nil
	}
	l.os = ln
	l.signalLocked()
	return nil
}

// rebind listens on address, retrying for a short while: a stopped broker's
// port is free for anything on the machine to take in the meantime.
func rebind(address string) (net.Listener, error) {
	var err error
	for range rebindAttempts {
		var ln net.Listener
		if ln, err = net.Listen("tcp", address); err == nil {
			return ln, nil
		}
		time.Sleep(rebindBackoff)
	}
	return nil, fmt.Errorf("kafkatest: cannot listen on %s again: %w; another process took the port while the broker was stopped", address, err)
}

// running reports whether the listener is serving, or an error if it is
// closed.
func (l *brokerListener) running() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false, errListenerClosed
	}
	return l.os != nil, nil
}

// setBlackhole turns discarding of the broker's writes on or off. Turning it
// off resets the connections that lost writes, since their byte streams are
// no longer what the client expects.
func (l *brokerListener) setBlackhole(on bool) {
	l.blackhole.Store(on)
	if on {
		return
	}
	var lossy []*brokerConn
	for _, conn := range l.snapshot() {
		if conn.discarded.Load() {
			lossy = append(lossy, conn)
		}
	}
	resetAll(lossy)
}

// resetConns resets every live connection and returns how many it reset.
func (l *brokerListener) resetConns() int { return resetAll(l.snapshot()) }

// closeConns closes every live connection and returns how many it closed.
func (l *brokerListener) closeConns() int {
	n := 0
	for _, conn := range l.snapshot() {
		if closed, _ := conn.closeOnce(false); closed {
			n++
		}
	}
	return n
}

func (l *brokerListener) snapshot() []*brokerConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.connsLocked()
}

func (l *brokerListener) connsLocked() []*brokerConn {
	conns := make([]*brokerConn, 0, len(l.conns))
	for conn := range l.conns {
		conns = append(conns, conn)
	}
	return conns
}

func (l *brokerListener) takeOSLocked() net.Listener {
	ln := l.os
	l.os = nil
	return ln
}

func (l *brokerListener) signalLocked() {
	close(l.wake)
	l.wake = make(chan struct{})
}

func (l *brokerListener) forget(conn *brokerConn) {
	l.mu.Lock()
	delete(l.conns, conn)
	l.mu.Unlock()
}

func resetAll(conns []*brokerConn) int {
	n := 0
	for _, conn := range conns {
		if conn.reset() {
			n++
		}
	}
	return n
}

// brokerConn is one client connection to a broker. Its Write discards while
// the broker is black-holed, and closing it removes it from its listener.
type brokerConn struct {
	net.Conn
	l         *brokerListener
	closed    atomic.Bool
	discarded atomic.Bool
}

// Write writes b, or, while the broker is black-holed, reports success
// without sending anything.
func (c *brokerConn) Write(b []byte) (int, error) {
	if c.l.blackhole.Load() {
		c.discarded.Store(true)
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// Close closes the connection with a FIN.
func (c *brokerConn) Close() error {
	_, err := c.closeOnce(false)
	return err
}

// reset closes the connection with an RST, reporting whether this call closed
// it.
func (c *brokerConn) reset() bool {
	closed, _ := c.closeOnce(true)
	return closed
}

// closeOnce closes the connection, with an RST if rst is set, and removes it
// from its listener. It reports whether this call closed the connection;
// closing a closed connection returns net.ErrClosed.
func (c *brokerConn) closeOnce(rst bool) (bool, error) {
	if !c.closed.CompareAndSwap(false, true) {
		return false, net.ErrClosed
	}
	if tcp, ok := c.Conn.(*net.TCPConn); ok && rst {
		_ = tcp.SetLinger(0)
	}
	c.l.forget(c)
	return true, c.Conn.Close()
}
