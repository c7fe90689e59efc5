package kafadmin_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/realkafka"
)

// TestTLSAndSASLOnKafka connects over each of a real broker's secured
// listeners, and checks that Kafka's answer to a wrong password fails the
// client at once.
func TestTLSAndSASLOnKafka(t *testing.T) {
	rk := sharedKafka(t)
	ctx := testContext(t)
	const group = "secured-group"
	must(t, rk.CommitOffsets(ctx, group, map[string]map[int32]int64{"orders": {0: 3}}))
	for _, tc := range []struct {
		name     string
		listener realkafka.Listener
		opts     []kafadmin.Option
	}{
		{"TLS", realkafka.ListenerSSL, []kafadmin.Option{kafadmin.WithTLS(rk.ClientTLS())}},
		{"SCRAM-SHA-256", realkafka.ListenerSASL, []kafadmin.Option{kafadmin.WithSASLScramSHA256(kafkaUser, kafkaPassword)}},
		{"SCRAM-SHA-512 over TLS", realkafka.ListenerSASLSSL, []kafadmin.Option{kafadmin.WithTLS(rk.ClientTLS()), kafadmin.WithSASLScramSHA512(kafkaUser, kafkaPassword)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, err := kafadmin.NewClient(ctx, append([]kafadmin.Option{kafadmin.WithBrokers(rk.ListenerAddrs(tc.listener)...)}, tc.opts...)...)
			must(t, err)
			defer cl.Close()
			lags, err := cl.Lag(ctx, group)
			must(t, err)
			if got := lags[group].TotalLag; got != ordersRecords-3 {
				t.Fatalf("lag %d, want %d", got, ordersRecords-3)
			}
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		begin := time.Now()
		_, err := kafadmin.NewClient(callCtx, kafadmin.WithBrokers(rk.ListenerAddrs(realkafka.ListenerSASL)...), kafadmin.WithSASLScramSHA512(kafkaUser, "wrong"))
		if !errors.Is(err, kerr.SaslAuthenticationFailed) || time.Since(begin) > 10*time.Second {
			t.Fatalf("after %v: %v, want SASL_AUTHENTICATION_FAILED at once", time.Since(begin), err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err := kafadmin.NewClient(callCtx, kafadmin.WithBrokers(rk.ListenerAddrs(realkafka.ListenerSSL)...), kafadmin.WithTLS(&tls.Config{}))
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("%v, want a certificate error", err)
		}
	})
}
