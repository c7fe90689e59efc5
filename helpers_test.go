package kafadmin_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
	"github.com/kafadmin/kafadmin/realkafka"
)

// TestMain closes the real Kafka cluster the tests share before checking
// that no goroutine outlived them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(realkafka.M(m)) }

// testContext is generous: tests must not flake on a slow machine, and a
// call that hangs fails the test rather than the run.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// recorder is a hook that records what the client did.
type recorder struct {
	mu          sync.Mutex
	requests    int
	dials       int
	failedDials int
	disconnects []kafadmin.BrokerDisconnectEvent
	retries     []kafadmin.RetryEvent
	moves       []kafadmin.CoordinatorMovedEvent
	apis        map[string]int
}

func (r *recorder) OnRequest(ev kafadmin.RequestEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.apis == nil {
		r.apis = map[string]int{}
	}
	r.apis[ev.API]++
}

func (r *recorder) OnBrokerConnect(ev kafadmin.BrokerConnectEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dials++
	if ev.Err != nil {
		r.failedDials++
	}
}

func (r *recorder) OnBrokerDisconnect(ev kafadmin.BrokerDisconnectEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.disconnects = append(r.disconnects, ev)
}

func (r *recorder) OnRetry(ev kafadmin.RetryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, ev)
}

func (r *recorder) OnCoordinatorMoved(ev kafadmin.CoordinatorMovedEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.moves = append(r.moves, ev)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests, r.dials, r.failedDials = 0, 0, 0
	r.disconnects, r.retries, r.moves, r.apis = nil, nil, nil, nil
}

// snapshot copies the counts.
func (r *recorder) snapshot() recorder {
	r.mu.Lock()
	defer r.mu.Unlock()
	return recorder{
		requests: r.requests, dials: r.dials, failedDials: r.failedDials,
		disconnects: slices.Clone(r.disconnects), retries: slices.Clone(r.retries), moves: slices.Clone(r.moves),
	}
}

func (r *recorder) snapshotAPIs() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.apis))
	for k, v := range r.apis {
		out[k] = v
	}
	return out
}

func (r *recorder) sawDisconnect(node int32, cause string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.disconnects, func(ev kafadmin.BrokerDisconnectEvent) bool {
		return ev.Broker == node && ev.Cause != nil && strings.Contains(ev.Cause.Error(), cause)
	})
}

// newClient connects a client to kc, closed when the test ends.
func newClient(t *testing.T, kc *kafkatest.Cluster, opts ...kafadmin.Option) *kafadmin.Client {
	t.Helper()
	cl, err := kafadmin.NewClient(testContext(t), append([]kafadmin.Option{kafadmin.WithBrokers(kc.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func produce(t *testing.T, kc *kafkatest.Cluster, topic string, partitions int32, n int) {
	t.Helper()
	for p := range partitions {
		must(t, kc.Produce(testContext(t), topic, p, n))
	}
}

// commitAll commits offset on every partition of topic.
func commitAll(t *testing.T, kc *kafkatest.Cluster, group, topic string, partitions int32, offset int64) {
	t.Helper()
	offsets := map[int32]int64{}
	for p := range partitions {
		offsets[p] = offset
	}
	must(t, kc.CommitOffsets(testContext(t), group, map[string]map[int32]int64{topic: offsets}))
}

func tp(topic string, partition int32) kafadmin.TopicPartition {
	return kafadmin.TopicPartition{Topic: topic, Partition: partition}
}

// offsetsOf renders a group's offsets as "topic/p=offset ..." for
// comparisons.
func offsetsOf(o kafadmin.GroupOffsets) string {
	var parts []string
	for _, tp := range o.Partitions() {
		parts = append(parts, fmt.Sprintf("%s=%d", tp, o.Offsets[tp].Offset))
	}
	return strings.Join(parts, " ")
}

func wantOffsets(topic string, partitions int32, offset int64) string {
	var parts []string
	for p := range partitions {
		parts = append(parts, fmt.Sprintf("%s/%d=%d", topic, p, offset))
	}
	return strings.Join(parts, " ")
}
