package realkafka

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Listener names a kind of client listener. Every broker has a PLAINTEXT
// one; WithTLS and WithSCRAM add the others. Clients reach each through the
// node's fault proxy.
type Listener string

// The client listeners.
const (
	ListenerPlaintext Listener = "CLIENT"
	ListenerSSL       Listener = "CLIENT_SSL"
	ListenerSASL      Listener = "CLIENT_SASL"
	ListenerSASLSSL   Listener = "CLIENT_SASL_SSL"
)

func (l Listener) protocol() string {
	switch l {
	case ListenerSSL:
		return "SSL"
	case ListenerSASL:
		return "SASL_PLAINTEXT"
	case ListenerSASLSSL:
		return "SASL_SSL"
	default:
		return "PLAINTEXT"
	}
}

// The listeners that are not the clients': brokers replicate and clusters
// are controlled through these, directly, never through a proxy, so that a
// client-side fault never stops the cluster from working.
const (
	listenerInternal   = "INTERNAL"
	listenerController = "CONTROLLER"
)

// clientListeners returns the client listeners cfg asks for, in a fixed
// order.
func (cfg *config) clientListeners() []Listener {
	ls := []Listener{ListenerPlaintext}
	if cfg.tls {
		ls = append(ls, ListenerSSL)
	}
	if len(cfg.scram) > 0 {
		ls = append(ls, ListenerSASL)
		if cfg.tls {
			ls = append(ls, ListenerSASLSSL)
		}
	}
	return ls
}

// baseSettings are the server properties every node gets unless
// BrokerConfig overrides them. Each says why it differs from Kafka's
// default; replication factors follow the cluster's size.
func baseSettings(brokers int) map[string]string {
	rf := strconv.Itoa(min(brokers, 3))
	isr := strconv.Itoa(min(brokers, 2))
	return map[string]string{
		// Three partitions of each internal topic: a group's
		// coordinator (the leader of partition hash(group) % 3) can be
		// computed and placed, and a new coordinator loads quickly.
		"offsets.topic.num.partitions":                     "3",
		"offsets.topic.replication.factor":                 rf,
		"transaction.state.log.num.partitions":             "3",
		"transaction.state.log.replication.factor":         rf,
		"transaction.state.log.min.isr":                    isr,
		"share.coordinator.state.topic.num.partitions":     "3",
		"share.coordinator.state.topic.replication.factor": rf,
		"share.coordinator.state.topic.min.isr":            isr,
		"num.partitions":                                   "3",
		"default.replication.factor":                       rf,
		"min.insync.replicas":                              isr,
		// Topics exist because a test made them, never by a typo.
		"auto.create.topics.enable": "false",
		// Brokers heartbeat every 500 ms instead of 2 s, so a restarted
		// broker is unfenced and a controlled shutdown is approved
		// sooner. The session timeout stays Kafka's 9 s: a broker that
		// dies (SIGKILL) or hangs (SIGSTOP) is fenced, and its restart
		// accepted, as late as in production, and a 5 s stall (a long
		// GC pause) is not mistaken for a death.
		"broker.heartbeat.interval.ms": "500",
		// A stopped follower leaves the ISR in 5 s, not 30 s.
		"replica.lag.time.max.ms": "5000",
		// Leadership moves only when a test moves it, never back at a
		// random time.
		"auto.leader.rebalance.enable":   "false",
		"unclean.leader.election.enable": "false",
		// Classic groups form at once instead of after 3 s.
		"group.initial.rebalance.delay.ms": "0",
		// KIP-848 members heartbeat every second, so assignments settle
		// quickly.
		"group.consumer.min.heartbeat.interval.ms": "500",
		"group.consumer.heartbeat.interval.ms":     "1000",
		// A small footprint: a few JVMs share two cores in CI.
		"num.network.threads":               "2",
		"num.io.threads":                    "2",
		"background.threads":                "2",
		"num.replica.fetchers":              "1",
		"num.recovery.threads.per.data.dir": "1",
		"group.coordinator.threads":         "1",
		"share.coordinator.threads":         "1",
		"log.cleaner.threads":               "1",
		// The cleaner's dedupe buffer is allocated on the heap at start:
		// 2 MiB instead of 128 MiB.
		"log.cleaner.dedupe.buffer.size": "2097152",
	}
}

// nodeProperties renders server.properties for n.
func (c *Cluster) nodeProperties(n *node) string {
	props := baseSettings(c.cfg.brokers)
	if !strings.HasPrefix(c.cfg.version, "4.") {
		// Kafka 3.x serves KIP-848 consumer groups only when asked to.
		props["group.coordinator.rebalance.protocols"] = "classic,consumer"
	}
	props["node.id"] = strconv.Itoa(int(n.id))
	props["log.dirs"] = n.dataDir()
	if c.cfg.dynamic {
		props["controller.quorum.bootstrap.servers"] = c.controllerAddrs()
	} else {
		props["controller.quorum.voters"] = c.voters()
	}
	props["controller.listener.names"] = listenerController

	var roles, listeners, advertised []string
	protocols := []string{listenerController + ":PLAINTEXT"}
	if n.broker {
		roles = append(roles, "broker")
		listeners = append(listeners, fmt.Sprintf("%s://127.0.0.1:%d", listenerInternal, n.internalPort))
		advertised = append(advertised, fmt.Sprintf("%s://127.0.0.1:%d", listenerInternal, n.internalPort))
		protocols = append(protocols, listenerInternal+":PLAINTEXT")
		for _, l := range c.cfg.clientListeners() {
			listeners = append(listeners, fmt.Sprintf("%s://127.0.0.1:%d", l, n.clientPorts[l]))
			advertised = append(advertised, fmt.Sprintf("%s://%s", l, n.proxies[l].addr()))
			protocols = append(protocols, string(l)+":"+l.protocol())
		}
		props["inter.broker.listener.name"] = listenerInternal
	}
	if n.controller {
		roles = append(roles, "controller")
		listeners = append(listeners, fmt.Sprintf("%s://127.0.0.1:%d", listenerController, n.controllerPort))
	}
	props["process.roles"] = strings.Join(roles, ",")
	props["listeners"] = strings.Join(listeners, ",")
	if len(advertised) > 0 {
		props["advertised.listeners"] = strings.Join(advertised, ",")
	}
	props["listener.security.protocol.map"] = strings.Join(protocols, ",")

	if len(c.cfg.scram) > 0 {
		props["sasl.enabled.mechanisms"] = "SCRAM-SHA-256,SCRAM-SHA-512"
		for _, l := range []Listener{ListenerSASL, ListenerSASLSSL} {
			for _, mech := range []string{"scram-sha-256", "scram-sha-512"} {
				props[fmt.Sprintf("listener.name.%s.%s.sasl.jaas.config", strings.ToLower(string(l)), mech)] =
					"org.apache.kafka.common.security.scram.ScramLoginModule required;"
			}
		}
	}
	if c.cfg.tls {
		props["ssl.keystore.type"] = "PEM"
		props["ssl.keystore.location"] = c.tls.keystorePath
		props["ssl.truststore.type"] = "PEM"
		props["ssl.truststore.location"] = c.tls.caPath
	}
	maps.Copy(props, c.cfg.overrides)

	var b strings.Builder
	b.WriteString("# Written by realkafka for node " + strconv.Itoa(int(n.id)) + ".\n")
	for _, k := range slices.Sorted(maps.Keys(props)) {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	return b.String()
}

// voters is controller.quorum.voters: the static quorum, which needs no
// directory ids at format time.
func (c *Cluster) voters() string {
	var vs []string
	for _, n := range c.nodes {
		if n.controller {
			vs = append(vs, fmt.Sprintf("%d@127.0.0.1:%d", n.id, n.controllerPort))
		}
	}
	return strings.Join(vs, ",")
}

// controllerAddrs is controller.quorum.bootstrap.servers: where a node of
// a dynamic quorum finds the controllers.
func (c *Cluster) controllerAddrs() string {
	var as []string
	for _, n := range c.nodes {
		if n.controller {
			as = append(as, fmt.Sprintf("127.0.0.1:%d", n.controllerPort))
		}
	}
	return strings.Join(as, ",")
}

// initialControllers is format's --initial-controllers for a dynamic
// quorum: each voter's id, controller endpoint and metadata directory id.
func (c *Cluster) initialControllers() string {
	var vs []string
	for _, n := range c.nodes {
		if n.controller {
			vs = append(vs, fmt.Sprintf("%d@127.0.0.1:%d:%s", n.id, n.controllerPort, n.directoryID))
		}
	}
	return strings.Join(vs, ",")
}

// log4jConfig sends every JVM's log to its standard output, which the
// cluster writes to the node's log file.
const log4jConfig = `status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
`
