package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// configsCluster is goldenCluster with configs set: orders' retention.ms
// and cleanup.policy, broker 1's log.cleaner.backoff.ms, and group
// orders-app's session timeout.
func configsCluster(t *testing.T) *kafkatest.Cluster {
	t.Helper()
	kc := goldenCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := adminClient(t, kc).IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
		kafadmin.TopicResource("orders"):     {kafadmin.SetConfig("retention.ms", "3600000"), kafadmin.SetConfig("cleanup.policy", "compact,delete")},
		kafadmin.BrokerResource(1):           {kafadmin.SetConfig("log.cleaner.backoff.ms", "20000")},
		kafadmin.GroupResource("orders-app"): {kafadmin.SetConfig("consumer.session.timeout.ms", "50000")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// TestConfigsGoldenOutput runs configs commands that change nothing
// through the built binary and compares their output with testdata.
func TestConfigsGoldenOutput(t *testing.T) {
	kc := configsCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	validate := []string{"configs", "alter", "--entity-type", "topics", "--entity-name", "payments",
		"--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]", "--delete-config", "segment.ms", "--validate-only"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"configs-describe-topics", []string{"configs", "describe", "--entity-type", "topics"}},
		{"configs-describe-topic-all-verbose", []string{"configs", "describe", "--entity-type", "topics", "--entity-name", "orders", "--all", "--verbose"}},
		{"configs-describe-topic-json", []string{"configs", "describe", "--entity-type", "topics", "--entity-name", "orders", "-o", "json"}},
		{"configs-describe-broker-csv", []string{"configs", "describe", "--entity-type", "brokers", "--entity-name", "1", "-o", "csv"}},
		{"configs-describe-group", []string{"configs", "describe", "--entity-type", "groups", "--entity-name", "orders-app"}},
		{"configs-alter-validate", validate},
		{"configs-alter-validate-json", append(slices.Clone(validate), "-o", "json")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, env, "", tc.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
			}
			golden(t, tc.name, out)
		})
	}
	// The validation changed nothing.
	out, _, code := runBin(t, env, "", "configs", "describe", "--entity-type", "topics", "--entity-name", "payments")
	if code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("after --validate-only: exit %d, payments overrides:\n%s", code, out)
	}
}

// configValue reads one config of a resource back with the library.
func configValue(t *testing.T, cl *kafadmin.Client, r kafadmin.ConfigResource, name string) (string, kafadmin.ConfigSource) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := cl.DescribeConfigs(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := got[r].Get(name)
	if !ok {
		t.Fatalf("%s has no config %s", r, name)
	}
	if e.Value == nil {
		return "<nil>", e.Source
	}
	return *e.Value, e.Source
}

func TestConfigsAlter(t *testing.T) {
	kc := configsCluster(t)
	cl := adminClient(t, kc)
	t.Setenv("KAFADMIN_BROKERS", kc.BootstrapServers())
	payments := kafadmin.TopicResource("payments")
	alter := func(args ...string) {
		t.Helper()
		out, errOut, code := run(t, append([]string{"configs", "alter", "--entity-type", "topics", "--entity-name", "payments"}, args...)...)
		if code != 0 || errOut != "" || !strings.Contains(out, "altered") {
			t.Fatalf("alter %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	alter("--add-config", "retention.ms=1000,cleanup.policy=[delete]", "--add-config", "segment.ms=100000")
	if v, src := configValue(t, cl, payments, "retention.ms"); v != "1000" || src != kafadmin.ConfigSourceDynamicTopic {
		t.Fatalf("retention.ms = %s from %s", v, src)
	}
	alter("--append-config", "cleanup.policy=compact", "--delete-config", "segment.ms")
	if v, _ := configValue(t, cl, payments, "cleanup.policy"); v != "delete,compact" {
		t.Fatalf("after --append-config: cleanup.policy = %s", v)
	}
	if _, src := configValue(t, cl, payments, "segment.ms"); src != kafadmin.ConfigSourceDefault {
		t.Fatalf("after --delete-config: segment.ms from %s, want the default", src)
	}
	alter("--subtract-config", "cleanup.policy=delete")
	if v, _ := configValue(t, cl, payments, "cleanup.policy"); v != "compact" {
		t.Fatalf("after --subtract-config: cleanup.policy = %s", v)
	}

	// A broker's config, by node id; and its cluster-wide default.
	out, errOut, code := run(t, "configs", "alter", "--entity-type", "brokers", "--entity-name", "2", "--add-config", "log.cleaner.backoff.ms=30000", "-o", "json")
	if code != 0 || !strings.Contains(out, `"altered":true`) {
		t.Fatalf("broker alter: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if v, src := configValue(t, cl, kafadmin.BrokerResource(2), "log.cleaner.backoff.ms"); v != "30000" || src != kafadmin.ConfigSourceDynamicBroker {
		t.Fatalf("broker 2 log.cleaner.backoff.ms = %s from %s", v, src)
	}
	if _, errOut, code := run(t, "configs", "alter", "--entity-type", "brokers", "--entity-default", "--add-config", "log.cleaner.backoff.ms=40000"); code != 0 {
		t.Fatalf("broker default alter: exit %d, stderr %q", code, errOut)
	}

	// Refusals and unknown entities exit 1, saying what to do.
	out, errOut, code = run(t, "configs", "alter", "--entity-type", "groups", "--entity-name", "orders-app", "--add-config", "no.such.config=1")
	if code != 1 || !strings.Contains(errOut, `config "no.such.config" refused`) || !strings.Contains(out, "error: ") {
		t.Fatalf("refused config: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	_, errOut, code = run(t, "configs", "describe", "--entity-type", "topics", "--entity-name", "nope")
	if code != 1 || !strings.Contains(errOut, `topic "nope" does not exist: check the topic name`) {
		t.Fatalf("unknown topic: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = run(t, "configs", "describe", "--entity-type", "brokers", "--entity-name", "9")
	if code != 1 || !strings.Contains(errOut, "the cluster has no broker 9") {
		t.Fatalf("unknown broker: exit %d, stderr %q", code, errOut)
	}
}

// TestConfigsUsageErrors checks that bad command lines exit 2 before
// anything is sent: the brokers named do not exist.
func TestConfigsUsageErrors(t *testing.T) {
	t.Setenv("KAFADMIN_BROKERS", "127.0.0.1:1")
	topic := []string{"--entity-type", "topics", "--entity-name", "orders"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"configs", "describe"}, "name what the configs belong to with --entity-type: topics, brokers, broker-loggers, groups, client-metrics"},
		{[]string{"configs", "describe", "--entity-type", "topic"}, `--entity-type "topic": want topics, brokers`},
		{[]string{"configs", "describe", "--entity-type", "brokers", "--entity-name", "1", "--entity-default"}, "give --entity-name or --entity-default, not both"},
		{[]string{"configs", "describe", "--entity-type", "topics", "--entity-default"}, "--entity-default applies to --entity-type brokers only"},
		{[]string{"configs", "describe", "--entity-type", "topics", "--entity-name", ""}, "--entity-name is empty: name the topic"},
		{[]string{"configs", "describe", "--entity-type", "brokers", "--entity-name", "kafka-1"}, `--entity-name "kafka-1": brokers are named by node id`},
		{[]string{"configs", "describe", "--entity-type", "broker-loggers", "--entity-name", "-1"}, "broker-loggers are named by node id"},
		{[]string{"configs", "describe", "--entity-type", "topics", "orders"}, "takes no arguments"},
		{[]string{"configs", "alter", "--entity-type", "topics", "--add-config", "a=1"}, "name the entity with --entity-name"},
		{[]string{"configs", "alter", "--entity-type", "brokers", "--add-config", "a=1"}, "or pass --entity-default"},
		{append([]string{"configs", "alter"}, topic...), "name a change: --add-config, --delete-config, --append-config or --subtract-config"},
		{append([]string{"configs", "alter", "--add-config", "retention.ms"}, topic...), `--add-config "retention.ms": want K=V`},
		{append([]string{"configs", "alter", "--add-config", "=1"}, topic...), "want K=V"},
		{append([]string{"configs", "alter", "--add-config", "a=1", "--delete-config", "a"}, topic...), `config "a" is changed twice (set and delete)`},
		{append([]string{"configs", "alter", "--delete-config", "a,,b"}, topic...), "--delete-config: a config name is empty"},
		{[]string{"configs", "alterr"}, "did you mean alter?"},
	} {
		_, errOut, code := run(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestConfigsParseAddConfig(t *testing.T) {
	got, err := parseConfigPairs("--add-config", "a=1, cleanup.policy=[compact,delete] ,empty=,b = x=y,c=[]")
	want := [][2]string{{"a", "1"}, {"cleanup.policy", "compact,delete"}, {"empty", ""}, {"b", "x=y"}, {"c", ""}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("parseConfigPairs = %q, %v; want %q", got, err, want)
	}
}

func TestConfigsCompletion(t *testing.T) {
	kc := configsCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"configs", "describe", "--entity-type", ""}, []string{"topics", "brokers", "broker-loggers", "groups", "client-metrics"}},
		{[]string{"configs", "describe", "--entity-type", "topics", "--entity-name", ""}, []string{"orders", "payments"}},
		{[]string{"configs", "alter", "--entity-type", "topics", "--entity-name", "p"}, []string{"payments"}},
		{[]string{"configs", "describe", "--entity-type", "groups", "--entity-name", ""}, []string{"g", "live", "orders-app"}},
		{[]string{"configs", "describe", "--entity-type", "brokers", "--entity-name", ""}, []string{"0", "1", "2"}},
	} {
		got, code := completions(t, env, tc.args...)
		if code != 0 || !slices.Equal(got, tc.want) {
			t.Fatalf("%v: exit %d, completions %q, want %q", tc.args, code, got, tc.want)
		}
	}
}
