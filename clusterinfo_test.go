package kafadmin_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// TestDescribeClusterAndVersions describes the cluster and every broker's
// API versions, with a broker down and back while its versions are asked.
func TestDescribeClusterAndVersions(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newClient(t, kc)
	ctx := testContext(t)

	if _, err := kc.ResetConnections(0); err != nil {
		t.Fatal(err)
	}
	desc, err := cl.DescribeCluster(ctx)
	must(t, err)
	var ids []int32
	for _, b := range desc.Brokers {
		ids = append(ids, b.ID)
		if b.Host == "" || b.Port == 0 || b.Fenced {
			t.Fatalf("broker described as %+v", b)
		}
	}
	if desc.ClusterID == "" || !slices.Equal(ids, kc.NodeIDs()) || desc.Controller != kc.Controller() {
		t.Fatalf("cluster described as %+v; want brokers %v, controller %d", desc, kc.NodeIDs(), kc.Controller())
	}

	restarted := make(chan error, 1)
	go func() { restarted <- kc.RestartBroker(context.Background(), 1, time.Second) }()
	time.Sleep(100 * time.Millisecond)
	versions, err := cl.BrokerAPIVersions(ctx)
	must(t, err)
	must(t, <-restarted)
	if got := versions.Keys(); !slices.Equal(got, kc.NodeIDs()) {
		t.Fatalf("versions of brokers %v, want %v", got, kc.NodeIDs())
	}
	for _, v := range versions.Sorted() {
		i := slices.IndexFunc(v.APIs, func(r kafadmin.APIVersionRange) bool { return r.Key == int16(kmsg.OffsetFetch) })
		if i < 0 || v.APIs[i].Name != "OffsetFetch" || v.APIs[i].Max < 8 {
			t.Fatalf("broker %d serves %+v", v.Broker, v.APIs)
		}
	}
	if _, err := cl.BrokerAPIVersions(ctx, -1); err == nil {
		t.Fatal("a negative broker id was accepted")
	}

	if _, err := cl.DescribeFeatures(ctx); err != nil {
		t.Fatalf("describe features: %v", err)
	}
}

// TestNamedBrokerGoneIsWaitedFor checks that a named broker the cluster's
// metadata stops listing (as Kafka does while a broker is down) is waited
// for, backed off, and that one it never listed fails at once.
func TestNamedBrokerGoneIsWaitedFor(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	gone := int32(0)
	if kc.Controller() == gone {
		gone = 1
	}
	must(t, kc.RemoveBroker(gone))

	kc.ResetRequestCounts()
	wait, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := cl.BrokerAPIVersions(wait, gone)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no longer lists it") || took < 1500*time.Millisecond {
		t.Fatalf("after %v: %v; want the removed broker waited for until the deadline", took, err)
	}
	// The key ends once its next backoff would pass the deadline, up to
	// 240 ms before it. About five look-ups a second: no retry storm.
	if n := kc.RequestCount(kmsg.Metadata); n > 25 {
		t.Fatalf("%d metadata requests in %v while waiting for broker %d", n, took, gone)
	}

	start = time.Now()
	if _, err := cl.BrokerAPIVersions(ctx, 9); err == nil || !strings.Contains(err.Error(), "does not list it") || time.Since(start) > 5*time.Second {
		t.Fatalf("an unknown broker id: %v after %v; want a failure at once", err, time.Since(start))
	}
	v, err := cl.BrokerAPIVersions(ctx)
	must(t, err)
	want := slices.DeleteFunc(kc.NodeIDs(), func(id int32) bool { return id == gone })
	if got := v.Keys(); !slices.Equal(got, want) {
		t.Fatalf("every broker's versions: %v, want brokers %v", got, want)
	}
}
