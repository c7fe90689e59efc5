package kafadmin_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// benchCluster has topic bench with 32 partitions over 3 brokers, 100
// records in each, and groups bench-0 .. bench-(n-1) committed at 50 on
// every partition.
func benchCluster(b *testing.B, groups int) (*kafkatest.Cluster, []string) {
	b.Helper()
	kc, err := kafkatest.Start(kafkatest.SeedTopic("bench", 32))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(kc.Close)
	ctx := context.Background()
	commits := map[int32]int64{}
	for p := range int32(32) {
		if err := kc.Produce(ctx, "bench", p, 100); err != nil {
			b.Fatal(err)
		}
		commits[p] = 50
	}
	names := make([]string, groups)
	for i := range names {
		names[i] = fmt.Sprintf("bench-%d", i)
		if err := kc.CommitOffsets(ctx, names[i], map[string]map[int32]int64{"bench": commits}); err != nil {
			b.Fatal(err)
		}
	}
	return kc, names
}

// benchClient is a warmed-up client counting its requests.
func benchClient(b *testing.B, kc *kafkatest.Cluster, rec *recorder) *kafadmin.Client {
	b.Helper()
	cl, err := kafadmin.NewClient(context.Background(), kafadmin.WithBrokers(kc.Addrs()...), kafadmin.WithHooks(rec))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cl.Close() })
	return cl
}

func BenchmarkLag(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
			kc, groups := benchCluster(b, n)
			rec := &recorder{}
			cl := benchClient(b, kc, rec)
			ctx := context.Background()
			if _, err := cl.Lag(ctx, groups...); err != nil {
				b.Fatal(err)
			}
			rec.reset()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				lags, err := cl.Lag(ctx, groups...)
				if err != nil || lags[groups[0]].TotalLag != 32*50 {
					b.Fatalf("lag %d, %v", lags[groups[0]].TotalLag, err)
				}
			}
			b.ReportMetric(float64(rec.snapshot().requests)/float64(b.N), "requests/op")
		})
	}
}

func BenchmarkFetchOffsets(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
			kc, groups := benchCluster(b, n)
			rec := &recorder{}
			cl := benchClient(b, kc, rec)
			ctx := context.Background()
			if _, err := cl.FetchOffsets(ctx, groups...); err != nil {
				b.Fatal(err)
			}
			rec.reset()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := cl.FetchOffsets(ctx, groups...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rec.snapshot().requests)/float64(b.N), "requests/op")
		})
	}
}

func BenchmarkListAndDescribeGroups(b *testing.B) {
	kc, groups := benchCluster(b, 1000)
	rec := &recorder{}
	cl := benchClient(b, kc, rec)
	ctx := context.Background()
	describe := func() {
		listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
		if err != nil || len(listed) != len(groups) {
			b.Fatalf("listed %d groups, %v; want %d", len(listed), err, len(groups))
		}
		names := make([]string, len(listed))
		for i, g := range listed {
			names[i] = g.Group
		}
		described, err := cl.DescribeGroups(ctx, names...)
		if err != nil || len(described) != len(groups) {
			b.Fatalf("described %d groups, %v; want %d", len(described), err, len(groups))
		}
	}
	describe()
	rec.reset()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		describe()
	}
	b.ReportMetric(float64(rec.snapshot().requests)/float64(b.N), "requests/op")
}
