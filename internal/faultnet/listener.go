// Package faultnet is a TCP listener that can fail the way a broker's port
// does: refuse dials while stopped and accept again on the same port, reset
// (RST) or close (FIN) every live connection, and swallow everything written
// to its connections (a black hole). kafkatest serves its embedded brokers
// through it, and realkafka's fault proxy puts it in front of real brokers.
package faultnet

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errListenerClosed is what Accept returns once the listener is closed; an
// accept loop (kfake's, a proxy's) ends on it.
var errListenerClosed = fmt.Errorf("faultnet: listener closed: %w", net.ErrClosed)

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

// Listener is a net.Listener with fault controls. It owns the OS listener
// and every connection accepted through it, which is what lets a server
// behind it be stopped without noticing: while stopped, the OS listener is
// closed (dials are refused) but Accept blocks instead of failing, so the
// server's accept loop survives until the listener starts again. Every method
// is safe for concurrent use.
type Listener struct {
	addr      net.Addr
	blackhole atomic.Bool

	mu     sync.Mutex
	os     net.Listener  // nil while stopped or closed
	wake   chan struct{} // closed and replaced when os or closed changes
	closed bool
	conns  map[*Conn]struct{}
}

// Listen binds address and returns a listener serving it.
func Listen(network, address string) (*Listener, error) {
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	return &Listener{
		addr:  ln.Addr(),
		os:    ln,
		wake:  make(chan struct{}),
		conns: make(map[*Conn]struct{}),
	}, nil
}

// Addr returns the listener's address, stable across stops and restarts.
func (l *Listener) Addr() net.Addr { return l.addr }

// Accept returns the next connection. While the listener is stopped it
// blocks; once the listener is closed it returns an error.
func (l *Listener) Accept() (net.Conn, error) {
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
func (l *Listener) acceptState() (net.Listener, <-chan struct{}, error) {
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
func (l *Listener) waitAfterAcceptError(ln net.Listener, backoff time.Duration) error {
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
func (l *Listener) track(ln net.Listener, raw net.Conn) *Conn {
	conn := &Conn{Conn: raw, l: l}
	l.mu.Lock()
	live := !l.closed && l.os == ln
	if live {
		l.conns[conn] = struct{}{}
	}
	l.mu.Unlock()
	if !live {
		conn.Reset()
		return nil
	}
	return conn
}

// Close closes the listener for good and resets its live connections.
func (l *Listener) Close() error {
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

// Stop closes the OS listener, so dials are refused, and resets every live
// connection. Stopping a stopped listener does nothing.
func (l *Listener) Stop() error {
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

// Start binds the listener's address again and lets Accept hand out
// connections. Starting a running listener does nothing.
func (l *Listener) Start() error {
	if running, err := l.Running(); running || err != nil {
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

// rebind listens on address, retrying for a short while: a stopped
// listener's port is free for anything on the machine to take in the meantime.
func rebind(address string) (net.Listener, error) {
	var err error
	for range rebindAttempts {
		var ln net.Listener
		if ln, err = net.Listen("tcp", address); err == nil {
			return ln, nil
		}
		time.Sleep(rebindBackoff)
	}
	return nil, fmt.Errorf("faultnet: cannot listen on %s again: %w; another process took the port while it was stopped", address, err)
}

// Running reports whether the listener is serving, or an error if it is
// closed.
func (l *Listener) Running() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false, errListenerClosed
	}
	return l.os != nil, nil
}

// SetBlackhole turns discarding of writes to every connection on or off. Turning it
// off resets the connections that lost writes, since their byte streams are
// no longer what the client expects.
func (l *Listener) SetBlackhole(on bool) {
	l.blackhole.Store(on)
	if on {
		return
	}
	var lossy []*Conn
	for _, conn := range l.snapshot() {
		if conn.discarded.Load() {
			lossy = append(lossy, conn)
		}
	}
	resetAll(lossy)
}

// Blackholed reports whether writes are being discarded.
func (l *Listener) Blackholed() bool { return l.blackhole.Load() }

// ResetConns resets every live connection and returns how many it reset.
func (l *Listener) ResetConns() int { return resetAll(l.snapshot()) }

// CloseConns closes every live connection and returns how many it closed.
func (l *Listener) CloseConns() int {
	n := 0
	for _, conn := range l.snapshot() {
		if closed, _ := conn.closeOnce(false); closed {
			n++
		}
	}
	return n
}

func (l *Listener) snapshot() []*Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.connsLocked()
}

func (l *Listener) connsLocked() []*Conn {
	conns := make([]*Conn, 0, len(l.conns))
	for conn := range l.conns {
		conns = append(conns, conn)
	}
	return conns
}

func (l *Listener) takeOSLocked() net.Listener {
	ln := l.os
	l.os = nil
	return ln
}

func (l *Listener) signalLocked() {
	close(l.wake)
	l.wake = make(chan struct{})
}

func (l *Listener) forget(conn *Conn) {
	l.mu.Lock()
	delete(l.conns, conn)
	l.mu.Unlock()
}

func resetAll(conns []*Conn) int {
	n := 0
	for _, conn := range conns {
		if conn.Reset() {
			n++
		}
	}
	return n
}

// Conn is one accepted connection. Its Write discards while the listener is
// black-holed, and closing it removes it from its listener.
type Conn struct {
	net.Conn
	l         *Listener
	closed    atomic.Bool
	discarded atomic.Bool
}

// Write writes b, or, while the listener is black-holed, reports success
// without sending anything.
func (c *Conn) Write(b []byte) (int, error) {
	if c.l.blackhole.Load() {
		c.discarded.Store(true)
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// Close closes the connection with a FIN.
func (c *Conn) Close() error {
	_, err := c.closeOnce(false)
	return err
}

// Reset closes the connection with an RST, so the peer reads "connection
// reset by peer", reporting whether this call closed it.
func (c *Conn) Reset() bool {
	closed, _ := c.closeOnce(true)
	return closed
}

// closeOnce closes the connection, with an RST if rst is set, and removes it
// from its listener. It reports whether this call closed the connection;
// closing a closed connection returns net.ErrClosed.
func (c *Conn) closeOnce(rst bool) (bool, error) {
	if !c.closed.CompareAndSwap(false, true) {
		return false, net.ErrClosed
	}
	if tcp, ok := c.Conn.(*net.TCPConn); ok && rst {
		_ = tcp.SetLinger(0)
	}
	c.l.forget(c)
	return true, c.Conn.Close()
}
