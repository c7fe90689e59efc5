package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestSandboxBinary starts kafadmin sandbox as a user does, points other
// kafadmin commands at it with the export line it prints, and stops it
// with SIGTERM: it must exit 0.
func TestSandboxBinary(t *testing.T) {
	cmd := exec.Command(bin, "sandbox")
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	defer cmd.Process.Kill()

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var export string
	select {
	case export = <-lines:
	case <-time.After(time.Minute):
		t.Fatalf("no export line in a minute; stderr %q", stderr.String())
	}
	brokers, ok := strings.CutPrefix(export, "export KAFADMIN_BROKERS=")
	if !ok || strings.Count(brokers, ",") != 2 {
		t.Fatalf("first line %q, want export KAFADMIN_BROKERS= and 3 brokers", export)
	}
	var rest []string
	for l := range lines {
		if !strings.HasPrefix(l, "# ") {
			t.Fatalf("line %q after the export line is not a shell comment", l)
		}
		if rest = append(rest, l); strings.Contains(l, "kafadmin groups reset-offsets") {
			break // the last example
		}
	}
	if s := strings.Join(rest, "\n"); !strings.Contains(s, "inventory-app: a consumer group (KIP-848) with one member") || !strings.Contains(s, "#   kafadmin groups lag --all") {
		t.Fatalf("the comments lack the data or examples:\n%s", s)
	}

	env := []string{"KAFADMIN_BROKERS=" + brokers}
	out, errOut, code := runBin(t, env, "", "groups", "list", "-q")
	if code != 0 || out != "inventory-app\norders-app\npayments-app\n" {
		t.Fatalf("groups list: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = runBin(t, env, "", "topics", "list", "-q")
	if code != 0 || out != "inventory\norders\npayments\n" {
		t.Fatalf("topics list: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = runBin(t, env, "", "groups", "lag", "--all", "-o", "json")
	var lags lagLine
	if code != 0 || json.Unmarshal([]byte(out), &lags) != nil || len(lags.Groups) != 3 {
		t.Fatalf("lag: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for i, want := range map[int]int64{0: 30, 1: 360, 2: 120} {
		if g := lags.Groups[i]; g.TotalLag == nil || *g.TotalLag != want {
			t.Fatalf("lag of %s: %v, want %d", g.Group, g.TotalLag, want)
		}
	}
	out, _, code = runBin(t, env, "", "topics", "describe", "--topics-with-overrides")
	if code != 0 || !strings.Contains(out, "inventory  2           3                   min.insync.replicas=2,retention.ms=604800000") {
		t.Fatalf("overrides: exit %d\n%s", code, out)
	}

	must(t, cmd.Process.Signal(syscall.SIGTERM))
	// Its stdout ends when it exits.
	timeout := time.After(30 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-lines:
		case <-timeout:
			t.Fatalf("the sandbox did not stop within 30s of SIGTERM; stderr %q", stderr.String())
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v, stderr %q", err, stderr.String())
	}
	if s := stderr.String(); !strings.HasSuffix(s, "kafadmin: stopping the sandbox\n") {
		t.Fatalf("stderr %q", s)
	}
}

// TestSandboxLeavesNoGoroutine runs the sandbox in the test's process,
// stops it as Ctrl-C does, and checks that nothing it started is left.
func TestSandboxLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var out, errOut syncBuffer
	exited := make(chan int, 1)
	go func() { exited <- execute(ctx, []string{"sandbox"}, stdio{out: &out, err: &errOut}) }()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), "#   kafadmin groups reset-offsets") {
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox printed %q in a minute; stderr %q", out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	brokers, _ := strings.CutPrefix(first, "export KAFADMIN_BROKERS=")
	lag, errLag, code := run(t, "groups", "describe", "inventory-app", "--members", "--brokers", brokers)
	if code != 0 || !strings.Contains(lag, "inventory-service") {
		t.Fatalf("describe inventory-app: exit %d, stdout %q, stderr %q", code, lag, errLag)
	}
	stop()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("the sandbox exited %d when stopped; stderr %q", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the sandbox did not stop")
	}
	if s := errOut.String(); s != "kafadmin: starting the sandbox: an embedded 3-broker cluster\nkafadmin: stopping the sandbox\n" {
		t.Fatalf("stderr %q", s)
	}
}
