package kafkatest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"go.uber.org/goleak"
)

// testTimeout bounds every network step of a test; nothing here should come
// close to it on a healthy machine.
const testTimeout = 30 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStartReportsTheCluster(t *testing.T) {
	for _, brokers := range []int{1, 3, 5} {
		t.Run(strconv.Itoa(brokers), func(t *testing.T) {
			c := New(t, Brokers(brokers))
			ctx := testContext(t)

			want := make([]int32, brokers)
			for i := range want {
				want[i] = int32(i)
			}
			if got := c.NodeIDs(); !slices.Equal(got, want) {
				t.Fatalf("NodeIDs() = %v, want %v", got, want)
			}
			if got, want := c.Controller(), int32(brokers-1); got != want {
				t.Fatalf("Controller() = %d, want %d", got, want)
			}
			addrs := c.Addrs()
			if got := c.BootstrapServers(); got != strings.Join(addrs, ",") {
				t.Fatalf("BootstrapServers() = %q, want Addrs joined: %q", got, addrs)
			}
			if got := c.Addr(int32(brokers)); got != "" {
				t.Fatalf("Addr of a node that never existed = %q, want empty", got)
			}

			meta := metadata(ctx, t, newClient(t, c), 0)
			for _, node := range want {
				addr := c.Addr(node)
				if addr != addrs[node] || !strings.HasPrefix(addr, "127.0.0.1:") {
					t.Fatalf("Addr(%d) = %q, Addrs()[%d] = %q, want the same loopback address", node, addr, node, addrs[node])
				}
				if got := advertised(meta, node); got != addr {
					t.Fatalf("metadata advertises node %d at %q, want %q", node, got, addr)
				}
				if !c.Running(node) {
					t.Fatalf("Running(%d) = false on a fresh cluster", node)
				}
			}
		})
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"no brokers", Brokers(0), "at least one broker"},
		{"unknown SASL mechanism", WithSASL("GSSAPI", "u", "p"), `unknown mechanism "GSSAPI"`},
		{"replaced listener", WithKfakeOptions(kfake.ListenFn(net.Listen)), "kfake.ListenFn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Start(tt.opt)
			if err == nil {
				c.Close()
				t.Fatal("Start succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Start error = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestConnectionFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   func(*Cluster, int32) (int, error)
		wantErr error
	}{
		{"reset sends RST", (*Cluster).ResetConnections, syscall.ECONNRESET},
		{"close sends FIN", (*Cluster).CloseConnections, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(t)
			conn := dialServed(t, c.Addr(1))

			n, err := tt.fault(c, 1)
			if err != nil {
				t.Fatal(err)
			}
			if n < 1 {
				t.Fatalf("fault ended %d connections, want at least the test's one", n)
			}
			if err := readErr(conn); !errors.Is(err, tt.wantErr) {
				t.Fatalf("read after the fault: %v, want %v", err, tt.wantErr)
			}
			dialServed(t, c.Addr(1)) // the broker still serves new connections
		})
	}
}

func TestStopAndStartBroker(t *testing.T) {
	c := New(t)
	ctx := testContext(t)
	cl := newClient(t, c)
	addr := c.Addr(1)
	live := dialServed(t, addr)

	if err := c.StopBroker(1); err != nil {
		t.Fatal(err)
	}
	if c.Running(1) {
		t.Fatal("Running(1) = true after StopBroker")
	}
	if err := readErr(live); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read on a connection the stop cut: %v, want connection reset", err)
	}
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial to a stopped broker: %v, want connection refused", err)
	}
	if got := advertised(metadata(ctx, t, cl, 0), 1); got != addr {
		t.Fatalf("metadata from node 0 advertises stopped node 1 at %q, want %q (kfake does not notice a stop)", got, addr)
	}
	if err := c.StopBroker(1); err != nil {
		t.Fatalf("stopping a stopped broker: %v, want nil", err)
	}

	if err := c.StartBroker(1); err != nil {
		t.Fatal(err)
	}
	if !c.Running(1) || c.Addr(1) != addr {
		t.Fatalf("after StartBroker: Running = %v, Addr = %q, want true and %q", c.Running(1), c.Addr(1), addr)
	}
	dialServed(t, addr)
	if _, err := cl.Broker(1).RetriableRequest(ctx, kmsg.NewPtrApiVersionsRequest()); err != nil {
		t.Fatalf("ApiVersions to the restarted broker: %v", err)
	}
}

// Connections that complete while the broker stops must not survive it,
// whether they were accepted before, during or after the listener closed.
func TestStopBrokerResetsConnectionsAcceptedDuringStop(t *testing.T) {
	c := New(t)
	addr := c.Addr(0)
	stop := make(chan struct{})
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					continue
				}
				mu.Lock()
				conns = append(conns, conn)
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := c.StopBroker(0); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	for i, conn := range conns {
		err := readErr(conn)
		if isTimeout(err) {
			t.Fatalf("connection %d of %d is still open after StopBroker", i, len(conns))
		}
		conn.Close()
	}
	if err := c.StartBroker(0); err != nil {
		t.Fatal(err)
	}
	dialServed(t, addr)
}

func TestRestartBroker(t *testing.T) {
	c := New(t)
	ctx := testContext(t)
	live := dialServed(t, c.Addr(2))

	if err := c.RestartBroker(ctx, 2, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := readErr(live); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read on a connection from before the restart: %v, want connection reset", err)
	}
	if !c.Running(2) {
		t.Fatal("Running(2) = false after RestartBroker")
	}
	dialServed(t, c.Addr(2))
}

func TestSetBlackhole(t *testing.T) {
	c := New(t)
	ctx := testContext(t)
	before := dialServed(t, c.Addr(0))

	if err := c.SetBlackhole(0, true); err != nil {
		t.Fatal(err)
	}
	if !c.Blackholed(0) || c.Blackholed(1) || c.Blackholed(7) {
		t.Fatal("Blackholed does not report node 0 alone as black-holed")
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := newClient(t, c).Broker(0).Request(short, kmsg.NewPtrApiVersionsRequest()); err == nil {
		t.Fatal("ApiVersions to a black-holed broker succeeded, want a timeout")
	}
	writeAPIVersions(t, before)
	if err := readErrWithin(before, 500*time.Millisecond); !isTimeout(err) {
		t.Fatalf("read on an existing connection to a black-holed broker: %v, want a timeout", err)
	}
	// A client that bootstraps from a black-holed broker waits out kgo's
	// timeouts, so this one bootstraps from node 1.
	healthy := newClient(t, c, kgo.SeedBrokers(c.Addr(1)))
	if _, err := healthy.Broker(1).Request(ctx, kmsg.NewPtrApiVersionsRequest()); err != nil {
		t.Fatalf("ApiVersions to node 1 while node 0 is black-holed: %v", err)
	}

	if err := c.SetBlackhole(0, false); err != nil {
		t.Fatal(err)
	}
	if c.Blackholed(0) {
		t.Fatal("node 0 still black-holed after SetBlackhole(0, false)")
	}
	if err := readErr(before); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read on a connection that lost a response: %v, want connection reset when the black hole ends", err)
	}
	if _, err := newClient(t, c).Broker(0).Request(ctx, kmsg.NewPtrApiVersionsRequest()); err != nil {
		t.Fatalf("ApiVersions on a new connection after the black hole: %v", err)
	}
}

func TestRemoveBroker(t *testing.T) {
	c := New(t)
	ctx := testContext(t)
	addr := c.Addr(0)
	live := dialServed(t, addr)

	if err := c.RemoveBroker(0); err != nil {
		t.Fatal(err)
	}
	if err := readErr(live); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read on a connection to the removed broker: %v, want connection reset", err)
	}
	if got := c.NodeIDs(); !slices.Equal(got, []int32{1, 2}) {
		t.Fatalf("NodeIDs() after removing 0 = %v, want [1 2]", got)
	}
	if c.Running(0) || len(c.Addrs()) != 2 {
		t.Fatalf("after removing 0: Running(0) = %v, Addrs() = %v", c.Running(0), c.Addrs())
	}
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial to a removed broker: %v, want connection refused", err)
	}
	meta := metadata(ctx, t, newClient(t, c), 1)
	if got := advertised(meta, 0); got != "" {
		t.Fatalf("metadata still lists removed node 0 at %q", got)
	}

	errTests := []struct {
		name string
		node int32
		want string
	}{
		{"controller", 2, "cannot remove node 2: it is the controller"},
		{"removed", 0, "node 0 was removed by RemoveBroker (nodes: 1, 2)"},
		{"unknown", 7, "node 7 does not exist (nodes: 1, 2)"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.RemoveBroker(tt.node)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("RemoveBroker(%d) = %v, want an error mentioning %q", tt.node, err, tt.want)
			}
		})
	}

	if err := c.CreateTopic("after-removal", 4); err != nil {
		t.Fatal(err)
	}
	for p := range int32(4) {
		if leader := c.Leader("after-removal", p); leader != 1 && leader != 2 {
			t.Fatalf("partition %d is led by node %d, want a remaining broker", p, leader)
		}
		if err := c.Produce(ctx, "after-removal", p, 1); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFaultsRejectUnknownNodes(t *testing.T) {
	c := New(t)
	ctx := testContext(t)
	const want = "kafkatest: node 7 does not exist (nodes: 0, 1, 2)"
	faults := map[string]func() error{
		"ResetConnections": func() error { _, err := c.ResetConnections(7); return err },
		"CloseConnections": func() error { _, err := c.CloseConnections(7); return err },
		"StopBroker":       func() error { return c.StopBroker(7) },
		"StartBroker":      func() error { return c.StartBroker(7) },
		"RestartBroker":    func() error { return c.RestartBroker(ctx, 7, 0) },
		"RemoveBroker":     func() error { return c.RemoveBroker(7) },
		"SetBlackhole":     func() error { return c.SetBlackhole(7, true) },
		"MoveCoordinator": func() error {
			_, err := c.MoveCoordinator("g", 7)
			return err
		},
		"MoveCoordinatorsOff": func() error { return c.MoveCoordinatorsOff(7, "g") },
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			if err := fault(); err == nil || err.Error() != want {
				t.Fatalf("%s(7) = %v, want %q", name, err, want)
			}
		})
	}
	if c.Running(7) {
		t.Fatal("Running(7) = true for a node that does not exist")
	}
}

func TestMoveCoordinator(t *testing.T) {
	c := New(t)
	ctx := testContext(t)
	cl := newClient(t, c)
	const group = "billing"

	for _, to := range []int32{0, 1, 2, 0, -1, -1} {
		t.Run(strconv.Itoa(int(to)), func(t *testing.T) {
			from := c.Coordinator(group)
			got, err := c.MoveCoordinator(group, to)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case to >= 0 && got != to:
				t.Fatalf("MoveCoordinator(%q, %d) = %d", group, to, got)
			case to < 0 && (got == from || !c.Running(got)):
				t.Fatalf("MoveCoordinator(%q, -1) from node %d = %d, want another running broker", group, from, got)
			}
			if now := c.Coordinator(group); now != got {
				t.Fatalf("Coordinator(%q) = %d after moving it to %d", group, now, got)
			}
			for _, asked := range c.NodeIDs() {
				if answered := findCoordinator(ctx, t, cl, asked, group); answered != got {
					t.Fatalf("FindCoordinator(%q) on node %d answered %d, want %d", group, asked, answered, got)
				}
			}
		})
	}
}

func TestMoveCoordinatorNeedsAnotherRunningBroker(t *testing.T) {
	c := New(t)
	const group = "billing"
	from := c.Coordinator(group)
	for _, node := range c.NodeIDs() {
		if node != from {
			if err := c.StopBroker(node); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.MoveCoordinator(group, -1); err == nil || !strings.Contains(err.Error(), "no other broker is running") {
		t.Fatalf("MoveCoordinator(%q, -1) with only node %d running = %v, want an error", group, from, err)
	}
	if got := c.Coordinator(group); got != from {
		t.Fatalf("a failed move moved the group from %d to %d", from, got)
	}
}

func TestMoveCoordinatorsOff(t *testing.T) {
	c := New(t)
	ctx := testContext(t)
	cl := newClient(t, c)
	groups := make([]string, 10)
	for i := range groups {
		groups[i] = "group-" + strconv.Itoa(i)
	}

	if err := c.MoveCoordinatorsOff(1, groups...); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if got := c.Coordinator(g); got == 1 {
			t.Fatalf("Coordinator(%q) = 1 after MoveCoordinatorsOff(1)", g)
		}
		if got := findCoordinator(ctx, t, cl, 0, g); got == 1 {
			t.Fatalf("FindCoordinator(%q) = 1 after MoveCoordinatorsOff(1)", g)
		}
	}
}

func TestFailNext(t *testing.T) {
	type request struct {
		node  int32
		fails bool
	}
	tests := []struct {
		name     string
		fault    kfake.Fault
		requests []request
	}{
		{
			name:     "next two on any node",
			fault:    kfake.Fault{Keys: []kmsg.Key{kmsg.ListGroups}, Err: kerr.CoordinatorNotAvailable, Count: 2},
			requests: []request{{0, true}, {2, true}, {0, false}, {2, false}},
		},
		{
			name:     "next one on node 1",
			fault:    kfake.Fault{Keys: []kmsg.Key{kmsg.ListGroups}, Nodes: []int32{1}, Err: kerr.NotCoordinator, Count: 1},
			requests: []request{{0, false}, {1, true}, {1, false}},
		},
		{
			name:     "default error, default count",
			fault:    kfake.Fault{Keys: []kmsg.Key{kmsg.ListGroups}},
			requests: []request{{2, true}, {2, false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(t)
			ctx := testContext(t)
			cl := newClient(t, c)
			want := tt.fault.Err
			if want == nil {
				want = kerr.UnknownServerError
			}

			handle := c.FailNext(tt.fault)
			failed := 0
			for i, r := range tt.requests {
				err := listGroupsError(ctx, t, cl, r.node)
				if r.fails != errors.Is(err, want) {
					t.Fatalf("request %d to node %d answered %v; want failure: %v", i, r.node, err, r.fails)
				}
				if r.fails {
					failed++
				}
			}
			if hits := handle.Hits(); hits != failed {
				t.Fatalf("fault handle counted %d hits, want %d", hits, failed)
			}
		})
	}
}

func TestRequestCount(t *testing.T) {
	c := New(t)
	ctx := testContext(t)
	cl := newClient(t, c)
	metadata(ctx, t, cl, 0)

	c.ResetRequestCounts()
	for _, node := range []int32{0, 1, 2} {
		if err := listGroupsError(ctx, t, cl, node); err != nil {
			t.Fatal(err)
		}
	}
	metadata(ctx, t, cl, 1)

	if got := c.RequestCount(kmsg.ListGroups); got != 3 {
		t.Fatalf("RequestCount(ListGroups) = %d, want 3", got)
	}
	if got := c.RequestCount(kmsg.Metadata); got < 1 {
		t.Fatalf("RequestCount(Metadata) = %d, want at least the test's one", got)
	}
	counts := c.RequestCounts()
	if counts[kmsg.ListGroups] != 3 || counts[kmsg.DescribeGroups] != 0 {
		t.Fatalf("RequestCounts() = %v, want 3 ListGroups and no DescribeGroups", counts)
	}
	counts[kmsg.ListGroups] = 100
	if got := c.RequestCount(kmsg.ListGroups); got != 3 {
		t.Fatalf("changing RequestCounts' map changed the count to %d", got)
	}

	c.ResetRequestCounts()
	if got := c.RequestCount(kmsg.ListGroups); got != 0 {
		t.Fatalf("RequestCount(ListGroups) after ResetRequestCounts = %d, want 0", got)
	}
}

func TestSeedingRoundTrip(t *testing.T) {
	c := New(t, SeedTopic("seeded", 2))
	ctx := testContext(t)
	cl := newClient(t, c)
	const topic, group = "orders", "billing"

	if err := c.CreateTopic(topic, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic(topic, 3); !errors.Is(err, kerr.TopicAlreadyExists) {
		t.Fatalf("creating %q twice: %v, want TOPIC_ALREADY_EXISTS", topic, err)
	}
	if err := c.Produce(ctx, topic, 1, 5); err != nil {
		t.Fatal(err)
	}
	if err := c.Produce(ctx, "seeded", 0, 2); err != nil {
		t.Fatal(err)
	}
	if err := c.Produce(ctx, topic, 9, 1); err == nil {
		t.Fatal("producing to partition 9 of a 3-partition topic succeeded")
	}

	wantEnds := map[int32]int64{0: 0, 1: 5, 2: 0}
	if got := endOffsets(ctx, t, cl, topic, 3); !equalMaps(got, wantEnds) {
		t.Fatalf("end offsets of %q = %v, want %v", topic, got, wantEnds)
	}
	if got := consume(ctx, t, c, topic, 1, 5); !slices.Equal(got, []string{"value-0", "value-1", "value-2", "value-3", "value-4"}) {
		t.Fatalf("records in %s[1] = %q", topic, got)
	}

	commits := map[string]map[int32]int64{topic: {0: 0, 1: 5}, "seeded": {1: 7}}
	if err := c.CommitOffsets(ctx, group, commits); err != nil {
		t.Fatal(err)
	}
	got := committedOffsets(ctx, t, cl, group)
	for topic, partitions := range commits {
		if !equalMaps(got[topic], partitions) {
			t.Fatalf("committed offsets of %q in %q = %v, want %v", group, topic, got[topic], partitions)
		}
	}
	if err := c.CommitOffsets(ctx, group, map[string]map[int32]int64{"missing": {0: 1}}); err == nil {
		t.Fatal("committing offsets of a missing topic succeeded")
	}
}

func TestJoinMember(t *testing.T) {
	tests := []struct {
		name       string
		member     Member
		wantClient string
	}{
		{
			name:       "defaults",
			member:     Member{Group: "g-default", InstanceID: "instance-a", Topics: []string{"orders"}},
			wantClient: "kafkatest-member",
		},
		{
			name:       "short session is raised to kfake's minimum",
			member:     Member{Group: "g-short", InstanceID: "instance-b", ClientID: "reporter", Topics: []string{"orders", "payments"}, SessionTimeout: time.Second},
			wantClient: "reporter",
		},
		{
			name:       "long session is lowered to kfake's maximum",
			member:     Member{Group: "g-long", InstanceID: "instance-c", Topics: []string{"payments"}, SessionTimeout: time.Hour},
			wantClient: "kafkatest-member",
		},
	}
	c := New(t, SeedTopic("orders", 3), SeedTopic("payments", 2))
	ctx := testContext(t)
	cl := newClient(t, c)
	partitions := map[string][]int32{"orders": {0, 1, 2}, "payments": {0, 1}}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			memberID, err := c.JoinMember(ctx, tt.member)
			if err != nil {
				t.Fatal(err)
			}
			g := describeGroup(ctx, t, cl, tt.member.Group)
			if g.State != "Stable" || g.ProtocolType != "consumer" || g.Protocol != "range" || len(g.Members) != 1 {
				t.Fatalf("group %q: state %q, protocol %q/%q, %d members; want Stable consumer/range with 1 member",
					tt.member.Group, g.State, g.ProtocolType, g.Protocol, len(g.Members))
			}
			m := g.Members[0]
			if m.MemberID != memberID || m.InstanceID == nil || *m.InstanceID != tt.member.InstanceID || m.ClientID != tt.wantClient {
				t.Fatalf("member = id %q, instance %v, client %q; want %q, %q, %q",
					m.MemberID, m.InstanceID, m.ClientID, memberID, tt.member.InstanceID, tt.wantClient)
			}
			var assignment kmsg.ConsumerMemberAssignment
			if err := assignment.ReadFrom(m.MemberAssignment); err != nil {
				t.Fatalf("decoding the member's assignment: %v", err)
			}
			if len(assignment.Topics) != len(tt.member.Topics) {
				t.Fatalf("assignment has %d topics, want %d", len(assignment.Topics), len(tt.member.Topics))
			}
			for _, at := range assignment.Topics {
				if !slices.Equal(at.Partitions, partitions[at.Topic]) {
					t.Fatalf("assignment of %q = %v, want %v", at.Topic, at.Partitions, partitions[at.Topic])
				}
			}
			var subscription kmsg.ConsumerMemberMetadata
			if err := subscription.ReadFrom(m.ProtocolMetadata); err != nil || !slices.Equal(subscription.Topics, tt.member.Topics) {
				t.Fatalf("subscription = %v (%v), want %v", subscription.Topics, err, tt.member.Topics)
			}

			commit := map[string]map[int32]int64{tt.member.Topics[0]: {0: 1}}
			if err := c.CommitOffsets(ctx, tt.member.Group, commit); !errors.Is(err, kerr.UnknownMemberID) {
				t.Fatalf("admin commit to a group with a member: %v, want UNKNOWN_MEMBER_ID", err)
			}

			leaveAsInstance(ctx, t, cl, tt.member.Group, tt.member.InstanceID)
			if g := describeGroup(ctx, t, cl, tt.member.Group); len(g.Members) != 0 {
				t.Fatalf("group %q has %d members after the member left, want 0", tt.member.Group, len(g.Members))
			}
		})
	}
}

func TestJoinMemberRejects(t *testing.T) {
	c := New(t, SeedTopic("orders", 1))
	ctx := testContext(t)
	if _, err := c.JoinMember(ctx, Member{Group: "taken", InstanceID: "first", Topics: []string{"orders"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		member Member
		want   string
	}{
		{"no group", Member{InstanceID: "i"}, "needs Member.Group"},
		{"no instance id", Member{Group: "g"}, "needs Member.InstanceID"},
		{"missing topic", Member{Group: "g", InstanceID: "i", Topics: []string{"missing"}}, `topic "missing" does not exist`},
		{"group with another member", Member{Group: "taken", InstanceID: "second", Topics: []string{"orders"}}, "must be alone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.JoinMember(ctx, tt.member); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("JoinMember(%+v) = %v, want an error mentioning %q", tt.member, err, tt.want)
			}
		})
	}
}

func TestJoinMemberExpiresAfterSessionTimeout(t *testing.T) {
	c := New(t, SeedTopic("orders", 1))
	ctx := testContext(t)
	m := Member{Group: "expiring", InstanceID: "silent", Topics: []string{"orders"}, SessionTimeout: minSessionTimeout}
	if _, err := c.JoinMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Kfake().WaitGroupInfo(ctx, m.Group, func(g *kfake.GroupInfo) bool {
		return g != nil && len(g.Members) == 0
	}); err != nil {
		t.Fatalf("the member did not leave after its %v session timeout: %v", m.SessionTimeout, err)
	}
}

func TestRollingRestart(t *testing.T) {
	c := New(t, SeedTopic("orders", 6))
	ctx := testContext(t)
	var live []net.Conn
	for _, addr := range c.Addrs() {
		live = append(live, dialServed(t, addr))
	}

	if err := c.RollingRestart(ctx, 50*time.Millisecond, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, c)
	for _, node := range c.NodeIDs() {
		if !c.Running(node) {
			t.Fatalf("node %d is not running after RollingRestart", node)
		}
		if err := readErr(live[node]); !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("connection to node %d from before the roll: %v, want connection reset", node, err)
		}
		if _, err := cl.Broker(int(node)).RetriableRequest(ctx, kmsg.NewPtrApiVersionsRequest()); err != nil {
			t.Fatalf("ApiVersions to node %d after RollingRestart: %v", node, err)
		}
	}
	if err := c.Produce(ctx, "orders", 0, 3); err != nil {
		t.Fatal(err)
	}
}

func TestRollingRestartStopsWithContext(t *testing.T) {
	c := New(t)
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()

	if err := c.RollingRestart(ctx, time.Minute, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RollingRestart with a context that ends mid-downtime = %v, want context.DeadlineExceeded", err)
	}
	for _, node := range c.NodeIDs() {
		if !c.Running(node) {
			t.Fatalf("node %d was left stopped by a cancelled RollingRestart", node)
		}
		dialServed(t, c.Addr(node))
	}
}

func TestShuffleLeaders(t *testing.T) {
	c := New(t, SeedTopic("orders", 8))
	ctx := testContext(t)
	cl := newClient(t, c)
	epochs := leaderEpochs(ctx, t, cl, "orders")

	c.ShuffleLeaders()
	meta := metadata(ctx, t, cl, 0, "orders")
	for _, p := range meta.Topics[0].Partitions {
		if p.LeaderEpoch <= epochs[p.Partition] {
			t.Fatalf("partition %d leader epoch %d after ShuffleLeaders, want above %d", p.Partition, p.LeaderEpoch, epochs[p.Partition])
		}
		if got := c.Leader("orders", p.Partition); got != p.Leader {
			t.Fatalf("Leader(orders, %d) = %d, metadata says %d", p.Partition, got, p.Leader)
		}
	}
	if got := c.Leader("orders", 99); got != -1 {
		t.Fatalf("Leader of a missing partition = %d, want -1", got)
	}
}

func TestMoveLeadersOff(t *testing.T) {
	c := New(t, SeedTopic("orders", 12), SeedTopic("payments", 4))
	ctx := testContext(t)
	cl := newClient(t, c)
	if err := c.Kfake().MoveTopicPartition("orders", 0, 1); err != nil {
		t.Fatal(err)
	}
	before := map[string]map[int32]int32{}
	for _, topic := range []string{"orders", "payments"} {
		before[topic] = map[int32]int32{}
		for _, p := range metadata(ctx, t, cl, 0, topic).Topics[0].Partitions {
			before[topic][p.Partition] = p.Leader
		}
	}
	if err := c.StopBroker(2); err != nil {
		t.Fatal(err)
	}
	if err := c.MoveLeadersOff(1, "orders", "payments"); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, topic := range []string{"orders", "payments"} {
		for _, p := range metadata(ctx, t, cl, 0, topic).Topics[0].Partitions {
			was := before[topic][p.Partition]
			switch {
			case was == 1 && p.Leader != 0:
				t.Fatalf("%s/%d moved from 1 to %d, want 0, the only other running broker", topic, p.Partition, p.Leader)
			case was != 1 && p.Leader != was:
				t.Fatalf("%s/%d moved from %d to %d, but only node 1's partitions were to move", topic, p.Partition, was, p.Leader)
			case was == 1:
				moved++
			}
		}
	}
	if moved == 0 {
		t.Fatal("no partition moved, though orders/0 was led by node 1")
	}
	if err := c.MoveLeadersOff(1, "missing"); err == nil || !strings.Contains(err.Error(), `topic "missing" does not exist`) {
		t.Fatalf("moving leaders of a missing topic: %v", err)
	}
	if err := c.StopBroker(0); err != nil {
		t.Fatal(err)
	}
	if err := c.MoveLeadersOff(1, "orders"); err == nil || !strings.Contains(err.Error(), "no other broker is running") {
		t.Fatalf("moving leaders with no broker left to take them: %v", err)
	}
}

func TestCreatePartitions(t *testing.T) {
	c := New(t, SeedTopic("orders", 2))
	ctx := testContext(t)
	if err := c.CreatePartitions(ctx, "orders", 5); err != nil {
		t.Fatal(err)
	}
	if got := len(metadata(ctx, t, newClient(t, c), 0, "orders").Topics[0].Partitions); got != 5 {
		t.Fatalf("orders has %d partitions after growing to 5", got)
	}
	if err := c.Produce(ctx, "orders", 4, 1); err != nil {
		t.Fatalf("producing to a new partition: %v", err)
	}
	if err := c.CreatePartitions(ctx, "orders", 3); err == nil || !strings.Contains(err.Error(), "INVALID_PARTITIONS") {
		t.Fatalf("shrinking a topic: %v, want INVALID_PARTITIONS", err)
	}
}

func TestTLSAndSASL(t *testing.T) {
	serverTLS := selfSignedTLS(t)
	c := New(t,
		WithTLS(serverTLS),
		WithSASL("SCRAM-SHA-256", "admin", "admin-secret"),
		WithSASL("PLAIN", "reader", "reader-secret"),
		SeedTopic("orders", 2),
	)
	ctx := testContext(t)

	if err := c.Produce(ctx, "orders", 0, 2); err != nil {
		t.Fatalf("Produce over TLS with SCRAM: %v", err)
	}
	if _, err := c.JoinMember(ctx, Member{Group: "secure", InstanceID: "i", Topics: []string{"orders"}}); err != nil {
		t.Fatalf("JoinMember over TLS with SCRAM: %v", err)
	}

	clientTLS := &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "kafkatest"}
	clientTLS.RootCAs.AddCert(serverTLS.Certificates[0].Leaf)
	reader := newClient(t, c, kgo.DialTLSConfig(clientTLS), kgo.SASL(plain.Auth{User: "reader", Pass: "reader-secret"}.AsMechanism()))
	if _, err := reader.Broker(0).Request(ctx, kmsg.NewPtrApiVersionsRequest()); err != nil {
		t.Fatalf("ApiVersions as the PLAIN user: %v", err)
	}
	intruder := newClient(t, c, kgo.DialTLSConfig(clientTLS), kgo.SASL(plain.Auth{User: "reader", Pass: "wrong"}.AsMechanism()))
	if _, err := intruder.Broker(0).Request(ctx, kmsg.NewPtrApiVersionsRequest()); err == nil {
		t.Fatal("a wrong password authenticated")
	}

	conn := dialTLS(t, c.Addr(1), clientTLS)
	if n, err := c.ResetConnections(1); err != nil || n < 1 {
		t.Fatalf("ResetConnections(1) on a TLS connection = %d, %v", n, err)
	}
	if err := readErr(conn); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read on a reset TLS connection: %v, want connection reset", err)
	}
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	c, err := Start(SeedTopic("orders", 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx := testContext(t)
	if err := c.Produce(ctx, "orders", 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.StopBroker(1); err != nil {
		t.Fatal(err)
	}
	addr := c.Addr(0)
	live := dialServed(t, addr)

	c.Close()
	c.Close()

	if err := readErr(live); err == nil || isTimeout(err) {
		t.Fatalf("read on a connection after Close: %v, want it closed", err)
	}
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after Close: %v, want connection refused", err)
	}
	if err := c.StartBroker(1); !errors.Is(err, errClosed) {
		t.Fatalf("StartBroker after Close = %v, want %v", err, errClosed)
	}
	if err := c.Produce(ctx, "orders", 0, 1); !errors.Is(err, errClosed) {
		t.Fatalf("Produce after Close = %v, want %v", err, errClosed)
	}
	if got := c.Coordinator("g"); got != -1 {
		t.Fatalf("Coordinator after Close = %d, want -1", got)
	}
	if c.Running(0) {
		t.Fatal("Running(0) = true after Close")
	}
}

// testContext returns a context that ends with the test or after testTimeout.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newClient returns a kgo client of the cluster, closed when the test ends.
// opts apply after the seed brokers, so they can replace them.
func newClient(t *testing.T, c *Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// dialServed dials addr and completes an ApiVersions round trip, so the
// broker has accepted the connection by the time it returns.
func dialServed(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	writeAPIVersions(t, conn)
	if err := readResponse(conn); err != nil {
		t.Fatalf("ApiVersions round trip to %s: %v", addr, err)
	}
	return conn
}

func dialTLS(t *testing.T, addr string, cfg *tls.Config) net.Conn {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// writeAPIVersions writes an ApiVersions v0 request, which has an empty body.
func writeAPIVersions(t *testing.T, conn net.Conn) {
	t.Helper()
	msg := binary.BigEndian.AppendUint32(nil, 10) // size of the header below
	msg = binary.BigEndian.AppendUint16(msg, uint16(kmsg.ApiVersions))
	msg = binary.BigEndian.AppendUint16(msg, 0)      // version
	msg = binary.BigEndian.AppendUint32(msg, 1)      // correlation id
	msg = binary.BigEndian.AppendUint16(msg, 0xffff) // null client id
	if _, err := conn.Write(msg); err != nil {
		t.Fatalf("writing ApiVersions: %v", err)
	}
}

// readResponse reads one size-prefixed response.
func readResponse(conn net.Conn) error {
	if err := conn.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
		return err
	}
	size := make([]byte, 4)
	if _, err := io.ReadFull(conn, size); err != nil {
		return err
	}
	_, err := io.ReadFull(conn, make([]byte, binary.BigEndian.Uint32(size)))
	return err
}

// readErr reads from conn until it fails or testTimeout passes, and returns
// the error.
func readErr(conn net.Conn) error { return readErrWithin(conn, testTimeout) }

func readErrWithin(conn net.Conn, d time.Duration) error {
	if err := conn.SetReadDeadline(time.Now().Add(d)); err != nil {
		return err
	}
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			return err
		}
	}
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

func metadata(ctx context.Context, t *testing.T, cl *kgo.Client, node int32, topics ...string) *kmsg.MetadataResponse {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	for _, topic := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := cl.Broker(int(node)).RetriableRequest(ctx, req)
	if err != nil {
		t.Fatalf("metadata from node %d: %v", node, err)
	}
	return resp.(*kmsg.MetadataResponse)
}

// advertised returns the address metadata gives for a node, or "".
func advertised(meta *kmsg.MetadataResponse, node int32) string {
	for _, b := range meta.Brokers {
		if b.NodeID == node {
			return net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		}
	}
	return ""
}

func findCoordinator(ctx context.Context, t *testing.T, cl *kgo.Client, node int32, group string) int32 {
	t.Helper()
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorKey = group
	req.CoordinatorKeys = []string{group}
	kresp, err := cl.Broker(int(node)).RetriableRequest(ctx, req)
	if err != nil {
		t.Fatalf("FindCoordinator(%q) on node %d: %v", group, node, err)
	}
	resp := kresp.(*kmsg.FindCoordinatorResponse)
	if len(resp.Coordinators) > 0 {
		return resp.Coordinators[0].NodeID
	}
	return resp.NodeID
}

// listGroupsError sends ListGroups to a node and returns the error code it
// answered, as an error.
func listGroupsError(ctx context.Context, t *testing.T, cl *kgo.Client, node int32) error {
	t.Helper()
	resp, err := cl.Broker(int(node)).RetriableRequest(ctx, kmsg.NewPtrListGroupsRequest())
	if err != nil {
		t.Fatalf("ListGroups to node %d: %v", node, err)
	}
	return kerr.ErrorForCode(resp.(*kmsg.ListGroupsResponse).ErrorCode)
}

func describeGroup(ctx context.Context, t *testing.T, cl *kgo.Client, group string) kmsg.DescribeGroupsResponseGroup {
	t.Helper()
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = []string{group}
	resp, err := cl.Request(ctx, req)
	if err != nil {
		t.Fatalf("DescribeGroups(%q): %v", group, err)
	}
	groups := resp.(*kmsg.DescribeGroupsResponse).Groups
	if len(groups) != 1 {
		t.Fatalf("DescribeGroups(%q) answered %d groups", group, len(groups))
	}
	if err := kerr.ErrorForCode(groups[0].ErrorCode); err != nil {
		t.Fatalf("DescribeGroups(%q): %v", group, err)
	}
	return groups[0]
}

func leaveAsInstance(ctx context.Context, t *testing.T, cl *kgo.Client, group, instanceID string) {
	t.Helper()
	member := kmsg.NewLeaveGroupRequestMember()
	member.InstanceID = kmsg.StringPtr(instanceID)
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = group
	req.Members = []kmsg.LeaveGroupRequestMember{member}
	kresp, err := cl.Request(ctx, req)
	if err != nil {
		t.Fatalf("LeaveGroup(%q, %q): %v", group, instanceID, err)
	}
	resp := kresp.(*kmsg.LeaveGroupResponse)
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		t.Fatalf("LeaveGroup(%q, %q): %v", group, instanceID, err)
	}
	for _, m := range resp.Members {
		if err := kerr.ErrorForCode(m.ErrorCode); err != nil {
			t.Fatalf("LeaveGroup(%q, %q): member: %v", group, instanceID, err)
		}
	}
}

// endOffsets lists the latest offset of each partition of a topic.
func endOffsets(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, partitions int32) map[int32]int64 {
	t.Helper()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for p := range partitions {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = p
		rp.Timestamp = -1 // latest
		rt.Partitions = append(rt.Partitions, rp)
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.Topics = []kmsg.ListOffsetsRequestTopic{rt}
	resp, err := cl.Request(ctx, req)
	if err != nil {
		t.Fatalf("ListOffsets(%q): %v", topic, err)
	}
	ends := make(map[int32]int64)
	for _, rt := range resp.(*kmsg.ListOffsetsResponse).Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				t.Fatalf("ListOffsets(%q)[%d]: %v", topic, rp.Partition, err)
			}
			ends[rp.Partition] = rp.Offset
		}
	}
	return ends
}

// committedOffsets fetches every offset a group committed, by topic.
func committedOffsets(ctx context.Context, t *testing.T, cl *kgo.Client, group string) map[string]map[int32]int64 {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	resp, err := cl.Request(ctx, req)
	if err != nil {
		t.Fatalf("OffsetFetch(%q): %v", group, err)
	}
	fetched := resp.(*kmsg.OffsetFetchResponse)
	if err := kerr.ErrorForCode(fetched.ErrorCode); err != nil {
		t.Fatalf("OffsetFetch(%q): %v", group, err)
	}
	offsets := make(map[string]map[int32]int64)
	for _, rt := range fetched.Topics {
		offsets[rt.Topic] = make(map[int32]int64)
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				t.Fatalf("OffsetFetch(%q) %s[%d]: %v", group, rt.Topic, rp.Partition, err)
			}
			offsets[rt.Topic][rp.Partition] = rp.Offset
		}
	}
	return offsets
}

// consume reads n record values from the start of a partition.
func consume(ctx context.Context, t *testing.T, c *Cluster, topic string, partition int32, n int) []string {
	t.Helper()
	cl := newClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topic: {partition: kgo.NewOffset().AtStart()},
	}))
	var values []string
	for len(values) < n {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consuming %s[%d]: got %d of %d records: %v", topic, partition, len(values), n, err)
		}
		fetches.EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	return values
}

func leaderEpochs(ctx context.Context, t *testing.T, cl *kgo.Client, topic string) map[int32]int32 {
	t.Helper()
	epochs := make(map[int32]int32)
	for _, p := range metadata(ctx, t, cl, 0, topic).Topics[0].Partitions {
		epochs[p.Partition] = p.LeaderEpoch
	}
	return epochs
}

func equalMaps(a, b map[int32]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// selfSignedTLS returns a server configuration with a fresh self-signed
// certificate.
func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	server, _, err := SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	return server
}
