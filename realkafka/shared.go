package realkafka

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// turns is this process's hold on one of the machine's turns (see
// TakeTurns). Clusters of one process share it: the turns keep test
// binaries from running too many clusters at once, not tests of one binary.
var turns turnLock

// EnvAtOnce sets how many clusters started with TakeTurns may run on the
// machine at once (2 by default).
const EnvAtOnce = "KAFADMIN_KAFKA_AT_ONCE"

type turnLock struct {
	mu      sync.Mutex
	holders int
	release func()
}

func (l *turnLock) acquire(ctx context.Context, alone bool) (func(), error) {
	if alone {
		return takeTurn(ctx, true)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holders == 0 {
		release, err := takeTurn(ctx, false)
		if err != nil {
			return nil, err
		}
		l.release = release
	}
	l.holders++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.holders--; l.holders == 0 {
				l.release()
				l.release = nil
			}
		})
	}, nil
}

// takeTurn locks one of the machine's turn files (every one with all),
// waiting for ctx until it has.
func takeTurn(ctx context.Context, all bool) (func(), error) {
	n := 2
	if v := os.Getenv(EnvAtOnce); v != "" {
		if i, err := strconv.Atoi(v); err == nil && i > 0 {
			n = i
		} else {
			return nil, fmt.Errorf("realkafka: $%s is %q: want a number of clusters, 1 or more", EnvAtOnce, v)
		}
	}
	path := func(i int) string { return filepath.Join(os.TempDir(), fmt.Sprintf("realkafka-turn-%d.lock", i)) }
	if all {
		var releases []func()
		releaseAll := func() {
			for _, r := range releases {
				r()
			}
		}
		for i := range n {
			r, err := lockFile(ctx, path(i))
			if err != nil {
				releaseAll()
				return nil, err
			}
			releases = append(releases, r)
		}
		return releaseAll, nil
	}
	for {
		for i := range n {
			release, err := tryLockFile(path(i))
			if err != nil {
				return nil, err
			}
			if release != nil {
				return release, nil
			}
		}
		if err := sleepCtx(ctx, lockPoll); err != nil {
			return nil, fmt.Errorf("realkafka: waiting for a turn among %d clusters of other processes: %w", n, err)
		}
	}
}

// shared is the test binary's shared cluster.
var shared struct {
	mu  sync.Mutex
	c   *Cluster
	err error
}

// Shared returns the test binary's shared cluster, starting it with opts on
// first use (later calls' opts are ignored): one cluster for every test that
// leaves it whole, instead of one per test. Like New, it skips the test (or
// fails it under CI=true) without Java or Maven. A test that leaves the
// cluster broken (a node down, a partition out of sync) fails when it ends,
// once the cluster has had two minutes to heal. Close it from TestMain with
// M.
func Shared(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	SkipUnlessAvailable(t)
	shared.mu.Lock()
	if shared.c == nil && shared.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		shared.c, shared.err = Start(ctx, opts...)
		cancel()
	}
	c, err := shared.c, shared.err
	shared.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := c.WaitHealthy(ctx); err != nil {
			t.Errorf("the test left the shared cluster broken: %v", err)
		}
		if t.Failed() {
			c.logTails(t)
		}
	})
	return c
}

// M wraps a TestMain's m so that Run closes the shared cluster after the
// tests: os.Exit(realkafka.M(m).Run()), or goleak.VerifyTestMain(realkafka.M(m)).
func M(m interface{ Run() int }) interface{ Run() int } { return closingM{m} }

type closingM struct{ m interface{ Run() int } }

// Run runs the tests, then closes the shared cluster; a failure to close
// it fails the run.
func (cm closingM) Run() int {
	code := cm.m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.c != nil {
		if err := shared.c.Close(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			code = 1
		}
		shared.c = nil
	}
	return code
}

// SkipUnlessAvailable skips t where Java or Maven is missing, saying how to
// enable real Kafka tests, or fails it if $CI is true, so that a CI machine
// without them cannot pass by skipping.
func SkipUnlessAvailable(t testing.TB) {
	t.Helper()
	err := Available()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("real Kafka tests need Java and Maven, and CI=true makes their absence a failure:\n%v", err)
	}
	t.Skipf("skipping a test on real Apache Kafka: %v\nInstall a JDK 17+ and Maven 3 to run it (the first run downloads Kafka's jars, about 45 MB, from Maven Central); set CI=true to make their absence a failure.", err)
}

// logTails logs the end of every node's log.
func (c *Cluster) logTails(t testing.TB) {
	for _, n := range c.nodes {
		t.Logf("the end of node %d's log (%s):\n%s", n.id, n.logPath(), c.LogTail(n.id, 40))
	}
}
