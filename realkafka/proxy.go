package realkafka

import (
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/kafadmin/kafadmin/internal/faultnet"
)

// proxyDialTimeout bounds the proxy's dial to its broker. A paused broker
// still completes the handshake (the kernel does), so this only fires on a
// broker that is gone.
const proxyDialTimeout = 2 * time.Second

// proxy is the fault proxy in front of one client listener of one broker:
// the broker advertises the proxy's address, so every client connection
// passes through it and can be reset, closed or refused. It serves only
// while the broker's JVM is up and its port accepts, and while no refusal is
// asked for, so a broker that is down refuses dials as it would without the
// proxy.
type proxy struct {
	ln       *faultnet.Listener
	upstream string

	mu       sync.Mutex
	brokerUp bool
	refused  bool
	closed   bool

	wg sync.WaitGroup
}

// newProxy listens on a free loopback port; it refuses dials until setBroker
// says where the broker is and that it is up.
func newProxy() (*proxy, error) {
	ln, err := faultnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if err := ln.Stop(); err != nil {
		ln.Close()
		return nil, err
	}
	p := &proxy{ln: ln}
	p.wg.Go(p.serve)
	return p, nil
}

// addr is the address clients dial.
func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.forward(conn.(*faultnet.Conn)) })
	}
}

// forward copies bytes both ways between a client and the broker, and ends
// each side the way the other ended: EOF as a FIN, a reset as an RST.
func (p *proxy) forward(client *faultnet.Conn) {
	p.mu.Lock()
	upstream := p.upstream
	p.mu.Unlock()
	broker, err := net.DialTimeout("tcp", upstream, proxyDialTimeout)
	if err != nil {
		client.Reset()
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := io.Copy(client, broker)
		if err == nil || errors.Is(err, io.EOF) {
			client.Close()
		} else {
			client.Reset()
		}
		broker.Close()
	})
	_, err = io.Copy(broker, client)
	if errors.Is(err, syscall.ECONNRESET) {
		if tcp, ok := broker.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
	}
	broker.Close()
	client.Close()
	wg.Wait()
}

// setBroker points the proxy at the broker's port and says whether the
// broker is up.
func (p *proxy) setBroker(upstream string, up bool) error {
	p.mu.Lock()
	p.upstream = upstream
	p.brokerUp = up
	p.mu.Unlock()
	return p.apply()
}

// refuse makes the proxy refuse dials (and reset its connections) or serve
// again.
func (p *proxy) refuse(on bool) error {
	p.mu.Lock()
	p.refused = on
	p.mu.Unlock()
	return p.apply()
}

func (p *proxy) apply() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	if p.brokerUp && !p.refused {
		return p.ln.Start()
	}
	return p.ln.Stop()
}

func (p *proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}
