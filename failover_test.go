package kafadmin_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
	"github.com/kafadmin/kafadmin/realkafka"
)

// The matrix's world: two topics with records, and groups with known
// commits, spread over at least two coordinators, none on the controller
// (so that the controller's broker is never the one removed for good).
const (
	ordersParts   = 6
	paymentsParts = 3
	ordersRecords = 20
	mainCommitted = 5
	memberClient  = "member-client"
	memberID      = "inst-1"
)

var (
	matrixTopics = []string{"orders", "payments"}
	// cellTopics are topics the operations that change topics change:
	// each cell (on real Kafka, each cell of each row) has its own.
	cellTopics = map[string]int32{"growing": 2, "doomed": 1, "trimmed": 1}
	manyGroups = []string{"g-main", "g-b", "g-c", "g-d"}
	allGroups  = []string{"g-main", "g-b", "g-c", "g-d", "g-del", "g-members"}
)

// matrixRequestTimeout is the request timeout of the matrix's clients:
// short, so that a silent broker is noticed in a second.
const matrixRequestTimeout = time.Second

// world is one matrix cell's cluster and long-lived client. On the embedded
// cluster each cell has a cluster of its own and the groups' and topics'
// names are the logical ones; on real Kafka the cells of a row share one
// cluster, and names maps each logical group and cell topic to the cell's
// own.
type world struct {
	kc    *kafkatest.Cluster
	rk    *realkafka.Cluster
	cl    *kafadmin.Client
	rec   *recorder
	names map[string]string
	// own are the cell topics the world has.
	own []string
	// noGroups reports a world without the matrix's groups (a real cell
	// whose operation does not use them).
	noGroups bool
	// target is the broker the cell's fault hits.
	target int32
}

// g returns the cell's name for a logical group or cell topic.
func (w *world) g(group string) string {
	if name, ok := w.names[group]; ok {
		return name
	}
	return group
}

// topics are the cell's topics: the matrix's and the cell's own.
func (w *world) topics() []string {
	return append(slices.Clone(matrixTopics), w.gs(w.own...)...)
}

// gs returns the cell's names for logical groups.
func (w *world) gs(groups ...string) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = w.g(g)
	}
	return out
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := testContext(t)
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", ordersParts), kafkatest.SeedTopic("payments", paymentsParts))
	produce(t, kc, "orders", ordersParts, ordersRecords)
	produce(t, kc, "payments", paymentsParts, 10)
	commitAll(t, kc, "g-main", "orders", ordersParts, mainCommitted)
	for i, g := range []string{"g-b", "g-c", "g-d"} {
		commitAll(t, kc, g, "payments", paymentsParts, int64(2+i))
	}
	commitAll(t, kc, "g-del", "orders", 1, 1)
	for topic, parts := range cellTopics {
		must(t, kc.CreateTopic(topic, parts))
	}
	produce(t, kc, "trimmed", 1, 10)
	_, err := kc.JoinMember(ctx, kafkatest.Member{Group: "g-members", InstanceID: memberID, ClientID: memberClient, Topics: []string{"orders"}})
	must(t, err)
	placeGroups(t, kc)

	rec := &recorder{}
	// A short request and dial timeout lets a black-holed broker be
	// detected in a second; backoff stays the default.
	cl := newClient(t, kc, kafadmin.WithHooks(rec), kafadmin.WithRequestTimeout(matrixRequestTimeout), kafadmin.WithDialTimeout(time.Second))
	w := &world{kc: kc, cl: cl, rec: rec, own: slices.Sorted(maps.Keys(cellTopics))}
	w.warmUp(t)
	return w
}

// placeGroups moves the groups off the controller, until manyGroups span at
// least two coordinators.
func placeGroups(t *testing.T, kc *kafkatest.Cluster) {
	t.Helper()
	for range 100 {
		must(t, kc.MoveCoordinatorsOff(kc.Controller(), allGroups...))
		coords := map[int32]bool{}
		for _, g := range manyGroups {
			coords[kc.Coordinator(g)] = true
		}
		if len(coords) >= 2 {
			return
		}
		_, err := kc.MoveCoordinator("g-main", kc.Controller())
		must(t, err)
	}
	t.Fatal("could not spread the groups over two coordinators")
}

// warmUp makes the client what a long-running monitor's is: connected to
// every broker, with every group's coordinator and the topics cached.
func (w *world) warmUp(t *testing.T) {
	t.Helper()
	ctx := testContext(t)
	if !w.noGroups {
		_, err := w.cl.FetchOffsets(ctx, w.gs(allGroups...)...)
		must(t, err)
		_, err = w.cl.DescribeGroups(ctx, w.gs(allGroups...)...)
		must(t, err)
		_, err = w.cl.Lag(ctx, w.g("g-main"))
		must(t, err)
	}
	_, err := w.cl.ListGroups(ctx, kafadmin.GroupFilter{})
	must(t, err)
	_, err = w.cl.DescribeTopics(ctx, w.topics()...)
	must(t, err)
	_, err = w.cl.BrokerAPIVersions(ctx)
	must(t, err)
	_, err = w.cl.DescribeCluster(ctx)
	must(t, err)
	w.rec.reset()
}

// route is how an operation's requests find their broker: a row's fault
// hits the operations of its routes.
type route uint8

const (
	toCoordinator route = iota
	toLeader
	toController
	toBroker // a named broker
	toAnyBroker
	toEveryBroker
)

var everyRoute = []route{toCoordinator, toLeader, toController, toBroker, toAnyBroker, toEveryBroker}

// operation is one admin call of the matrix, with its check.
type operation struct {
	name string
	// routes are the operation's routes, toCoordinator when empty.
	routes []route
	// group is the group whose coordinator the scenario attacks; "" for
	// ListGroups, whose faults target g-main's coordinator.
	group string
	// leaderOf is the topic whose partition 0's leader a leader-route
	// scenario attacks.
	leaderOf string
	// everyBroker reports an operation that needs every broker: it
	// cannot be done while one is down, nor follow a silent one's keys.
	everyBroker bool
	// changes reports an operation that changes the cluster and is not
	// idempotent: the row that loses an answer applies to it.
	changes bool
	// needs are the cell topics the operation uses.
	needs []string
	// needsTarget reports an operation that cannot succeed while the
	// attacked broker is down: a named broker's, or a preferred election
	// whose preferred leader may be it.
	needsTarget bool
	// needsReplicas reports an operation that fails, rightly, while a
	// replica is down: a preferred election whose preferred leader is
	// down answers PREFERRED_LEADER_NOT_AVAILABLE (on real Kafka, where
	// every broker holds a replica of every partition).
	needsReplicas bool
	// apis are the requests the operation sends to that coordinator.
	apis []kmsg.Key
	// run calls the operation and checks its result.
	run func(ctx context.Context, w *world) error
	// verify checks the cluster after the faults are over, for operations
	// that change it.
	verify func(ctx context.Context, w *world) error
}

type scenario struct {
	name string
	// routes are the routes whose operations the row applies to.
	routes []route
	// lostAnswer is the row that makes a change and loses its answer:
	// it applies to the operations that change the cluster.
	lostAnswer bool
	// inject breaks the cluster around target, the coordinator of the
	// operation's group, and returns how to restore it after the call, and
	// the faults whose hits prove the scenario happened.
	inject func(t *testing.T, w *world, op operation, target int32) (restore func(), faults *kfake.FaultHandle)
	// timesOut reports that a request timeout must have fired.
	timesOut bool
	// follows reports a silent target whose groups move away: calls on
	// them must follow at once, without waiting for a request to the
	// target to time out (calls with no group, ListGroups, must wait).
	follows bool
	// doneWhileDown reports that the calls on groups must return before
	// the fault ends: the groups moved away from the broken broker, and
	// the client must not wait for it.
	doneWhileDown bool
}

// after runs heal after d, and returns what runs it at once if it has not
// run yet and waits for it.
func after(t *testing.T, d time.Duration, heal func() error) (restore func()) {
	done := make(chan error, 1)
	timer := time.AfterFunc(d, func() { done <- heal() })
	return func() {
		if timer.Stop() {
			done <- heal()
		}
		must(t, <-done)
	}
}

var operations = []operation{
	{
		name: "DescribeGroups", group: "g-members", apis: []kmsg.Key{kmsg.DescribeGroups},
		run: func(ctx context.Context, w *world) error {
			d, err := w.cl.DescribeGroups(ctx, w.g("g-members"), w.g("g-main"))
			if err != nil {
				return err
			}
			gm := d[w.g("g-members")]
			if gm.State != "Stable" || len(gm.Members) != 1 {
				return fmt.Errorf("g-members: state %q with %d members, want Stable with 1", gm.State, len(gm.Members))
			}
			m := gm.Members[0]
			if m.InstanceID != memberID || m.ClientID != memberClient || len(m.Assigned["orders"]) != ordersParts {
				return fmt.Errorf("g-members member: %+v, want instance %s, client %s, all %d orders partitions", m, memberID, memberClient, ordersParts)
			}
			if d[w.g("g-main")].State != "Empty" {
				return fmt.Errorf("g-main: state %q, want Empty", d[w.g("g-main")].State)
			}
			return nil
		},
	},
	{
		name: "FetchOffsets", group: "g-main", apis: []kmsg.Key{kmsg.OffsetFetch},
		run: func(ctx context.Context, w *world) error {
			o, err := w.cl.FetchOffsets(ctx, w.g("g-main"))
			if err != nil {
				return err
			}
			return checkOffsets(o[w.g("g-main")], "orders", ordersParts, mainCommitted)
		},
	},
	{
		name: "FetchOffsets/many groups", group: "g-main", apis: []kmsg.Key{kmsg.OffsetFetch},
		run: func(ctx context.Context, w *world) error {
			o, err := w.cl.FetchOffsets(ctx, w.gs(manyGroups...)...)
			if err != nil {
				return err
			}
			if err := checkOffsets(o[w.g("g-main")], "orders", ordersParts, mainCommitted); err != nil {
				return err
			}
			for i, g := range []string{"g-b", "g-c", "g-d"} {
				if err := checkOffsets(o[w.g(g)], "payments", paymentsParts, int64(2+i)); err != nil {
					return err
				}
			}
			return nil
		},
	},
	{
		name: "CommitOffsets", group: "g-main", apis: []kmsg.Key{kmsg.OffsetCommit},
		run: func(ctx context.Context, w *world) error {
			offsets := map[kafadmin.TopicPartition]int64{}
			for p := range int32(ordersParts) {
				offsets[tp("orders", p)] = 7
			}
			res, err := w.cl.CommitOffsets(ctx, w.g("g-main"), offsets)
			if err != nil {
				return err
			}
			if len(res) != ordersParts {
				return fmt.Errorf("commit answered for %d partitions, want %d", len(res), ordersParts)
			}
			return nil
		},
		verify: func(ctx context.Context, w *world) error {
			o, err := w.cl.FetchOffsets(ctx, w.g("g-main"))
			if err != nil {
				return err
			}
			return checkOffsets(o[w.g("g-main")], "orders", ordersParts, 7)
		},
	},
	{
		name: "DeleteOffsets", group: "g-main", apis: []kmsg.Key{kmsg.OffsetDelete},
		run: func(ctx context.Context, w *world) error {
			_, err := w.cl.DeleteOffsets(ctx, w.g("g-main"), tp("orders", 0), tp("orders", 1))
			return err
		},
		verify: func(ctx context.Context, w *world) error {
			o, err := w.cl.FetchOffsets(ctx, w.g("g-main"))
			if err != nil {
				return err
			}
			if got, want := offsetsOf(o[w.g("g-main")]), "orders/2=5 orders/3=5 orders/4=5 orders/5=5"; got != want {
				return fmt.Errorf("offsets after deleting orders/0 and orders/1: %s, want %s", got, want)
			}
			return nil
		},
	},
	{
		name: "DeleteGroups", group: "g-del", apis: []kmsg.Key{kmsg.DeleteGroups},
		run: func(ctx context.Context, w *world) error {
			res, err := w.cl.DeleteGroups(ctx, w.g("g-del"))
			if err != nil {
				return err
			}
			if res[w.g("g-del")].Err != nil {
				return res[w.g("g-del")].Err
			}
			return nil
		},
		verify: func(ctx context.Context, w *world) error {
			_, err := w.cl.DescribeGroups(ctx, w.g("g-del"))
			if !errors.Is(err, kerr.GroupIDNotFound) {
				return fmt.Errorf("describing the deleted group: %v, want GROUP_ID_NOT_FOUND", err)
			}
			return nil
		},
	},
	{
		name: "RemoveMembers", group: "g-members", apis: []kmsg.Key{kmsg.LeaveGroup},
		run: func(ctx context.Context, w *world) error {
			_, err := w.cl.RemoveMembers(ctx, w.g("g-members"), memberID)
			return err
		},
		verify: func(ctx context.Context, w *world) error {
			d, err := w.cl.DescribeGroups(ctx, w.g("g-members"))
			if err != nil {
				return err
			}
			if n := len(d[w.g("g-members")].Members); n != 0 {
				return fmt.Errorf("g-members has %d members after removing its only one", n)
			}
			return nil
		},
	},
	{
		name: "ListGroups", everyBroker: true, apis: []kmsg.Key{kmsg.ListGroups},
		run: func(ctx context.Context, w *world) error {
			listed, err := w.cl.ListGroups(ctx, kafadmin.GroupFilter{})
			if err != nil {
				return err
			}
			var names []string
			for _, g := range listed {
				names = append(names, g.Group)
			}
			want := slices.Sorted(slices.Values(w.gs(allGroups...)))
			if w.rk == nil {
				if !slices.Equal(names, want) {
					return fmt.Errorf("listed %v, want %v", names, want)
				}
				return nil
			}
			// A shared real cluster holds other cells' groups too.
			if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
				return fmt.Errorf("listed groups out of order or more than once: %v", names)
			}
			for _, g := range want {
				if _, found := slices.BinarySearch(names, g); !found {
					return fmt.Errorf("group %s is missing from the %d listed", g, len(names))
				}
			}
			return nil
		},
	},
	{
		name: "Lag", group: "g-main", apis: []kmsg.Key{kmsg.OffsetFetch, kmsg.DescribeGroups},
		run: func(ctx context.Context, w *world) error {
			lags, err := w.cl.Lag(ctx, w.g("g-main"))
			if err != nil {
				return err
			}
			gl := lags[w.g("g-main")]
			if want := int64(ordersParts * (ordersRecords - mainCommitted)); gl.TotalLag != want || len(gl.Partitions) != ordersParts {
				return fmt.Errorf("lag %d over %d partitions, want %d over %d", gl.TotalLag, len(gl.Partitions), want, ordersParts)
			}
			for _, p := range gl.Partitions {
				if p.Committed != mainCommitted || p.LogEnd != ordersRecords || p.LogStart != 0 || p.Lag != ordersRecords-mainCommitted {
					return fmt.Errorf("partition %+v, want committed %d, log 0..%d", p, mainCommitted, ordersRecords)
				}
			}
			return nil
		},
	},
	{
		name: "CreateTopics", routes: []route{toController}, changes: true, apis: []kmsg.Key{kmsg.CreateTopics},
		run: func(ctx context.Context, w *world) error {
			res, err := w.cl.CreateTopics(ctx, kafadmin.NewTopic{Name: w.g("created"), Partitions: 3, ReplicationFactor: 2})
			if err != nil {
				return err
			}
			if c := res[w.g("created")]; c.Partitions != 3 {
				return fmt.Errorf("created %+v, want 3 partitions", c)
			}
			return nil
		},
		verify: func(ctx context.Context, w *world) error {
			return eventually(ctx, func() error { return checkPartitionCount(ctx, w, w.g("created"), 3) })
		},
	},
	{
		name: "CreatePartitions", routes: []route{toController}, changes: true, needs: []string{"growing"}, apis: []kmsg.Key{kmsg.CreatePartitions},
		run: func(ctx context.Context, w *world) error {
			res, err := w.cl.CreatePartitions(ctx, kafadmin.NewPartitions{Topic: w.g("growing"), Count: 4})
			if err != nil {
				return err
			}
			if g := res[w.g("growing")]; g.Count != 4 {
				return fmt.Errorf("grown %+v, want 4 partitions", g)
			}
			return nil
		},
		verify: func(ctx context.Context, w *world) error {
			return eventually(ctx, func() error { return checkPartitionCount(ctx, w, w.g("growing"), 4) })
		},
	},
	{
		name: "DeleteTopics", routes: []route{toController}, changes: true, needs: []string{"doomed"}, apis: []kmsg.Key{kmsg.DeleteTopics},
		run: func(ctx context.Context, w *world) error {
			_, err := w.cl.DeleteTopics(ctx, w.g("doomed"))
			return err
		},
		verify: func(ctx context.Context, w *world) error {
			return eventually(ctx, func() error {
				if _, err := w.cl.DescribeTopics(ctx, w.g("doomed")); !errors.Is(err, kerr.UnknownTopicOrPartition) {
					return fmt.Errorf("describing the deleted topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
				}
				return nil
			})
		},
	},
	{
		name: "ListOffsets", routes: []route{toLeader}, leaderOf: "orders", apis: []kmsg.Key{kmsg.ListOffsets},
		run: func(ctx context.Context, w *world) error {
			var tps []kafadmin.TopicPartition
			for p := range int32(ordersParts) {
				tps = append(tps, tp("orders", p))
			}
			ends, err := w.cl.ListPartitionOffsets(ctx, kafadmin.Latest(), tps...)
			if err != nil {
				return err
			}
			for _, o := range ends.Sorted() {
				if o.Offset != ordersRecords {
					return fmt.Errorf("log ends %+v, want %d each", ends.Sorted(), ordersRecords)
				}
			}
			return nil
		},
	},
	{
		name: "DeleteRecords", routes: []route{toLeader}, leaderOf: "trimmed", changes: true, needs: []string{"trimmed"}, apis: []kmsg.Key{kmsg.DeleteRecords},
		run: func(ctx context.Context, w *world) error {
			res, err := w.cl.DeleteRecords(ctx, map[kafadmin.TopicPartition]int64{tp(w.g("trimmed"), 0): 4})
			if err != nil {
				return err
			}
			if d := res[tp(w.g("trimmed"), 0)]; d.LogStart != 4 {
				return fmt.Errorf("records deleted to %+v, want log start 4", d)
			}
			return nil
		},
		verify: func(ctx context.Context, w *world) error {
			starts, err := w.cl.ListPartitionOffsets(ctx, kafadmin.Earliest(), tp(w.g("trimmed"), 0))
			if err != nil {
				return err
			}
			if o := starts[tp(w.g("trimmed"), 0)]; o.Offset != 4 {
				return fmt.Errorf("log start %d after deleting records before 4", o.Offset)
			}
			return nil
		},
	},
	{
		name: "DescribeTopics", routes: []route{toAnyBroker}, apis: []kmsg.Key{kmsg.Metadata},
		run: func(ctx context.Context, w *world) error {
			d, err := w.cl.DescribeTopics(ctx, matrixTopics...)
			if err != nil {
				return err
			}
			if n, m := len(d["orders"].Partitions), len(d["payments"].Partitions); n != ordersParts || m != paymentsParts {
				return fmt.Errorf("described %d and %d partitions, want %d and %d", n, m, ordersParts, paymentsParts)
			}
			return nil
		},
	},
	{
		name: "DescribeCluster", routes: []route{toAnyBroker}, apis: []kmsg.Key{kmsg.DescribeCluster},
		run: func(ctx context.Context, w *world) error {
			d, err := w.cl.DescribeCluster(ctx)
			if err != nil {
				return err
			}
			if d.ClusterID == "" || len(d.Brokers) == 0 {
				return fmt.Errorf("cluster described as %+v", d)
			}
			return nil
		},
	},
	{
		name: "DescribeConfigs", routes: []route{toAnyBroker}, apis: []kmsg.Key{kmsg.DescribeConfigs},
		run: func(ctx context.Context, w *world) error {
			d, err := w.cl.DescribeConfigs(ctx, kafadmin.TopicResource("orders"))
			if err != nil {
				return err
			}
			if _, ok := d[kafadmin.TopicResource("orders")].Get("retention.ms"); !ok {
				return fmt.Errorf("orders' configs lack retention.ms: %+v", d.Sorted())
			}
			return nil
		},
	},
	{
		name: "IncrementalAlterConfigs", routes: []route{toAnyBroker}, apis: []kmsg.Key{kmsg.IncrementalAlterConfigs},
		run: func(ctx context.Context, w *world) error {
			_, err := w.cl.IncrementalAlterConfigs(ctx, map[kafadmin.ConfigResource][]kafadmin.ConfigChange{
				kafadmin.TopicResource("orders"): {kafadmin.SetConfig("retention.ms", "3600000")},
			})
			return err
		},
		verify: func(ctx context.Context, w *world) error {
			d, err := w.cl.DescribeConfigs(ctx, kafadmin.TopicResource("orders"))
			if err != nil {
				return err
			}
			if e, ok := d[kafadmin.TopicResource("orders")].Get("retention.ms"); !ok || e.Value == nil || *e.Value != "3600000" {
				return fmt.Errorf("orders' retention.ms after setting it to 3600000: %+v", e)
			}
			return nil
		},
	},
	{
		name: "ElectLeaders", routes: []route{toController}, needsTarget: true, needsReplicas: true, apis: []kmsg.Key{kmsg.ElectLeaders},
		run: func(ctx context.Context, w *world) error {
			_, err := w.cl.ElectLeaders(ctx, kafadmin.PreferredElection, tp("orders", 0))
			return err
		},
	},
	{
		name: "ListPartitionReassignments", routes: []route{toController}, apis: []kmsg.Key{kmsg.ListPartitionReassignments},
		run: func(ctx context.Context, w *world) error {
			_, err := w.cl.ListPartitionReassignments(ctx, tp("orders", 0))
			return err
		},
	},
	{
		name: "DescribeLogDirs/named broker", routes: []route{toBroker}, needsTarget: true, apis: []kmsg.Key{kmsg.DescribeLogDirs},
		run: func(ctx context.Context, w *world) error {
			d, err := w.cl.DescribeLogDirs(ctx, []int32{w.target})
			if err != nil {
				return err
			}
			if len(d[w.target].Dirs) == 0 {
				return fmt.Errorf("broker %d described no log dirs", w.target)
			}
			return nil
		},
	},
	{
		name: "DescribeLogDirs/every broker", routes: []route{toEveryBroker}, everyBroker: true, apis: []kmsg.Key{kmsg.DescribeLogDirs},
		run: func(ctx context.Context, w *world) error {
			d, err := w.cl.DescribeLogDirs(ctx, nil)
			if err != nil {
				return err
			}
			for _, b := range d.Sorted() {
				if len(b.Dirs) == 0 {
					return fmt.Errorf("broker %d described no log dirs", b.Broker)
				}
			}
			return nil
		},
	},
	{
		name: "BrokerAPIVersions/named broker", routes: []route{toBroker}, needsTarget: true, apis: []kmsg.Key{kmsg.ApiVersions},
		run: func(ctx context.Context, w *world) error {
			v, err := w.cl.BrokerAPIVersions(ctx, w.target)
			if err != nil {
				return err
			}
			return servesOffsetFetch(v[w.target])
		},
	},
	{
		name: "BrokerAPIVersions/every broker", routes: []route{toEveryBroker}, everyBroker: true, apis: []kmsg.Key{kmsg.ApiVersions},
		run: func(ctx context.Context, w *world) error {
			v, err := w.cl.BrokerAPIVersions(ctx)
			if err != nil {
				return err
			}
			if len(v) == 0 {
				return errors.New("no broker answered")
			}
			for _, b := range v.Sorted() {
				if err := servesOffsetFetch(b); err != nil {
					return err
				}
			}
			return nil
		},
	},
}

// eventually polls check until it passes or 10 s have passed: brokers learn
// a change from the controller one by one, and on real Kafka a broker just
// resumed from a pause answers from stale metadata for a moment.
func eventually(ctx context.Context, check func() error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// checkPartitionCount checks a topic's partition count in fresh metadata.
func checkPartitionCount(ctx context.Context, w *world, topic string, want int) error {
	d, err := w.cl.DescribeTopics(ctx, topic)
	if err != nil {
		return err
	}
	if n := len(d[topic].Partitions); n != want {
		return fmt.Errorf("topic %s has %d partitions, want %d", topic, n, want)
	}
	return nil
}

func servesOffsetFetch(v kafadmin.APIVersions) error {
	if !slices.ContainsFunc(v.APIs, func(r kafadmin.APIVersionRange) bool { return r.Name == "OffsetFetch" && r.Max >= 8 }) {
		return fmt.Errorf("broker %d serves %d APIs, without OffsetFetch v8: %v", v.Broker, len(v.APIs), v.Err)
	}
	return nil
}

// routesOf is the operation's routes.
func (op operation) routesOf() []route {
	if len(op.routes) == 0 {
		return []route{toCoordinator}
	}
	return op.routes
}

// applies reports whether a row's fault is one for the operation.
func (sc scenario) applies(op operation) bool {
	if sc.lostAnswer {
		return op.changes
	}
	return slices.ContainsFunc(op.routesOf(), func(r route) bool { return slices.Contains(sc.routes, r) })
}

// targetOf is the broker an operation's row attacks on the embedded
// cluster: its group's coordinator, its topic's leader, the controller, or
// for the other routes a broker that is not the controller (so that the
// controller's broker is never the one removed for good).
func targetOf(w *world, op operation) int32 {
	switch op.routesOf()[0] {
	case toLeader:
		return w.kc.Leader(op.leaderOf, 0)
	case toController:
		return w.kc.Controller()
	case toBroker, toAnyBroker, toEveryBroker:
		for _, id := range w.kc.NodeIDs() {
			if id != w.kc.Controller() {
				return id
			}
		}
	}
	return w.kc.Coordinator(cmpOr(op.group, "g-main"))
}

func checkOffsets(o kafadmin.GroupOffsets, topic string, partitions int32, offset int64) error {
	if o.Err != nil {
		return o.Err
	}
	if got, want := offsetsOf(o), wantOffsets(topic, partitions, offset); got != want {
		return fmt.Errorf("group %s offsets %s, want %s", o.Group, got, want)
	}
	return nil
}

// fault installs an error-code fault on the operation's requests to its
// group's coordinator, its topic's leader, or the broker attacked.
func fault(w *world, op operation, target int32, code *kerr.Error) *kfake.FaultHandle {
	f := kfake.Fault{Keys: op.apis, Group: op.group, Err: code, Count: 3}
	switch {
	case op.leaderOf != "":
		f.Topic, f.Partitions = w.g(op.leaderOf), []int32{0}
	case op.group == "":
		f.Nodes = []int32{target}
	}
	return w.kc.FailNext(f)
}

// Rows' routes.
var (
	coordinatorRows = []route{toCoordinator}
	movingRows      = []route{toCoordinator, toLeader}
	brokerRows      = []route{toCoordinator, toLeader, toController, toBroker, toEveryBroker}
)

var scenarios = []scenario{
	{
		name:   "RST on the target's connections",
		routes: everyRoute,
		inject: func(t *testing.T, w *world, _ operation, target int32) (func(), *kfake.FaultHandle) {
			n, err := w.kc.ResetConnections(target)
			must(t, err)
			if n == 0 {
				t.Fatal("the warmed-up client had no connection to reset")
			}
			return nil, nil
		},
	},
	{
		name:   "FIN on the target's connections",
		routes: everyRoute,
		inject: func(t *testing.T, w *world, _ operation, target int32) (func(), *kfake.FaultHandle) {
			n, err := w.kc.CloseConnections(target)
			must(t, err)
			if n == 0 {
				t.Fatal("the warmed-up client had no connection to close")
			}
			return nil, nil
		},
	},
	{
		name:   "target's port refused 3s then back",
		routes: brokerRows,
		inject: func(t *testing.T, w *world, _ operation, target int32) (func(), *kfake.FaultHandle) {
			must(t, w.kc.StopBroker(target))
			return after(t, 3*time.Second, func() error { return w.kc.StartBroker(target) }), nil
		},
	},
	{
		name:          "coordinator stopped, its groups and leaders moved while down",
		routes:        movingRows,
		doneWhileDown: true,
		inject: func(t *testing.T, w *world, _ operation, target int32) (func(), *kfake.FaultHandle) {
			// The broker comes back after 4s. The group calls must be
			// answered by the new coordinator before that; ListGroups,
			// which needs every broker kfake still lists, after.
			must(t, w.kc.StopBroker(target))
			must(t, w.kc.MoveCoordinatorsOff(target, allGroups...))
			must(t, w.kc.MoveLeadersOff(target, w.topics()...))
			return after(t, 4*time.Second, func() error { return w.kc.StartBroker(target) }), nil
		},
	},
	{
		name:   "target broker removed for good",
		routes: []route{toCoordinator, toEveryBroker},
		inject: func(t *testing.T, w *world, _ operation, target int32) (func(), *kfake.FaultHandle) {
			must(t, w.kc.RemoveBroker(target))
			return nil, nil
		},
	},
	{
		name:   "coordinator moved, the old one answering NOT_COORDINATOR",
		routes: coordinatorRows,
		inject: func(t *testing.T, w *world, op operation, target int32) (func(), *kfake.FaultHandle) {
			group := cmpOr(op.group, "g-main")
			to, err := w.kc.MoveCoordinator(group, -1)
			must(t, err)
			if to == target {
				t.Fatalf("group %s did not move off %d", group, target)
			}
			return nil, nil
		},
	},
	{
		name:   "NOT_COORDINATOR x3",
		routes: coordinatorRows,
		inject: func(_ *testing.T, w *world, op operation, target int32) (func(), *kfake.FaultHandle) {
			return nil, fault(w, op, target, kerr.NotCoordinator)
		},
	},
	{
		name:   "COORDINATOR_LOAD_IN_PROGRESS x3",
		routes: coordinatorRows,
		inject: func(_ *testing.T, w *world, op operation, target int32) (func(), *kfake.FaultHandle) {
			return nil, fault(w, op, target, kerr.CoordinatorLoadInProgress)
		},
	},
	{
		name:   "COORDINATOR_NOT_AVAILABLE x3 on FindCoordinator",
		routes: coordinatorRows,
		inject: func(t *testing.T, w *world, op operation, _ int32) (func(), *kfake.FaultHandle) {
			if op.group == "" {
				// ListGroups looks no coordinator up: the cell checks
				// that the move and the faults leave it unharmed.
				_, err := w.kc.MoveCoordinator("g-main", -1)
				must(t, err)
				w.kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.FindCoordinator}, Err: kerr.CoordinatorNotAvailable, Count: 3})
				return nil, nil
			}
			h := w.kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.FindCoordinator}, Group: op.group, Err: kerr.CoordinatorNotAvailable, Count: 3})
			_, err := w.kc.MoveCoordinator(op.group, -1)
			must(t, err)
			return nil, h
		},
	},
	{
		name:          "black-holed coordinator whose groups and leaders then move",
		routes:        movingRows,
		timesOut:      true,
		follows:       true,
		doneWhileDown: true,
		inject: func(t *testing.T, w *world, _ operation, target int32) (func(), *kfake.FaultHandle) {
			// A stall: the broker accepts and reads but answers nothing
			// for 4s, and the cluster moves its groups and leaders away
			// meanwhile. The group calls must not wait for the stall to
			// end, nor for their requests to time out (1s): a request
			// unanswered for StallAfter has its keys looked up again,
			// and follows them. ListGroups, which needs every broker,
			// times out and is answered once the stall ends.
			must(t, w.kc.SetBlackhole(target, true))
			must(t, w.kc.MoveCoordinatorsOff(target, allGroups...))
			must(t, w.kc.MoveLeadersOff(target, w.topics()...))
			return after(t, 4*time.Second, func() error { return w.kc.SetBlackhole(target, false) }), nil
		},
	},
	{
		name:   "rolling restart of every broker",
		routes: everyRoute,
		inject: func(t *testing.T, w *world, _ operation, _ int32) (func(), *kfake.FaultHandle) {
			ctx := testContext(t)
			done := make(chan error, 1)
			go func() { done <- w.kc.RollingRestart(ctx, 700*time.Millisecond, 300*time.Millisecond) }()
			// Call while the first broker is down.
			for w.kc.Running(w.kc.NodeIDs()[0]) && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			return func() { must(t, <-done) }, nil
		},
	},
	{
		name:   "NOT_CONTROLLER x3",
		routes: []route{toController},
		inject: func(_ *testing.T, w *world, op operation, target int32) (func(), *kfake.FaultHandle) {
			return nil, fault(w, op, target, kerr.NotController)
		},
	},
	{
		name:   "NOT_LEADER_OR_FOLLOWER x3",
		routes: []route{toLeader},
		inject: func(_ *testing.T, w *world, op operation, target int32) (func(), *kfake.FaultHandle) {
			return nil, fault(w, op, target, kerr.NotLeaderForPartition)
		},
	},
	{
		name:   "leader moved, the old one answering NOT_LEADER_OR_FOLLOWER",
		routes: []route{toLeader},
		inject: func(t *testing.T, w *world, op operation, target int32) (func(), *kfake.FaultHandle) {
			must(t, w.kc.MoveLeadersOff(target, w.g(op.leaderOf)))
			if w.kc.Leader(w.g(op.leaderOf), 0) == target {
				t.Fatalf("%s/0 did not move off broker %d", op.leaderOf, target)
			}
			return nil, nil
		},
	},
	{
		name:          "a broker refusing for 3s, the others serving",
		routes:        []route{toAnyBroker},
		doneWhileDown: true,
		inject: func(t *testing.T, w *world, _ operation, target int32) (func(), *kfake.FaultHandle) {
			must(t, w.kc.StopBroker(target))
			return after(t, 3*time.Second, func() error { return w.kc.StartBroker(target) }), nil
		},
	},
	{
		name:       "a change applied, its answer lost",
		lostAnswer: true,
		inject: func(t *testing.T, w *world, op operation, _ int32) (func(), *kfake.FaultHandle) {
			lost := loseNextAnswer(t, w.kc, op.apis[0])
			return func() {
				if lost() != 1 {
					t.Errorf("%d answers lost, want 1: the scenario did not happen", lost())
				}
			}, nil
		},
	},
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Bounds on what one call may send: a retry storm would send hundreds of
// requests per second. The worst embedded cell, Lag through 3 s of a
// refused port (its describe and its offset fetch each retrying about five
// times a second), sends about 45 requests and dials about 35 times. A call
// that waits longer (on real Kafka, for a dead broker to be fenced after 9 s)
// may send more at the same rate.
const (
	maxRequestsPerCall     = 150
	maxDialsPerCall        = 60
	maxRequestsPerExtraSec = 30
	maxDialsPerExtraSec    = 12
	boundsCoverCallsOfUpTo = 3 * time.Second
)

// callBounds returns the most requests and dials a call that took took may
// send.
func callBounds(took time.Duration) (requests, dials int) {
	extra := max(0, took-boundsCoverCallsOfUpTo).Seconds()
	return maxRequestsPerCall + int(maxRequestsPerExtraSec*extra), maxDialsPerCall + int(maxDialsPerExtraSec*extra)
}

// TestFailoverMatrix runs every operation under every fault of its routes
// and requires the right result and a nil error within the call's
// deadline, proof that the fault happened, and no retry storm. A row's
// target is the broker an operation's requests go to: its group's
// coordinator, its partition's leader, the controller, the broker it names,
// or (for any-broker and every-broker operations) a broker other than the
// controller. On the embedded cluster each cell
// has a fresh cluster and a warmed-up client, as a long-lived monitor's
// would be; on real Apache Kafka a row's fault hits the cells of every
// operation at once, each with its own groups and warmed-up client, on one
// cluster shared by the rows.
func TestFailoverMatrix(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				for _, op := range operations {
					if !sc.applies(op) {
						continue
					}
					t.Run(op.name, func(t *testing.T) {
						runCell(t, sc, op)
					})
				}
			})
		}
	})
	t.Run("kafka", func(t *testing.T) {
		rk := sharedKafka(t)
		for i, sc := range realScenarios {
			t.Run(sc.name, func(t *testing.T) { runRealRow(t, rk, i, sc) })
		}
	})
}

func runCell(t *testing.T, sc scenario, op operation) {
	w := newWorld(t)
	target := targetOf(w, op)
	w.target = target
	restore, faults := sc.inject(t, w, op, target)
	doRestore := restoreOnce(t, restore)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := cellCall{w: w, target: target}
	start := time.Now()
	c.err = op.run(ctx, w)
	c.took = time.Since(start)
	c.seen = w.rec.snapshot()
	c.down = restore != nil && !healed(w, sc, target)
	doRestore()

	if faults != nil && faults.Hits() != 3 {
		t.Fatalf("the injected error code answered %d requests, want 3: the scenario did not happen", faults.Hits())
	}
	follows := sc.follows && !op.everyBroker
	c.check(t, op, sc.doneWhileDown && !op.everyBroker, sc.timesOut && !follows, follows)
}

// restoreOnce returns what runs restore (nil: nothing) once, now or when
// the test ends, whichever comes first.
func restoreOnce(t *testing.T, restore func()) func() {
	var once sync.Once
	do := func() {
		once.Do(func() {
			if restore != nil {
				restore()
			}
		})
	}
	t.Cleanup(do)
	return do
}

// cellCall is what one cell's call did.
type cellCall struct {
	w      *world
	target int32 // the broker the fault hit
	err    error
	took   time.Duration
	seen   recorder
	// down reports that the fault was not mended when the call returned.
	down bool
}

// check fails the cell unless its call returned the right result with a
// nil error, before the fault was mended if mustBeDown, after a request to
// the target timed out if timesOut, before any could if follows, without a
// retry storm, and leaving the cluster as the operation's verify expects.
func (c *cellCall) check(t *testing.T, op operation, mustBeDown, timesOut, follows bool) {
	t.Helper()
	if c.err != nil {
		t.Fatalf("after %v: %v", c.took, c.err)
	}
	if mustBeDown && !c.down {
		t.Fatalf("the call returned after broker %d recovered: it waited for the broken broker instead of the group's new coordinator", c.target)
	}
	if timesOut && !c.w.rec.sawDisconnect(c.target, "request timeout") {
		t.Fatalf("no request to broker %d timed out; disconnects: %v", c.target, c.seen.disconnects)
	}
	if follows && (c.took >= matrixRequestTimeout || c.w.rec.sawDisconnect(c.target, "request timeout")) {
		t.Fatalf("the call took %v and a request to the silent broker %d timed out: it waited for it instead of following its groups; retries %+v", c.took, c.target, c.seen.retries)
	}
	if maxReq, maxDials := callBounds(c.took); c.seen.requests > maxReq || c.seen.dials > maxDials {
		t.Fatalf("one call sent %d requests and dialed %d times in %v: a retry storm (bounds %d and %d)", c.seen.requests, c.seen.dials, c.took, maxReq, maxDials)
	}
	if op.verify != nil {
		vctx, vcancel := context.WithTimeout(context.Background(), time.Minute)
		defer vcancel()
		if err := op.verify(vctx, c.w); err != nil {
			t.Fatalf("after the call: %v", err)
		}
	}
	t.Logf("took %v, %d requests, %d dials (%d failed), %d retries, %d coordinator moves", c.took.Round(time.Millisecond),
		c.seen.requests, c.seen.dials, c.seen.failedDials, len(c.seen.retries), len(c.seen.moves))
}

// healed reports whether a scenario's fault on target is over.
func healed(w *world, sc scenario, target int32) bool {
	if sc.timesOut {
		return !w.kc.Blackholed(target)
	}
	return w.kc.Running(target)
}
