// Package demo shows kafadmin's failover on an embedded cluster: one
// long-lived client watches two groups' lag every second while brokers lose
// their connections, coordinators move, brokers restart and answer error
// codes, and it counts how many calls failed (none should).
package demo

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// Config is a demo run's settings.
type Config struct {
	Duration time.Duration // the faults are spread over it; default 45s
	Interval time.Duration // between lag calls; default 1s
	Out      io.Writer
}

// Summary is what a run saw.
type Summary struct {
	Calls   int           // lag calls made
	Failed  int           // calls that returned an error
	Wrong   int           // calls that returned a wrong lag with no error
	Slowest time.Duration // the slowest call
	Moves   int64         // coordinator moves the client noticed
	Retries int64         // attempts the client retried under the calls
}

// The demo's data: each group's committed offsets sit a known distance
// behind the log end, so every answer can be checked.
var groups = []struct {
	name, topic string
	partitions  int32
	records     int
	committed   int64
}{
	{"orders-app", "orders", 6, 100, 40},
	{"payments-app", "payments", 3, 50, 10},
}

func expectedLag(i int) int64 {
	g := groups[i]
	return int64(g.partitions) * (int64(g.records) - g.committed)
}

// Run runs the demo and returns its summary; the error is non-nil when a
// call failed or returned a wrong result, or the demo could not run.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if cfg.Duration <= 0 {
		cfg.Duration = 45 * time.Second
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	p := &printer{w: cfg.Out, start: time.Now()}

	p.say("starting an embedded 3-broker cluster")
	kc, err := kafkatest.Start(kafkatest.Brokers(3))
	if err != nil {
		return Summary{}, err
	}
	defer kc.Close()
	if err := seed(ctx, kc); err != nil {
		return Summary{}, fmt.Errorf("seeding the demo data: %w", err)
	}
	for i, g := range groups {
		p.say("group %s: %d records in each of %d partitions of %s, committed at %d: lag %d", g.name, g.records, g.partitions, g.topic, g.committed, expectedLag(i))
	}

	counter := &counter{}
	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(kc.Addrs()...), kafadmin.WithHooks(counter),
		kafadmin.WithRequestTimeout(5*time.Second))
	if err != nil {
		return Summary{}, err
	}
	defer cl.Close()

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg  sync.WaitGroup
		sum Summary
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		sum = watch(ctx, cl, cfg.Interval, p)
	}()
	faultErr := inject(ctx, kc, cfg.Duration, p)
	cancel()
	wg.Wait()

	sum.Moves, sum.Retries = counter.moves.Load(), counter.retries.Load()
	p.say("summary: %d calls made, %d failed, %d wrong, slowest call %v, %d coordinator moves seen, %d retries absorbed",
		sum.Calls, sum.Failed, sum.Wrong, sum.Slowest.Round(time.Millisecond), sum.Moves, sum.Retries)
	switch {
	case parent.Err() != nil:
		return sum, parent.Err()
	case faultErr != nil:
		return sum, fmt.Errorf("injecting faults: %w", faultErr)
	case sum.Failed > 0 || sum.Wrong > 0:
		return sum, fmt.Errorf("%d of %d calls failed and %d returned a wrong lag", sum.Failed, sum.Calls, sum.Wrong)
	}
	return sum, nil
}

func seed(ctx context.Context, kc *kafkatest.Cluster) error {
	for _, g := range groups {
		if err := kc.CreateTopic(g.topic, g.partitions); err != nil {
			return err
		}
		commits := map[int32]int64{}
		for p := range g.partitions {
			if err := kc.Produce(ctx, g.topic, p, g.records); err != nil {
				return err
			}
			commits[p] = g.committed
		}
		if err := kc.CommitOffsets(ctx, g.name, map[string]map[int32]int64{g.topic: commits}); err != nil {
			return err
		}
	}
	return nil
}

// watch calls Lag every interval until ctx ends, checking every answer.
func watch(ctx context.Context, cl *kafadmin.Client, interval time.Duration, p *printer) Summary {
	var sum Summary
	tick := time.NewTicker(interval)
	defer tick.Stop()
	names := []string{groups[0].name, groups[1].name}
	for {
		callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		start := time.Now()
		lags, err := cl.Lag(callCtx, names...)
		took := time.Since(start)
		cancel()
		if ctx.Err() != nil {
			return sum
		}
		sum.Calls++
		sum.Slowest = max(sum.Slowest, took)
		line := fmt.Sprintf("lag call %3d took %6v:", sum.Calls, took.Round(time.Millisecond))
		if err != nil {
			sum.Failed++
			p.say("%s FAILED: %v", line, err)
		} else {
			wrong := false
			for i, g := range groups {
				gl := lags[g.name]
				line += fmt.Sprintf("  %s=%d (coordinator %d)", g.name, gl.TotalLag, gl.Coordinator)
				wrong = wrong || gl.TotalLag != expectedLag(i)
			}
			if wrong {
				sum.Wrong++
				line += "  WRONG"
			}
			p.say("%s", line)
		}
		tick.Reset(interval) // a slow call does not make the next one come at once
		select {
		case <-ctx.Done():
			return sum
		case <-tick.C:
		}
	}
}

// inject runs the fault schedule, spread over d.
func inject(ctx context.Context, kc *kafkatest.Cluster, d time.Duration, p *printer) error {
	group := groups[0].name
	coordinator := func() int32 { return kc.Coordinator(group) }
	steps := []struct {
		at  float64
		run func() error
	}{
		{0.08, func() error {
			n := coordinator()
			p.fault("RST on every connection of broker %d, the coordinator of %s", n, group)
			_, err := kc.ResetConnections(n)
			return err
		}},
		{0.20, func() error {
			from := coordinator()
			to, err := kc.MoveCoordinator(group, -1)
			p.fault("coordinator of %s moved from broker %d to broker %d (the old one answers NOT_COORDINATOR)", group, from, to)
			return err
		}},
		{0.32, func() error {
			n := coordinator()
			p.fault("broker %d, the coordinator of %s, stops (port refused, connections reset) for 2s and starts again", n, group)
			return kc.RestartBroker(ctx, n, 2*time.Second)
		}},
		{0.48, func() error {
			p.fault("error burst: NOT_COORDINATOR x3 on OffsetFetch for %s, COORDINATOR_LOAD_IN_PROGRESS x3 on DescribeGroups for %s", group, groups[1].name)
			kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: group, Err: kerr.NotCoordinator, Count: 3})
			kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: groups[1].name, Err: kerr.CoordinatorLoadInProgress, Count: 3})
			return nil
		}},
		{0.58, func() error {
			p.fault("rolling restart: each broker in turn stops for 1.5s and starts again; coordinators and leaders move after each")
			err := kc.RollingRestart(ctx, 1500*time.Millisecond, time.Second)
			if err == nil {
				p.fault("rolling restart done")
			}
			return err
		}},
	}
	start := time.Now()
	for _, s := range steps {
		if err := sleepUntil(ctx, start.Add(time.Duration(s.at*float64(d)))); err != nil {
			return err
		}
		if err := s.run(); err != nil {
			return err
		}
	}
	return sleepUntil(ctx, start.Add(d))
}

func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// printer writes timestamped lines from several goroutines.
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (p *printer) say(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%6.1fs  %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

func (p *printer) fault(format string, args ...any) { p.say("==> "+format, args...) }

// counter is a hook counting coordinator moves and retries.
type counter struct {
	moves, retries atomic.Int64
}

func (c *counter) OnCoordinatorMoved(kafadmin.CoordinatorMovedEvent) { c.moves.Add(1) }
func (c *counter) OnRetry(kafadmin.RetryEvent)                       { c.retries.Add(1) }
