package kafadmin_test

import (
	"context"
	"slices"
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
