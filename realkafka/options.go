package realkafka

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Option configures a Cluster.
type Option func(*config)

type config struct {
	brokers      int
	controllers  int // dedicated controllers; 0 = combined nodes
	version      string
	overrides    map[string]string
	tls          bool
	scram        []scramUser
	startTimeout time.Duration
	stopTimeout  time.Duration
	heapMB       int
	takeTurns    bool
	dynamic      bool
	alone        bool
	logf         func(format string, args ...any)
	errs         []error
}

type scramUser struct{ user, password string }

const (
	defaultBrokers      = 3
	defaultStartTimeout = 3 * time.Minute
	defaultStopTimeout  = 30 * time.Second
	defaultHeapMB       = 512
)

func defaultConfig() config {
	v := os.Getenv(EnvVersion)
	if v == "" {
		v = DefaultVersion
	}
	return config{
		brokers:      defaultBrokers,
		version:      v,
		overrides:    map[string]string{},
		startTimeout: defaultStartTimeout,
		stopTimeout:  defaultStopTimeout,
		heapMB:       defaultHeapMB,
		logf:         func(string, ...any) {},
	}
}

// Brokers sets how many brokers the cluster runs, 3 by default, with node
// ids 1 to n. Without Controllers, the first three (or all, if fewer) are
// also the controller quorum's voters.
func Brokers(n int) Option {
	return func(cfg *config) {
		if n < 1 {
			cfg.errs = append(cfg.errs, fmt.Errorf("realkafka: Brokers(%d): a cluster needs at least one broker", n))
			return
		}
		cfg.brokers = n
	}
}

// Controllers runs a dedicated controller quorum of n nodes (ids 101 to
// 100+n) beside the brokers, so that the active controller can be killed
// without killing a broker. With n = 0, the default, brokers double as
// controllers.
func Controllers(n int) Option {
	return func(cfg *config) {
		if n < 0 {
			cfg.errs = append(cfg.errs, fmt.Errorf("realkafka: Controllers(%d): want 0 (combined brokers and controllers) or more", n))
			return
		}
		cfg.controllers = n
	}
}

// Version sets the Kafka release to run, such as "4.0.0" or "3.9.1"
// (KRaft); DefaultVersion, or $KAFADMIN_KAFKA_VERSION, by default.
func Version(v string) Option {
	return func(cfg *config) { cfg.version = v }
}

// BrokerConfig sets a server property on every node, over the package's
// defaults (see the package documentation).
func BrokerConfig(key, value string) Option {
	return func(cfg *config) {
		if key == "" || strings.ContainsAny(key, "=\n") || strings.Contains(value, "\n") {
			cfg.errs = append(cfg.errs, fmt.Errorf("realkafka: BrokerConfig(%q, %q): want a property name without '=' or newlines and a one-line value", key, value))
			return
		}
		cfg.overrides[key] = value
	}
}

// DynamicQuorum formats the controller quorum as a dynamic one (KIP-853,
// Kafka 3.9 and later): the nodes find the controllers through
// controller.quorum.bootstrap.servers, and each voter is formatted with a
// metadata directory id (--initial-controllers), so that voters can be
// removed and added while the cluster runs (RemoveRaftVoter,
// AddRaftVoter). Without it the quorum is static
// (controller.quorum.voters), which needs nothing at format time.
func DynamicQuorum() Option {
	return func(cfg *config) { cfg.dynamic = true }
}

// WithTLS adds an SSL client listener (ListenerSSL) and, with WithSCRAM, a
// SASL_SSL one, served with a certificate for 127.0.0.1 from a fresh CA:
// ClientTLS trusts it, CAFile holds it.
func WithTLS() Option {
	return func(cfg *config) { cfg.tls = true }
}

// WithSCRAM adds a SASL_PLAINTEXT client listener (ListenerSASL), and a
// SASL_SSL one with WithTLS, and creates user with password for
// SCRAM-SHA-256 and SCRAM-SHA-512 when storage is formatted. Inter-broker
// traffic stays on an unauthenticated internal listener.
func WithSCRAM(user, password string) Option {
	return func(cfg *config) {
		if user == "" || password == "" || strings.ContainsAny(user+password, ",=[]") {
			cfg.errs = append(cfg.errs, fmt.Errorf("realkafka: WithSCRAM(%q, ...): want a user and a password, neither empty nor containing ',', '=', '[' or ']'", user))
			return
		}
		cfg.scram = append(cfg.scram, scramUser{user, password})
	}
}

// StartTimeout bounds how long Start waits for the cluster to serve, and
// StartNode for a node to rejoin; 3 minutes by default.
func StartTimeout(d time.Duration) Option {
	return func(cfg *config) {
		if d <= 0 {
			cfg.errs = append(cfg.errs, fmt.Errorf("realkafka: StartTimeout(%v): want a positive duration", d))
			return
		}
		cfg.startTimeout = d
	}
}

// StopTimeout bounds how long StopNode waits for a controlled shutdown before
// it kills the JVM; 30 seconds by default. A broker whose controller quorum
// is gone waits for it for up to 5 minutes otherwise.
func StopTimeout(d time.Duration) Option {
	return func(cfg *config) {
		if d <= 0 {
			cfg.errs = append(cfg.errs, fmt.Errorf("realkafka: StopTimeout(%v): want a positive duration", d))
			return
		}
		cfg.stopTimeout = d
	}
}

// HeapMB sets each JVM's maximum heap, 512 MiB by default.
func HeapMB(mb int) Option {
	return func(cfg *config) {
		if mb < 128 {
			cfg.errs = append(cfg.errs, fmt.Errorf("realkafka: HeapMB(%d): a broker needs at least 128 MiB", mb))
			return
		}
		cfg.heapMB = mb
	}
}

// TakeTurns makes Start wait for a turn on this machine, and hold it until
// Close: at most $KAFADMIN_KAFKA_AT_ONCE (2 by default) clusters started
// with TakeTurns run at once, whatever process started them; the clusters
// of one process share its turn. go test runs the test binaries of several
// packages at the same time; on a small machine their clusters would
// otherwise compete for the CPU, slowing every failover they measure.
func TakeTurns() Option {
	return func(cfg *config) { cfg.takeTurns = true }
}

// Alone makes Start wait until it holds every turn of the machine (see
// TakeTurns), and hold them until Close: no other cluster started with
// TakeTurns or Alone runs meanwhile. For measurements, which other
// clusters' load would skew.
func Alone() Option {
	return func(cfg *config) { cfg.takeTurns, cfg.alone = true, true }
}

// Logf receives the cluster's progress (starting, formatting, ready, faults)
// as lines; New passes the test's Logf.
func Logf(logf func(format string, args ...any)) Option {
	return func(cfg *config) {
		if logf != nil {
			cfg.logf = logf
		}
	}
}
