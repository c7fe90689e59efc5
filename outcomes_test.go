package kafadmin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// TestChangesWhoseOutcomeIsUnknown checks what a change reports when its
// answer cannot say whether it was made: a broker that applied it and
// timed it out, a deadline while the broker held it, a validation whose
// answer was lost.
func TestChangesWhoseOutcomeIsUnknown(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 2))
	cl := newClient(t, kc)
	ctx := testContext(t)
	kf := kc.Kfake()

	t.Run("applied, answered REQUEST_TIMED_OUT", func(t *testing.T) {
		kf.ControlKey(int16(kmsg.CreateTopics), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
			kf.DropControl()
			created := make(chan error, 1)
			go func() { created <- kc.CreateTopic("timed-out", 2) }()
			kf.SleepControl(func() { <-created })
			req := kreq.(*kmsg.CreateTopicsRequest)
			resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
			rt := kmsg.NewCreateTopicsResponseTopic()
			rt.Topic, rt.ErrorCode = "timed-out", kerr.RequestTimedOut.Code
			resp.Topics = append(resp.Topics, rt)
			return resp, nil, true
		})
		created, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "timed-out", Partitions: 2, ReplicationFactor: 1})
		must(t, err)
		if c := created["timed-out"]; !c.OnRetry || c.Partitions != 2 {
			t.Fatalf("created after REQUEST_TIMED_OUT: %+v, want created on retry", c)
		}
	})

	t.Run("deadline while held", func(t *testing.T) {
		held, stop := kc.HoldNext(kmsg.CreateTopics, time.Minute)
		short, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		defer cancel()
		_, err := cl.CreateTopics(short, kafadmin.NewTopic{Name: "held", Partitions: 1, ReplicationFactor: 1})
		<-held
		stop()
		if err == nil || !kafadmin.MaybeApplied(err) {
			t.Fatalf("a create the broker held past the deadline: %v (maybe applied %v), want an error that may have been applied", err, kafadmin.MaybeApplied(err))
		}
	})

	t.Run("validation whose answer was lost", func(t *testing.T) {
		lost := loseNextAnswer(t, kc, kmsg.CreateTopics)
		_, err := cl.ValidateCreateTopics(ctx, kafadmin.NewTopic{Name: "orders", Partitions: 2, ReplicationFactor: 1})
		if lost() != 1 || !errors.Is(err, kerr.TopicAlreadyExists) {
			t.Fatalf("validating an existing topic after %d lost answers: %v, want TOPIC_ALREADY_EXISTS", lost(), err)
		}
	})

	t.Run("delete by an upper-case id", func(t *testing.T) {
		desc, err := cl.DescribeTopics(ctx, "orders")
		must(t, err)
		id := strings.ToUpper(desc["orders"].ID)
		deleted, err := cl.DeleteTopicsByID(ctx, id)
		must(t, err)
		if d := deleted[strings.ToLower(id)]; d.Name != "orders" {
			t.Fatalf("deleted by id: %+v", deleted)
		}
	})
}

// TestHeldRequestsQueueOnTheirConnection checks that a request the broker
// holds does not use up the time of a held request queued behind it on the
// same connection: each one's time starts when the broker takes it up, as
// Kafka takes a connection's requests one at a time.
func TestHeldRequestsQueueOnTheirConnection(t *testing.T) {
	kc := kafkatest.New(t)
	rec := &recorder{}
	cl := newClient(t, kc, kafadmin.WithRequestTimeout(time.Second), kafadmin.WithHooks(rec))
	ctx := testContext(t)

	// The first create is held 2.5 s; the second, as Kafka would, is
	// taken up only then, and takes 700 ms of its own: answered 3.2 s
	// after it was written, within its 1.5 s once taken up.
	kf := kc.Kfake()
	firstDone, held := make(chan struct{}), make(chan struct{})
	var calls int
	kf.ControlKey(int16(kmsg.CreateTopics), func(kmsg.Request) (kmsg.Response, error, bool) {
		calls++
		if calls == 1 {
			close(held)
			kf.SleepControl(func() { time.Sleep(2500 * time.Millisecond); close(firstDone) })
			return nil, nil, false
		}
		kf.DropControl()
		kf.SleepControl(func() { <-firstDone; time.Sleep(700 * time.Millisecond) })
		return nil, nil, false
	})
	first := make(chan error, 1)
	go func() {
		_, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: "first", Partitions: 1, ReplicationFactor: 1})
		first <- err
	}()
	<-held
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 500
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "second", 1, 1
	req.Topics = append(req.Topics, rt)
	resp, err := cl.Request(ctx, req)
	must(t, err)
	if code := resp.(*kmsg.CreateTopicsResponse).Topics[0].ErrorCode; code != 0 {
		t.Fatalf("the second create: %v", kerr.ErrorForCode(code))
	}
	must(t, <-first)
	if rec.sawDisconnect(kc.Controller(), "timeout") {
		t.Fatalf("a connection to the controller timed out: %v", rec.snapshot().disconnects)
	}
}

// TestRequestShapes checks Request's routing of requests whose keys are
// named otherwise, and a nil request.
func TestRequestShapes(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newClient(t, kc)
	ctx := testContext(t)
	ip := kmsg.NewPtrInitProducerIDRequest()
	ip.TransactionalID = kmsg.StringPtr("txn-1")
	ip.TransactionTimeoutMillis = 60000
	resp, err := cl.Request(ctx, ip)
	must(t, err)
	if r := resp.(*kmsg.InitProducerIDResponse); r.ErrorCode != 0 || r.ProducerID < 0 {
		t.Fatalf("InitProducerID through the transaction coordinator: %+v", r)
	}
	idem := kmsg.NewPtrInitProducerIDRequest()
	if _, err := cl.Request(ctx, idem); err != nil {
		t.Fatalf("an idempotent producer's InitProducerID: %v", err)
	}
	var nilReq *kmsg.DescribeGroupsRequest
	if _, err := cl.Request(ctx, nilReq); err == nil || !strings.Contains(err.Error(), "nil request") {
		t.Fatalf("a typed nil request: %v", err)
	}
}
