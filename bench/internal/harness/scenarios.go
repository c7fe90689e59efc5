package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/kafkatest"
)

// Scenario is one fault of kafadmin's failover matrix (failover_test.go),
// injected around target, the coordinator of g-main and g-members.
type Scenario struct {
	// Name is the matrix's name for the fault.
	Name string
	// Outage reports a fault that lasts (a broker down or silent); the
	// others happen at once.
	Outage bool
	inject func(ctx context.Context, kc *kafkatest.Cluster, target int32) (*fault, error)
}

// fault is an injected fault: done is closed once it is over, and end is
// then when.
type fault struct {
	done   chan struct{}
	end    time.Time
	err    error
	note   string
	handle []*kfake.FaultHandle
}

// instant is a fault that is over as soon as it is injected.
func instant(note string, handles ...*kfake.FaultHandle) *fault {
	f := &fault{done: make(chan struct{}), end: time.Now(), note: note, handle: handles}
	close(f.done)
	return f
}

// healAfter is a fault that heal ends after d.
func healAfter(d time.Duration, heal func() error) *fault {
	f := &fault{done: make(chan struct{})}
	time.AfterFunc(d, func() {
		f.err = heal()
		f.end = time.Now()
		close(f.done)
	})
	return f
}

// hits sums the requests the fault's injected error codes answered.
func (f *fault) hits() int {
	n := 0
	for _, h := range f.handle {
		n += h.Hits()
	}
	return n
}

// codeFaults answers the next 3 requests of each operation's API to the
// target with code: DescribeGroups for g-members, OffsetFetch and
// DescribeGroups for g-main, ListGroups on the target broker.
func codeFaults(kc *kafkatest.Cluster, target int32, code *kerr.Error) []*kfake.FaultHandle {
	return []*kfake.FaultHandle{
		kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: "g-members", Err: code, Count: 3}),
		kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch, kmsg.DescribeGroups}, Group: "g-main", Err: code, Count: 3}),
		kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.ListGroups}, Nodes: []int32{target}, Err: code, Count: 3}),
	}
}

// Scenarios are the faults of the failover matrix, in its order and with
// its durations.
var Scenarios = []Scenario{
	{
		Name: "RST on the coordinator's connections",
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			n, err := kc.ResetConnections(target)
			if err != nil {
				return nil, err
			}
			return instant(fmt.Sprintf("%d connections reset", n)), nil
		},
	},
	{
		Name: "FIN on the coordinator's connections",
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			n, err := kc.CloseConnections(target)
			if err != nil {
				return nil, err
			}
			return instant(fmt.Sprintf("%d connections closed", n)), nil
		},
	},
	{
		Name:   "coordinator port refused 3s then back",
		Outage: true,
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			if err := kc.StopBroker(target); err != nil {
				return nil, err
			}
			return healAfter(3*time.Second, func() error { return kc.StartBroker(target) }), nil
		},
	},
	{
		Name:   "coordinator stopped 4s, its groups and leaders moved while down",
		Outage: true,
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			if err := kc.StopBroker(target); err != nil {
				return nil, err
			}
			f := healAfter(4*time.Second, func() error { return kc.StartBroker(target) })
			if err := kc.MoveCoordinatorsOff(target, allGroups...); err != nil {
				return f, err
			}
			return f, kc.MoveLeadersOff(target, topics...)
		},
	},
	{
		Name: "coordinator broker removed for good",
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			if err := kc.RemoveBroker(target); err != nil {
				return nil, err
			}
			return instant(""), nil
		},
	},
	{
		Name: "coordinator moved, the old one answering NOT_COORDINATOR",
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			to, err := kc.MoveCoordinator("g-main", -1)
			if err != nil {
				return nil, err
			}
			return instant(fmt.Sprintf("g-main moved from broker %d to %d", target, to)), nil
		},
	},
	{
		Name: "NOT_COORDINATOR x3",
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			return instant("", codeFaults(kc, target, kerr.NotCoordinator)...), nil
		},
	},
	{
		Name: "COORDINATOR_LOAD_IN_PROGRESS x3",
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			return instant("", codeFaults(kc, target, kerr.CoordinatorLoadInProgress)...), nil
		},
	},
	{
		Name: "COORDINATOR_NOT_AVAILABLE x3 on FindCoordinator",
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			h := kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.FindCoordinator}, Err: kerr.CoordinatorNotAvailable, Count: 3})
			to, err := kc.MoveCoordinator("g-main", -1)
			if err != nil {
				return nil, err
			}
			return instant(fmt.Sprintf("g-main moved from broker %d to %d", target, to), h), nil
		},
	},
	{
		Name:   "black-holed coordinator 4s whose groups and leaders then move",
		Outage: true,
		inject: func(_ context.Context, kc *kafkatest.Cluster, target int32) (*fault, error) {
			if err := kc.SetBlackhole(target, true); err != nil {
				return nil, err
			}
			f := healAfter(4*time.Second, func() error { return kc.SetBlackhole(target, false) })
			if err := kc.MoveCoordinatorsOff(target, allGroups...); err != nil {
				return f, err
			}
			return f, kc.MoveLeadersOff(target, topics...)
		},
	},
	{
		Name:   "rolling restart of every broker (0.7s down each)",
		Outage: true,
		inject: func(ctx context.Context, kc *kafkatest.Cluster, _ int32) (*fault, error) {
			f := &fault{done: make(chan struct{})}
			go func() {
				f.err = kc.RollingRestart(ctx, 700*time.Millisecond, 300*time.Millisecond)
				f.end = time.Now()
				close(f.done)
			}()
			return f, nil
		},
	},
}

// Select returns the scenarios whose name contains substr, all of them for
// "".
func Select(substr string) []Scenario {
	var selected []Scenario
	for _, sc := range Scenarios {
		if strings.Contains(sc.Name, substr) {
			selected = append(selected, sc)
		}
	}
	return selected
}
