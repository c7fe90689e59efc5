package kafadmin_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// configCluster has topics orders (3 partitions) and payments (1).
func configCluster(t *testing.T, opts ...kafkatest.Option) *kafkatest.Cluster {
	t.Helper()
	return kafkatest.New(t, append([]kafkatest.Option{kafkatest.SeedTopic("orders", 3), kafkatest.SeedTopic("payments", 1)}, opts...)...)
}

// entry returns a resource's config, failing the test when it is missing.
func entry(t *testing.T, rc kafadmin.ResourceConfigs, name string) kafadmin.ConfigEntry {
	t.Helper()
	e, ok := rc.Get(name)
	if !ok {
		t.Fatalf("%s has no config %s", rc.Resource, name)
	}
	return e
}

func value(e kafadmin.ConfigEntry) string {
	if e.Value == nil {
		return "<nil>"
	}
	return *e.Value
}

// describeOne describes one resource and fails the test on any error.
func describeOne(t *testing.T, cl *kafadmin.Client, r kafadmin.ConfigResource) kafadmin.ResourceConfigs {
	t.Helper()
	got, err := cl.DescribeConfigs(testContext(t), r)
	must(t, err)
	return got[r]
}

func overrideNames(rc kafadmin.ResourceConfigs) []string {
	var out []string
	for _, e := range rc.Overrides() {
		out = append(out, e.Name+"="+value(e))
	}
	return out
}

func TestDescribeConfigs(t *testing.T) {
	kc := configCluster(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	must(t, alterErr(cl.IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
		kafadmin.TopicResource("orders"): {kafadmin.SetConfig("retention.ms", "3600000")},
	})))

	resources := []kafadmin.ConfigResource{
		kafadmin.TopicResource("orders"), kafadmin.TopicResource("payments"), kafadmin.BrokerDefaults,
		kafadmin.BrokerResource(0), kafadmin.BrokerResource(1), kafadmin.BrokerResource(2),
	}
	kc.ResetRequestCounts()
	got, err := cl.DescribeConfigs(ctx, append(resources, kafadmin.TopicResource("orders"))...)
	must(t, err)
	if len(got) != len(resources) {
		t.Fatalf("described %v, want every resource once: %v", got.Keys(), resources)
	}
	for _, r := range resources {
		if _, ok := got[r]; !ok || got.Err(r) != nil {
			t.Fatalf("%s: present %v, err %v", r, ok, got.Err(r))
		}
	}
	// The topics and the brokers' defaults share one request to any
	// broker; each broker is asked about itself.
	if n := kc.RequestCount(kmsg.DescribeConfigs); n != 4 {
		t.Fatalf("%d DescribeConfigs requests, want 4 (one to any broker, one to each of 3 brokers)", n)
	}

	orders := got[kafadmin.TopicResource("orders")]
	rt := entry(t, orders, "retention.ms")
	if value(rt) != "3600000" || rt.Source != kafadmin.ConfigSourceDynamicTopic || rt.Source.String() != "DYNAMIC_TOPIC_CONFIG" ||
		rt.Type != kafadmin.ConfigTypeLong || rt.Type.String() != "LONG" || rt.ReadOnly || rt.Sensitive {
		t.Fatalf("orders retention.ms = %+v (value %s), want 3600000 set on the topic, a LONG", rt, value(rt))
	}
	if !slices.ContainsFunc(rt.Synonyms, func(s kafadmin.ConfigSynonym) bool { return s.Source == kafadmin.ConfigSourceDefault && s.Value != nil }) {
		t.Fatalf("orders retention.ms synonyms %+v lack the default it falls back to", rt.Synonyms)
	}
	if names := overrideNames(orders); !slices.Equal(names, []string{"retention.ms=3600000"}) {
		t.Fatalf("orders overrides = %v, want retention.ms only", names)
	}
	if !slices.IsSortedFunc(orders.Configs, func(a, b kafadmin.ConfigEntry) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatal("configs are not sorted by name")
	}
	if pr := entry(t, got[kafadmin.TopicResource("payments")], "retention.ms"); pr.Source != kafadmin.ConfigSourceDefault || len(overrideNames(got[kafadmin.TopicResource("payments")])) != 0 {
		t.Fatalf("payments retention.ms = %+v, want the default and no overrides", pr)
	}

	// Each broker answered for itself: only it knows its static configs.
	for _, id := range []int32{0, 1, 2} {
		b := got[kafadmin.BrokerResource(id)]
		bid := entry(t, b, "broker.id")
		if b.Broker != id || value(bid) != kafadmin.BrokerResource(id).Name || bid.Source != kafadmin.ConfigSourceStaticBroker || !bid.ReadOnly {
			t.Fatalf("broker %d described by broker %d: broker.id = %+v (value %s), want its own id, static and read-only", id, b.Broker, bid, value(bid))
		}
		for _, e := range b.Configs {
			if e.Sensitive && (e.Value != nil || slices.ContainsFunc(e.Synonyms, func(s kafadmin.ConfigSynonym) bool { return s.Value != nil })) {
				t.Fatalf("broker %d: sensitive config %s shows a value", id, e.Name)
			}
		}
	}

	brokers, err := cl.BrokerResources(ctx, kafadmin.ConfigBroker)
	must(t, err)
	if !slices.Equal(brokers, resources[3:]) {
		t.Fatalf("BrokerResources = %v, want brokers 0 to 2", brokers)
	}
	if _, err := cl.BrokerResources(ctx, kafadmin.ConfigTopic); err == nil || !strings.Contains(err.Error(), "want ConfigBroker or ConfigBrokerLogger") {
		t.Fatalf("BrokerResources(topic): %v", err)
	}
	// A broker's loggers are asked of that broker too (kfake may not
	// know them: then its refusal comes from that broker).
	logger := kafadmin.BrokerLoggerResource(2)
	lg, err := cl.DescribeConfigs(ctx, logger)
	var ke *kafadmin.KeyError
	if err == nil && lg[logger].Broker != 2 || err != nil && (!errors.As(err, &ke) || ke.Broker != 2) {
		t.Fatalf("loggers of broker 2 described by %d (%v), want broker 2", lg[logger].Broker, err)
	}
}

func TestConfigResourcesSortBrokersByID(t *testing.T) {
	r := kafadmin.Results[kafadmin.ConfigResource, kafadmin.ResourceConfigs]{
		kafadmin.BrokerResource(10): {}, kafadmin.BrokerResource(2): {}, kafadmin.BrokerDefaults: {},
		kafadmin.TopicResource("b"): {}, kafadmin.TopicResource("a"): {}, kafadmin.GroupResource("a"): {},
	}
	want := []kafadmin.ConfigResource{
		kafadmin.TopicResource("a"), kafadmin.TopicResource("b"),
		kafadmin.BrokerDefaults, kafadmin.BrokerResource(2), kafadmin.BrokerResource(10), kafadmin.GroupResource("a"),
	}
	if got := r.Keys(); !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
}

func TestAlterConfigs(t *testing.T) {
	kc := configCluster(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	orders, broker1 := kafadmin.TopicResource("orders"), kafadmin.BrokerResource(1)

	alter := func(changes map[kafadmin.ConfigResource][]kafadmin.ConfigChange) {
		t.Helper()
		res, err := cl.IncrementalAlterConfigs(ctx, changes)
		must(t, err)
		for r := range changes {
			if res[r].Resource != r || res[r].Err != nil || res[r].ValidateOnly {
				t.Fatalf("%s: %+v", r, res[r])
			}
		}
	}
	// A topic and a broker in one call: the broker's resource must reach
	// that broker (kfake refuses a broker resource sent elsewhere).
	alter(map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
		orders:  {kafadmin.SetConfig("retention.ms", "1000"), kafadmin.SetConfig("cleanup.policy", "delete")},
		broker1: {kafadmin.SetConfig("log.cleaner.backoff.ms", "20000")},
	})
	if names := overrideNames(describeOne(t, cl, orders)); !slices.Equal(names, []string{"cleanup.policy=delete", "retention.ms=1000"}) {
		t.Fatalf("after set: orders overrides %v", names)
	}
	if e := entry(t, describeOne(t, cl, broker1), "log.cleaner.backoff.ms"); value(e) != "20000" || e.Source != kafadmin.ConfigSourceDynamicBroker {
		t.Fatalf("broker 1 log.cleaner.backoff.ms = %+v (value %s), want 20000 set on the broker", e, value(e))
	}

	alter(map[kafadmin.ConfigResource][]kafadmin.ConfigChange{orders: {kafadmin.AppendConfig("cleanup.policy", "compact")}})
	if e := entry(t, describeOne(t, cl, orders), "cleanup.policy"); value(e) != "delete,compact" {
		t.Fatalf("after append: cleanup.policy = %s, want delete,compact", value(e))
	}
	alter(map[kafadmin.ConfigResource][]kafadmin.ConfigChange{orders: {kafadmin.SubtractConfig("cleanup.policy", "delete")}})
	if e := entry(t, describeOne(t, cl, orders), "cleanup.policy"); value(e) != "compact" {
		t.Fatalf("after subtract: cleanup.policy = %s, want compact", value(e))
	}
	alter(map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
		orders:  {kafadmin.DeleteConfig("retention.ms")},
		broker1: {kafadmin.DeleteConfig("log.cleaner.backoff.ms")},
	})
	after := describeOne(t, cl, orders)
	if e := entry(t, after, "retention.ms"); e.Source != kafadmin.ConfigSourceDefault || value(e) != "604800000" {
		t.Fatalf("after delete: retention.ms = %+v (value %s), want the default back", e, value(e))
	}
	if names := overrideNames(after); !slices.Equal(names, []string{"cleanup.policy=compact"}) {
		t.Fatalf("after delete: orders overrides %v", names)
	}
	if e := entry(t, describeOne(t, cl, broker1), "log.cleaner.backoff.ms"); e.Source == kafadmin.ConfigSourceDynamicBroker {
		t.Fatalf("after delete: broker 1 log.cleaner.backoff.ms still set on the broker: %+v", e)
	}
}

func TestValidateAlterConfigsChangesNothing(t *testing.T) {
	kc := configCluster(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	orders := kafadmin.TopicResource("orders")
	before := describeOne(t, cl, orders)

	res, err := cl.ValidateIncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
		orders:                     {kafadmin.SetConfig("retention.ms", "5"), kafadmin.SetConfig("cleanup.policy", "compact")},
		kafadmin.BrokerResource(2): {kafadmin.SetConfig("log.cleaner.backoff.ms", "1")},
	})
	must(t, err)
	if !res[orders].ValidateOnly || res[orders].Err != nil {
		t.Fatalf("validate-only result %+v", res[orders])
	}
	rep, err := cl.ValidateReplaceConfigs(ctx, map[kafadmin.ConfigResource]map[string]string{orders: {"segment.ms": "100"}})
	must(t, err)
	if !rep[orders].ValidateOnly {
		t.Fatalf("validate-only replace result %+v", rep[orders])
	}
	after := describeOne(t, cl, orders)
	if !slices.Equal(overrideNames(after), overrideNames(before)) || len(overrideNames(after)) != 0 {
		t.Fatalf("validate-only changed the topic: overrides %v, were %v", overrideNames(after), overrideNames(before))
	}
	if e := entry(t, describeOne(t, cl, kafadmin.BrokerResource(2)), "log.cleaner.backoff.ms"); e.Source == kafadmin.ConfigSourceDynamicBroker {
		t.Fatalf("validate-only changed broker 2: %+v", e)
	}
}

func TestReplaceConfigs(t *testing.T) {
	kc := configCluster(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	orders := kafadmin.TopicResource("orders")
	must(t, alterErr(cl.IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
		orders: {kafadmin.SetConfig("retention.ms", "1000")},
	})))
	// The legacy API replaces: retention.ms, not named, goes back to its
	// default.
	res, err := cl.ReplaceConfigs(ctx, map[kafadmin.ConfigResource]map[string]string{orders: {"segment.ms": "100000"}})
	must(t, err)
	if res[orders].Err != nil || res[orders].ValidateOnly {
		t.Fatalf("replace result %+v", res[orders])
	}
	if names := overrideNames(describeOne(t, cl, orders)); !slices.Equal(names, []string{"segment.ms=100000"}) {
		t.Fatalf("after replace: overrides %v, want segment.ms only", names)
	}
	if _, err := cl.ReplaceConfigs(ctx, map[kafadmin.ConfigResource]map[string]string{kafadmin.GroupResource("g"): {"consumer.session.timeout.ms": "45000"}}); err == nil ||
		!strings.Contains(err.Error(), "alters only topics and brokers: use IncrementalAlterConfigs") {
		t.Fatalf("replace of a group: %v", err)
	}
}

// alterErr keeps an alteration's error.
func alterErr(_ kafadmin.Results[kafadmin.ConfigResource, kafadmin.AlteredConfigs], err error) error {
	return err
}

func TestGroupAndClientMetricsConfigs(t *testing.T) {
	kc := configCluster(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	group, sub := kafadmin.GroupResource("orders-app"), kafadmin.ClientMetricsResource("producers")
	must(t, alterErr(cl.IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
		group: {kafadmin.SetConfig("consumer.session.timeout.ms", "50000")},
		sub:   {kafadmin.SetConfig("metrics", "org.apache.kafka.producer."), kafadmin.SetConfig("interval.ms", "60000")},
	})))
	got, err := cl.DescribeConfigs(ctx, group, sub)
	must(t, err)
	if e := entry(t, got[group], "consumer.session.timeout.ms"); value(e) != "50000" || e.Source != kafadmin.ConfigSourceDynamicGroup {
		t.Fatalf("group config = %+v (value %s)", e, value(e))
	}
	if names := overrideNames(got[sub]); !slices.Equal(names, []string{"interval.ms=60000", "metrics=org.apache.kafka.producer."}) {
		t.Fatalf("client-metrics overrides %v", names)
	}

	listed, err := cl.ListConfigResources(ctx, kafadmin.ConfigGroup, kafadmin.ConfigClientMetrics)
	must(t, err)
	if !slices.Equal(listed, []kafadmin.ConfigResource{sub, group}) {
		t.Fatalf("ListConfigResources(group, client metrics) = %v", listed)
	}
	all, err := cl.ListConfigResources(ctx)
	must(t, err)
	for _, want := range []kafadmin.ConfigResource{kafadmin.TopicResource("orders"), kafadmin.BrokerResource(1), group, sub} {
		if !slices.Contains(all, want) {
			t.Fatalf("ListConfigResources() = %v, lacks %s", all, want)
		}
	}
	if _, err := cl.ListConfigResources(ctx, kafadmin.ConfigResourceType(3)); err == nil || !strings.Contains(err.Error(), "unknown config resource type 3") {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestListConfigResourcesOnOlderBrokers(t *testing.T) {
	ctx := testContext(t)
	// Kafka 4.0 lists client-metrics subscriptions only
	// (ListClientMetricsResources, v0).
	kc := configCluster(t, kafkatest.WithKfakeOptions(kfake.MaxVersions(kversion.V4_0_0())))
	cl := newClient(t, kc)
	listed, err := cl.ListConfigResources(ctx, kafadmin.ConfigClientMetrics)
	if err != nil || len(listed) != 0 {
		t.Fatalf("client metrics on Kafka 4.0: %v, %v", listed, err)
	}
	_, err = cl.ListConfigResources(ctx)
	var ue *kafadmin.UnsupportedVersionError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Kafka 4.1") {
		t.Fatalf("every type on Kafka 4.0: %v, want an UnsupportedVersionError saying Kafka 4.1 is needed", err)
	}
	// A ZooKeeper-era broker has neither.
	old := newClient(t, configCluster(t, kafkatest.WithKfakeOptions(kfake.MaxVersions(kversion.V3_6_0()))))
	if _, err := old.ListConfigResources(ctx, kafadmin.ConfigClientMetrics); !errors.As(err, &ue) || !strings.Contains(err.Error(), "upgrade the broker") {
		t.Fatalf("Kafka 3.6: %v, want an UnsupportedVersionError", err)
	}
}

func TestConfigsBadInput(t *testing.T) {
	kc := configCluster(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	for _, tc := range []struct {
		name      string
		resources []kafadmin.ConfigResource
		want      string
	}{
		{"none", nil, "no config resources given"},
		{"empty topic", []kafadmin.ConfigResource{kafadmin.TopicResource(" ")}, "a topic config resource has an empty name: name the topic"},
		{"empty group", []kafadmin.ConfigResource{kafadmin.GroupResource("")}, "a group config resource has an empty name"},
		{"unknown type", []kafadmin.ConfigResource{{Type: 99, Name: "x"}}, "unknown config resource type 99: want ConfigTopic"},
		{"broker by name", []kafadmin.ConfigResource{{Type: kafadmin.ConfigBroker, Name: "kafka-1"}}, `broker config resource "kafka-1" is not a node id`},
		{"logger default", []kafadmin.ConfigResource{{Type: kafadmin.ConfigBrokerLogger}}, `broker logger config resource "" is not a node id`},
	} {
		if _, err := cl.DescribeConfigs(ctx, tc.resources...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	orders := kafadmin.TopicResource("orders")
	for _, tc := range []struct {
		name    string
		changes map[kafadmin.ConfigResource][]kafadmin.ConfigChange
		want    string
	}{
		{"no resources", nil, "no config resources given"},
		{"no changes", map[kafadmin.ConfigResource][]kafadmin.ConfigChange{orders: nil}, `no changes given for topic "orders"`},
		{"empty name", map[kafadmin.ConfigResource][]kafadmin.ConfigChange{orders: {kafadmin.SetConfig("", "1")}}, `a config name to set on topic "orders" is empty`},
		{"twice", map[kafadmin.ConfigResource][]kafadmin.ConfigChange{orders: {kafadmin.SetConfig("retention.ms", "1"), kafadmin.DeleteConfig("retention.ms")}}, `config "retention.ms" of topic "orders" is changed twice`},
		{"bad op", map[kafadmin.ConfigResource][]kafadmin.ConfigChange{orders: {{Name: "retention.ms", Op: 9}}}, "unknown config op 9"},
	} {
		if _, err := cl.IncrementalAlterConfigs(ctx, tc.changes); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("alter, %s: %v, want %q", tc.name, err, tc.want)
		}
	}

	// A topic that does not exist fails at once, naming it, and the
	// others are described.
	nope := kafadmin.TopicResource("nope")
	got, err := cl.DescribeConfigs(ctx, nope, orders)
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || len(ce.Errors) != 1 || ce.Keys != 2 || ce.Errors[0].Key != kafadmin.ConfigKey(nope) {
		t.Fatalf("unknown topic: %v, want a CallError for topic nope alone", err)
	}
	if ke := ce.Errors[0]; !errors.Is(ke, kerr.UnknownTopicOrPartition) || ke.Attempts != 1 || ke.Deadline != nil ||
		!strings.Contains(ke.Error(), `topic "nope" does not exist: check the topic name`) {
		t.Fatalf("unknown topic: %v (attempts %d), want UNKNOWN_TOPIC_OR_PARTITION at once, naming it", ke, ke.Attempts)
	}
	if got.Err(nope) == nil || got.Err(orders) != nil || len(got[orders].Configs) == 0 || !slices.Equal(got.Failed(), []kafadmin.ConfigResource{nope}) {
		t.Fatalf("results: nope %v, orders %v with %d configs", got.Err(nope), got.Err(orders), len(got[orders].Configs))
	}
	altered, err := cl.IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{nope: {kafadmin.SetConfig("retention.ms", "1")}})
	if !errors.Is(err, kerr.UnknownTopicOrPartition) || altered.Err(nope) == nil {
		t.Fatalf("alter of an unknown topic: %v", err)
	}

	// A broker the cluster does not have.
	_, err = cl.DescribeConfigs(ctx, kafadmin.BrokerResource(7))
	if err == nil || !strings.Contains(err.Error(), "the cluster has no broker 7: check the node id") {
		t.Fatalf("unknown broker: %v", err)
	}

	// A config the broker refuses is named, with what to do.
	group := kafadmin.GroupResource("orders-app")
	_, err = cl.IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{group: {kafadmin.SetConfig("no.such.config", "1")}})
	if !errors.Is(err, kerr.InvalidConfig) || !errors.As(err, &ce) || ce.Errors[0].Key != kafadmin.ConfigKey(group) ||
		!strings.Contains(err.Error(), `config "no.such.config" refused`) || !strings.Contains(err.Error(), "check the config's name and value") {
		t.Fatalf("unknown config: %v", err)
	}
}

// TestConfigsThroughFaults describes and alters configs on a warmed-up
// client while the broker a resource needs fails: the call returns the
// right answer and no error.
func TestConfigsThroughFaults(t *testing.T) {
	const target = int32(1)
	broker, orders := kafadmin.BrokerResource(target), kafadmin.TopicResource("orders")
	for _, tc := range []struct {
		name string
		// inject breaks the cluster and returns what heals it (run in the
		// background) and, for error codes, the injected fault.
		inject func(t *testing.T, kc *kafkatest.Cluster) (func() error, *kfake.FaultHandle)
		// fired checks, after the calls, that the fault happened.
		fired func(rec *recorder) bool
	}{
		{"REQUEST_TIMED_OUT x3 on describe", func(_ *testing.T, kc *kafkatest.Cluster) (func() error, *kfake.FaultHandle) {
			return nil, kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeConfigs}, Err: kerr.RequestTimedOut, Count: 3})
		}, nil},
		{"REQUEST_TIMED_OUT x3 on alter, each applied", func(_ *testing.T, kc *kafkatest.Cluster) (func() error, *kfake.FaultHandle) {
			return nil, kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.IncrementalAlterConfigs}, Err: kerr.RequestTimedOut, Count: 3})
		}, nil},
		{"NOT_CONTROLLER x3 on alter", func(_ *testing.T, kc *kafkatest.Cluster) (func() error, *kfake.FaultHandle) {
			return nil, kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.IncrementalAlterConfigs}, Err: kerr.NotController, Count: 3})
		}, nil},
		{"RST on the broker's connections", func(t *testing.T, kc *kafkatest.Cluster) (func() error, *kfake.FaultHandle) {
			if n, err := kc.ResetConnections(target); err != nil || n == 0 {
				t.Fatalf("reset %d connections: %v", n, err)
			}
			return nil, nil
		}, func(rec *recorder) bool {
			return slices.ContainsFunc(rec.snapshot().disconnects, func(ev kafadmin.BrokerDisconnectEvent) bool { return ev.Broker == target })
		}},
		{"broker stopped, then started on the same port", func(t *testing.T, kc *kafkatest.Cluster) (func() error, *kfake.FaultHandle) {
			must(t, kc.StopBroker(target))
			return func() error { return kc.StartBroker(target) }, nil
		}, func(rec *recorder) bool { return rec.snapshot().failedDials > 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := configCluster(t)
			rec := &recorder{}
			cl := newClient(t, kc, kafadmin.WithHooks(rec))
			ctx := testContext(t)
			describeOne(t, cl, broker) // a connection to the broker to break
			describeOne(t, cl, orders)

			heal, codes := tc.inject(t, kc)
			healed := make(chan error, 1)
			if heal != nil {
				go func() {
					time.Sleep(500 * time.Millisecond)
					healed <- heal()
				}()
			}
			altered, err := cl.IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
				orders: {kafadmin.SetConfig("retention.ms", "1000")},
				broker: {kafadmin.SetConfig("log.cleaner.backoff.ms", "20000")},
			})
			if err != nil || len(altered) != 2 {
				t.Fatalf("alter through the fault: %v (%d results)", err, len(altered))
			}
			got, err := cl.DescribeConfigs(ctx, broker, orders)
			if err != nil {
				t.Fatalf("describe through the fault: %v", err)
			}
			if e := entry(t, got[orders], "retention.ms"); value(e) != "1000" || e.Source != kafadmin.ConfigSourceDynamicTopic {
				t.Fatalf("orders retention.ms = %s from %s, want 1000 set on the topic", value(e), e.Source)
			}
			if e := entry(t, got[broker], "broker.id"); value(e) != broker.Name || got[broker].Broker != target {
				t.Fatalf("broker %d described by broker %d as %s", target, got[broker].Broker, value(e))
			}
			if e := entry(t, got[broker], "log.cleaner.backoff.ms"); value(e) != "20000" {
				t.Fatalf("broker log.cleaner.backoff.ms = %s, want 20000", value(e))
			}
			if codes != nil && codes.Hits() != 3 {
				t.Fatalf("the fault answered %d requests, want 3", codes.Hits())
			}
			if tc.fired != nil && !tc.fired(rec) {
				t.Fatalf("the fault did not fire: disconnects %+v, %d failed dials", rec.snapshot().disconnects, rec.snapshot().failedDials)
			}
			if heal != nil {
				must(t, <-healed)
			}
		})
	}
}
