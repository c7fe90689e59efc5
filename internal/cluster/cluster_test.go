package cluster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/kafkatest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newCluster(t *testing.T, kc *kafkatest.Cluster, cfg Config) *Cluster {
	t.Helper()
	seeds, err := ParseSeeds(kc.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seeds = seeds
	if cfg.Conn == nil {
		cfg.Conn = &conn.Config{}
	}
	cl := New(cfg)
	t.Cleanup(cl.Close)
	return cl
}

func TestParseSeeds(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string // joined with " ", or the error
	}{
		{[]string{"a:1", "b:2"}, "a:1 b:2"},
		{[]string{"a:1, b:2 ,a:1"}, "a:1 b:2"},
		{[]string{"kafka"}, "kafka:9092"},
		{[]string{"[::1]:9093", "[::1]"}, "[::1]:9093 [::1]:9092"},
		{[]string{"", " , "}, "no bootstrap brokers"},
		{[]string{"a:b:c"}, `bootstrap address "a:b:c" is malformed`},
		{[]string{"a:0"}, `invalid port "0"`},
		{[]string{"a:x"}, `invalid port "x"`},
		{[]string{":9092"}, "has no host"},
		{[]string{"a b:9092"}, "invalid host"},
	} {
		got, err := ParseSeeds(tc.in)
		s := strings.Join(got, " ")
		if err != nil {
			s = err.Error()
		}
		if !strings.Contains(s, tc.want) {
			t.Errorf("ParseSeeds(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func TestCoordinatorLookupsAreBatchedAndShared(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newCluster(t, kc, Config{})
	ctx := testContext(t)
	if _, err := cl.Brokers(ctx, 0); err != nil {
		t.Fatal(err)
	}
	groups := make([]string, 100)
	for i := range groups {
		groups[i] = fmt.Sprintf("g%d", i)
	}

	kc.ResetRequestCounts()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g, r := range cl.Coordinators(ctx, GroupCoordinator, groups) {
				if r.Err != nil {
					errs <- r.Err
				} else if r.Broker.ID != kc.Coordinator(g) {
					errs <- fmt.Errorf("group %s: broker %d, want %d", g, r.Broker.ID, kc.Coordinator(g))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// 20 callers asking for the same 100 groups at once: without sharing
	// and batching that is 2000 look-ups.
	if n := kc.RequestCount(kmsg.FindCoordinator); n < 1 || n > 5 {
		t.Fatalf("%d FindCoordinator requests for 20 concurrent look-ups of 100 groups, want a handful", n)
	}
	kc.ResetRequestCounts()
	cl.Coordinators(ctx, GroupCoordinator, groups)
	if n := kc.RequestCount(kmsg.FindCoordinator); n != 0 {
		t.Fatalf("%d FindCoordinator requests for cached coordinators, want 0", n)
	}
}

func TestFailedDialForgetsTheBrokersCoordinators(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newCluster(t, kc, Config{})
	ctx := testContext(t)
	r := cl.Coordinators(ctx, GroupCoordinator, []string{"g"})["g"]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if err := kc.StopBroker(r.Broker.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Broker.Conn(ctx); !conn.IsTransport(err) {
		t.Fatalf("dial to a stopped broker: %v, want a connection error", err)
	}
	if node, ok := cl.CachedCoordinator(GroupCoordinator, "g"); ok {
		t.Fatalf("g still cached on broker %d after its dial failed", node)
	}
	if b := cl.AnyBroker(); b == r.Broker {
		t.Fatalf("AnyBroker picked broker %d, whose dial just failed", b.ID)
	}
}

func TestAddressChangeReplacesTheBroker(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newCluster(t, kc, Config{})
	ctx := testContext(t)
	old, err := cl.Broker(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := old.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	moved := cl.upsertBroker(1, "127.0.0.1", 1)
	if moved == old || moved.Addr != "127.0.0.1:1" {
		t.Fatalf("broker 1 after its address changed: %v", moved)
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the connection to the old address was not closed")
	}
	if same := cl.upsertBroker(1, "127.0.0.1", 1); same != moved {
		t.Fatal("an unchanged address replaced the broker")
	}
}

func TestBootstrapAddressesServeWhenEveryBrokerIsDown(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newCluster(t, kc, Config{})
	ctx := testContext(t)
	brokers, err := cl.Brokers(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range brokers {
		b.mu.Lock()
		b.downUntil = time.Now().Add(time.Hour)
		b.mu.Unlock()
	}
	if b := cl.AnyBroker(); b == nil || b.ID >= 0 {
		t.Fatalf("AnyBroker with every broker down = %v, want a bootstrap address", b)
	}
	if _, err := cl.RequestAny(ctx, func() kmsg.Request { return kmsg.NewPtrMetadataRequest() }, 1, 12); err != nil {
		t.Fatalf("metadata through the bootstrap addresses: %v", err)
	}
}

func TestDeadConnectionIsReplacedWithoutAnError(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newCluster(t, kc, Config{})
	ctx := testContext(t)
	b, err := cl.Broker(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// An idle close (as the broker's connections.max.idle.ms would do)
	// before the next request: the request goes out on a new connection.
	if !c.CloseIfIdle(0) {
		t.Fatal("could not close the idle connection")
	}
	if _, err := b.Request(ctx, kmsg.NewPtrMetadataRequest(), 1, 12); err != nil {
		t.Fatalf("request after the idle close: %v", err)
	}
	if c2, _ := b.Conn(ctx); c2 == c {
		t.Fatal("the dead connection was reused")
	}
}

// TestGroupPartition checks the placement against Java's: the values below
// are abs(String.hashCode()) % n as a JVM computes them, including a group
// id whose hash is the smallest int and one outside ASCII.
func TestGroupPartition(t *testing.T) {
	for _, tc := range []struct {
		group string
		n     int
		want  int32
	}{
		{"g1", 3, 2},                  // hashCode 3242
		{"orders-app", 50, 5},         // hashCode 772757305
		{"polygenelubricants", 50, 0}, // hashCode -2147483648
		{"é", 7, 2},                   // hashCode 233
	} {
		if got := GroupPartition(tc.group, tc.n); got != tc.want {
			t.Errorf("GroupPartition(%q, %d) = %d, want %d", tc.group, tc.n, got, tc.want)
		}
	}
}
