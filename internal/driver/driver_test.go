package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"go.uber.org/goleak"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExponentialBackoff(t *testing.T) {
	b := ExponentialBackoff(100*time.Millisecond, time.Second, 0.2)
	for n, want := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		4: 800 * time.Millisecond, 5: time.Second, 9: time.Second, 60: time.Second,
	} {
		lo, hi := time.Duration(float64(want)*0.8), time.Duration(float64(want)*1.2)
		seen := make(map[time.Duration]bool)
		for range 200 {
			d := b(n)
			if d < lo || d > hi {
				t.Fatalf("backoff(%d) = %v, want within %v..%v", n, d, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("backoff(%d) took %d distinct values in 200 draws: no jitter", n, len(seen))
		}
	}
}

func TestForCode(t *testing.T) {
	for _, tc := range []struct {
		kind RouteKind
		err  error
		want Outcome
	}{
		{ToGroupCoordinator, nil, Done},
		{ToGroupCoordinator, kerr.NotCoordinator, Relookup},
		{ToGroupCoordinator, kerr.CoordinatorNotAvailable, Relookup},
		{ToGroupCoordinator, kerr.CoordinatorLoadInProgress, Retry},
		{ToGroupCoordinator, fmt.Errorf("wrapped: %w", kerr.NotCoordinator), Relookup},
		{ToGroupCoordinator, kerr.GroupIDNotFound, Fail},
		{ToGroupCoordinator, kerr.GroupAuthorizationFailed, Fail},
		{ToGroupCoordinator, kerr.RequestTimedOut, Retry},
		{ToTxnCoordinator, kerr.NotCoordinator, Relookup},
		{ToLeader, kerr.NotLeaderForPartition, Relookup},
		{ToLeader, kerr.LeaderNotAvailable, Relookup},
		{ToLeader, kerr.FencedLeaderEpoch, Relookup},
		{ToLeader, kerr.UnknownLeaderEpoch, Relookup},
		{ToLeader, kerr.UnknownTopicOrPartition, Relookup},
		{ToLeader, kerr.OffsetNotAvailable, Retry},
		{ToLeader, kerr.TopicAuthorizationFailed, Fail},
		{ToController, kerr.NotController, Relookup},
		{ToController, kerr.TopicAlreadyExists, Fail},
		{ToBroker, kerr.CoordinatorLoadInProgress, Retry},
		{ToBroker, kerr.NotCoordinator, Retry},
		{ToAnyBroker, kerr.ClusterAuthorizationFailed, Fail},
		{ToGroupCoordinator, errors.New("not a kafka code"), Fail},
	} {
		if got := ForCode(tc.kind, tc.err); got.Outcome != tc.want || !errors.Is(got.Err, tc.err) {
			t.Errorf("ForCode(%d, %v) = %v (%v), want %v", tc.kind, tc.err, got.Outcome, got.Err, tc.want)
		}
	}
}

// script is a Send that answers each attempt of key "k" with the next
// outcome, and records what it saw.
type script struct {
	mu       sync.Mutex
	steps    []func() (Result, error)
	attempts []Attempt[string]
	brokers  []string
}

func (s *script) send(_ context.Context, b *cluster.Broker, batch []Attempt[string]) (map[string]Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts = append(s.attempts, batch[0])
	s.brokers = append(s.brokers, b.Addr)
	step := s.steps[min(len(s.attempts), len(s.steps))-1]
	res, err := step()
	if errors.Is(err, errOmit) {
		return map[string]Result{}, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]Result{batch[0].Key: res}, nil
}

// errOmit makes a script step answer without the key.
var errOmit = errors.New("omit the key")

func outcome(o Outcome, err error) func() (Result, error) {
	return func() (Result, error) { return Result{Outcome: o, Err: err}, nil }
}

func batchErr(err error) func() (Result, error) {
	return func() (Result, error) { return Result{}, err }
}

// newCluster is a cluster of two bootstrap addresses that nothing listens
// on: routing to "any broker" picks one without dialing.
func newCluster(t *testing.T) *cluster.Cluster {
	cl := cluster.New(cluster.Config{Conn: &conn.Config{}, Seeds: []string{"127.0.0.1:1", "127.0.0.1:2"}})
	t.Cleanup(cl.Close)
	return cl
}

var (
	reset     = &conn.Error{Op: "read", Sent: true, Err: errors.New("connection reset by peer")}
	permanent = &conn.Error{Op: "sasl", Permanent: true, Err: errors.New("authentication failed")}
)

func TestRunOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name         string
		steps        []func() (Result, error)
		timeout      time.Duration
		wantSends    int
		wantFailed   error // nil: the key must succeed
		wantDeadline bool
		check        func(t *testing.T, s *script)
	}{
		{name: "done at once", steps: []func() (Result, error){outcome(Done, nil)}, wantSends: 1},
		{
			name:      "retried on the same broker until done",
			steps:     []func() (Result, error){outcome(Retry, kerr.CoordinatorLoadInProgress), outcome(Retry, kerr.CoordinatorLoadInProgress), outcome(Done, nil)},
			wantSends: 3,
			check: func(t *testing.T, s *script) {
				if s.brokers[0] != s.brokers[1] || s.brokers[1] != s.brokers[2] {
					t.Fatalf("retries went to %v, want the same broker each time", s.brokers)
				}
			},
		},
		{name: "looked up again then done", steps: []func() (Result, error){outcome(Relookup, kerr.NotCoordinator), outcome(Done, nil)}, wantSends: 2},
		{name: "fails on a fatal code", steps: []func() (Result, error){outcome(Fail, kerr.GroupIDNotFound)}, wantSends: 1, wantFailed: kerr.GroupIDNotFound},
		{
			name:      "a lost answer marks the next attempt maybe applied",
			steps:     []func() (Result, error){batchErr(reset), outcome(Done, nil)},
			wantSends: 2,
			check: func(t *testing.T, s *script) {
				if s.attempts[0].MaybeApplied || !s.attempts[1].MaybeApplied || s.attempts[1].N != 2 {
					t.Fatalf("attempts = %+v, want the second numbered 2 and maybe applied", s.attempts)
				}
			},
		},
		{name: "a permanent connection error fails", steps: []func() (Result, error){batchErr(permanent)}, wantSends: 1, wantFailed: permanent},
		{name: "a key left out of the answer fails", steps: []func() (Result, error){batchErr(errOmit)}, wantSends: 1, wantFailed: errors.New("left")},
		{
			name:         "retries until the deadline, then names the last cause",
			steps:        []func() (Result, error){outcome(Relookup, kerr.NotCoordinator)},
			timeout:      300 * time.Millisecond,
			wantFailed:   kerr.NotCoordinator,
			wantDeadline: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			s := &script{steps: tc.steps}
			failures := Run(ctx, newCluster(t), ExponentialBackoff(time.Millisecond, 10*time.Millisecond, 0), Call[string]{
				Name:     "test",
				Keys:     []string{"k", "k"},
				Route:    func(string) Route { return Route{Kind: ToAnyBroker} },
				Describe: func(k string) string { return "key " + k },
				Send:     s.send,
			})
			if tc.wantSends > 0 && len(s.attempts) != tc.wantSends {
				t.Fatalf("sent %d times, want %d", len(s.attempts), tc.wantSends)
			}
			f := failures["k"]
			switch {
			case tc.wantFailed == nil && f != nil:
				t.Fatalf("key failed: %+v", f)
			case tc.wantFailed != nil && f == nil:
				t.Fatal("key succeeded, want a failure")
			case tc.wantFailed != nil:
				var ke *kerr.Error
				if errors.As(tc.wantFailed, &ke) && !errors.Is(f.Cause, ke) {
					t.Fatalf("cause = %v, want %v", f.Cause, tc.wantFailed)
				}
				if (f.Deadline != nil) != tc.wantDeadline {
					t.Fatalf("deadline = %v, want deadline %v", f.Deadline, tc.wantDeadline)
				}
				if tc.wantDeadline && f.Attempts < 3 {
					t.Fatalf("gave up after %d attempts, want retries until the deadline", f.Attempts)
				}
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func TestBackoffPastTheDeadlineFailsAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := &script{steps: []func() (Result, error){outcome(Relookup, kerr.NotCoordinator)}}
	start := time.Now()
	failures := Run(ctx, newCluster(t), func(int) time.Duration { return time.Hour }, Call[string]{
		Name: "test", Keys: []string{"k"},
		Route:    func(string) Route { return Route{Kind: ToAnyBroker} },
		Describe: func(k string) string { return k },
		Send:     s.send,
	})
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("took %v to give up on a backoff that ends past the deadline", took)
	}
	f := failures["k"]
	if f == nil || !errors.Is(f.Deadline, context.DeadlineExceeded) || !errors.Is(f.Cause, kerr.NotCoordinator) {
		t.Fatalf("failure = %+v, want a deadline failure naming NOT_COORDINATOR", f)
	}
}

func TestCancelEndsEveryKey(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() { <-started; cancel() }()
	var once sync.Once
	failures := Run(ctx, newCluster(t), DefaultBackoff, Call[string]{
		Name: "test", Keys: []string{"a", "b"},
		Route:    func(string) Route { return Route{Kind: ToAnyBroker} },
		Describe: func(k string) string { return k },
		Send: func(ctx context.Context, _ *cluster.Broker, _ []Attempt[string]) (map[string]Result, error) {
			once.Do(func() { close(started) })
			<-ctx.Done()
			return nil, ctx.Err()
		},
	})
	for _, k := range []string{"a", "b"} {
		if f := failures[k]; f == nil || !errors.Is(f.Deadline, context.Canceled) {
			t.Fatalf("key %s: failure %+v, want canceled", k, f)
		}
	}
}

// TestSlowFailureIsRetriedAtOnce checks that the backoff counts from the
// start of the attempt that failed: an attempt that took longer than the
// backoff (a request timing out on a silent broker) is followed by the next
// at once, and a quick failure still waits.
func TestSlowFailureIsRetriedAtOnce(t *testing.T) {
	// Long enough that the bounds below leave seconds of slack.
	const backoff = 2 * time.Second
	for _, tc := range []struct {
		name    string
		attempt time.Duration // how long the failing attempt takes
		minGap  time.Duration
		maxGap  time.Duration // with the backoff counted from the failure, the gap would be attempt + backoff
	}{
		{"quick failure waits", 0, backoff, time.Hour},
		{"slow failure does not", backoff + backoff/4, backoff + backoff/4, 2 * backoff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sends []time.Time
			failures := Run(context.Background(), newCluster(t), func(int) time.Duration { return backoff }, Call[string]{
				Name: "test", Keys: []string{"k"},
				Route:    func(string) Route { return Route{Kind: ToAnyBroker} },
				Describe: func(k string) string { return k },
				Send: func(ctx context.Context, _ *cluster.Broker, _ []Attempt[string]) (map[string]Result, error) {
					sends = append(sends, time.Now())
					if len(sends) == 1 {
						time.Sleep(tc.attempt)
						return nil, reset
					}
					return map[string]Result{"k": {Outcome: Done}}, nil
				},
			})
			if failures != nil {
				t.Fatalf("failures %+v", failures)
			}
			gap := sends[1].Sub(sends[0])
			if gap < tc.minGap || gap >= tc.maxGap {
				t.Fatalf("the second attempt came %v after the first began (the first took %v, the backoff is %v)", gap, tc.attempt, backoff)
			}
		})
	}
}
