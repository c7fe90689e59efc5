// Package conn is one connection to one Kafka broker.
//
// A Conn dials (TCP, then TLS and SASL when configured), learns the API
// versions the broker serves, and then carries requests: many may be in
// flight at once, written in order and matched to their responses by
// correlation id. A request the broker does not answer within the request
// timeout kills the connection, and so does any other transport error: a dead
// connection fails every request that was in flight on it and is never used
// again. Callers dial a new one.
//
// Request and response bodies are encoded and decoded by kmsg; this package
// only frames them.
package conn

import (
	"bufio"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
)

// Defaults for the zero values of Config.
const (
	DefaultDialTimeout     = 10 * time.Second
	DefaultRequestTimeout  = 10 * time.Second
	DefaultMaxResponseSize = 100 << 20
)

// Config is how connections are made. It is shared by every connection of a
// client and must not change once in use.
type Config struct {
	ClientID        string
	SoftwareName    string // sent in ApiVersions (KIP-511)
	SoftwareVersion string

	DialTimeout     time.Duration // TCP, TLS, ApiVersions and SASL together
	RequestTimeout  time.Duration // per request, added to a request's own server-side timeout
	MaxResponseSize int32

	TLS  *tls.Config    // nil: plaintext
	SASL sasl.Mechanism // nil: no SASL

	// DialContext replaces net.Dialer's when set.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (cfg *Config) dialTimeout() time.Duration {
	if cfg.DialTimeout > 0 {
		return cfg.DialTimeout
	}
	return DefaultDialTimeout
}

func (cfg *Config) requestTimeout() time.Duration {
	if cfg.RequestTimeout > 0 {
		return cfg.RequestTimeout
	}
	return DefaultRequestTimeout
}

func (cfg *Config) maxResponseSize() int32 {
	if cfg.MaxResponseSize > 0 {
		return cfg.MaxResponseSize
	}
	return DefaultMaxResponseSize
}

// versionRange is the versions of one API the broker serves; max < 0 means
// the broker does not serve it.
type versionRange struct{ min, max int16 }

// Conn is a connection to one broker. It is safe for concurrent use.
type Conn struct {
	cfg    *Config
	node   int32
	addr   string
	nc     net.Conn
	format *kmsg.RequestFormatter

	versions []versionRange // indexed by API key; read-only after Dial

	corr atomic.Int32
	wmu  sync.Mutex // serializes writes, so that pending is in write order

	mu      sync.Mutex
	pending []*call // awaiting a response, oldest first
	err     error   // why the connection died; nil while alive
	culprit *call   // the request whose response killed the connection, if one did
	dead    chan struct{}

	lastUsed  atomic.Int64  // unix nanoseconds of the last request written
	expiresAt time.Time     // SASL session end (KIP-368); zero when none
	lifetime  time.Duration // the SASL session's length
	readDone  chan struct{}
}

// call is one request awaiting its response.
type call struct {
	corr     int32
	key      int16
	wait     time.Duration // how long the broker may hold it before answering (ServerWait)
	timeout  time.Duration // wait plus the request timeout
	deadline time.Time
	resp     chan []byte // buffered: the reader never blocks on an abandoned call
}

// ServerWait is how long the broker may hold req before answering: the
// timeout of a request that waits server-side (CreateTopics, DeleteRecords,
// ElectLeaders... waiting for the cluster to apply the change), zero for a
// request answered at once.
func ServerWait(req kmsg.Request) time.Duration {
	if tr, ok := req.(kmsg.TimeoutRequest); ok && tr.Timeout() > 0 {
		return time.Duration(tr.Timeout()) * time.Millisecond
	}
	return 0
}

// Dial connects to the broker at addr, negotiates TLS, API versions and SASL
// as configured, and returns a connection ready for requests. node is the
// broker's id (negative for a bootstrap address); it names the broker in
// errors.
func Dial(ctx context.Context, cfg *Config, node int32, addr string) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.dialTimeout())
	defer cancel()

	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, &Error{Node: node, Addr: addr, Op: "dial", Err: dialCause(ctx, err)}
	}
	if cfg.TLS != nil {
		tc := cfg.TLS.Clone()
		if tc.ServerName == "" && !tc.InsecureSkipVerify {
			host, _, _ := net.SplitHostPort(addr)
			tc.ServerName = host
		}
		tlsConn := tls.Client(nc, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, &Error{Node: node, Addr: addr, Op: "tls", Permanent: permanentTLS(err), Err: dialCause(ctx, err)}
		}
		nc = tlsConn
	}

	c := &Conn{
		cfg:      cfg,
		node:     node,
		addr:     addr,
		nc:       nc,
		format:   kmsg.NewRequestFormatter(kmsg.FormatterClientID(cfg.ClientID)),
		dead:     make(chan struct{}),
		readDone: make(chan struct{}),
	}
	c.lastUsed.Store(time.Now().UnixNano())
	go c.readLoop()

	if err := c.handshake(ctx); err != nil {
		c.close(err)
		<-c.readDone
		return nil, err
	}
	return c, nil
}

// dialCause prefers the dial context's own error when it expired, so that
// "dial timeout" reads as such rather than as "operation was canceled".
func dialCause(ctx context.Context, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("no connection within the dial timeout: %w", err)
	}
	return err
}

func (c *Conn) handshake(ctx context.Context) error {
	if err := c.requestAPIVersions(ctx); err != nil {
		return err
	}
	if c.cfg.SASL != nil {
		return c.authenticate(ctx)
	}
	return nil
}

// Done is closed when the connection dies.
func (c *Conn) Done() <-chan struct{} { return c.dead }

// Err is why the connection died, or nil while it is alive.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection, failing every request in flight on it.
func (c *Conn) Close() error {
	c.close(&Error{Node: c.node, Addr: c.addr, Op: "closed", Err: ErrClosed})
	<-c.readDone
	return nil
}

// close marks the connection dead with cause err (the first cause wins),
// closes the socket and fails the requests in flight.
func (c *Conn) close(err error) { c.closeFor(err, nil) }

// closeFor is close for a cause that culprit's response brought: the other
// requests in flight only lost their connection.
func (c *Conn) closeFor(err error, culprit *call) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	c.culprit = culprit
	c.pending = nil
	close(c.dead)
	c.mu.Unlock()
	c.nc.Close()
}

// CloseIfIdle closes the connection if no request is in flight and none was
// written for at least idle, and reports whether it did.
func (c *Conn) CloseIfIdle(idle time.Duration) bool {
	c.wmu.Lock()
	c.mu.Lock()
	if c.err != nil || len(c.pending) > 0 || time.Since(time.Unix(0, c.lastUsed.Load())) < idle {
		c.mu.Unlock()
		c.wmu.Unlock()
		return false
	}
	c.err = &Error{Node: c.node, Addr: c.addr, Op: "closed", Err: fmt.Errorf("idle for %v: %w", idle, ErrClosed)}
	close(c.dead)
	c.mu.Unlock()
	c.wmu.Unlock()
	c.nc.Close()
	<-c.readDone
	return true
}

// Stalled reports whether the oldest request in flight is still unanswered
// more than d after the broker should have answered it: d after it was
// written or reached the head of the queue, whichever came last, plus its
// own server-side wait (ServerWait), during which the broker legitimately
// holds it. Only the oldest request is judged: Kafka
// answers a connection's requests in order, so one behind it cannot be late
// on its own account while the oldest is not.
func (c *Conn) Stalled(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return false
	}
	p := c.pending[0]
	written := p.deadline.Add(-p.timeout)
	return time.Since(written.Add(p.wait)) > d
}

// Expired reports whether the broker's SASL session ends within margin; the
// broker closes a connection whose session has ended.
func (c *Conn) Expired(margin time.Duration) bool {
	return !c.expiresAt.IsZero() && time.Until(c.expiresAt) < min(margin, c.lifetime/2)
}

// Version returns the highest version of the API with key that both the
// broker and the caller support, the caller supporting lo through hi.
func (c *Conn) Version(key, lo, hi int16) (int16, error) {
	br := c.brokerRange(key)
	if br.max < 0 || br.max < lo || br.min > hi {
		return 0, &UnsupportedVersionError{Node: c.node, API: apiName(key), BrokerMin: br.min, BrokerMax: br.max, WantMin: lo, WantMax: hi}
	}
	return min(br.max, hi), nil
}

func (c *Conn) brokerRange(key int16) versionRange {
	if key < 0 || int(key) >= len(c.versions) {
		return versionRange{max: -1}
	}
	return c.versions[key]
}

// Do sends req at its version (set by the caller, normally from Version) and
// waits for the response. Kafka error codes inside the response are the
// caller's to read; Do fails only when the request cannot be sent, when the
// connection dies before the response arrives (an *Error), or when ctx ends
// first (ctx's error; the connection stays usable).
func (c *Conn) Do(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	key, v := req.Key(), req.GetVersion()
	if br := c.brokerRange(key); br.max < 0 || v < br.min || v > br.max {
		return nil, &UnsupportedVersionError{Node: c.node, API: apiName(key), BrokerMin: br.min, BrokerMax: br.max, WantMin: v, WantMax: v}
	}
	body, cl, err := c.roundTrip(ctx, req, ServerWait(req))
	if err != nil {
		return nil, err
	}
	resp := req.ResponseKind()
	resp.SetVersion(v)
	if err := decode(resp, body, true); err != nil {
		perr := c.protocolError(fmt.Errorf("decoding %s v%d response: %w", apiName(key), v, err))
		perr.Sent = true
		c.closeFor(perr, cl)
		return nil, perr
	}
	return resp, nil
}

func (c *Conn) protocolError(err error) *Error {
	return &Error{Node: c.node, Addr: c.addr, Op: "read", Permanent: true, Err: err}
}

// decode reads a response body (after the correlation id) into resp.
func decode(resp kmsg.Response, body []byte, flexibleHeader bool) error {
	if flexibleHeader && resp.IsFlexible() && resp.Key() != int16(kmsg.ApiVersions) {
		r := kbin.Reader{Src: body}
		kmsg.SkipTags(&r)
		if err := r.Complete(); err != nil {
			return err
		}
		body = r.Src
	}
	return resp.ReadFrom(body)
}

// roundTrip writes req, which the broker may hold for wait before
// answering, and waits for its raw response body. Nothing is written once
// ctx has ended.
func (c *Conn) roundTrip(ctx context.Context, req kmsg.Request, wait time.Duration) ([]byte, *call, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	cl, err := c.write(req, wait)
	if err != nil {
		return nil, nil, err
	}
	select {
	case body := <-cl.resp:
		return body, cl, nil
	case <-c.dead:
		select {
		case body := <-cl.resp:
			return body, cl, nil
		default:
		}
		return nil, cl, c.sentError(cl)
	case <-ctx.Done():
		return nil, cl, ctx.Err()
	}
}

// sentError is the connection's death cause for cl, a request that was
// written: the broker may have received it. Only the request whose own
// response killed the connection keeps a permanent cause; the others just
// lost their connection, and a retry on a new one may succeed.
func (c *Conn) sentError(cl *call) error {
	c.mu.Lock()
	err, culprit := c.err, c.culprit
	c.mu.Unlock()
	var ce *Error
	if !errors.As(err, &ce) {
		return err
	}
	sent := *ce
	sent.Sent = true
	if culprit != cl && sent.Permanent {
		sent.Permanent = false
		sent.Err = fmt.Errorf("connection closed after another request's answer broke it: %w", ce.Err)
	}
	return &sent
}

// notSent is the error for a request refused because the connection had
// already died of cause: nothing was written.
func (c *Conn) notSent(cause error) error {
	var ce *Error
	if errors.As(cause, &ce) && errors.Is(cause, ErrClosed) {
		return cause
	}
	return &Error{Node: c.node, Addr: c.addr, Op: "write", Err: fmt.Errorf("%w earlier: %v", ErrClosed, cause)}
}

// write encodes req, registers it for its response and writes it. Its
// timeout is the request timeout added to wait, the time the broker may hold
// it.
func (c *Conn) write(req kmsg.Request, wait time.Duration) (*call, error) {
	corr := c.corr.Add(1)
	buf := c.format.AppendRequest(make([]byte, 0, 256), req, corr)
	cl := &call{corr: corr, key: req.Key(), wait: wait, timeout: c.cfg.requestTimeout() + wait, resp: make(chan []byte, 1)}

	c.wmu.Lock()
	defer c.wmu.Unlock()

	now := time.Now()
	deadline := now.Add(cl.timeout)
	cl.deadline = deadline // the reader may push it later, under mu
	c.mu.Lock()
	if c.err != nil {
		cause := c.err
		c.mu.Unlock()
		return nil, c.notSent(cause)
	}
	c.pending = append(c.pending, cl)
	if len(c.pending) == 1 {
		c.nc.SetReadDeadline(cl.deadline)
	}
	c.mu.Unlock()
	c.lastUsed.Store(now.UnixNano())

	c.nc.SetWriteDeadline(deadline)
	if _, err := c.nc.Write(buf); err != nil {
		c.close(&Error{Node: c.node, Addr: c.addr, Op: "write", Err: err})
		return nil, c.sentError(cl)
	}
	return cl, nil
}

// readLoop reads responses in order and hands each to its call. Any failure
// kills the connection.
func (c *Conn) readLoop() {
	defer close(c.readDone)
	br := bufio.NewReaderSize(c.nc, 32<<10)
	var size [4]byte
	for {
		if _, err := io.ReadFull(br, size[:]); err != nil {
			c.close(c.readError(err))
			return
		}
		n := int32(binary.BigEndian.Uint32(size[:]))
		if limit := c.cfg.maxResponseSize(); n > limit {
			c.closeFor(c.protocolError(&ResponseTooLargeError{Size: n, Max: limit}), c.oldest())
			return
		}
		if n < 4 {
			c.close(c.protocolError(fmt.Errorf("response size %d is too short for a correlation id", n)))
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			c.close(c.readError(err))
			return
		}
		corr := int32(binary.BigEndian.Uint32(body))

		c.mu.Lock()
		if c.err != nil {
			c.mu.Unlock()
			return
		}
		if len(c.pending) == 0 || c.pending[0].corr != corr {
			c.mu.Unlock()
			c.close(c.protocolError(fmt.Errorf("response with correlation id %d matches no request in flight", corr)))
			return
		}
		cl := c.pending[0]
		c.pending[0] = nil
		c.pending = c.pending[1:]
		if len(c.pending) > 0 {
			// Kafka takes a connection's requests one at a time: the
			// next one's time starts now, not when it was written
			// (a request the broker holds would otherwise use up the
			// time of those queued behind it).
			next := c.pending[0]
			if d := time.Now().Add(next.timeout); d.After(next.deadline) {
				next.deadline = d
			}
			c.nc.SetReadDeadline(next.deadline)
		} else {
			c.nc.SetReadDeadline(time.Time{})
		}
		c.mu.Unlock()
		cl.resp <- body[4:]
	}
}

// oldest is the request whose response is due next.
func (c *Conn) oldest() *call {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return nil
	}
	return c.pending[0]
}

// readError turns a failed read into the connection's death cause. A read
// deadline is only ever set for the oldest request in flight, so a timeout
// is that request's timeout.
func (c *Conn) readError(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.pending) > 0 {
			head := c.pending[0]
			return &Error{Node: c.node, Addr: c.addr, Op: "timeout", Err: &RequestTimeoutError{API: apiName(head.key), Timeout: head.timeout}}
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("broker closed the connection: %w", err)
	}
	return &Error{Node: c.node, Addr: c.addr, Op: "read", Err: err}
}

// requestAPIVersions learns the versions the broker serves. A broker that
// does not know our ApiVersions version answers UNSUPPORTED_VERSION in v0
// form, naming the version to use (KIP-511) or nothing (pre-2.4 brokers: v0).
func (c *Conn) requestAPIVersions(ctx context.Context) error {
	version := int16(3)
	for {
		req := kmsg.NewPtrApiVersionsRequest()
		req.Version = version
		// Brokers refuse v3+ with an empty or malformed software name.
		req.ClientSoftwareName = cmp.Or(c.cfg.SoftwareName, "kafadmin")
		req.ClientSoftwareVersion = cmp.Or(c.cfg.SoftwareVersion, "0")
		body, _, err := c.roundTrip(ctx, req, 0)
		if err != nil {
			return c.handshakeError(ctx, "api versions", err)
		}
		resp := kmsg.NewPtrApiVersionsResponse()
		if len(body) >= 2 && int16(binary.BigEndian.Uint16(body)) == kerr.UnsupportedVersion.Code && version > 0 {
			resp.Version = 0
			if err := resp.ReadFrom(body); err != nil {
				return c.protocolError(fmt.Errorf("decoding ApiVersions v0 response: %w", err))
			}
			next := int16(0)
			for _, k := range resp.ApiKeys {
				if k.ApiKey == int16(kmsg.ApiVersions) && k.MaxVersion < version {
					next = k.MaxVersion
				}
			}
			version = next
			continue
		}
		resp.Version = version
		if err := resp.ReadFrom(body); err != nil {
			return c.protocolError(fmt.Errorf("decoding ApiVersions v%d response: %w", version, err))
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return &Error{Node: c.node, Addr: c.addr, Op: "api versions", Err: err}
		}
		c.setVersions(resp.ApiKeys)
		return nil
	}
}

func (c *Conn) setVersions(keys []kmsg.ApiVersionsResponseApiKey) {
	maxKey := int16(0)
	for _, k := range keys {
		maxKey = max(maxKey, k.ApiKey)
	}
	vs := make([]versionRange, maxKey+1)
	for i := range vs {
		vs[i] = versionRange{max: -1}
	}
	for _, k := range keys {
		if k.ApiKey >= 0 {
			vs[k.ApiKey] = versionRange{min: k.MinVersion, max: k.MaxVersion}
		}
	}
	c.versions = vs
}

// handshakeError names the handshake step that failed; a dial context that
// expired becomes a dial timeout on the connection.
func (c *Conn) handshakeError(ctx context.Context, step string, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	if ctx.Err() != nil {
		return &Error{Node: c.node, Addr: c.addr, Op: step, Err: fmt.Errorf("no answer within the dial timeout: %w", ctx.Err())}
	}
	return &Error{Node: c.node, Addr: c.addr, Op: step, Err: err}
}

// authenticate runs SASLHandshake then SASLAuthenticate until the mechanism
// is done.
func (c *Conn) authenticate(ctx context.Context) error {
	mech := c.cfg.SASL
	if _, err := c.Version(int16(kmsg.SASLHandshake), 1, 1); err != nil {
		return &Error{Node: c.node, Addr: c.addr, Op: "sasl", Permanent: true, Err: err}
	}
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Version = 1
	hs.Mechanism = mech.Name()
	resp, err := c.Do(ctx, hs)
	if err != nil {
		return c.handshakeError(ctx, "sasl", err)
	}
	if hr := resp.(*kmsg.SASLHandshakeResponse); hr.ErrorCode != 0 {
		return &Error{Node: c.node, Addr: c.addr, Op: "sasl", Permanent: true,
			Err: fmt.Errorf("broker does not enable SASL mechanism %s (it enables %v): %w", mech.Name(), hr.SupportedMechanisms, kerr.ErrorForCode(hr.ErrorCode))}
	}

	authVersion, err := c.Version(int16(kmsg.SASLAuthenticate), 0, 2)
	if err != nil {
		return &Error{Node: c.node, Addr: c.addr, Op: "sasl", Permanent: true, Err: err}
	}
	session, msg, err := mech.Authenticate(ctx, c.addr)
	if err != nil {
		return &Error{Node: c.node, Addr: c.addr, Op: "sasl", Permanent: true, Err: err}
	}
	start := time.Now()
	for {
		req := kmsg.NewPtrSASLAuthenticateRequest()
		req.Version = authVersion
		req.SASLAuthBytes = msg
		resp, err := c.Do(ctx, req)
		if err != nil {
			// Kafka answers bad credentials with an error code; a
			// broker that closes the connection instead cannot be told
			// from one that restarted, so this stays retriable.
			if ce := (*Error)(nil); errors.As(err, &ce) && ce.Op == "read" {
				err = &Error{Node: c.node, Addr: c.addr, Op: "sasl", Sent: true,
					Err: fmt.Errorf("the broker closed the connection during SASL %s authentication (check the credentials): %w", mech.Name(), ce.Err)}
			}
			return c.handshakeError(ctx, "sasl", err)
		}
		ar := resp.(*kmsg.SASLAuthenticateResponse)
		if ar.ErrorCode != 0 {
			ae := &AuthError{Mechanism: mech.Name(), Message: kerr.ErrorForCode(ar.ErrorCode).Error(), Code: kerr.ErrorForCode(ar.ErrorCode)}
			if ar.ErrorMessage != nil && *ar.ErrorMessage != "" {
				ae.Message = *ar.ErrorMessage
			}
			return &Error{Node: c.node, Addr: c.addr, Op: "sasl", Permanent: true, Err: ae}
		}
		if ar.SessionLifetimeMillis > 0 {
			c.lifetime = time.Duration(ar.SessionLifetimeMillis) * time.Millisecond
			c.expiresAt = start.Add(c.lifetime)
		}
		done, next, err := session.Challenge(ar.SASLAuthBytes)
		if err != nil {
			return &Error{Node: c.node, Addr: c.addr, Op: "sasl", Permanent: true, Err: &AuthError{Mechanism: mech.Name(), Message: err.Error()}}
		}
		if done && len(next) == 0 {
			return nil
		}
		msg = next
	}
}
