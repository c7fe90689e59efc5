package driver_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
	"github.com/kafadmin/kafadmin/kafkatest"
)

func newCluster(t *testing.T, kc *kafkatest.Cluster) *cluster.Cluster {
	seeds, err := cluster.ParseSeeds(kc.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	cl := cluster.New(cluster.Config{Conn: &conn.Config{}, Seeds: seeds})
	t.Cleanup(cl.Close)
	return cl
}

// routed runs a one-key call and reports the brokers it was sent to.
func routed(t *testing.T, cl *cluster.Cluster, route driver.Route, send func(context.Context, *cluster.Broker) driver.Result) ([]int32, *driver.Failure) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		mu   sync.Mutex
		sent []int32
	)
	failures := driver.Run(ctx, cl, driver.ExponentialBackoff(10*time.Millisecond, 100*time.Millisecond, 0.2), driver.Call[string]{
		Name: "test", Keys: []string{"k"},
		Route:    func(string) driver.Route { return route },
		Describe: func(k string) string { return k },
		Send: func(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string]) (map[string]driver.Result, error) {
			mu.Lock()
			sent = append(sent, b.ID)
			mu.Unlock()
			return map[string]driver.Result{batch[0].Key: send(ctx, b)}, nil
		},
	})
	return sent, failures["k"]
}

func TestControllerRoute(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newCluster(t, kc)
	faults := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.CreateTopics}, Err: kerr.NotController, Count: 2})
	sent, failure := routed(t, cl, driver.Route{Kind: driver.ToController}, func(ctx context.Context, b *cluster.Broker) driver.Result {
		req := kmsg.NewPtrCreateTopicsRequest()
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "created", 2, 1
		req.Topics = append(req.Topics, rt)
		req.TimeoutMillis = 5000
		resp, err := b.Request(ctx, req, 0, 7)
		if err != nil {
			return driver.Result{Outcome: driver.Relookup, Err: err}
		}
		tr := resp.(*kmsg.CreateTopicsResponse).Topics[0]
		return driver.ForCode(driver.ToController, kafkaerr.New(tr.ErrorCode, tr.ErrorMessage))
	})
	if failure != nil {
		t.Fatalf("create topics through the controller: %+v", failure)
	}
	if faults.Hits() != 2 || len(sent) != 3 {
		t.Fatalf("%d NOT_CONTROLLER answers and %d sends, want 2 and 3", faults.Hits(), len(sent))
	}
	for _, id := range sent {
		if id != kc.Controller() {
			t.Fatalf("sent to broker %d, the controller is %d", id, kc.Controller())
		}
	}
	if kc.Leader("created", 1) < 0 {
		t.Fatal("the topic was not created")
	}
}

func TestTransactionCoordinatorRoute(t *testing.T) {
	kc := kafkatest.New(t)
	cl := newCluster(t, kc)
	const txnID = "txn-1"
	faults := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeTransactions}, TxnID: txnID, Err: kerr.NotCoordinator, Count: 2})
	moved := false
	sent, failure := routed(t, cl, driver.Route{Kind: driver.ToTxnCoordinator, Key: txnID}, func(ctx context.Context, b *cluster.Broker) driver.Result {
		req := kmsg.NewPtrDescribeTransactionsRequest()
		req.TransactionalIDs = []string{txnID}
		resp, err := b.Request(ctx, req, 0, 0)
		if err != nil {
			return driver.Result{Outcome: driver.Relookup, Err: err}
		}
		err = kafkaerr.New(resp.(*kmsg.DescribeTransactionsResponse).TransactionStates[0].ErrorCode, nil)
		if errors.Is(err, kerr.TransactionalIDNotFound) {
			err = nil // routed right: the coordinator knows no such transaction
		}
		res := driver.ForCode(driver.ToTxnCoordinator, err)
		if res.Outcome == driver.Done && !moved {
			// Move the coordinator once: the next look-up must follow.
			moved = true
			return driver.Result{Outcome: driver.Relookup, Err: moveTxn(kc, txnID)}
		}
		return res
	})
	if failure != nil {
		t.Fatalf("describe transactions: %+v", failure)
	}
	if faults.Hits() != 2 {
		t.Fatalf("%d NOT_COORDINATOR answers, want 2", faults.Hits())
	}
	if last := sent[len(sent)-1]; last != kc.Kfake().CoordinatorFor(txnID) {
		t.Fatalf("finally sent to %d, the transaction coordinator is %d (sends: %v)", last, kc.Kfake().CoordinatorFor(txnID), sent)
	}
}

// moveTxn moves a transactional id's coordinator and returns the cause the
// test reports for the look-up it forces.
func moveTxn(kc *kafkatest.Cluster, txnID string) error {
	from := kc.Kfake().CoordinatorFor(txnID)
	for kc.Kfake().CoordinatorFor(txnID) == from {
		kc.Kfake().RehashCoordinators()
	}
	return fmt.Errorf("moved %s off broker %d: %w", txnID, from, kerr.NotCoordinator)
}

func TestLeaderRouteFollowsMovedLeaders(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("t", 1))
	cl := newCluster(t, kc)
	first := true
	sent, failure := routed(t, cl, driver.Route{Kind: driver.ToLeader, Key: "t", Partition: 0}, func(context.Context, *cluster.Broker) driver.Result {
		if first {
			first = false
			if err := kc.MoveLeadersOff(kc.Leader("t", 0), "t"); err != nil {
				return driver.Result{Outcome: driver.Fail, Err: err}
			}
			return driver.Result{Outcome: driver.Relookup, Err: kerr.NotLeaderForPartition}
		}
		return driver.Result{Outcome: driver.Done}
	})
	if failure != nil {
		t.Fatalf("%+v", failure)
	}
	if len(sent) != 2 || sent[0] == sent[1] || sent[1] != kc.Leader("t", 0) {
		t.Fatalf("sent to %v; the leader moved to %d", sent, kc.Leader("t", 0))
	}
}

func TestUnknownTopicAndPartitionFailAtOnce(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("t", 2))
	cl := newCluster(t, kc)
	for _, route := range []driver.Route{
		{Kind: driver.ToLeader, Key: "missing", Partition: 0},
		{Kind: driver.ToLeader, Key: "t", Partition: 5},
	} {
		sent, failure := routed(t, cl, route, func(context.Context, *cluster.Broker) driver.Result {
			return driver.Result{Outcome: driver.Done}
		})
		if len(sent) != 0 || failure == nil || failure.Deadline != nil || !errors.Is(failure.Cause, kerr.UnknownTopicOrPartition) {
			t.Fatalf("route %+v: sent %v, failure %+v; want an immediate UNKNOWN_TOPIC_OR_PARTITION", route, sent, failure)
		}
	}
}
