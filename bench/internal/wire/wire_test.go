package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

const testDelay = 30 * time.Millisecond

// echoServer answers every length-prefixed frame it reads with the same
// frame, as a broker answers each request with one response.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				for {
					var size [4]byte
					if _, err := io.ReadFull(c, size[:]); err != nil {
						return
					}
					body := make([]byte, binary.BigEndian.Uint32(size[:]))
					if _, err := io.ReadFull(c, body); err != nil {
						return
					}
					if _, err := c.Write(append(size[:], body...)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// client is a scripted client of the echo server through a tracer.
type client struct {
	t    *testing.T
	conn net.Conn
}

func dial(t *testing.T, tr *Tracer, addr string) *client {
	t.Helper()
	c, err := tr.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, conn: c}
}

// send writes one request of n body bytes in writes of at most chunk bytes.
func (c *client) send(n, chunk int) {
	c.t.Helper()
	req := make([]byte, 4+n)
	binary.BigEndian.PutUint32(req, uint32(n))
	for len(req) > 0 {
		k := min(chunk, len(req))
		if _, err := c.conn.Write(req[:k]); err != nil {
			c.t.Fatal(err)
		}
		req = req[k:]
	}
}

// receive reads one response.
func (c *client) receive() {
	c.t.Helper()
	var size [4]byte
	if _, err := io.ReadFull(c.conn, size[:]); err != nil {
		c.t.Fatal(err)
	}
	if _, err := io.ReadFull(c.conn, make([]byte, binary.BigEndian.Uint32(size[:]))); err != nil {
		c.t.Fatal(err)
	}
}

func TestRoundTrips(t *testing.T) {
	addr := echoServer(t)
	tests := []struct {
		name     string
		script   func(a, b *client)
		trips    int
		requests int
	}{
		{"one request", func(a, _ *client) {
			a.send(10, 100)
			a.receive()
		}, 1, 1},
		{"three pipelined requests", func(a, _ *client) {
			a.send(10, 100)
			a.send(20, 100)
			a.send(30, 100)
			a.receive()
			a.receive()
			a.receive()
		}, 1, 3},
		{"requests on two connections at once", func(a, b *client) {
			a.send(10, 100)
			b.send(10, 100)
			a.receive()
			b.receive()
		}, 1, 2},
		{"three requests, each after the previous answer", func(a, b *client) {
			a.send(10, 100)
			a.receive()
			b.send(10, 100)
			b.receive()
			a.send(10, 100)
			a.receive()
		}, 3, 3},
		{"fan-out after one answer", func(a, b *client) {
			a.send(10, 100)
			a.receive()
			a.send(10, 100)
			b.send(10, 100)
			a.receive()
			b.receive()
		}, 2, 3},
		{"requests written a few bytes at a time", func(a, _ *client) {
			a.send(50, 3)
			a.send(7, 1)
			a.receive()
			a.receive()
			a.send(0, 2)
			a.receive()
		}, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracer(testDelay)
			a, b := dial(t, tr, addr), dial(t, tr, addr)
			tr.Reset()
			tt.script(a, b)
			if got := tr.RoundTrips(); got != tt.trips {
				t.Errorf("RoundTrips() = %d, want %d", got, tt.trips)
			}
			if got := tr.Requests(); got != tt.requests {
				t.Errorf("Requests() = %d, want %d", got, tt.requests)
			}
		})
	}
}

func TestResetStartsOver(t *testing.T) {
	tr := NewTracer(testDelay)
	a := dial(t, tr, echoServer(t))
	a.send(1, 100)
	a.receive()
	a.send(1, 100)
	a.receive()
	tr.Reset()
	a.send(1, 100)
	a.receive()
	if got := tr.RoundTrips(); got != 1 {
		t.Errorf("RoundTrips() after Reset = %d, want 1", got)
	}
}

func TestDelay(t *testing.T) {
	tr := NewTracer(testDelay)
	a := dial(t, tr, echoServer(t))
	start := time.Now()
	a.send(1, 100)
	a.receive()
	if took := time.Since(start); took < testDelay {
		t.Errorf("a response came after %v, want it held back for %v", took, testDelay)
	}
	tr.SetDelay(0)
	start = time.Now()
	for range 5 {
		a.send(1, 100)
		a.receive()
	}
	if took := time.Since(start); took >= testDelay {
		t.Errorf("5 responses with no delay took %v, want less than %v", took, testDelay)
	}
}

func TestReadDeadline(t *testing.T) {
	tr := NewTracer(time.Second)
	a := dial(t, tr, echoServer(t))
	a.send(1, 100)
	if err := a.conn.SetReadDeadline(time.Now().Add(testDelay)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := a.conn.Read(make([]byte, 16))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read with a response held back past the deadline: %v, want %v", err, os.ErrDeadlineExceeded)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("Read returned after %v, want about %v", took, testDelay)
	}
}
