package kafkatest

import (
	"crypto/tls"
	"fmt"
	"net"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Option configures a Cluster.
type Option func(*config)

type config struct {
	brokers   int
	seeds     []seedTopic
	tls       *tls.Config
	sasl      []saslUser
	kfakeOpts []kfake.Opt
	errs      []error
}

type seedTopic struct {
	topic      string
	partitions int32
}

type saslUser struct {
	mechanism, user, password string
}

// The SASL mechanisms WithSASL accepts.
const (
	mechanismPlain    = "PLAIN"
	mechanismScram256 = "SCRAM-SHA-256"
	mechanismScram512 = "SCRAM-SHA-512"
)

const defaultBrokerCount = 3

func defaultConfig() config {
	return config{brokers: defaultBrokerCount}
}

// Brokers sets how many brokers the cluster runs, 3 by default. Node ids are
// 0 to n-1 and the last one is the controller.
func Brokers(n int) Option {
	return func(cfg *config) {
		if n < 1 {
			cfg.errs = append(cfg.errs, fmt.Errorf("kafkatest: Brokers(%d): a cluster needs at least one broker", n))
			return
		}
		cfg.brokers = n
	}
}

// SeedTopic creates topic with the given number of partitions when the
// cluster starts. A non-positive partitions uses kfake's default of 10.
func SeedTopic(topic string, partitions int32) Option {
	return func(cfg *config) {
		cfg.seeds = append(cfg.seeds, seedTopic{topic: topic, partitions: partitions})
	}
}

// WithTLS makes every broker serve TLS with cfg as its server configuration.
//
// The cluster's own clients (the seeding helpers and JoinMember) pin the
// certificates in cfg.Certificates instead of verifying a chain, and present
// no client certificate; with no static certificates they accept whatever
// the brokers present, since they only ever dial this cluster's loopback
// listeners.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) { c.tls = cfg }
}

// WithSASL enables SASL on every broker and adds a superuser with the given
// mechanism ("PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512"), user and password.
// It may be given several times to add several users; the cluster's own
// clients authenticate as the first.
func WithSASL(mechanism, user, password string) Option {
	return func(cfg *config) {
		switch mechanism {
		case mechanismPlain, mechanismScram256, mechanismScram512:
			cfg.sasl = append(cfg.sasl, saslUser{mechanism: mechanism, user: user, password: password})
		default:
			cfg.errs = append(cfg.errs, fmt.Errorf("kafkatest: WithSASL: unknown mechanism %q; use %q, %q or %q",
				mechanism, mechanismPlain, mechanismScram256, mechanismScram512))
		}
	}
}

// WithKfakeOptions passes options straight to kfake.NewCluster, after the ones
// kafkatest derives from its own options, so they take precedence. kafkatest
// must own every broker listener: replacing kfake.ListenFn makes Start fail.
func WithKfakeOptions(opts ...kfake.Opt) Option {
	return func(cfg *config) { cfg.kfakeOpts = append(cfg.kfakeOpts, opts...) }
}

// kfakeOptions translates the configuration into kfake options, with listen as
// the listener function.
func (cfg *config) kfakeOptions(listen func(network, address string) (net.Listener, error)) []kfake.Opt {
	opts := []kfake.Opt{kfake.NumBrokers(cfg.brokers), kfake.ListenFn(listen)}
	for _, s := range cfg.seeds {
		opts = append(opts, kfake.SeedTopics(s.partitions, s.topic))
	}
	if cfg.tls != nil {
		opts = append(opts, kfake.TLS(cfg.tls))
	}
	if len(cfg.sasl) > 0 {
		opts = append(opts, kfake.EnableSASL())
		for _, u := range cfg.sasl {
			opts = append(opts, kfake.Superuser(u.mechanism, u.user, u.password))
		}
	}
	return append(opts, cfg.kfakeOpts...)
}
