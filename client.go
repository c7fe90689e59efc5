package kafadmin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/internal/driver"
)

// Version is kafadmin's version, sent to brokers in ApiVersions (KIP-511).
const Version = "0.1.0"

// DefaultCallTimeout bounds a call whose context has no deadline.
const DefaultCallTimeout = 30 * time.Second

// ErrClientClosed is returned by calls on a closed Client.
var ErrClientClosed = cluster.ErrClosed

// Client administers one Kafka cluster. It is safe for concurrent use and
// meant to be long-lived: it keeps a connection per broker (two for brokers
// sent requests that wait server-side) and caches the
// cluster's metadata and group coordinators across calls, and it survives
// the cluster changing under it (see the package documentation). Close
// releases it.
type Client struct {
	cfg config
	cl  *cluster.Cluster

	// coordinators are the group coordinators ListGroups found active.
	coordinators activeCoordinators
	// kinds are the groups' kinds ListGroups reported.
	kinds groupKinds

	closeOnce sync.Once
}

type config struct {
	brokers           []string
	clientID          string
	tls               *tls.Config
	sasl              sasl.Mechanism
	dialTimeout       time.Duration
	requestTimeout    time.Duration
	callTimeout       time.Duration
	maxResponseSize   int32
	metadataMaxAge    time.Duration
	coordinatorMaxAge time.Duration
	connIdleTimeout   time.Duration
	backoffMin        time.Duration
	backoffMax        time.Duration
	dial              func(ctx context.Context, network, addr string) (net.Conn, error)
	logger            *slog.Logger
	hooks             []Hook
	errs              []error
}

// Option configures a Client.
type Option func(*config)

// WithBrokers sets the bootstrap brokers, as host:port (a missing port means
// 9092). An entry may hold several comma-separated addresses. Required.
func WithBrokers(addrs ...string) Option {
	return func(c *config) { c.brokers = append(c.brokers, addrs...) }
}

// WithClientID sets the client id brokers see in their logs and quotas.
// Default "kafadmin".
func WithClientID(id string) Option { return func(c *config) { c.clientID = id } }

// WithTLS connects to brokers over TLS with cfg. An empty ServerName is set
// to each broker's host name.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) {
		if cfg == nil {
			c.errs = append(c.errs, errors.New("WithTLS: nil TLS config: pass &tls.Config{} for the system roots"))
		}
		c.tls = cfg
	}
}

// WithSASLPlain authenticates with SASL PLAIN. Use it over TLS: PLAIN sends
// the password as is.
func WithSASLPlain(user, password string) Option {
	return withSASL("PLAIN", user, password, plain.Auth{User: user, Pass: password}.AsMechanism())
}

// WithSASLScramSHA256 authenticates with SASL SCRAM-SHA-256.
func WithSASLScramSHA256(user, password string) Option {
	return withSASL("SCRAM-SHA-256", user, password, scram.Auth{User: user, Pass: password}.AsSha256Mechanism())
}

// WithSASLScramSHA512 authenticates with SASL SCRAM-SHA-512.
func WithSASLScramSHA512(user, password string) Option {
	return withSASL("SCRAM-SHA-512", user, password, scram.Auth{User: user, Pass: password}.AsSha512Mechanism())
}

func withSASL(name, user, password string, m sasl.Mechanism) Option {
	return func(c *config) {
		if user == "" || password == "" {
			c.errs = append(c.errs, fmt.Errorf("SASL %s needs a user name and a password", name))
		}
		c.sasl = m
	}
}

// WithDialTimeout bounds connecting to a broker: TCP, TLS, API version
// negotiation and SASL together. Default 10s.
func WithDialTimeout(d time.Duration) Option {
	return durationOption("WithDialTimeout", d, func(c *config) { c.dialTimeout = d })
}

// WithRequestTimeout bounds the wait for one response, on top of a
// request's own server-side timeout. A broker that does not answer in time
// has its connection closed, and the call goes on elsewhere. Default 10s.
func WithRequestTimeout(d time.Duration) Option {
	return durationOption("WithRequestTimeout", d, func(c *config) { c.requestTimeout = d })
}

// WithCallTimeout bounds a call whose context has no deadline. Default 30s.
func WithCallTimeout(d time.Duration) Option {
	return durationOption("WithCallTimeout", d, func(c *config) { c.callTimeout = d })
}

// WithMaxResponseSize caps the size of one response; a broker announcing a
// larger one has its connection closed with an error saying so. Default
// 100 MiB.
func WithMaxResponseSize(bytes int32) Option {
	return func(c *config) {
		if bytes <= 0 {
			c.errs = append(c.errs, fmt.Errorf("WithMaxResponseSize(%d): want a positive number of bytes", bytes))
		}
		c.maxResponseSize = bytes
	}
}

// WithMetadataMaxAge bounds how long broker and topic metadata are trusted
// before being fetched again. Errors that reveal a change (a moved leader,
// a broker gone) refresh it sooner. Default 5m.
func WithMetadataMaxAge(d time.Duration) Option {
	return durationOption("WithMetadataMaxAge", d, func(c *config) { c.metadataMaxAge = d })
}

// WithCoordinatorMaxAge bounds how long a group's coordinator is cached
// before being looked up again. NOT_COORDINATOR answers and connection
// failures drop it sooner. Default 5m.
func WithCoordinatorMaxAge(d time.Duration) Option {
	return durationOption("WithCoordinatorMaxAge", d, func(c *config) { c.coordinatorMaxAge = d })
}

// WithConnIdleTimeout closes connections idle this long, before a broker's
// connections.max.idle.ms (10m by default) closes them. Default 5m.
func WithConnIdleTimeout(d time.Duration) Option {
	return durationOption("WithConnIdleTimeout", d, func(c *config) { c.connIdleTimeout = d })
}

// WithRetryBackoff sets the backoff between retries: it doubles from lo up
// to hi, with ±20% jitter. Default 20ms to 200ms.
func WithRetryBackoff(lo, hi time.Duration) Option {
	return func(c *config) {
		if lo <= 0 || hi < lo {
			c.errs = append(c.errs, fmt.Errorf("WithRetryBackoff(%v, %v): want 0 < lo <= hi", lo, hi))
		}
		c.backoffMin, c.backoffMax = lo, hi
	}
}

// WithDialer replaces the net.Dialer used to reach brokers, e.g. to go
// through a proxy.
func WithDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = dial }
}

// WithLogger logs connections, retries and coordinator moves to l: moves and
// failed dials at Info, the rest at Debug. Call errors are returned, never
// only logged. Default: no logging.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithHooks adds hooks: values implementing one or more of the Hook
// interfaces (BrokerConnectHook, RequestHook, ...).
func WithHooks(hooks ...Hook) Option {
	return func(c *config) { c.hooks = append(c.hooks, hooks...) }
}

func durationOption(name string, d time.Duration, set func(*config)) Option {
	return func(c *config) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("%s(%v): want a positive duration", name, d))
		}
		set(c)
	}
}

// NewClient returns a client for the cluster reachable through the
// bootstrap brokers. It contacts the cluster once, within ctx (bounded by
// the call timeout when ctx has no deadline), so that an unreachable or
// misconfigured cluster is reported here rather than at the first call.
func NewClient(ctx context.Context, opts ...Option) (*Client, error) {
	cfg := config{clientID: "kafadmin", callTimeout: DefaultCallTimeout}
	for _, opt := range opts {
		opt(&cfg)
	}
	if len(cfg.brokers) == 0 {
		cfg.errs = append(cfg.errs, errors.New("no bootstrap brokers: pass WithBrokers(\"host:port\", ...)"))
	}
	seeds, err := cluster.ParseSeeds(cfg.brokers)
	if err != nil && len(cfg.brokers) > 0 {
		cfg.errs = append(cfg.errs, err)
	}
	for _, h := range cfg.hooks {
		if !isHook(h) {
			cfg.errs = append(cfg.errs, fmt.Errorf("hook %T implements none of the hook interfaces (BrokerConnectHook, BrokerDisconnectHook, RequestHook, RetryHook, CoordinatorMovedHook)", h))
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, fmt.Errorf("kafadmin: %w", err)
	}

	c := &Client{cfg: cfg}
	c.cl = cluster.New(cluster.Config{
		Conn: &conn.Config{
			ClientID:        cfg.clientID,
			SoftwareName:    "kafadmin",
			SoftwareVersion: Version,
			DialTimeout:     cfg.dialTimeout,
			RequestTimeout:  cfg.requestTimeout,
			MaxResponseSize: cfg.maxResponseSize,
			TLS:             cfg.tls,
			SASL:            cfg.sasl,
			DialContext:     cfg.dial,
		},
		Seeds:             seeds,
		MetadataMaxAge:    cfg.metadataMaxAge,
		CoordinatorMaxAge: cfg.coordinatorMaxAge,
		ConnIdleTimeout:   cfg.connIdleTimeout,
		Observer:          newObserver(cfg.logger, cfg.hooks),
	})

	ctx, cancel := c.callContext(ctx)
	defer cancel()
	if _, err := c.cl.Brokers(ctx, time.Nanosecond); err != nil {
		c.cl.Close()
		return nil, bootstrapError(seeds, err)
	}
	return c, nil
}

func bootstrapError(seeds []string, err error) error {
	what := "check the addresses, that the brokers are up, and the TLS and SASL settings"
	var ue *conn.UnsupportedVersionError
	if errors.As(err, &ue) {
		what = "the broker is too old for kafadmin"
	}
	return fmt.Errorf("kafadmin: cannot reach the cluster through %v: %w: %s", seeds, err, what)
}

// Close closes every connection. Calls in progress fail; later calls return
// ErrClientClosed.
func (c *Client) Close() error {
	c.closeOnce.Do(c.cl.Close)
	return nil
}

// callContext applies the default call timeout to a context without a
// deadline.
func (c *Client) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.cfg.callTimeout)
}

func (c *Client) backoff() driver.Backoff {
	if c.cfg.backoffMin > 0 {
		return driver.ExponentialBackoff(c.cfg.backoffMin, c.cfg.backoffMax, 0.2)
	}
	return driver.DefaultBackoff
}

// run runs a driver call and turns its failures into KeyErrors; key types
// each key.
func run[K comparable](ctx context.Context, c *Client, call driver.Call[K], key func(K) Key) map[K]*KeyError {
	if call.Describe == nil {
		call.Describe = func(k K) string { return key(k).String() }
	}
	return keyErrors(call.Name, driver.Run(ctx, c.cl, c.backoff(), call), key)
}

// do runs an API over keys and returns the values of the keys done and
// the KeyErrors of the others; key types each key.
func do[K comparable, V any](ctx context.Context, c *Client, api driver.API[K, V], keys []K, key func(K) Key) (map[K]V, map[K]*KeyError) {
	if api.Describe == nil {
		api.Describe = func(k K) string { return key(k).String() }
	}
	values, failures := driver.Do(ctx, c.cl, c.backoff(), api, keys)
	return values, keyErrors(api.Name, failures, key)
}

func keyErrors[K comparable](op string, failures map[K]*driver.Failure, key func(K) Key) map[K]*KeyError {
	if len(failures) == 0 {
		return nil
	}
	out := make(map[K]*KeyError, len(failures))
	for k, f := range failures {
		out[k] = newKeyError(op, key(k), f)
	}
	return out
}

// begin starts a call: it refuses a closed client and bounds ctx by the
// call timeout when it has no deadline.
func (c *Client) begin(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if c.cl.Closed() {
		return nil, nil, ErrClientClosed
	}
	ctx, cancel := c.callContext(ctx)
	return ctx, cancel, nil
}
