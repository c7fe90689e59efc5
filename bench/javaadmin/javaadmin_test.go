package javaadmin

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafadmin/kafadmin/kafkatest"
	"github.com/kafadmin/kafadmin/realkafka"

	"github.com/kafadmin/kafadmin/bench/internal/harness"
	"github.com/kafadmin/kafadmin/bench/internal/remote"
)

// TestClientVersionIsRealKafkas checks that the program's kafka-clients is
// the version realkafka runs.
func TestClientVersionIsRealKafkas(t *testing.T) {
	pom, err := project.ReadFile("pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<kafka.version>([^<]+)</kafka.version>`).FindSubmatch(pom)
	if m == nil {
		t.Fatal("pom.xml has no kafka.version property")
	}
	if got := string(m[1]); got != realkafka.DefaultVersion {
		t.Errorf("pom.xml builds with kafka-clients %s, realkafka runs Kafka %s: make them agree", got, realkafka.DefaultVersion)
	}
}

// program builds the Java program, skipping the test without a JDK or
// Maven unless CI is "true".
func program(t *testing.T) *Program {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Java AdminClient's tests need a JDK and Maven, and CI=true makes their absence a failure:\n%v", err)
		}
		t.Skipf("skipping the Java AdminClient's tests: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProtocol runs the program against an embedded cluster: the four
// operations at once, each answer checked, and a group that does not exist.
func TestProtocol(t *testing.T) {
	p := program(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kc, err := kafkatest.Start(kafkatest.SeedTopic("orders", 3))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	for part := range int32(3) {
		if err := kc.Produce(ctx, "orders", part, 20); err != nil {
			t.Fatal(err)
		}
	}
	for g, off := range map[string]int64{"g1": 5, "g2": 7} {
		if err := kc.CommitOffsets(ctx, g, map[string]map[int32]int64{"orders": {0: off, 1: off, 2: off}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kc.JoinMember(ctx, kafkatest.Member{Group: "g-members", InstanceID: "inst-1", ClientID: "member-client", Topics: []string{"orders"}}); err != nil {
		t.Fatal(err)
	}

	a, err := p.Start(ctx, kc.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	}()
	if v := a.Version(); v != realkafka.DefaultVersion {
		t.Errorf("the program reports kafka-clients %q, want %s", v, realkafka.DefaultVersion)
	}

	callCtx, callCancel := context.WithTimeout(ctx, 20*time.Second)
	defer callCancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		d, err := a.DescribeGroups(callCtx, "g-members", "g1")
		if err != nil {
			t.Errorf("describe: %v", err)
			return
		}
		gm := d["g-members"]
		want := []harness.Member{{InstanceID: "inst-1", ClientID: "member-client", Assigned: 3}}
		if gm.State != "Stable" || !slices.Equal(gm.Members, want) {
			t.Errorf("g-members described as %+v, want Stable with %+v", gm, want)
		}
		if g1 := d["g1"]; g1.State != "Empty" || len(g1.Members) != 0 {
			t.Errorf("g1 described as %+v, want Empty without members", g1)
		}
	})
	wg.Go(func() {
		o, err := a.FetchOffsets(callCtx, "g1", "g2")
		if err != nil {
			t.Errorf("fetch: %v", err)
			return
		}
		for g, off := range map[string]int64{"g1": 5, "g2": 7} {
			if got := o[g]["orders"]; len(got) != 3 || got[0] != off || got[1] != off || got[2] != off {
				t.Errorf("%s's offsets %v, want %d on orders/0-2", g, o[g], off)
			}
		}
	})
	wg.Go(func() {
		listed, err := a.ListGroups(callCtx)
		if err != nil {
			t.Errorf("list: %v", err)
			return
		}
		slices.Sort(listed)
		if want := []string{"g-members", "g1", "g2"}; !slices.Equal(listed, want) {
			t.Errorf("listed %v, want %v", listed, want)
		}
	})
	wg.Go(func() {
		l, err := a.Lag(callCtx, "g1")
		if err != nil {
			t.Errorf("lag: %v", err)
			return
		}
		want := harness.PartitionLag{Committed: 5, End: 20, Lag: 15}
		if len(l) != 1 || len(l["orders"]) != 3 || l["orders"][0] != want || l["orders"][2] != want {
			t.Errorf("lag %v, want %+v on orders/0-2", l, want)
		}
	})
	wg.Wait()
}

// TestRawLines speaks to the program directly: a line that is not JSON is
// answered with an error and id -1, a group name with quotes and escapes
// comes back unchanged, and the program ends when its input closes.
func TestRawLines(t *testing.T) {
	p := program(t)
	// Nothing listens here: calls fail with the client's timeout.
	cmd := p.Command([]string{"127.0.0.1:1"}, "request.timeout.ms=500")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatal("no hello line")
	}
	var h remote.Hello
	if err := json.Unmarshal(lines.Bytes(), &h); err != nil || !h.Ready {
		t.Fatalf("hello %q (%v)", lines.Text(), err)
	}
	group := `a "quoted"\ group é`
	req, _ := json.Marshal(remote.Request{ID: 7, Op: remote.OpDescribe, Groups: []string{group}, TimeoutMs: 800})
	if _, err := stdin.Write([]byte("not json\n" + string(req) + "\n")); err != nil {
		t.Fatal(err)
	}
	got := map[int64]remote.Response{}
	for len(got) < 2 && lines.Scan() {
		var r remote.Response
		if err := json.Unmarshal(lines.Bytes(), &r); err != nil {
			t.Fatalf("answer %q is not JSON: %v", lines.Text(), err)
		}
		got[r.ID] = r
	}
	if r := got[-1]; !strings.Contains(r.Error, "not JSON") {
		t.Errorf("the line that is not JSON was answered %+v, want an error with id -1", r)
	}
	if r := got[7]; !strings.Contains(r.Error, "group "+group+": ") || !strings.Contains(r.Error, "TimeoutException") {
		t.Errorf("describe answered %+v, want a timeout naming the group", r)
	}
	stdin.Close()
	done := make(chan error, 1)
	go func() {
		for lines.Scan() {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the program ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Error("the program did not end within 30 s of its input closing")
	}
}
