package realbench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kafadmin/kafadmin/realkafka"
)

// Scenario is one fault of a real cluster, the same twelve as the
// repository's real-Kafka failover matrix (failover_kafka_test.go), injected
// around its target: the coordinator of every client's g-main and
// g-members, or, with leadersOnTarget, the leader of every partition of the
// seeded topics.
type Scenario struct {
	// Name is the matrix's name for the fault.
	Name string
	// Outage reports a fault that lasts and then ends by itself (a port
	// refused, a broker down or paused and back); the others happen at
	// once, or last until the measurement is over.
	Outage bool
	// target picks the broker to attack; nil takes the brokers in turn,
	// row by row.
	target func(ctx context.Context, rk *realkafka.Cluster) (int32, error)
	// leadersOnTarget moves every partition of the seeded topics to the
	// target and the groups' coordinator off it.
	leadersOnTarget bool
	// inject starts the fault at once and returns it; the fault runs in
	// a goroutine of its own until it is over.
	inject func(ctx context.Context, e *env, target int32) *fault
}

// env is what a fault acts on.
type env struct {
	rk    *realkafka.Cluster
	probe *probe
}

// fault is an injected fault: done is closed once it is over, and end,
// err and note are then set. restore, if set, mends what the fault left
// broken once the measurement is over.
type fault struct {
	done    chan struct{}
	end     time.Time
	err     error
	note    string
	restore func(ctx context.Context) error
}

// async runs a fault in a goroutine; run may set the fault's note and
// restore.
func async(run func(f *fault) error) *fault {
	f := &fault{done: make(chan struct{})}
	go func() {
		f.err = run(f)
		f.end = time.Now()
		close(f.done)
	}()
	return f
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// restartNode is the restore of a fault that leaves a node down.
func restartNode(rk *realkafka.Cluster, id int32) func(ctx context.Context) error {
	return func(ctx context.Context) error { return rk.StartNode(ctx, id) }
}

// Scenarios are the twelve faults, in the matrix's order.
var Scenarios = []Scenario{
	{
		Name: "RST on the coordinator's connections",
		inject: func(_ context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				n, err := e.rk.ResetConnections(target)
				f.note = fmt.Sprintf("%d connections to broker %d reset", n, target)
				return err
			})
		},
	},
	{
		Name: "FIN on the coordinator's connections",
		inject: func(_ context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				n, err := e.rk.CloseConnections(target)
				f.note = fmt.Sprintf("%d connections to broker %d closed", n, target)
				return err
			})
		},
	},
	{
		Name:   "coordinator port refused 3s then back",
		Outage: true,
		inject: func(ctx context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				e.probe.setCut(target, true)
				defer e.probe.setCut(target, false)
				f.restore = func(context.Context) error { return e.rk.RefuseConnections(target, false) }
				if err := e.rk.RefuseConnections(target, true); err != nil {
					return err
				}
				f.note = fmt.Sprintf("broker %d's client port refused dials (its connections reset) for 3 s", target)
				return errors.Join(sleepCtx(ctx, 3*time.Second), e.rk.RefuseConnections(target, false))
			})
		},
	},
	{
		Name:   "coordinator stopped with SIGTERM, started 5s later",
		Outage: true,
		inject: func(ctx context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				f.restore = restartNode(e.rk, target) // a no-op unless the start failed
				begin := time.Now()
				// A controlled shutdown hands the broker's partitions
				// and groups to the others before it exits.
				if err := e.rk.StopNode(ctx, target); err != nil {
					return err
				}
				stopped := time.Since(begin)
				if err := sleepCtx(ctx, 5*time.Second); err != nil {
					return err
				}
				err := e.rk.StartNode(ctx, target)
				f.note = fmt.Sprintf("broker %d shut down in %v, serving again %v after the SIGTERM", target, stopped.Round(10*time.Millisecond), time.Since(begin).Round(10*time.Millisecond))
				return err
			})
		},
	},
	{
		Name:   "coordinator killed with SIGKILL, restarted 2s later",
		Outage: true,
		inject: func(ctx context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				f.restore = restartNode(e.rk, target) // a no-op unless the start failed
				begin := time.Now()
				// Its groups stay with it until its session times
				// out; the restart is accepted only then too.
				if err := e.rk.KillNode(target); err != nil {
					return err
				}
				if err := sleepCtx(ctx, 2*time.Second); err != nil {
					return err
				}
				err := e.rk.StartNode(ctx, target)
				f.note = fmt.Sprintf("broker %d killed, started after 2 s and serving again %v after the kill", target, time.Since(begin).Round(10*time.Millisecond))
				return err
			})
		},
	},
	{
		Name: "coordinator killed for good",
		inject: func(_ context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				f.restore = restartNode(e.rk, target)
				f.note = fmt.Sprintf("broker %d killed, restarted after the measurement", target)
				return e.rk.KillNode(target)
			})
		},
	},
	{
		Name:   "coordinator paused 5s then resumed",
		Outage: true,
		inject: func(ctx context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				// Shorter than the broker session: nothing moves, and
				// the calls wait for the broker to answer again.
				f.restore = func(context.Context) error { return e.rk.ResumeNode(target) }
				if err := e.rk.PauseNode(target); err != nil {
					return err
				}
				f.note = fmt.Sprintf("broker %d paused (SIGSTOP) for 5 s", target)
				return errors.Join(sleepCtx(ctx, 5*time.Second), e.rk.ResumeNode(target))
			})
		},
	},
	{
		Name: "coordinator paused until fenced",
		inject: func(_ context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				// The calls must follow the groups to their new
				// coordinator while the old one holds connections open
				// without answering.
				f.restore = func(context.Context) error { return e.rk.ResumeNode(target) }
				f.note = fmt.Sprintf("broker %d paused (SIGSTOP) until the measurement was over", target)
				return e.rk.PauseNode(target)
			})
		},
	},
	{
		Name: "coordinator moved, the old one answering NOT_COORDINATOR",
		inject: func(ctx context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				ids := e.rk.BrokerIDs()
				to := ids[(indexOf(ids, target)+1)%len(ids)]
				begin := time.Now()
				err := e.rk.MoveLeader(ctx, offsetsTopic, e.probe.partition, to)
				f.note = fmt.Sprintf("%s-%d's leadership, the coordinator, moved from broker %d to %d in %v", offsetsTopic, e.probe.partition, target, to, time.Since(begin).Round(10*time.Millisecond))
				return err
			})
		},
	},
	{
		Name:   "rolling restart of every broker (SIGTERM)",
		Outage: true,
		target: func(_ context.Context, rk *realkafka.Cluster) (int32, error) {
			return rk.BrokerIDs()[0], nil
		},
		inject: func(ctx context.Context, e *env, _ int32) *fault {
			return async(func(f *fault) error {
				ids := make([]string, 0, 3)
				for _, id := range e.rk.BrokerIDs() {
					ids = append(ids, fmt.Sprint(id))
				}
				f.note = fmt.Sprintf("brokers %s stopped with SIGTERM and started again in turn, each once the cluster was whole", strings.Join(ids, ", "))
				return e.rk.RollingRestart(ctx, 0)
			})
		},
	},
	{
		Name: "active controller, the coordinator, killed",
		target: func(ctx context.Context, rk *realkafka.Cluster) (int32, error) {
			return rk.ActiveController(ctx)
		},
		inject: func(_ context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				// The quorum elects another controller first; only
				// that one fences the dead broker.
				f.restore = restartNode(e.rk, target)
				f.note = fmt.Sprintf("broker %d, the active controller, killed, restarted after the measurement", target)
				return e.rk.KillNode(target)
			})
		},
	},
	{
		Name:            "partition leader killed",
		leadersOnTarget: true,
		inject: func(_ context.Context, e *env, target int32) *fault {
			return async(func(f *fault) error {
				f.restore = restartNode(e.rk, target)
				f.note = fmt.Sprintf("broker %d, the leader of every orders and payments partition, killed, restarted after the measurement", target)
				return e.rk.KillNode(target)
			})
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

func indexOf(ids []int32, id int32) int {
	for i, v := range ids {
		if v == id {
			return i
		}
	}
	return -1
}
