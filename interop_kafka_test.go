package kafadmin_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/realkafka"
)

const (
	interopTopic   = "interop"
	interopParts   = 4
	interopRecords = 10
)

// runConsumer runs a real consumer (franz-go's kgo) in group on the interop
// topic until the test ends: with the KIP-848 consumer protocol when
// serverSide is set, else the classic one. It commits offset committed on
// every partition once it has them all, and goes on polling so that it
// stays a member.
func runConsumer(t *testing.T, rk *realkafka.Cluster, group, clientID string, serverSide bool, committed int64) {
	t.Helper()
	opts := []kgo.Opt{
		kgo.SeedBrokers(rk.Addrs()...), kgo.ClientID(clientID),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(interopTopic),
		kgo.DisableAutoCommit(), kgo.Balancers(kgo.RangeBalancer()),
	}
	if serverSide {
		opts = append(opts, kgo.ServerSideBalancer())
	}
	cl, err := kgo.NewClient(opts...)
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			cl.PollFetches(ctx)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		cl.Close()
	})

	offsets := map[string]map[int32]kgo.EpochOffset{interopTopic: {}}
	for p := range int32(interopParts) {
		offsets[interopTopic][p] = kgo.EpochOffset{Epoch: -1, Offset: committed}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var commitErr error
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		cl.CommitOffsetsSync(cctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			commitErr = err
			if err == nil {
				commitErr = commitResponseError(resp)
			}
		})
		ccancel()
		if commitErr == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer of %s could not commit: %v", group, commitErr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func commitResponseError(resp *kmsg.OffsetCommitResponse) error {
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}

// TestRealConsumerGroups has real consumers form a KIP-848 consumer group
// and a classic group, and checks that kafadmin lists, describes and lags
// them as they are.
func TestRealConsumerGroups(t *testing.T) {
	rk := sharedKafka(t)
	ctx := testContext(t)
	must(t, rk.CreateTopic(ctx, interopTopic, interopParts))
	for p := range int32(interopParts) {
		must(t, rk.Produce(ctx, interopTopic, p, interopRecords))
	}
	const (
		modern  = "interop-consumer-group"
		classic = "interop-classic-group"
	)
	runConsumer(t, rk, modern, "kgo-848", true, 3)
	runConsumer(t, rk, classic, "kgo-classic", false, 4)

	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(rk.Addrs()...))
	must(t, err)
	defer cl.Close()

	// The groups settle: each with its member holding all 4 partitions.
	var desc map[string]kafadmin.GroupDescription
	waitUntil(t, "both groups to be stable with every partition assigned", func() error {
		desc, err = cl.DescribeGroups(ctx, modern, classic)
		if err != nil {
			return err
		}
		for _, g := range []string{modern, classic} {
			d := desc[g]
			if d.State != "Stable" || len(d.Members) != 1 || len(d.Members[0].Assigned[interopTopic]) != interopParts {
				return fmt.Errorf("%s: state %s, members %+v", g, d.State, d.Members)
			}
		}
		return nil
	})

	m := desc[modern]
	if kip848Served(rk) {
		if m.Type != "consumer" || m.GroupEpoch < 1 || m.AssignmentEpoch != m.GroupEpoch || m.Protocol == "" {
			t.Errorf("KIP-848 group: type %q, group epoch %d, assignment epoch %d, assignor %q; want consumer, settled epochs, the server's assignor",
				m.Type, m.GroupEpoch, m.AssignmentEpoch, m.Protocol)
		}
		mm := m.Members[0]
		if mm.ClientID != "kgo-848" || mm.MemberEpoch != m.GroupEpoch || !slices.Equal(mm.Topics, []string{interopTopic}) ||
			!maps.EqualFunc(mm.Target, mm.Assigned, slices.Equal) {
			t.Errorf("KIP-848 member: client %q, epoch %d (group %d), topics %v, assigned %v, target %v",
				mm.ClientID, mm.MemberEpoch, m.GroupEpoch, mm.Topics, mm.Assigned, mm.Target)
		}
	} else if m.Type != "classic" || m.Members[0].ClientID != "kgo-848" || m.GroupEpoch != -1 {
		// Kafka 3.x does not serve the consumer protocol by default: the
		// consumer falls back to a classic group, described as such.
		t.Errorf("on Kafka %s, the consumer-protocol consumer's group: type %q, client %q, epoch %d; want a classic group",
			rk.Version(), m.Type, m.Members[0].ClientID, m.GroupEpoch)
	}
	c := desc[classic]
	if c.Type != "classic" || c.ProtocolType != "consumer" || c.Protocol != "range" || c.GroupEpoch != -1 {
		t.Errorf("classic group: type %q, protocol type %q, assignor %q, epoch %d", c.Type, c.ProtocolType, c.Protocol, c.GroupEpoch)
	}
	if cm := c.Members[0]; cm.ClientID != "kgo-classic" || cm.MemberEpoch != -1 || cm.Target != nil {
		t.Errorf("classic member: client %q, epoch %d, target %v", cm.ClientID, cm.MemberEpoch, cm.Target)
	}

	listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{States: []string{"Stable"}})
	must(t, err)
	types := map[string]string{}
	for _, g := range listed {
		types[g.Group] = g.Type
	}
	wantModern := "consumer"
	if !kip848Served(rk) {
		wantModern = "classic"
	}
	if types[modern] != wantModern || types[classic] != "classic" {
		t.Errorf("ListGroups of stable groups typed %s %q and %s %q", modern, types[modern], classic, types[classic])
	}

	lags, err := cl.Lag(ctx, modern, classic)
	must(t, err)
	for g, committed := range map[string]int64{modern: 3, classic: 4} {
		gl := lags[g]
		if want := int64(interopParts * (interopRecords - committed)); gl.TotalLag != want || len(gl.Partitions) != interopParts {
			t.Errorf("%s: lag %d over %d partitions, want %d over %d", g, gl.TotalLag, len(gl.Partitions), want, interopParts)
		}
		for _, p := range gl.Partitions {
			if p.Committed != committed || p.LogEnd != interopRecords || p.MemberID != desc[g].Members[0].MemberID {
				t.Errorf("%s partition %+v, want committed %d of %d, owned by %s", g, p, committed, interopRecords, desc[g].Members[0].MemberID)
			}
		}
	}
}

// kip848Served reports whether the cluster serves KIP-848's consumer
// protocol by default: Kafka 4.0 and later.
func kip848Served(rk *realkafka.Cluster) bool {
	major, _, _ := strings.Cut(rk.Version(), ".")
	n, err := strconv.Atoi(major)
	return err == nil && n >= 4
}

// waitUntil polls cond until it returns nil, failing the test with its
// last error after two minutes.
func waitUntil(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
