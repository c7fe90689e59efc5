package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kafadmin/kafadmin/realkafka"
)

// kafkaCluster returns the test binary's real Kafka cluster, with topic
// orders (3 partitions, 10 records each) and group g committed at 4
// everywhere, as cluster seeds the embedded one.
func kafkaCluster(t *testing.T) *realkafka.Cluster {
	t.Helper()
	rk := realkafka.Shared(t, realkafka.TakeTurns())
	kafkaSeed.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		kafkaSeed.err = func() error {
			if err := rk.CreateTopic(ctx, "orders", 3); err != nil {
				return err
			}
			for p := range int32(3) {
				if err := rk.Produce(ctx, "orders", p, 10); err != nil {
					return err
				}
			}
			return rk.CommitOffsets(ctx, "g", map[string]map[int32]int64{"orders": {0: 4, 1: 4, 2: 4}})
		}()
	})
	if kafkaSeed.err != nil {
		t.Fatal(kafkaSeed.err)
	}
	return rk
}

var kafkaSeed struct {
	sync.Once
	err error
}

// TestGroupsLagWatchOnKafka runs `kafadmin groups lag g --watch 250ms
// --output json` through a rolling restart of real Kafka and a SIGKILL of
// the group's coordinator: every line must be right and stderr empty.
func TestGroupsLagWatchOnKafka(t *testing.T) {
	rk := kafkaCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, errOut syncBuffer
	cmd := exec.Command(bin, "groups", "lag", "g", "--watch", "250ms", "--output", "json", "--brokers", strings.Join(rk.Addrs(), ","))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	must(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	lines := func() []string {
		if s := strings.TrimSpace(out.String()); s != "" {
			return strings.Split(s, "\n")
		}
		return nil
	}
	waitLines := func(n int) {
		deadline := time.Now().Add(2 * time.Minute)
		for len(lines()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("the watch printed %d lines in two minutes; stderr: %s", len(lines()), errOut.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitLines(3)

	must(t, rk.RollingRestart(ctx, 0))
	waitLines(len(lines()) + 3)
	coordinator, err := rk.Coordinator(ctx, "g")
	must(t, err)
	before := len(lines())
	must(t, rk.KillNode(coordinator))
	// The group stays with the dead broker until its session times out;
	// the watch's lines wait for the new coordinator.
	must(t, rk.StartNode(ctx, coordinator))
	waitLines(before + 3)
	must(t, rk.WaitHealthy(ctx))

	must(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the watch ended with %v when stopped", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the watch did not stop on SIGTERM")
	}
	if s := errOut.String(); s != "" {
		t.Fatalf("the watch wrote to stderr:\n%s", s)
	}
	for i, line := range lines() {
		if msg := checkLagLine(line); msg != "" {
			t.Fatalf("line %d: %s: %s", i+1, msg, line)
		}
	}
	t.Logf("%d correct lines through a rolling restart and a SIGKILL of coordinator %d, nothing on stderr", len(lines()), coordinator)
}

// TestResetOffsetsReadByKafkaTools resets a group's offsets with kafadmin
// and reads them back with Kafka's own kafka-consumer-groups tool.
func TestResetOffsetsReadByKafkaTools(t *testing.T) {
	rk := kafkaCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const group = "reset-by-kafadmin"
	must(t, rk.CommitOffsets(ctx, group, map[string]map[int32]int64{"orders": {0: 5, 1: 5, 2: 5}}))
	env := []string{"KAFADMIN_BROKERS=" + strings.Join(rk.Addrs(), ",")}
	plan := resetFileAt(t, t.TempDir(), "plan.csv", "orders,0,1\norders,2,8\n")
	for _, args := range [][]string{
		{"--from-file", plan},
		{"--topic", "orders:1", "--to-latest"},
	} {
		out, errOut, code := runBin(t, env, "", append([]string{"groups", "reset-offsets", group, "--execute"}, args...)...)
		if code != 0 || errOut != "" {
			t.Fatalf("reset-offsets %v: exit %d, stderr %q, stdout %q", args, code, errOut, out)
		}
	}
	out, err := rk.RunTool(ctx, realkafka.ConsumerGroupCommand, "--bootstrap-server", rk.Addrs()[0], "--describe", "--group", group)
	must(t, err)
	got := map[int]int{}
	row := regexp.MustCompile(`(?m)^` + group + `\s+orders\s+(\d+)\s+(\d+)\s+10\s+(\d+)\b`)
	for _, m := range row.FindAllStringSubmatch(out, -1) {
		p, _ := strconv.Atoi(m[1])
		off, _ := strconv.Atoi(m[2])
		lag, _ := strconv.Atoi(m[3])
		if lag != 10-off {
			t.Errorf("kafka-consumer-groups shows partition %d at %d with lag %d", p, off, lag)
		}
		got[p] = off
	}
	if want := map[int]int{0: 1, 1: 10, 2: 8}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("kafka-consumer-groups --describe reads %v, want %v:\n%s", got, want, out)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDemoOnKafka runs the demo on a real cluster of its own: every call
// must be answered right through the real faults.
func TestDemoOnKafka(t *testing.T) {
	realkafka.SkipUnlessAvailable(t)
	// Its own deadline: the cluster may wait for another test binary's.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var stdout, stderr syncBuffer
	code := execute(ctx, []string{"demo", "--kafka", "--duration", "30s", "--interval", "500ms"}, stdio{out: &stdout, err: &stderr})
	out, errOut := stdout.String(), stderr.String()
	if code != 0 || errOut != "" {
		t.Fatalf("demo --kafka exit %d, stderr %q\n%s", code, errOut, out)
	}
	for _, want := range []string{"starting Apache Kafka", "==> RST on every client connection", "==> coordinator of orders-app moved",
		"stopped with SIGTERM", "killed with SIGKILL", "paused with SIGSTOP", "rolling restart done", " 0 failed, 0 wrong"} {
		if !strings.Contains(out, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestClusterCommandsOnKafka describes real Kafka's cluster and KRaft
// quorum through the CLI: the cluster id, every broker, a leader among
// three voters that lag by nothing, and finalized features.
func TestClusterCommandsOnKafka(t *testing.T) {
	rk := kafkaCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + strings.Join(rk.Addrs(), ",")}

	out, errOut, code := runBin(t, env, "", "cluster", "describe", "-o", "json")
	var cluster struct {
		ClusterID string `json:"cluster_id"`
		Brokers   []struct{ Broker int32 }
	}
	if code != 0 || json.Unmarshal([]byte(out), &cluster) != nil || cluster.ClusterID != rk.ID() || len(cluster.Brokers) != len(rk.BrokerIDs()) {
		t.Fatalf("cluster describe: exit %d, stdout %s, stderr %q; want cluster %s with %d brokers", code, out, errOut, rk.ID(), len(rk.BrokerIDs()))
	}

	var quorum struct {
		Leader int32
		Voters []struct {
			Node int32
			Lag  int64
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		out, errOut, code = runBin(t, env, "", "cluster", "quorum", "--replication", "-o", "json")
		ok := code == 0 && json.Unmarshal([]byte(out), &quorum) == nil && len(quorum.Voters) == 3
		for _, v := range quorum.Voters {
			ok = ok && v.Lag >= 0
		}
		if ok && slices.ContainsFunc(quorum.Voters, func(v struct {
			Node int32
			Lag  int64
		}) bool {
			return v.Node == quorum.Leader
		}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster quorum: exit %d, stdout %s, stderr %q; want a leader among 3 voters", code, out, errOut)
		}
		time.Sleep(200 * time.Millisecond)
	}

	out, errOut, code = runBin(t, env, "", "cluster", "features")
	if code != 0 || !strings.Contains(out, "metadata.version") || !strings.Contains(out, "group.version") {
		t.Fatalf("cluster features: exit %d, stdout %s, stderr %q", code, out, errOut)
	}
}
