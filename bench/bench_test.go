package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/kafadmin/kafadmin/bench/internal/clusterproc"
)

// testClusters are the cluster processes of the tests and benchmarks, one
// per spec, started on first use and stopped by TestMain.
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

// testCluster returns the cluster of spec.
func testCluster(tb testing.TB, spec clusterproc.Spec) *clusterproc.Remote {
	tb.Helper()
	remote, err := testClusters.get(spec)
	if err != nil {
		tb.Fatal(err)
	}
	return remote
}

// TestRunners runs each client's workloads once on small clusters: every
// result is checked against the seeded data, and every client must make
// some sequential round trips.
func TestRunners(t *testing.T) {
	const n = 10
	ctx := context.Background()
	create := createTopicsWorkload(n)
	create.cluster = clusterproc.Spec{Topics: n}
	for _, w := range []workload{lagWorkload(n), listDescribeWorkload(n), describeTopicsWorkload(n), describeConfigsWorkload(n), create} {
		remote := testCluster(t, w.cluster)
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
				if err := w.once(ctx, s.timed, remote); err != nil {
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

// BenchmarkDescribeTopics measures each client describing 100 and 1,000
// topics of 32 partitions, as the DescribeTopics table does.
func BenchmarkDescribeTopics(b *testing.B) {
	benchTopics(b, describeTopicsWorkload)
}

// BenchmarkDescribeConfigs measures each client describing the configs of
// 100 and 1,000 topics, as the DescribeConfigs table does.
func BenchmarkDescribeConfigs(b *testing.B) {
	benchTopics(b, describeConfigsWorkload)
}

// BenchmarkCreateTopics measures each client creating 100 topics, deleted
// again after each call (untimed), as the CreateTopics table does.
func BenchmarkCreateTopics(b *testing.B) {
	n := createTopicsCount
	b.Run(fmt.Sprintf("topics=%d", n), func(b *testing.B) {
		for _, c := range throughputClients {
			b.Run("client="+c.name, func(b *testing.B) {
				benchWorkload(b, c, createTopicsWorkload(n))
			})
		}
	})
}

// benchTopics runs the workload of each of topicSizes for every client.
func benchTopics(b *testing.B, workloadOf func(topics int) workload) {
	for _, n := range topicSizes {
		b.Run(fmt.Sprintf("topics=%d", n), func(b *testing.B) {
			for _, c := range throughputClients {
				b.Run("client="+c.name, func(b *testing.B) {
					benchWorkload(b, c, workloadOf(n))
				})
			}
		})
	}
}

// benchWorkload times w for client c on the cluster of w.cluster, with a
// warm client, and reports the requests the cluster received per call and
// the call's sequential round trips besides allocations. Readying the
// client and cleaning up after each call (see workload) are not timed.
func benchWorkload(b *testing.B, c throughputClient, w workload) {
	remote := testCluster(b, w.cluster)
	ctx := context.Background()
	s, rt, err := prepareSession(ctx, c, remote, w)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	if err := remote.ResetCounts(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		keys := w.keys(remote)
		if w.before != nil {
			w.before(s.timed, keys)
		}
		b.StartTimer()
		err := w.run(ctx, s.timed, keys)
		b.StopTimer()
		if w.after != nil {
			err = errors.Join(err, w.after(remote, keys))
		}
		b.StartTimer()
		if err != nil {
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
