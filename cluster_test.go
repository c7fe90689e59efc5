package kafadmin_test

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

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
