package kafadmin_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

func TestTLSAndSASL(t *testing.T) {
	server, client, err := kafkatest.SelfSignedTLS()
	must(t, err)
	kc := seeded(t, kafkatest.WithTLS(server),
		kafkatest.WithSASL("SCRAM-SHA-512", "admin", "admin-secret"),
		kafkatest.WithSASL("SCRAM-SHA-256", "ops", "ops-secret"),
		kafkatest.WithSASL("PLAIN", "plain", "plain-secret"))
	ctx := testContext(t)
	for name, auth := range map[string]kafadmin.Option{
		"SCRAM-SHA-512": kafadmin.WithSASLScramSHA512("admin", "admin-secret"),
		"SCRAM-SHA-256": kafadmin.WithSASLScramSHA256("ops", "ops-secret"),
		"PLAIN":         kafadmin.WithSASLPlain("plain", "plain-secret"),
	} {
		cl := newClient(t, kc, kafadmin.WithTLS(client), auth)
		lags, err := cl.Lag(ctx, "g")
		if err != nil || lags["g"].TotalLag != 28 {
			t.Fatalf("%s over TLS: lag %+v, %v", name, lags["g"], err)
		}
	}

	for _, tc := range []struct {
		name string
		opts []kafadmin.Option
		want string
	}{
		{"wrong password", []kafadmin.Option{kafadmin.WithTLS(client), kafadmin.WithSASLScramSHA512("admin", "nope")}, "check the credentials"},
		{"untrusted certificate", []kafadmin.Option{kafadmin.WithTLS(&tls.Config{}), kafadmin.WithSASLScramSHA512("admin", "admin-secret")}, "certificate"},
	} {
		callCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := kafadmin.NewClient(callCtx, append([]kafadmin.Option{kafadmin.WithBrokers(kc.Addrs()...)}, tc.opts...)...)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestRebootstrap moves the whole cluster: every broker the client knows
// stops for good, and the bootstrap name now leads to a new cluster. The
// client must go back to the bootstrap address and carry on there.
func TestRebootstrap(t *testing.T) {
	old := seeded(t)
	moved := seeded(t)
	var (
		mu     sync.Mutex
		target = old.Addr(0)
	)
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == "bootstrap.kafka.test:9092" {
			mu.Lock()
			addr = target
			mu.Unlock()
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	cl, err := kafadmin.NewClient(testContext(t), kafadmin.WithBrokers("bootstrap.kafka.test"), kafadmin.WithDialer(dial))
	must(t, err)
	defer cl.Close()
	ctx := testContext(t)
	_, err = cl.Lag(ctx, "g")
	must(t, err)

	for _, id := range old.NodeIDs() {
		must(t, old.StopBroker(id))
	}
	mu.Lock()
	target = moved.Addr(1)
	mu.Unlock()
	commitAll(t, moved, "g", "orders", 4, 8)

	lags, err := cl.Lag(ctx, "g")
	if err != nil || lags["g"].TotalLag != 4*2 {
		t.Fatalf("after the cluster moved: lag %+v, %v; want 8, from the new cluster", lags["g"], err)
	}
	brokers, err := cl.ListBrokers(ctx)
	must(t, err)
	for _, b := range brokers {
		if net.JoinHostPort(b.Host, itoa(b.Port)) != moved.Addr(b.ID) {
			t.Fatalf("broker %d at %s:%d, want the new cluster's %s", b.ID, b.Host, b.Port, moved.Addr(b.ID))
		}
	}
}

func TestNewPartitionsAreSeenDespiteTheCache(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	_, err := cl.Lag(ctx, "g")
	must(t, err)
	_, err = cl.ListOffsets(ctx, kafadmin.Latest(), "orders")
	must(t, err)

	must(t, kc.CreatePartitions(ctx, "orders", 6))
	must(t, kc.Produce(ctx, "orders", 5, 3))
	must(t, kc.CommitOffsets(ctx, "g", map[string]map[int32]int64{"orders": {5: 1}}))
	// Lag first: its leader look-up finds a cached orders of 4 partitions.
	lags, err := cl.Lag(ctx, "g")
	if err != nil || len(lags["g"].Partitions) != 5 || lags["g"].TotalLag != 28+2 {
		t.Fatalf("lag after committing on a new partition: %+v, %v", lags["g"], err)
	}
	ends, err := cl.ListOffsets(ctx, kafadmin.Latest(), "orders")
	if err != nil || len(ends) != 6 || ends[tp("orders", 5)].Offset != 3 {
		t.Fatalf("end offsets after growing to 6 partitions: %v, %v", ends, err)
	}
	_, err = cl.CommitOffsets(ctx, "g", map[kafadmin.TopicPartition]int64{tp("orders", 4): 0})
	must(t, err)
}

func TestCommitErrorOfOnePartitionStaysItsOwn(t *testing.T) {
	kc := seeded(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Topic: "orders", Partitions: []int32{1}, Err: kerr.UnknownTopicOrPartition})
	res, err := cl.CommitOffsets(ctx, "g", map[kafadmin.TopicPartition]int64{tp("orders", 0): 8, tp("orders", 1): 8})
	if !errors.Is(res[tp("orders", 1)], kerr.UnknownTopicOrPartition) || res[tp("orders", 0)] != nil {
		t.Fatalf("per-partition results %v, want orders/1 alone failed", res)
	}
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) || len(ce.Errors) != 1 || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want one failed partition, not a retry until the deadline", err)
	}
	o, err := cl.FetchOffsets(ctx, "g")
	must(t, err)
	if got := offsetsOf(o["g"]); got != "orders/0=8 orders/1=3 orders/2=3 orders/3=3" {
		t.Fatalf("offsets %s", got)
	}
}

func TestGroupFiltersNeedABrokerThatAppliesThem(t *testing.T) {
	kc := seeded(t, kafkatest.WithKfakeOptions(kfake.MaxVersions(kversion.V2_4_0())))
	cl := newClient(t, kc)
	ctx := testContext(t)
	listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil || len(listed) != 1 {
		t.Fatalf("unfiltered list on Kafka 2.4: %v, %v", listed, err)
	}
	_, err = cl.ListGroups(ctx, kafadmin.GroupFilter{States: []string{"Empty"}})
	if err == nil || !strings.Contains(err.Error(), "filtering groups by state needs v4 (Kafka 2.6)") || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("state filter on Kafka 2.4: %v, want an immediate error naming what the filter needs", err)
	}
}

// TestSASLSessionsEnd runs calls while every connection's SASL session lasts
// 1.5s (connections.max.reauth.ms): connections are replaced as sessions end,
// without failing the requests in flight on them.
func TestSASLSessionsEnd(t *testing.T) {
	kc := seeded(t, kafkatest.WithSASL("SCRAM-SHA-256", "admin", "secret"),
		kafkatest.WithKfakeOptions(kfake.BrokerConfigs(map[string]string{"connections.max.reauth.ms": "1500"})))
	rec := &recorder{}
	cl := newClient(t, kc, kafadmin.WithSASLScramSHA256("admin", "secret"), kafadmin.WithHooks(rec))
	ctx := testContext(t)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		calls  int
		failed []error
	)
	stop := time.Now().Add(5 * time.Second)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				lags, err := cl.Lag(ctx, "g")
				if err == nil && lags["g"].TotalLag != 28 {
					err = fmt.Errorf("lag %d, want 28", lags["g"].TotalLag)
				}
				mu.Lock()
				calls++
				if err != nil {
					failed = append(failed, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d of %d calls failed as sessions ended; first: %v", len(failed), calls, failed[0])
	}
	if dials := rec.snapshot().dials; dials < 6 {
		t.Fatalf("%d dials in 5s of 1.5s sessions: connections were not replaced", dials)
	}
}
