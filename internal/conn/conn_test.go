package conn

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"go.uber.org/goleak"

	"github.com/kafadmin/kafadmin/kafkatest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newKfake(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func dial(t *testing.T, cfg *Config, addr string) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), cfg, 0, addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func metadataRequest(t *testing.T, c *Conn) *kmsg.MetadataRequest {
	t.Helper()
	v, err := c.Version(int16(kmsg.Metadata), 1, 12)
	if err != nil {
		t.Fatal(err)
	}
	req := kmsg.NewPtrMetadataRequest()
	req.Version = v
	req.Topics = []kmsg.MetadataRequestTopic{}
	return req
}

func TestRequestRoundTrip(t *testing.T) {
	kf := newKfake(t, kfake.NumBrokers(3))
	c := dial(t, &Config{ClientID: "test", SoftwareName: "kafadmin-test", SoftwareVersion: "1"}, kf.ListenAddrs()[0])

	resp, err := c.Do(context.Background(), metadataRequest(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(resp.(*kmsg.MetadataResponse).Brokers); got != 3 {
		t.Fatalf("metadata lists %d brokers, want 3", got)
	}
	if c.Err() != nil {
		t.Fatalf("connection died after a good request: %v", c.Err())
	}
}

func TestPipelinedRequestsMatchTheirResponses(t *testing.T) {
	kf := newKfake(t, kfake.SeedTopics(1, "a", "b", "c", "d"))
	c := dial(t, &Config{}, kf.ListenAddrs()[0])
	v, err := c.Version(int16(kmsg.Metadata), 1, 12)
	if err != nil {
		t.Fatal(err)
	}
	topics := []string{"a", "b", "c", "d"}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := topics[i%len(topics)]
			req := kmsg.NewPtrMetadataRequest()
			req.Version = v
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(want)
			req.Topics = []kmsg.MetadataRequestTopic{rt}
			resp, err := c.Do(context.Background(), req)
			if err != nil {
				errs <- err
				return
			}
			mr := resp.(*kmsg.MetadataResponse)
			if len(mr.Topics) != 1 || *mr.Topics[0].Topic != want {
				errs <- errors.New("a response went to the wrong request")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestVersionNegotiation(t *testing.T) {
	kf := newKfake(t, kfake.MaxVersions(kversion.V2_0_0()))
	c := dial(t, &Config{}, kf.ListenAddrs()[0])

	// Kafka 2.0 serves ApiVersions up to v2: the v3 request was refused
	// and retried at the version the broker named.
	if v, err := c.Version(int16(kmsg.ApiVersions), 0, 3); err != nil || v != 2 {
		t.Fatalf("ApiVersions version = %d, %v; want 2", v, err)
	}
	if v, err := c.Version(int16(kmsg.OffsetFetch), 0, 9); err != nil || v != 4 {
		t.Fatalf("OffsetFetch version = %d, %v; want 4 (Kafka 2.0)", v, err)
	}
	_, err := c.Version(int16(kmsg.OffsetDelete), 0, 0)
	var ue *UnsupportedVersionError
	if !errors.As(err, &ue) || ue.BrokerMax != -1 {
		t.Fatalf("OffsetDelete on Kafka 2.0: got %v, want an UnsupportedVersionError saying the broker lacks it", err)
	}
	if _, err := c.Version(int16(kmsg.OffsetFetch), 8, 9); !errors.As(err, &ue) || ue.BrokerMax != 4 {
		t.Fatalf("OffsetFetch v8+ on Kafka 2.0: got %v, want an UnsupportedVersionError naming v0-v4", err)
	}
	req := kmsg.NewPtrOffsetDeleteRequest()
	if _, err := c.Do(context.Background(), req); !errors.As(err, &ue) {
		t.Fatalf("sending OffsetDelete to Kafka 2.0: got %v, want an UnsupportedVersionError", err)
	}
	if c.Err() != nil {
		t.Fatalf("refusing an unsupported request killed the connection: %v", c.Err())
	}
}

// fakeBroker answers ApiVersions (advertising Metadata v0-v12) and hands
// every other request to serve, which answers or not.
type fakeBroker struct {
	ln    net.Listener
	serve func(nc net.Conn, key int16, corr int32)
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func newFakeBroker(t *testing.T, serve func(nc net.Conn, key int16, corr int32)) *fakeBroker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fb := &fakeBroker{ln: ln, serve: serve}
	fb.wg.Add(1)
	go fb.accept()
	t.Cleanup(fb.close)
	return fb
}

func (fb *fakeBroker) addr() string { return fb.ln.Addr().String() }

func (fb *fakeBroker) close() {
	fb.ln.Close()
	fb.mu.Lock()
	for _, nc := range fb.conns {
		nc.Close()
	}
	fb.mu.Unlock()
	fb.wg.Wait()
}

func (fb *fakeBroker) accept() {
	defer fb.wg.Done()
	for {
		nc, err := fb.ln.Accept()
		if err != nil {
			return
		}
		fb.mu.Lock()
		fb.conns = append(fb.conns, nc)
		fb.mu.Unlock()
		fb.wg.Add(1)
		go fb.handle(nc)
	}
}

func (fb *fakeBroker) handle(nc net.Conn) {
	defer fb.wg.Done()
	defer nc.Close()
	for {
		var size [4]byte
		if _, err := io.ReadFull(nc, size[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(nc, body); err != nil {
			return
		}
		key := int16(binary.BigEndian.Uint16(body))
		version := int16(binary.BigEndian.Uint16(body[2:]))
		corr := int32(binary.BigEndian.Uint32(body[4:]))
		if key == int16(kmsg.ApiVersions) {
			resp := kmsg.NewPtrApiVersionsResponse()
			resp.Version = version
			for _, k := range []struct{ key, max int16 }{
				{int16(kmsg.ApiVersions), 3}, {int16(kmsg.Metadata), 12},
				{int16(kmsg.SASLHandshake), 1}, {int16(kmsg.SASLAuthenticate), 2},
				{int16(kmsg.CreateTopics), 7},
			} {
				ak := kmsg.NewApiVersionsResponseApiKey()
				ak.ApiKey, ak.MaxVersion = k.key, k.max
				resp.ApiKeys = append(resp.ApiKeys, ak)
			}
			writeFrame(nc, corr, resp.AppendTo(nil))
			continue
		}
		fb.serve(nc, key, corr)
	}
}

func writeFrame(nc net.Conn, corr int32, body []byte) {
	frame := binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))
	frame = binary.BigEndian.AppendUint32(frame, uint32(corr))
	nc.Write(append(frame, body...))
}

func TestUnansweredRequestTimesOutAndKillsTheConnection(t *testing.T) {
	fb := newFakeBroker(t, func(net.Conn, int16, int32) {}) // never answers
	c := dial(t, &Config{RequestTimeout: 150 * time.Millisecond}, fb.addr())

	_, err := c.Do(context.Background(), metadataRequest(t, c))
	var ce *Error
	var te *RequestTimeoutError
	if !errors.As(err, &ce) || ce.Op != "timeout" || !errors.As(err, &te) || !ce.Sent {
		t.Fatalf("got %v, want a sent request timing out", err)
	}
	if !IsTransport(err) {
		t.Fatalf("a request timeout is not a transport error: %v", err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the timed-out connection is still alive")
	}
	_, err = c.Do(context.Background(), metadataRequest(t, c))
	if !errors.Is(err, ErrClosed) || MaybeSent(err) {
		t.Fatalf("request on the dead connection: got %v, want ErrClosed, not sent", err)
	}
}

// TestStalledWaitsOutTheRequestsOwnTimeout checks that a request the broker
// may hold (CreateTopics with a timeout) counts as stalled only once that
// timeout has passed, while one answered at once counts as stalled as soon
// as it is late.
func TestStalledWaitsOutTheRequestsOwnTimeout(t *testing.T) {
	const late = 100 * time.Millisecond
	fb := newFakeBroker(t, func(net.Conn, int16, int32) {}) // never answers
	slow := dial(t, &Config{}, fb.addr())
	fast := dial(t, &Config{}, fb.addr())

	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version = 0
	req.TimeoutMillis = 1000
	if ServerWait(req) != time.Second {
		t.Fatalf("ServerWait(CreateTopics with a 1 s timeout) = %v, want 1s", ServerWait(req))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // before the wait: the requests end with their context
	written := time.Now()
	for c, r := range map[*Conn]kmsg.Request{slow: req, fast: metadataRequest(t, fast)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Do(ctx, r)
		}()
	}

	time.Sleep(3 * late)
	if !fast.Stalled(late) {
		t.Errorf("a Metadata request unanswered for %v does not count as stalled", 3*late)
	}
	if slow.Stalled(late) {
		t.Errorf("a CreateTopics request held for %v of its 1 s timeout counts as stalled", time.Since(written))
	}
	for !slow.Stalled(late) {
		if time.Since(written) > 10*time.Second {
			t.Fatal("a CreateTopics request unanswered 9 s past its 1 s timeout does not count as stalled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(written); took < time.Second+late {
		t.Fatalf("the CreateTopics request counted as stalled after %v, before its 1 s timeout and %v had passed", took, late)
	}
}

func TestCanceledRequestLeavesTheConnectionUsable(t *testing.T) {
	var mu sync.Mutex
	delay := 400 * time.Millisecond
	fb := newFakeBroker(t, func(nc net.Conn, _ int16, corr int32) {
		mu.Lock()
		d := delay
		delay = 0
		mu.Unlock()
		time.Sleep(d)
		resp := kmsg.NewPtrMetadataResponse()
		resp.Version = 1
		writeFrame(nc, corr, resp.AppendTo(nil))
	})
	c := dial(t, &Config{}, fb.addr())
	req := metadataRequest(t, c)
	req.Version = 1

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Do(ctx, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline", err)
	}
	// The late answer to the abandoned request is read and dropped; the
	// next request gets its own answer.
	if _, err := c.Do(context.Background(), req); err != nil {
		t.Fatalf("request after a canceled one: %v", err)
	}
	if c.Err() != nil {
		t.Fatalf("a canceled request killed the connection: %v", c.Err())
	}
}

func TestOversizedResponseClosesTheConnection(t *testing.T) {
	fb := newFakeBroker(t, func(nc net.Conn, _ int16, corr int32) {
		frame := binary.BigEndian.AppendUint32(nil, 200<<20)
		frame = binary.BigEndian.AppendUint32(frame, uint32(corr))
		nc.Write(frame)
	})
	c := dial(t, &Config{}, fb.addr())
	_, err := c.Do(context.Background(), metadataRequest(t, c))
	var tl *ResponseTooLargeError
	if !errors.As(err, &tl) || tl.Size != 200<<20 || tl.Max != DefaultMaxResponseSize {
		t.Fatalf("got %v, want a ResponseTooLargeError for 200 MiB over 100 MiB", err)
	}
	if IsTransport(err) {
		t.Fatalf("an oversized response must not be retried: %v", err)
	}
	<-c.Done()
}

func TestCloseFailsRequestsInFlight(t *testing.T) {
	fb := newFakeBroker(t, func(net.Conn, int16, int32) {})
	c := dial(t, &Config{}, fb.addr())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Do(context.Background(), metadataRequest(t, c))
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("got %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the request in flight outlived Close")
	}
}

func TestBrokerClosingTheConnectionIsSeenAtOnce(t *testing.T) {
	fb := newFakeBroker(t, func(nc net.Conn, _ int16, _ int32) { nc.Close() })
	c := dial(t, &Config{}, fb.addr())
	_, err := c.Do(context.Background(), metadataRequest(t, c))
	if !IsTransport(err) || !MaybeSent(err) {
		t.Fatalf("got %v, want a retriable transport error after the request was sent", err)
	}
	<-c.Done()
}

func TestCloseIfIdle(t *testing.T) {
	kf := newKfake(t)
	c := dial(t, &Config{}, kf.ListenAddrs()[0])
	if c.CloseIfIdle(time.Hour) {
		t.Fatal("closed a connection idle for less than an hour")
	}
	time.Sleep(20 * time.Millisecond)
	if !c.CloseIfIdle(10 * time.Millisecond) {
		t.Fatal("did not close a connection idle for 20ms with a 10ms limit")
	}
	if _, err := c.Do(context.Background(), metadataRequest(t, c)); !errors.Is(err, ErrClosed) || MaybeSent(err) {
		t.Fatalf("request on an idle-closed connection: got %v, want ErrClosed, not sent", err)
	}
}

func TestDialFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	_, err = Dial(context.Background(), &Config{}, 7, refused)
	var ce *Error
	if !errors.As(err, &ce) || ce.Op != "dial" || ce.Node != 7 || !IsTransport(err) {
		t.Fatalf("dial to a closed port: got %v, want a retriable dial error for broker 7", err)
	}

	blackhole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blackhole.Close()
	start := time.Now()
	_, err = Dial(context.Background(), &Config{DialTimeout: 200 * time.Millisecond}, 1, blackhole.Addr().String())
	if !errors.As(err, &ce) || ce.Op != "api versions" || !IsTransport(err) {
		t.Fatalf("dial to a listener that never answers: got %v, want an api versions timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the dial timeout of 200ms took %v", took)
	}
}

func TestSASL(t *testing.T) {
	kf := newKfake(t, kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plainuser", "plainpass"),
		kfake.Superuser("SCRAM-SHA-256", "user256", "pass256"),
		kfake.Superuser("SCRAM-SHA-512", "user512", "pass512"))
	addr := kf.ListenAddrs()[0]
	for _, tc := range []struct {
		name string
		mech sasl.Mechanism
		ok   bool
	}{
		{"plain", plain.Auth{User: "plainuser", Pass: "plainpass"}.AsMechanism(), true},
		{"scram-256", scram.Auth{User: "user256", Pass: "pass256"}.AsSha256Mechanism(), true},
		{"scram-512", scram.Auth{User: "user512", Pass: "pass512"}.AsSha512Mechanism(), true},
		// kfake closes the connection on bad credentials rather than
		// answering SASL_AUTHENTICATION_FAILED as Kafka does.
		{"plain, wrong password", plain.Auth{User: "plainuser", Pass: "nope"}.AsMechanism(), false},
		{"scram-256, wrong password", scram.Auth{User: "user256", Pass: "nope"}.AsSha256Mechanism(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Dial(context.Background(), &Config{SASL: tc.mech}, 0, addr)
			if !tc.ok {
				var ce *Error
				if !errors.As(err, &ce) || ce.Op != "sasl" || !strings.Contains(err.Error(), "check the credentials") {
					t.Fatalf("got %v, want a SASL error telling to check the credentials", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Do(context.Background(), metadataRequest(t, c)); err != nil {
				t.Fatalf("request after authenticating: %v", err)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	serverCfg, clientCfg, err := kafkatest.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	kf := newKfake(t, kfake.TLS(serverCfg))
	addr := kf.ListenAddrs()[0]

	c := dial(t, &Config{TLS: clientCfg}, addr)
	if _, err := c.Do(context.Background(), metadataRequest(t, c)); err != nil {
		t.Fatalf("request over TLS: %v", err)
	}

	_, err = Dial(context.Background(), &Config{TLS: &tls.Config{}}, 0, addr)
	var ce *Error
	if !errors.As(err, &ce) || ce.Op != "tls" || IsTransport(err) {
		t.Fatalf("dial with an untrusted certificate: got %v, want a permanent tls error", err)
	}
}

func TestSASLRefusedByAnswerIsPermanent(t *testing.T) {
	fb := newFakeBroker(t, func(nc net.Conn, key int16, corr int32) {
		switch key {
		case int16(kmsg.SASLHandshake):
			resp := kmsg.NewPtrSASLHandshakeResponse()
			resp.Version = 1
			resp.SupportedMechanisms = []string{"PLAIN"}
			writeFrame(nc, corr, resp.AppendTo(nil))
		case int16(kmsg.SASLAuthenticate):
			resp := kmsg.NewPtrSASLAuthenticateResponse()
			resp.Version = 2
			resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
			resp.ErrorMessage = kmsg.StringPtr("Authentication failed: Invalid username or password")
			writeFrame(nc, corr, append([]byte{0}, resp.AppendTo(nil)...))
		}
	})
	_, err := Dial(context.Background(), &Config{SASL: plain.Auth{User: "u", Pass: "wrong"}.AsMechanism()}, 0, fb.addr())
	var ae *AuthError
	if !errors.As(err, &ae) || IsTransport(err) || !strings.Contains(err.Error(), "Invalid username or password") || !errors.Is(err, kerr.SaslAuthenticationFailed) {
		t.Fatalf("got %v, want a permanent AuthError carrying the broker's message and code", err)
	}
}

func TestOversizedResponseFailsOnlyItsOwnRequestForGood(t *testing.T) {
	var (
		mu    sync.Mutex
		first int32 = -1
	)
	fb := newFakeBroker(t, func(nc net.Conn, _ int16, corr int32) {
		mu.Lock()
		defer mu.Unlock()
		if first < 0 {
			first = corr // hold the answer until the second request is in
			return
		}
		frame := binary.BigEndian.AppendUint32(nil, 200<<20)
		nc.Write(binary.BigEndian.AppendUint32(frame, uint32(first)))
	})
	c := dial(t, &Config{}, fb.addr())
	errs := make(chan error, 2)
	go func() {
		_, err := c.Do(context.Background(), metadataRequest(t, c))
		errs <- err
	}()
	for {
		mu.Lock()
		held := first >= 0
		mu.Unlock()
		if held {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	go func() {
		_, err := c.Do(context.Background(), metadataRequest(t, c))
		errs <- err
	}()
	var permanent, retriable int
	for range 2 {
		err := <-errs
		var tl *ResponseTooLargeError
		switch {
		case errors.As(err, &tl) && !IsTransport(err):
			permanent++
		case IsTransport(err) && MaybeSent(err):
			retriable++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if permanent != 1 || retriable != 1 {
		t.Fatalf("%d permanent and %d retriable failures, want the oversized request's alone permanent", permanent, retriable)
	}
}

func TestNothingIsWrittenOnceTheContextEnded(t *testing.T) {
	var (
		mu   sync.Mutex
		seen int
	)
	fb := newFakeBroker(t, func(nc net.Conn, _ int16, corr int32) {
		mu.Lock()
		seen++
		mu.Unlock()
		resp := kmsg.NewPtrMetadataResponse()
		resp.Version = 1
		writeFrame(nc, corr, resp.AppendTo(nil))
	})
	c := dial(t, &Config{}, fb.addr())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := metadataRequest(t, c)
	req.Version = 1
	if _, err := c.Do(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the context's error", err)
	}
	if _, err := c.Do(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen != 1 {
		t.Fatalf("the broker saw %d requests, want only the one made with a live context", seen)
	}
}
