package realkafka_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"go.uber.org/goleak"

	"github.com/kafadmin/kafadmin/realkafka"
)

const (
	scramUser     = "alice"
	scramPassword = "alice-secret"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	goleak.VerifyTestMain(realkafka.M(m))
}

// sharedCluster is the package's cluster for tests that leave it whole:
// three brokers with TLS and SCRAM listeners.
func sharedCluster(t *testing.T) *realkafka.Cluster {
	t.Helper()
	return realkafka.Shared(t, realkafka.TakeTurns(), realkafka.WithTLS(), realkafka.WithSCRAM(scramUser, scramPassword),
		realkafka.Logf(func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }))
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// apiVersions sends ApiVersions on a raw connection and reads the answer.
func apiVersions(conn net.Conn, within time.Duration) error {
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 0
	body := req.AppendTo(nil)
	msg := []byte{0, 0, 0, 0, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4}
	msg = append(msg, "test"...)
	msg = append(msg, body...)
	size := len(msg) - 4
	msg[0], msg[1], msg[2], msg[3] = byte(size>>24), byte(size>>16), byte(size>>8), byte(size)
	if err := conn.SetDeadline(time.Now().Add(within)); err != nil {
		return err
	}
	if _, err := conn.Write(msg); err != nil {
		return err
	}
	head := make([]byte, 4)
	if _, err := io.ReadFull(conn, head); err != nil {
		return err
	}
	n := int(head[0])<<24 | int(head[1])<<16 | int(head[2])<<8 | int(head[3])
	_, err := io.ReadFull(conn, make([]byte, n))
	return err
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	must(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readErr(conn net.Conn, within time.Duration) error {
	if err := conn.SetReadDeadline(time.Now().Add(within)); err != nil {
		return err
	}
	buf := make([]byte, 64)
	for {
		if _, err := conn.Read(buf); err != nil {
			return err
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// served waits until a broker answers ApiVersions at addr.
func served(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			err = apiVersions(conn, 5*time.Second)
			conn.Close()
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not serve: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestClientListeners(t *testing.T) {
	c := sharedCluster(t)
	ctx := testContext(t)
	if len(c.Addrs()) != 3 || len(c.BrokerIDs()) != 3 || !slices.Equal(c.ControllerIDs(), []int32{1, 2, 3}) {
		t.Fatalf("addrs %v, brokers %v, controllers %v; want 3 brokers, all voters", c.Addrs(), c.BrokerIDs(), c.ControllerIDs())
	}
	for _, tc := range []struct {
		listener realkafka.Listener
		opts     []kgo.Opt
	}{
		{realkafka.ListenerPlaintext, nil},
		{realkafka.ListenerSSL, []kgo.Opt{kgo.DialTLSConfig(c.ClientTLS())}},
		{realkafka.ListenerSASL, []kgo.Opt{kgo.SASL(scram.Auth{User: scramUser, Pass: scramPassword}.AsSha256Mechanism())}},
		{realkafka.ListenerSASLSSL, []kgo.Opt{kgo.DialTLSConfig(c.ClientTLS()), kgo.SASL(scram.Auth{User: scramUser, Pass: scramPassword}.AsSha512Mechanism())}},
	} {
		t.Run(string(tc.listener), func(t *testing.T) {
			addrs := c.ListenerAddrs(tc.listener)
			cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...)}, tc.opts...)...)
			must(t, err)
			defer cl.Close()
			resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
			must(t, err)
			var got []string
			for _, b := range resp.Brokers {
				got = append(got, b.Host+":"+strconv.Itoa(int(b.Port)))
				if c.NodeOf(b.Host+":"+strconv.Itoa(int(b.Port))) != b.NodeID {
					t.Errorf("broker %d advertises %s:%d, which is not its proxy", b.NodeID, b.Host, b.Port)
				}
			}
			slices.Sort(got)
			if want := slices.Sorted(slices.Values(addrs)); !slices.Equal(got, want) {
				t.Fatalf("brokers advertise %v on %s, want the proxies %v", got, tc.listener, want)
			}
		})
	}
	t.Run("bad SCRAM password", func(t *testing.T) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenerAddrs(realkafka.ListenerSASL)...),
			kgo.SASL(scram.Auth{User: scramUser, Pass: "wrong"}.AsSha256Mechanism()), kgo.RequestRetries(0))
		must(t, err)
		defer cl.Close()
		_, err = kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
		if !errors.Is(err, kerr.SaslAuthenticationFailed) {
			t.Fatalf("metadata with a wrong password: %v, want SASL_AUTHENTICATION_FAILED", err)
		}
	})
	t.Run("TLS from the CA file", func(t *testing.T) {
		pem, err := os.ReadFile(c.CAFile())
		must(t, err)
		if !strings.Contains(string(pem), "BEGIN CERTIFICATE") {
			t.Fatalf("CAFile %s holds no certificate", c.CAFile())
		}
		conn, err := tls.Dial("tcp", c.ListenerAddrs(realkafka.ListenerSSL)[0], c.ClientTLS())
		must(t, err)
		defer conn.Close()
		must(t, apiVersions(conn, 10*time.Second))
	})
}

func TestConnectionFaults(t *testing.T) {
	c := sharedCluster(t)
	const node = 2
	addr := c.Addr(node)

	rst := dial(t, addr)
	fin := dial(t, addr)
	must(t, apiVersions(rst, 10*time.Second))
	must(t, apiVersions(fin, 10*time.Second))
	n, err := c.ResetConnections(node)
	must(t, err)
	if n < 2 {
		t.Fatalf("ResetConnections reset %d connections, want at least 2", n)
	}
	if err := readErr(rst, 10*time.Second); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after ResetConnections: %v, want connection reset", err)
	}

	fin = dial(t, addr)
	must(t, apiVersions(fin, 10*time.Second))
	if n, err := c.CloseConnections(node); err != nil || n < 1 {
		t.Fatalf("CloseConnections: %d, %v", n, err)
	}
	if err := readErr(fin, 10*time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("read after CloseConnections: %v, want EOF", err)
	}

	must(t, c.RefuseConnections(node, true))
	if conn, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		conn.Close()
		t.Fatal("a dial succeeded while the node refuses connections")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial while refused: %v, want connection refused", err)
	}
	must(t, c.RefuseConnections(node, false))
	served(t, addr)

	if _, err := c.ResetConnections(101); err == nil {
		t.Fatal("ResetConnections of a node that does not exist succeeded")
	}
}

func TestPauseAndResume(t *testing.T) {
	c := sharedCluster(t)
	ctx := testContext(t)
	const node = 3
	live := dial(t, c.Addr(node))
	must(t, apiVersions(live, 10*time.Second))
	must(t, c.PauseNode(node))
	if !c.Paused(node) || !c.Running(node) {
		t.Fatalf("Paused %v, Running %v after PauseNode, want both", c.Paused(node), c.Running(node))
	}
	// A paused broker accepts (the kernel does) and answers nothing.
	fresh := dial(t, c.Addr(node))
	if err := apiVersions(fresh, 2*time.Second); !isTimeout(err) {
		t.Fatalf("ApiVersions to a paused broker: %v, want a timeout", err)
	}
	must(t, c.ResumeNode(node))
	must(t, c.WaitHealthy(ctx))
	served(t, c.Addr(node))
}

func TestStopKillAndStart(t *testing.T) {
	c := sharedCluster(t)
	ctx := testContext(t)
	const node = 1
	addr := c.Addr(node)
	oldPID := c.PIDs()[node]

	must(t, c.StopNode(ctx, node))
	if c.Running(node) {
		t.Fatal("Running after StopNode")
	}
	if conn, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		conn.Close()
		t.Fatal("a dial to a stopped broker succeeded")
	}
	if pidAlive(oldPID) {
		t.Fatalf("the stopped node's JVM (pid %d) is still alive", oldPID)
	}
	must(t, c.StartNode(ctx, node))
	served(t, addr)
	if c.PIDs()[node] == oldPID {
		t.Fatal("StartNode did not start a new JVM")
	}
	if c.Addr(node) != addr {
		t.Fatalf("the broker moved from %s to %s", addr, c.Addr(node))
	}

	// SIGKILL: the broker stays listed until its session times out, and
	// its restart waits for that.
	must(t, c.KillNode(node))
	if c.Running(node) {
		t.Fatal("Running after KillNode")
	}
	begin := time.Now()
	must(t, c.StartNode(ctx, node))
	t.Logf("restart after SIGKILL served in %v", time.Since(begin).Round(10*time.Millisecond))
	must(t, c.WaitHealthy(ctx))
	served(t, addr)
}

func TestMoveLeadersAndCoordinators(t *testing.T) {
	c := sharedCluster(t)
	ctx := testContext(t)
	must(t, c.CreateTopic(ctx, "moves", 3))
	for _, to := range c.BrokerIDs() {
		must(t, c.MoveLeader(ctx, "moves", 1, to))
		leader, err := c.Leader(ctx, "moves", 1)
		must(t, err)
		if leader != to {
			t.Fatalf("after MoveLeader to %d the leader is %d", to, leader)
		}
	}
	const group = "moving-group"
	must(t, c.CommitOffsets(ctx, group, map[string]map[int32]int64{"moves": {0: 0}}))
	for _, to := range c.BrokerIDs() {
		must(t, c.MoveCoordinator(ctx, group, to))
		coord, err := c.Coordinator(ctx, group)
		must(t, err)
		leader, err := c.Leader(ctx, "__consumer_offsets", c.OffsetsPartition(group))
		must(t, err)
		if coord != to || leader != to {
			t.Fatalf("after MoveCoordinator to %d: FindCoordinator says %d, partition %d's leader is %d", to, coord, c.OffsetsPartition(group), leader)
		}
	}
	if err := c.MoveLeader(ctx, "moves", 7, 1); err == nil || !strings.Contains(err.Error(), "no partition 7") {
		t.Fatalf("moving a partition that does not exist: %v", err)
	}
	active, err := c.ActiveController(ctx)
	must(t, err)
	if !slices.Contains(c.ControllerIDs(), active) {
		t.Fatalf("active controller %d is not a voter %v", active, c.ControllerIDs())
	}
}

func TestSeeding(t *testing.T) {
	c := sharedCluster(t)
	ctx := testContext(t)
	must(t, c.CreateTopic(ctx, "seeded", 2))
	must(t, c.Produce(ctx, "seeded", 1, 7))
	must(t, c.CommitOffsets(ctx, "seeded-group", map[string]map[int32]int64{"seeded": {0: 0, 1: 4}}))
	memberID, err := c.JoinMember(ctx, realkafka.Member{Group: "member-group", InstanceID: "inst", ClientID: "cid", Topics: []string{"seeded"}})
	must(t, err)

	cl, err := c.Client()
	must(t, err)
	defer cl.Close()
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = []string{"member-group"}
	resp, err := req.RequestWith(ctx, cl)
	must(t, err)
	g := resp.Groups[0]
	if g.State != "Stable" || len(g.Members) != 1 || g.Members[0].MemberID != memberID || g.Members[0].ClientID != "cid" {
		t.Fatalf("member-group: state %s, members %+v; want Stable with member %s", g.State, g.Members, memberID)
	}

	// Kafka's own tool reads the commit and the log end back.
	out, err := c.RunTool(ctx, realkafka.ConsumerGroupCommand, "--bootstrap-server", c.Addrs()[0], "--describe", "--group", "seeded-group")
	must(t, err)
	if !regexpLine(out, `seeded-group\s+seeded\s+1\s+4\s+7\s+3\b`) {
		t.Fatalf("kafka-consumer-groups --describe printed:\n%s\nwant partition 1 at offset 4 of 7, lag 3", out)
	}
	if _, err := c.RunTool(ctx, realkafka.ConsumerGroupCommand, "--bootstrap-server", c.Addrs()[0], "--describe", "--bogus-flag"); err == nil || !strings.Contains(err.Error(), "bogus-flag") {
		t.Fatalf("a tool run with a bad flag: %v, want an error quoting its output", err)
	}
	if _, err := c.JoinMember(ctx, realkafka.Member{Group: "g"}); err == nil || !strings.Contains(err.Error(), "InstanceID") {
		t.Fatalf("JoinMember without an instance id: %v", err)
	}
}

// TestDedicatedControllers kills the active controller of a dedicated
// quorum: the brokers serve on, and another controller takes over.
func TestDedicatedControllers(t *testing.T) {
	c := realkafka.New(t, realkafka.TakeTurns(), realkafka.Brokers(1), realkafka.Controllers(3))
	ctx := testContext(t)
	if !slices.Equal(c.ControllerIDs(), []int32{101, 102, 103}) || !slices.Equal(c.BrokerIDs(), []int32{1}) {
		t.Fatalf("controllers %v, brokers %v", c.ControllerIDs(), c.BrokerIDs())
	}
	active, err := c.ActiveController(ctx)
	must(t, err)
	must(t, c.KillNode(active))
	waitFor(t, "another controller to take over", func() bool {
		now, err := c.ActiveController(ctx)
		return err == nil && now != active
	})
	// A change through the new controller, served by the broker.
	must(t, c.CreateTopic(ctx, "after-failover", 1))
	served(t, c.Addr(1))
	must(t, c.StartNode(ctx, active))
	must(t, c.WaitHealthy(ctx))
}

func TestBadOptions(t *testing.T) {
	ctx := testContext(t)
	for _, tc := range []struct {
		opt  realkafka.Option
		want string
	}{
		{realkafka.Brokers(0), "at least one broker"},
		{realkafka.Controllers(-1), "Controllers(-1)"},
		{realkafka.BrokerConfig("a=b", "c"), "property name"},
		{realkafka.WithSCRAM("", "x"), "WithSCRAM"},
		{realkafka.HeapMB(16), "at least 128"},
		{realkafka.StartTimeout(0), "positive"},
		{realkafka.Version("latest"), "not a release number"},
	} {
		_, err := realkafka.Start(ctx, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start with a bad option: %v, want an error containing %q", err, tc.want)
		}
	}
}

// A Kafka release Maven Central does not have: the error names the artifact
// and says what to do.
func TestUnknownVersion(t *testing.T) {
	realkafka.SkipUnlessAvailable(t)
	t.Setenv(realkafka.EnvCache, t.TempDir())
	_, err := realkafka.Start(testContext(t), realkafka.Version("0.0.1"))
	if err == nil {
		t.Fatal("Start of Kafka 0.0.1 succeeded")
	}
	for _, want := range []string{"org.apache.kafka:kafka_2.13:0.0.1", realkafka.EnvVersion, "Maven Central"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// A broker that cannot start: the error carries its log's tail.
func TestBrokerThatDoesNotStart(t *testing.T) {
	realkafka.SkipUnlessAvailable(t)
	_, err := realkafka.Start(testContext(t), realkafka.TakeTurns(), realkafka.Brokers(1), realkafka.BrokerConfig("num.io.threads", "none"))
	if err == nil {
		t.Fatal("a broker with num.io.threads=none started")
	}
	for _, want := range []string{"node 1", "num.io.threads"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// childEnv makes the test binary a child that starts a cluster, prints its
// JVMs' pids and its directory, and waits to be killed.
const childEnv = "REALKAFKA_TEST_CHILD"

func runChild() int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := realkafka.Start(ctx, realkafka.Brokers(1))
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	for _, pid := range c.PIDs() {
		fmt.Println("pid", pid)
	}
	fmt.Println("dir", c.Dir())
	fmt.Println("ready")
	time.Sleep(10 * time.Minute)
	return 0
}

// TestNothingOutlivesAKilledProcess starts a cluster in a child process,
// kills the child with SIGKILL, and checks that its JVMs and its directory
// are gone.
func TestNothingOutlivesAKilledProcess(t *testing.T) {
	realkafka.SkipUnlessAvailable(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	var pids []int
	var dir string
	buf := make([]byte, 0, 4096)
	deadline := time.Now().Add(5 * time.Minute)
	for !strings.Contains(string(buf), "ready\n") {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the child did not start its cluster; it printed %q", buf)
		}
		chunk := make([]byte, 512)
		n, err := out.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if err != nil {
			_ = cmd.Wait()
			t.Fatalf("the child ended before its cluster was ready; it printed %q", buf)
		}
	}
	for _, line := range strings.Split(string(buf), "\n") {
		if pid, ok := strings.CutPrefix(line, "pid "); ok {
			p, _ := strconv.Atoi(pid)
			pids = append(pids, p)
		}
		if d, ok := strings.CutPrefix(line, "dir "); ok {
			dir = d
		}
	}
	if len(pids) != 1 || dir == "" {
		t.Fatalf("the child printed %q, want one pid and a directory", buf)
	}
	must(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	waitFor(t, "the JVM to die with its parent", func() bool { return !pidAlive(pids[0]) })
	waitFor(t, "the cluster's directory to be removed", func() bool {
		_, err := os.Stat(dir)
		return errors.Is(err, os.ErrNotExist)
	})
}

// pidAlive reports whether a process runs; a zombie (exited, not yet
// reaped by its new parent) does not.
func pidAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}

func regexpLine(out, pattern string) bool {
	return regexp.MustCompile(`(?m)` + pattern).MatchString(out)
}

// A port taken between the moment it was picked and the JVM's bind: the
// cluster starts on other ports. Then Close leaves no JVM and no directory.
func TestPortTakenMeanwhileAndClose(t *testing.T) {
	realkafka.SkipUnlessAvailable(t)
	var taken net.Listener
	realkafka.SetAfterPickPorts(func(port int) {
		if taken == nil {
			taken, _ = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		}
	})
	defer realkafka.SetAfterPickPorts(nil)
	var logged []string
	var mu sync.Mutex
	c, err := realkafka.Start(testContext(t), realkafka.TakeTurns(), realkafka.Brokers(1), realkafka.Logf(func(format string, args ...any) {
		mu.Lock()
		logged = append(logged, fmt.Sprintf(format, args...))
		mu.Unlock()
	}))
	if taken != nil {
		defer taken.Close()
	}
	must(t, err)
	defer c.Close()
	if taken == nil {
		t.Fatal("the test could not take the picked port")
	}
	mu.Lock()
	if !slices.ContainsFunc(logged, func(l string) bool { return strings.Contains(l, "starting again on other ports") }) {
		t.Fatalf("the cluster did not report starting again; it logged %q", logged)
	}
	mu.Unlock()
	served(t, c.Addr(1))

	// Close leaves nothing behind, twice, and the controls then refuse.
	ctx := testContext(t)
	dir, pids := c.Dir(), c.PIDs()
	must(t, c.Close())
	must(t, c.Close())
	for id, pid := range pids {
		if pidAlive(pid) {
			t.Errorf("node %d's JVM (pid %d) outlived Close", id, pid)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the cluster's directory %s outlived Close: %v", dir, err)
	}
	if err := c.StopNode(ctx, 1); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("StopNode after Close: %v", err)
	}
	if _, err := c.Coordinator(ctx, "g"); err == nil {
		t.Error("Coordinator after Close succeeded")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func listedBrokers(ctx context.Context, c *realkafka.Cluster) ([]int32, error) {
	cl, err := c.Client()
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(actx, cl)
	if err != nil {
		return nil, err
	}
	var ids []int32
	for _, b := range resp.Brokers {
		ids = append(ids, b.NodeID)
	}
	return ids, nil
}
