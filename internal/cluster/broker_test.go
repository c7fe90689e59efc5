package cluster

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// holdNext makes the next request with key wait in the broker until release
// is called (or the test ends), as a broker holds a request that waits
// server-side, and returns a channel closed once the broker holds it.
func holdNext(t *testing.T, kf *kfake.Cluster, key kmsg.Key) (held <-chan struct{}, release func()) {
	t.Helper()
	heldc, releasec := make(chan struct{}), make(chan struct{})
	var heldOnce, releaseOnce sync.Once
	release = func() { releaseOnce.Do(func() { close(releasec) }) }
	t.Cleanup(release)
	kf.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		kf.DropControl()
		heldOnce.Do(func() { close(heldc) })
		kf.SleepControl(func() { <-releasec })
		return nil, nil, false // then handled as usual
	})
	return heldc, release
}

func createTopicRequest(topic string, wait time.Duration) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = int32(wait.Milliseconds())
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = topic
	rt.NumPartitions = 1
	rt.ReplicationFactor = 1
	req.Topics = append(req.Topics, rt)
	return req
}

// TestSlowRequestGoesOnItsOwnConnection checks that a request the broker
// holds goes on the broker's second connection: requests answered at once
// are answered meanwhile on the first, the broker does not count as
// stalled while the held request is within its timeout, and both
// connections are reaped when idle.
func TestSlowRequestGoesOnItsOwnConnection(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newCluster(t, kc, Config{Conn: &conn.Config{RequestTimeout: time.Second}})
	ctx := testContext(t)
	b, err := cl.Broker(ctx, kc.Controller()) // CreateTopics goes to the controller
	if err != nil {
		t.Fatal(err)
	}
	held, release := holdNext(t, kc.Kfake(), kmsg.CreateTopics)

	type answer struct {
		resp kmsg.Response
		err  error
	}
	slow := make(chan answer, 1)
	go func() {
		resp, err := b.Request(ctx, createTopicRequest("held", 10*time.Second), 0, 7)
		slow <- answer{resp, err}
	}()
	select {
	case <-held:
	case a := <-slow:
		t.Fatalf("CreateTopics answered without being held: %v", a.err)
	case <-ctx.Done():
		t.Fatal("the broker never received CreateTopics")
	}
	heldAt := time.Now()

	fastCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := b.Request(fastCtx, kmsg.NewPtrMetadataRequest(), 1, 12); err != nil {
		t.Fatalf("Metadata while CreateTopics is held: %v", err)
	}
	time.Sleep(time.Until(heldAt.Add(2 * StallAfter)))
	if b.stalled(time.Now()) {
		t.Errorf("the broker counts as stalled while it holds CreateTopics within its 10 s timeout")
	}
	b.mu.Lock()
	fast, slowConn := b.fast.conn, b.slow.conn
	b.mu.Unlock()
	if fast == nil || slowConn == nil || fast == slowConn {
		t.Fatalf("connections while CreateTopics is held: fast %p, slow %p, want two", fast, slowConn)
	}

	release()
	a := <-slow
	if a.err != nil {
		t.Fatalf("CreateTopics after its release: %v", a.err)
	}
	for _, rt := range a.resp.(*kmsg.CreateTopicsResponse).Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			t.Fatalf("CreateTopics of %s: %v", rt.Topic, err)
		}
	}

	// The idle reaper closes both.
	b.closeIdle(0)
	for name, c := range map[string]*conn.Conn{"fast": fast, "slow": slowConn} {
		if c.Err() == nil {
			t.Errorf("the %s connection survived closeIdle(0) with nothing in flight", name)
		}
	}
}
