package remote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafadmin/kafadmin/bench/internal/harness"
)

const childEnv = "KAFADMIN_REMOTE_TEST_CHILD"

// TestMain serves fakeAdmin over the protocol when the test binary is
// started as the child of a test.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := Serve(os.Stdin, os.Stdout, fakeAdmin{}, "fake-1.0"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakeAdmin answers from fixed data: group "bad" fails, lag of "slow"
// takes 300 ms, lag of "hang" waits for its deadline.
type fakeAdmin struct{}

func (fakeAdmin) DescribeGroups(_ context.Context, groups ...string) (map[string]harness.Group, error) {
	out := map[string]harness.Group{}
	for _, g := range groups {
		if g == "bad" {
			return nil, errors.New("group bad: GROUP_AUTHORIZATION_FAILED")
		}
		out[g] = harness.Group{State: "Stable", Members: []harness.Member{{InstanceID: "i-" + g, ClientID: "c", Assigned: 6}}}
	}
	return out, nil
}

func (fakeAdmin) FetchOffsets(_ context.Context, groups ...string) (map[string]harness.Offsets, error) {
	out := map[string]harness.Offsets{}
	for i, g := range groups {
		out[g] = harness.Offsets{"orders": {0: int64(i), 5: 20}}
	}
	return out, nil
}

func (fakeAdmin) ListGroups(context.Context) ([]string, error) { return []string{"a", `b"c`}, nil }

func (fakeAdmin) Lag(ctx context.Context, group string) (harness.Lag, error) {
	switch group {
	case "slow":
		time.Sleep(300 * time.Millisecond)
	case "hang":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return harness.Lag{"orders": {3: {Committed: 5, End: 20, Lag: 15}}}, nil
}

func (fakeAdmin) Close() error { return nil }

func startChild(t *testing.T) *Admin {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	a, err := Start(context.Background(), "fake", cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	return a
}

// TestRoundTrips makes every operation at once through a child process:
// answers come back out of order to the right callers, errors are errors,
// and a call whose client gives up at the deadline reports the client's
// own error.
func TestRoundTrips(t *testing.T) {
	a := startChild(t)
	if a.Version() != "fake-1.0" {
		t.Errorf("version %q, want fake-1.0", a.Version())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		order []string
	)
	done := func(name string) {
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
	}
	wg.Go(func() {
		l, err := a.Lag(ctx, "slow")
		if err != nil || l["orders"][3] != (harness.PartitionLag{Committed: 5, End: 20, Lag: 15}) {
			t.Errorf("lag: %v, %v", l, err)
		}
		done("slow lag")
	})
	time.Sleep(50 * time.Millisecond) // the slow call is sent first
	wg.Go(func() {
		d, err := a.DescribeGroups(ctx, "x", "y")
		want := []harness.Member{{InstanceID: "i-y", ClientID: "c", Assigned: 6}}
		if err != nil || d["y"].State != "Stable" || !slices.Equal(d["y"].Members, want) || len(d) != 2 {
			t.Errorf("describe: %v, %v", d, err)
		}
		done("describe")
	})
	wg.Go(func() {
		o, err := a.FetchOffsets(ctx, "x", "y")
		if err != nil || o["y"]["orders"][0] != 1 || o["x"]["orders"][5] != 20 {
			t.Errorf("fetch: %v, %v", o, err)
		}
		done("fetch")
	})
	wg.Go(func() {
		l, err := a.ListGroups(ctx)
		if err != nil || !slices.Equal(l, []string{"a", `b"c`}) {
			t.Errorf("list: %v, %v", l, err)
		}
		done("list")
	})
	wg.Go(func() {
		_, err := a.DescribeGroups(ctx, "bad")
		if err == nil || !strings.Contains(err.Error(), "GROUP_AUTHORIZATION_FAILED") {
			t.Errorf("describing a group that fails: %v, want its error", err)
		}
		done("bad")
	})
	wg.Go(func() {
		hctx, hcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer hcancel()
		start := time.Now()
		_, err := a.Lag(hctx, "hang")
		if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") || time.Since(start) > 200*time.Millisecond+lateAnswer {
			t.Errorf("a call past its deadline: %v after %v, want the client's deadline error within %v", err, time.Since(start), lateAnswer)
		}
		done("hang")
	})
	wg.Wait()
	if order[len(order)-1] != "slow lag" {
		t.Errorf("answers in order %v: the slow call held up the others", order)
	}
}

// TestProgramEnds checks that a call on a program that ended fails at
// once, saying so.
func TestProgramEnds(t *testing.T) {
	a := startChild(t)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := a.ListGroups(context.Background())
	if err == nil || time.Since(start) > time.Second {
		t.Errorf("a call after the program ended: %v after %v, want an error at once", err, time.Since(start))
	}
}

// TestStartFails checks that a program that cannot start says why.
func TestStartFails(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", `echo '{"ready":false,"error":"no brokers"}'; echo details >&2`)
	_, err := Start(context.Background(), "broken", cmd)
	if err == nil || !strings.Contains(err.Error(), "no brokers") {
		t.Errorf("Start: %v, want the program's error", err)
	}
	cmd = exec.Command("/bin/sh", "-c", `echo oops >&2; exit 3`)
	_, err = Start(context.Background(), "broken", cmd)
	if err == nil || !strings.Contains(err.Error(), "oops") {
		t.Errorf("Start: %v, want the program's standard error", err)
	}
}
