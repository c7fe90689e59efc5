package kafadmin_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/realkafka"
)

// The SCRAM user of the shared real cluster.
const (
	kafkaUser     = "admin"
	kafkaPassword = "admin-secret"
)

// sharedKafka returns the test binary's real Kafka cluster, with TLS and
// SCRAM listeners beside the plain one, and the matrix's topics and records
// in place: orders (6 partitions, 20 records each) and payments (3
// partitions, 10 records each).
func sharedKafka(t *testing.T) *realkafka.Cluster {
	t.Helper()
	rk := realkafka.Shared(t, realkafka.TakeTurns(), realkafka.WithTLS(), realkafka.WithSCRAM(kafkaUser, kafkaPassword), realkafka.DynamicQuorum())
	kafkaTopics.Do(func() {
		ctx := testContext(t)
		kafkaTopics.err = seedKafkaTopics(ctx, rk)
	})
	if kafkaTopics.err != nil {
		t.Fatal(kafkaTopics.err)
	}
	return rk
}

var kafkaTopics struct {
	sync.Once
	err error
}

func seedKafkaTopics(ctx context.Context, rk *realkafka.Cluster) error {
	for _, tp := range []struct {
		topic   string
		parts   int32
		records int
	}{{"orders", ordersParts, ordersRecords}, {"payments", paymentsParts, 10}} {
		if err := rk.CreateTopic(ctx, tp.topic, tp.parts); err != nil {
			return err
		}
		for p := range tp.parts {
			if err := rk.Produce(ctx, tp.topic, p, tp.records); err != nil {
				return err
			}
		}
	}
	return nil
}

// realScenario is one row of the matrix on real Kafka: a fault of a real
// cluster, injected around target, the broker of the row's groups'
// coordinator (or, with leadersOnTarget, of the topics' partition leaders).
type realScenario struct {
	name string
	// target picks the broker to attack; nil takes the brokers in turn,
	// row by row.
	target func(ctx context.Context, rk *realkafka.Cluster) (int32, error)
	// leadersOnTarget moves every partition of the topics to the target
	// and the groups' coordinator off it.
	leadersOnTarget bool
	// inject breaks the cluster once the cells are warm and returns what
	// mends it after the calls (nil if nothing); a fault that mends itself
	// while the calls run does so in a goroutine of its own.
	inject func(t *testing.T, rk *realkafka.Cluster, target int32) (restore func())
	// timesOut reports that a request to the target must have timed out.
	timesOut bool
	// doneWhileDown reports that the calls must return while the target
	// is still down: its groups and partitions moved, and the client must
	// not wait for it.
	doneWhileDown bool
	// brokerDown reports a row that takes a broker down (stopped, killed
	// or paused).
	brokerDown bool
}

// mendAfter runs mend after d in a goroutine, and returns what waits for it
// (running it at once if it has not started).
func mendAfter(t *testing.T, d time.Duration, mend func(ctx context.Context) error) func() {
	ctx := testContext(t)
	return after(t, d, func() error { return mend(ctx) })
}

var realScenarios = []realScenario{
	{
		name: "RST on the coordinator's connections",
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			n, err := rk.ResetConnections(target)
			must(t, err)
			if n == 0 {
				t.Fatal("the warmed-up clients had no connection to reset")
			}
			return nil
		},
	},
	{
		name: "FIN on the coordinator's connections",
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			n, err := rk.CloseConnections(target)
			must(t, err)
			if n == 0 {
				t.Fatal("the warmed-up clients had no connection to close")
			}
			return nil
		},
	},
	{
		name: "coordinator port refused 3s then back",
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			must(t, rk.RefuseConnections(target, true))
			return mendAfter(t, 3*time.Second, func(context.Context) error { return rk.RefuseConnections(target, false) })
		},
	},
	{
		name:          "coordinator stopped with SIGTERM, started 5s later",
		brokerDown:    true,
		doneWhileDown: true,
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			// A controlled shutdown hands the broker's partitions and
			// groups to the others before it exits.
			must(t, rk.StopNode(testContext(t), target))
			return mendAfter(t, 5*time.Second, func(ctx context.Context) error { return rk.StartNode(ctx, target) })
		},
	},
	{
		name:       "coordinator killed with SIGKILL, restarted 2s later",
		brokerDown: true,
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			// Its groups stay with it until its session times out; the
			// restart is accepted only then too.
			must(t, rk.KillNode(target))
			return mendAfter(t, 2*time.Second, func(ctx context.Context) error { return rk.StartNode(ctx, target) })
		},
	},
	{
		name:          "coordinator killed for good",
		brokerDown:    true,
		doneWhileDown: true,
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			must(t, rk.KillNode(target))
			return func() { must(t, rk.StartNode(testContext(t), target)) }
		},
	},
	{
		name:       "coordinator paused 5s then resumed",
		brokerDown: true,
		timesOut:   true,
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			// Shorter than the broker session: nothing moves, and the
			// calls wait for the broker to answer again.
			must(t, rk.PauseNode(target))
			return mendAfter(t, 5*time.Second, func(context.Context) error { return rk.ResumeNode(target) })
		},
	},
	{
		name:          "coordinator paused until fenced",
		brokerDown:    true,
		timesOut:      true,
		doneWhileDown: true,
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			// The calls must follow the groups to their new
			// coordinator while the old one still holds connections
			// open without answering.
			must(t, rk.PauseNode(target))
			return func() { must(t, rk.ResumeNode(target)) }
		},
	},
	{
		name: "coordinator moved, the old one answering NOT_COORDINATOR",
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			ctx := testContext(t)
			for _, to := range rk.BrokerIDs() {
				if to != target {
					must(t, rk.MoveLeader(ctx, "__consumer_offsets", 0, to))
					return nil
				}
			}
			t.Fatal("no other broker to move the coordinator to")
			return nil
		},
	},
	{
		name:       "rolling restart of every broker (SIGTERM)",
		brokerDown: true,
		target: func(_ context.Context, rk *realkafka.Cluster) (int32, error) {
			return rk.BrokerIDs()[0], nil
		},
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			ctx := testContext(t)
			done := make(chan error, 1)
			go func() { done <- rk.RollingRestart(ctx, 0) }()
			// Call while the first broker, the coordinator, is down.
			for rk.Running(target) && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			return func() { must(t, <-done) }
		},
	},
	{
		name:          "active controller, the coordinator, killed",
		brokerDown:    true,
		doneWhileDown: true,
		target: func(ctx context.Context, rk *realkafka.Cluster) (int32, error) {
			return rk.ActiveController(ctx)
		},
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			// The quorum elects another controller first; only that
			// one fences the dead broker.
			must(t, rk.KillNode(target))
			return func() { must(t, rk.StartNode(testContext(t), target)) }
		},
	},
	{
		name:            "partition leader killed",
		brokerDown:      true,
		leadersOnTarget: true,
		doneWhileDown:   true,
		inject: func(t *testing.T, rk *realkafka.Cluster, target int32) func() {
			must(t, rk.KillNode(target))
			return func() { must(t, rk.StartNode(testContext(t), target)) }
		},
	},
}

// runRealRow runs one fault on the shared cluster with every operation's
// call made at once, and checks each as the embedded matrix checks a cell.
func runRealRow(t *testing.T, rk *realkafka.Cluster, row int, sc realScenario) {
	ctx := testContext(t)
	must(t, rk.WaitHealthy(ctx))
	brokers := rk.BrokerIDs()
	target := brokers[row%len(brokers)]
	if sc.target != nil {
		var err error
		target, err = sc.target(ctx, rk)
		must(t, err)
	}
	coordinator := target
	if sc.leadersOnTarget {
		coordinator = brokers[(slices.Index(brokers, target)+1)%len(brokers)]
		for _, topic := range matrixTopics {
			parts := int32(ordersParts)
			if topic == "payments" {
				parts = paymentsParts
			}
			for p := range parts {
				must(t, rk.MoveLeader(ctx, topic, p, target))
			}
		}
	}
	// __consumer_offsets partition i is led by the i-th broker from the
	// coordinator on (skipping the target when only leaders are on it):
	// the row's g-main, g-members and g-del land on partition 0, g-b and
	// g-d on 1, g-c on 2.
	leaders := slices.Clone(brokers)
	if sc.leadersOnTarget {
		leaders = slices.DeleteFunc(leaders, func(id int32) bool { return id == target })
	}
	at := slices.Index(leaders, coordinator)
	for i := range int32(3) {
		must(t, rk.MoveLeader(ctx, "__consumer_offsets", i, leaders[(at+int(i))%len(leaders)]))
	}

	operations := realOperations(sc)
	cells := make([]*cellCall, len(operations))
	var wg sync.WaitGroup
	for i, op := range operations {
		w := newRealWorld(t, rk, fmt.Sprintf("r%d.%d.", row, i), op)
		w.target = target
		cells[i] = &cellCall{w: w, target: target}
		if sc.leadersOnTarget {
			for _, topic := range op.needs {
				must(t, rk.MoveLeader(ctx, w.g(topic), 0, target))
			}
		}
	}
	for _, cell := range cells {
		cell.w.warmUp(t)
	}

	doRestore := restoreOnce(t, sc.inject(t, rk, target))
	for i, op := range operations {
		cell := cells[i]
		wg.Go(func() {
			callCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			cell.err = op.run(callCtx, cell.w)
			cell.took = time.Since(start)
			cell.seen = cell.w.rec.snapshot()
			cell.down = !rk.Running(target) || rk.Paused(target)
		})
	}
	wg.Wait()
	doRestore()

	for i, op := range operations {
		// Only the group operations must see a request to the target
		// time out: the others' brokers are not the target's by design.
		onTarget := slices.Contains(op.routesOf(), toCoordinator)
		t.Run(op.name, func(t *testing.T) { cells[i].check(t, op, sc.doneWhileDown, sc.timesOut && onTarget, false) })
	}
}

// realOperations are the matrix's operations a real row runs: every one,
// but those that need the row's target where it stays down through the
// calls (a call to a broker that is down waits for it), and those that
// need every replica where a broker goes down.
func realOperations(sc realScenario) []operation {
	var out []operation
	for _, op := range operations {
		if (sc.doneWhileDown && op.needsTarget) || (sc.brokerDown && op.needsReplicas) {
			continue
		}
		out = append(out, op)
	}
	return out
}

// newRealWorld seeds one cell's groups on the shared cluster, each named
// with prefix and placed on the partition of __consumer_offsets the row
// wants it on, and connects the cell's warmed-up client.
func newRealWorld(t *testing.T, rk *realkafka.Cluster, prefix string, op operation) *world {
	t.Helper()
	ctx := testContext(t)
	if !slices.Contains(op.routesOf(), toCoordinator) {
		return newRealTopicsWorld(t, rk, prefix, op)
	}
	partitionOf := map[string]int32{"g-main": 0, "g-members": 0, "g-del": 0, "g-b": 1, "g-c": 2, "g-d": 1}
	names := map[string]string{}
	for _, g := range allGroups {
		for k := 0; ; k++ {
			name := fmt.Sprintf("%s%s.%d", prefix, g, k)
			if rk.OffsetsPartition(name) == partitionOf[g] {
				names[g] = name
				break
			}
		}
	}
	w := &world{rk: rk, names: names, rec: &recorder{}}
	commit := func(group, topic string, partitions int32, offset int64) {
		offsets := map[int32]int64{}
		for p := range partitions {
			offsets[p] = offset
		}
		must(t, rk.CommitOffsets(ctx, w.g(group), map[string]map[int32]int64{topic: offsets}))
	}
	commit("g-main", "orders", ordersParts, mainCommitted)
	for i, g := range []string{"g-b", "g-c", "g-d"} {
		commit(g, "payments", paymentsParts, int64(2+i))
	}
	commit("g-del", "orders", 1, 1)
	_, err := rk.JoinMember(ctx, realkafka.Member{Group: w.g("g-members"), InstanceID: memberID, ClientID: memberClient, Topics: []string{"orders"}})
	must(t, err)

	w.cl = newRealClient(t, rk, w.rec)
	return w
}

// newRealTopicsWorld is newRealWorld for an operation that needs no
// groups: it creates the cell topics the operation uses instead.
func newRealTopicsWorld(t *testing.T, rk *realkafka.Cluster, prefix string, op operation) *world {
	t.Helper()
	ctx := testContext(t)
	w := &world{rk: rk, names: map[string]string{"created": prefix + "created"}, rec: &recorder{}, noGroups: true}
	for _, topic := range op.needs {
		w.names[topic] = prefix + topic
		w.own = append(w.own, topic)
		must(t, rk.CreateTopic(ctx, w.g(topic), cellTopics[topic]))
	}
	if slices.Contains(op.needs, "trimmed") {
		must(t, rk.Produce(ctx, w.g("trimmed"), 0, 10))
	}
	w.cl = newRealClient(t, rk, w.rec)
	return w
}

// newRealClient connects a cell's client: as on the embedded cluster, a
// short request and dial timeout, so that a silent broker is noticed in a
// second.
func newRealClient(t *testing.T, rk *realkafka.Cluster, rec *recorder) *kafadmin.Client {
	t.Helper()
	cl, err := kafadmin.NewClient(testContext(t), kafadmin.WithBrokers(rk.Addrs()...), kafadmin.WithHooks(rec),
		kafadmin.WithRequestTimeout(matrixRequestTimeout), kafadmin.WithDialTimeout(time.Second))
	must(t, err)
	t.Cleanup(func() { cl.Close() })
	return cl
}
