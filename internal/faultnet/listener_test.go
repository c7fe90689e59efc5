package faultnet

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testTimeout = 30 * time.Second

// echo serves l, echoing every connection, until l is closed.
func echo(l *Listener) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = io.Copy(conn, conn)
			}()
		}
	}()
	return done
}

func listen(t *testing.T) *Listener {
	t.Helper()
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// roundTrip writes a byte and reads it back.
func roundTrip(conn net.Conn) error {
	if err := conn.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		return err
	}
	if _, err := conn.Write([]byte{7}); err != nil {
		return err
	}
	buf := make([]byte, 1)
	_, err := io.ReadFull(conn, buf)
	return err
}

func readErr(conn net.Conn, d time.Duration) error {
	if err := conn.SetReadDeadline(time.Now().Add(d)); err != nil {
		return err
	}
	buf := make([]byte, 64)
	for {
		if _, err := conn.Read(buf); err != nil {
			return err
		}
	}
}

func TestResetCloseStopStart(t *testing.T) {
	l := listen(t)
	served := echo(l)
	addr := l.Addr().String()

	rst, fin := dial(t, addr), dial(t, addr)
	for _, c := range []net.Conn{rst, fin} {
		if err := roundTrip(c); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.ResetConns(); n != 2 {
		t.Fatalf("ResetConns reset %d connections, want 2", n)
	}
	if err := readErr(rst, testTimeout); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after ResetConns: %v, want connection reset", err)
	}

	fin = dial(t, addr)
	if err := roundTrip(fin); err != nil {
		t.Fatal(err)
	}
	if n := l.CloseConns(); n != 1 {
		t.Fatalf("CloseConns closed %d connections, want 1", n)
	}
	if err := readErr(fin, testTimeout); !errors.Is(err, io.EOF) {
		t.Fatalf("read after CloseConns: %v, want EOF", err)
	}

	live := dial(t, addr)
	if err := roundTrip(live); err != nil {
		t.Fatal(err)
	}
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if running, _ := l.Running(); running {
		t.Fatal("Running after Stop")
	}
	if err := readErr(live, testTimeout); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after Stop: %v, want connection reset", err)
	}
	if c, err := net.DialTimeout("tcp", addr, testTimeout); err == nil {
		c.Close()
		t.Fatal("a dial to a stopped listener succeeded")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial to a stopped listener: %v, want connection refused", err)
	}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(dial(t, addr)); err != nil {
		t.Fatalf("round trip after Start on the same port: %v", err)
	}

	l.Close()
	<-served
	if err := l.Start(); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

func TestBlackhole(t *testing.T) {
	l := listen(t)
	served := echo(l)
	conn := dial(t, l.Addr().String())
	l.SetBlackhole(true)
	if !l.Blackholed() {
		t.Fatal("Blackholed is false after SetBlackhole(true)")
	}
	if _, err := conn.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := readErr(conn, 200*time.Millisecond); !isTimeout(err) {
		t.Fatalf("read from a black hole: %v, want a timeout", err)
	}
	l.SetBlackhole(false)
	if err := readErr(conn, testTimeout); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("a connection that lost writes: %v, want reset when the black hole ends", err)
	}
	if err := roundTrip(dial(t, l.Addr().String())); err != nil {
		t.Fatal(err)
	}
	l.Close()
	<-served
}

// A connection the OS listener handed over just before a stop must be reset
// when it reaches the server after the stop, not served.
func TestConnectionAcceptedAcrossStopIsReset(t *testing.T) {
	l := listen(t)
	client := dial(t, l.Addr().String())
	ln, _, _ := l.acceptState()
	raw, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if conn := l.track(ln, raw); conn != nil {
		t.Fatal("a connection accepted before the stop was handed to the server after it")
	}
	if err := readErr(client, testTimeout); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("client read: %v, want connection reset", err)
	}
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}
