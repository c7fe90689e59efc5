package main

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/kafadmin/kafadmin/bench/internal/clusterproc"
)

// testClusters are the cluster processes of the tests and benchmarks, one
// per number of groups, started on first use and stopped by TestMain.
var testClusters clusterPool

func TestMain(m *testing.M) {
	clusterproc.ServeIfChild()
	code := m.Run()
	if err := testClusters.stopAll(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// testCluster returns the cluster of groups groups.
func testCluster(tb testing.TB, groups int) *clusterproc.Remote {
	tb.Helper()
	remote, err := testClusters.get(groups)
	if err != nil {
		tb.Fatal(err)
	}
	return remote
}

// TestRunners runs each client's workloads once on a small cluster: every
// result is checked against the seeded data, and every client must make
// some sequential round trips.
func TestRunners(t *testing.T) {
	const groups = 10
	remote := testCluster(t, groups)
	ctx := context.Background()
	for _, w := range []workload{lagWorkload(groups), listDescribeWorkload(groups)} {
		for _, c := range throughputClients {
			t.Run(w.name+"/"+c.name, func(t *testing.T) {
				s, rt, err := prepareSession(ctx, c, remote, w)
				if err != nil {
					t.Fatal(err)
				}
				defer s.close()
				if rt < 1 {
					t.Errorf("%d round trips, want at least 1", rt)
				}
				if err := w.run(ctx, s.timed, remote.Groups); err != nil {
					t.Errorf("second timed call: %v", err)
				}
			})
		}
	}
}

// BenchmarkLag measures each client's lag of 10, 100 and 1,000 groups, each
// committed on 32 partitions over 3 brokers, as the Lag table does.
func BenchmarkLag(b *testing.B) {
	for _, n := range lagSizes {
		b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
			for _, c := range throughputClients {
				b.Run("client="+c.name, func(b *testing.B) {
					benchWorkload(b, c, lagWorkload(n))
				})
			}
		})
	}
}

// BenchmarkListDescribe measures each client listing and describing 1,000
// groups, as the ListGroups + DescribeGroups table does.
func BenchmarkListDescribe(b *testing.B) {
	n := listDescribeSize
	b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
		for _, c := range throughputClients {
			b.Run("client="+c.name, func(b *testing.B) {
				benchWorkload(b, c, listDescribeWorkload(n))
			})
		}
	})
}

// benchWorkload times w for client c on the cluster of w.groups groups,
// with a warm client, and reports the requests the cluster received per
// call and the call's sequential round trips besides allocations.
func benchWorkload(b *testing.B, c throughputClient, w workload) {
	remote := testCluster(b, w.groups)
	ctx := context.Background()
	s, rt, err := prepareSession(ctx, c, remote, w)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	groups := remote.Groups[:w.groups]
	if err := remote.ResetCounts(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.run(ctx, s.timed, groups); err != nil {
			b.Fatal(err)
		}
	}
	counts, err := remote.Counts()
	if err != nil {
		b.Fatal(err)
	}
	requests := 0
	for _, n := range counts {
		requests += n
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(rt), "round-trips/op")
}
