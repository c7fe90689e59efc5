// Package demo shows kafadmin's failover: one long-lived client watches two
// groups' lag every second while brokers lose their connections,
// coordinators move, brokers restart (and, on real Kafka, are killed and
// paused) and answer error codes, and it counts how many calls failed (none
// should). It runs on the embedded cluster by default, or on a real Apache
// Kafka cluster of JVMs started from Maven's jars. Its embedded cluster and
// data also make the sandbox (StartSandbox), which kafadmin sandbox runs to
// try the commands on without a Kafka.
package demo

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kafadmin/kafadmin"
)

// Config is a demo run's settings.
type Config struct {
	// Duration is how long the demo runs; the faults are spread over it.
	// Default 45s on the embedded cluster, 90s on real Kafka, whose
	// faults take longer.
	Duration time.Duration
	Interval time.Duration // between lag calls; default 1s
	// Kafka runs the demo on a real Apache Kafka cluster (realkafka:
	// needs Java and Maven) instead of the embedded one.
	Kafka bool
	Out   io.Writer
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
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	p := &printer{w: cfg.Out, start: time.Now()}

	var (
		dc  demoCluster
		err error
	)
	if cfg.Kafka {
		if cfg.Duration <= 0 {
			cfg.Duration = 90 * time.Second
		}
		dc, err = startKafka(ctx, p)
	} else {
		if cfg.Duration <= 0 {
			cfg.Duration = 45 * time.Second
		}
		dc, err = startEmbedded(ctx, p)
	}
	if err != nil {
		return Summary{}, err
	}
	defer dc.close()
	for i, g := range groups {
		p.say("group %s: %d records in each of %d partitions of %s, committed at %d: lag %d", g.name, g.records, g.partitions, g.topic, g.committed, expectedLag(i))
	}

	counter := &counter{}
	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(dc.addrs()...), kafadmin.WithHooks(counter),
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
	faultErr := inject(ctx, dc.steps(ctx, p), cfg.Duration)
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

// step is a fault of the schedule: it runs at the fraction at of the
// demo's duration, or as soon as the step before it is over.
type step struct {
	at  float64
	run func() error
}

// demoCluster is the cluster a demo runs on.
type demoCluster interface {
	addrs() []string
	// steps returns the fault schedule.
	steps(ctx context.Context, p *printer) []step
	close()
}

// seeder puts the demo's data on a cluster.
type seeder interface {
	createTopic(ctx context.Context, topic string, partitions int32) error
	produce(ctx context.Context, topic string, partition int32, n int) error
	commit(ctx context.Context, group string, offsets map[string]map[int32]int64) error
}

// seed creates each group's topic with its records and commits the group's
// offsets.
func seed(ctx context.Context, s seeder) error {
	for _, g := range groups {
		if err := s.createTopic(ctx, g.topic, g.partitions); err != nil {
			return fmt.Errorf("seeding the demo data: %w", err)
		}
		commits := map[int32]int64{}
		for p := range g.partitions {
			if err := s.produce(ctx, g.topic, p, g.records); err != nil {
				return fmt.Errorf("seeding the demo data: %w", err)
			}
			commits[p] = g.committed
		}
		if err := s.commit(ctx, g.name, map[string]map[int32]int64{g.topic: commits}); err != nil {
			return fmt.Errorf("seeding the demo data: %w", err)
		}
	}
	return nil
}

// inject runs the fault schedule, spread over d.
func inject(ctx context.Context, steps []step, d time.Duration) error {
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
