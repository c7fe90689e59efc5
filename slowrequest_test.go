package kafadmin

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/kafkatest"
)

// disconnects records the connections that died, by broker.
type disconnects struct {
	mu  sync.Mutex
	evs []BrokerDisconnectEvent
}

func (d *disconnects) OnBrokerDisconnect(ev BrokerDisconnectEvent) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.evs = append(d.evs, ev)
}

func (d *disconnects) of(node int32) []BrokerDisconnectEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []BrokerDisconnectEvent
	for _, ev := range d.evs {
		if ev.Broker == node {
			out = append(out, ev)
		}
	}
	return out
}

// TestSlowRequestNeverStarvesFastOnes holds a CreateTopics request in the
// controller for 15 s, as Kafka holds one until the topics exist or its
// timeout passes, while 100 FetchOffsets calls go to the same broker, the
// coordinator of their group. Kafka answers a connection's requests in
// order: on the CreateTopics' connection the OffsetFetch requests would wait
// the 15 s out (their calls give up after 5 s), and the answer to
// CreateTopics would find them past their 2 s request timeout and kill the
// connection. On a connection of their own they are answered at once, and
// nothing dies.
func TestSlowRequestNeverStarvesFastOnes(t *testing.T) {
	const (
		hold        = 15 * time.Second
		callTimeout = 5 * time.Second
		calls       = 100
		group       = "g-fast"
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 3))
	controller := kc.Controller() // CreateTopics must go to it
	if err := kc.CommitOffsets(ctx, group, map[string]map[int32]int64{"orders": {0: 5}}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.MoveCoordinator(group, controller); err != nil {
		t.Fatal(err)
	}
	held, stop := kc.HoldNext(kmsg.CreateTopics, hold)

	died := &disconnects{}
	c, err := NewClient(ctx, WithBrokers(kc.Addrs()...), WithRequestTimeout(2*time.Second), WithHooks(died))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// The coordinator is cached and its connection open before the
	// CreateTopics request, as in a client that has been running.
	if _, err := c.FetchOffsets(ctx, group); err != nil {
		t.Fatal(err)
	}

	b, err := c.cl.Broker(ctx, controller)
	if err != nil {
		t.Fatal(err)
	}
	slow := make(chan error, 1)
	start := time.Now()
	go func() { slow <- createTopic(ctx, b.Request, "slow-topic", hold+5*time.Second) }()
	select {
	case <-held:
	case err := <-slow:
		t.Fatalf("CreateTopics answered before the broker held it: %v", err)
	case <-ctx.Done():
		t.Fatal("the broker never received CreateTopics")
	}

	errs := fetchConcurrently(ctx, c, group, calls, callTimeout)
	fastDone := time.Since(start)
	if len(errs) > 0 {
		t.Errorf("%d of %d FetchOffsets calls failed while CreateTopics was held; the first: %v", len(errs), calls, errs[0])
	}
	select {
	case err := <-slow:
		t.Fatalf("CreateTopics answered after %v, before the fast calls ended; want it held for %v: %v", time.Since(start), hold, err)
	default:
	}
	t.Logf("%d FetchOffsets calls ended %v after CreateTopics was sent", calls, fastDone)

	if err := <-slow; err != nil {
		t.Fatalf("CreateTopics held %v: %v", hold, err)
	}
	stop()
	if took := time.Since(start); took < hold {
		t.Fatalf("CreateTopics answered after %v, want it held for %v", took, hold)
	}
	if evs := died.of(controller); len(evs) > 0 {
		t.Fatalf("connections to the controller died: %+v", evs)
	}
}

// createTopic sends CreateTopics of one single-partition topic, which the
// broker may hold for wait, through send.
func createTopic(ctx context.Context, send func(context.Context, kmsg.Request, int16, int16) (kmsg.Response, error), topic string, wait time.Duration) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = int32(wait.Milliseconds())
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = topic
	rt.NumPartitions = 1
	rt.ReplicationFactor = 1
	req.Topics = append(req.Topics, rt)
	resp, err := send(ctx, req, 0, 7)
	if err != nil {
		return err
	}
	for _, rt := range resp.(*kmsg.CreateTopicsResponse).Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			return fmt.Errorf("creating %s: %w", rt.Topic, err)
		}
	}
	return nil
}

// fetchConcurrently makes n FetchOffsets calls of group at once, each with
// its own timeout, and returns what went wrong.
func fetchConcurrently(ctx context.Context, c *Client, group string, n int, timeout time.Duration) []error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			offsets, err := c.FetchOffsets(ctx, group)
			if err == nil && offsets[group].Offsets[TopicPartition{Topic: "orders", Partition: 0}].Offset != 5 {
				err = fmt.Errorf("offsets %+v, want orders/0 at 5", offsets[group])
			}
			if err != nil {
				errs <- fmt.Errorf("FetchOffsets call %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}
