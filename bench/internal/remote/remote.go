// Package remote runs a client of the failover comparison in a process of
// its own (the Java AdminClient, Sarama v1.44.0) and puts it under the
// harness as a harness.Admin.
//
// The protocol is JSON lines. The program's first line on standard output
// is a Hello. Then each line the harness writes on its standard input is a
// Request, and the program answers each with one Response line carrying the
// request's id, in any order: requests are served concurrently, as the
// harness runs several loops at once. The program ends when its standard
// input closes.
package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/kafadmin/kafadmin/bench/internal/harness"
)

// The operations a Request names.
const (
	OpDescribe = "describe"
	OpFetch    = "fetch"
	OpList     = "list"
	OpLag      = "lag"
)

// Hello is a program's first line: ready, with the client's version, or
// not, with why.
type Hello struct {
	Ready   bool   `json:"ready"`
	Version string `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Request is one call.
type Request struct {
	ID     int64    `json:"id"`
	Op     string   `json:"op"`
	Groups []string `json:"groups,omitempty"`
	// TimeoutMs is the call's timeout, which the program gives the
	// client's call.
	TimeoutMs int64 `json:"timeout_ms"`
}

// Response is one call's answer: the result of its operation, and every
// error the client reported (the call's own, or one group's), joined. A
// response with an error may carry a partial result.
type Response struct {
	ID int64 `json:"id"`
	// Groups answers describe, by group.
	Groups map[string]Group `json:"groups,omitempty"`
	// Offsets answers fetch: group, topic, partition, offset.
	Offsets map[string]map[string]map[int32]int64 `json:"offsets,omitempty"`
	// Listed answers list.
	Listed []string `json:"listed,omitempty"`
	// Lag answers lag: topic, partition.
	Lag   map[string]map[int32]PartitionLag `json:"lag,omitempty"`
	Error string                            `json:"error,omitempty"`
}

// Group is a described group.
type Group struct {
	State   string   `json:"state"`
	Members []Member `json:"members"`
}

// Member is a described member; Assigned counts its assigned partitions.
type Member struct {
	InstanceID string `json:"instance_id,omitempty"`
	ClientID   string `json:"client_id"`
	Assigned   int    `json:"assigned"`
}

// PartitionLag is one partition of a group's lag.
type PartitionLag struct {
	Committed int64 `json:"committed"`
	End       int64 `json:"end"`
	Lag       int64 `json:"lag"`
}

// StartTimeout bounds how long Start waits for the program's Hello.
const StartTimeout = time.Minute

// lateAnswer is how long a call waits past its deadline for the program's
// own answer (its client's timeout error), before it reports the deadline.
const lateAnswer = 900 * time.Millisecond

// Admin is a client running in a program of its own.
type Admin struct {
	name    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stderr  *tailBuffer
	version string

	wmu sync.Mutex // serializes writes to stdin
	enc *json.Encoder

	mu      sync.Mutex
	next    int64
	waiting map[int64]chan Response

	exited  chan struct{} // closed once the program's stdout has ended
	readErr error         // why, set before exited is closed

	closeOnce sync.Once
	closeErr  error
}

// Start starts cmd (whose standard streams it takes over) and waits for its
// Hello. name says which client it is in errors.
func Start(ctx context.Context, name string, cmd *exec.Cmd) (*Admin, error) {
	a := &Admin{name: name, cmd: cmd, stderr: &tailBuffer{max: 8 << 10}, waiting: map[int64]chan Response{}, exited: make(chan struct{})}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cmd.Stderr = a.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: starting %s: %w", name, cmd.Path, err)
	}
	a.stdin = stdin
	a.enc = json.NewEncoder(stdin)

	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 64<<10), 64<<20)
	hello := make(chan error, 1)
	go func() {
		if !lines.Scan() {
			hello <- fmt.Errorf("it printed no first line (%v)", errors.Join(lines.Err(), io.ErrUnexpectedEOF))
			a.finish(lines.Err())
			return
		}
		var h Hello
		if err := json.Unmarshal(lines.Bytes(), &h); err != nil {
			hello <- fmt.Errorf("its first line is not a hello: %q: %w", lines.Text(), err)
		} else if !h.Ready {
			hello <- fmt.Errorf("it could not start: %s", h.Error)
		} else {
			a.version = h.Version
			hello <- nil
		}
		a.read(lines)
	}()
	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	select {
	case err = <-hello:
	case <-timer.C:
		err = fmt.Errorf("no hello within %v", StartTimeout)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		_ = a.Close()
		return nil, fmt.Errorf("%s: %w%s", name, err, a.stderrTail())
	}
	return a, nil
}

// Version is the client version the program reported.
func (a *Admin) Version() string { return a.version }

// read dispatches the program's answers until its stdout ends.
func (a *Admin) read(lines *bufio.Scanner) {
	for lines.Scan() {
		var r Response
		if err := json.Unmarshal(lines.Bytes(), &r); err != nil {
			a.finish(fmt.Errorf("an answer is not JSON: %q: %w", lines.Text(), err))
			return
		}
		a.mu.Lock()
		ch, ok := a.waiting[r.ID]
		delete(a.waiting, r.ID)
		a.mu.Unlock()
		if ok {
			ch <- r
		}
	}
	a.finish(lines.Err())
}

func (a *Admin) finish(err error) {
	if err == nil {
		err = errors.New("the program ended")
	}
	a.readErr = err
	close(a.exited)
}

func (a *Admin) stderrTail() string {
	if t := strings.TrimSpace(a.stderr.String()); t != "" {
		return "; its standard error ends with:\n" + t
	}
	return ""
}

// call sends one request and waits for its answer: until the context's
// deadline and a little more, for the client's own timeout error.
func (a *Admin) call(ctx context.Context, op string, groups []string) (Response, error) {
	timeout := 30 * time.Second
	deadline, ok := ctx.Deadline()
	if ok {
		timeout = time.Until(deadline)
	} else {
		deadline = time.Now().Add(timeout)
	}
	if timeout <= 0 {
		return Response{}, context.DeadlineExceeded
	}
	ch := make(chan Response, 1)
	a.mu.Lock()
	a.next++
	id := a.next
	a.waiting[id] = ch
	a.mu.Unlock()
	forget := func() {
		a.mu.Lock()
		delete(a.waiting, id)
		a.mu.Unlock()
	}

	a.wmu.Lock()
	err := a.enc.Encode(Request{ID: id, Op: op, Groups: groups, TimeoutMs: max(1, timeout.Milliseconds())})
	a.wmu.Unlock()
	if err != nil {
		forget()
		return Response{}, fmt.Errorf("%s: sending the request: %w", a.name, err)
	}
	late := time.NewTimer(time.Until(deadline.Add(lateAnswer)))
	defer late.Stop()
	done := ctx.Done()
	for {
		select {
		case r := <-ch:
			if r.Error != "" {
				return r, errors.New(r.Error)
			}
			return r, nil
		case <-a.exited:
			forget()
			return Response{}, fmt.Errorf("%s: %v%s", a.name, a.readErr, a.stderrTail())
		case <-late.C:
			forget()
			return Response{}, fmt.Errorf("%s: no answer %v after the call's deadline: %w", a.name, lateAnswer, context.DeadlineExceeded)
		case <-done:
			if errors.Is(ctx.Err(), context.Canceled) {
				forget()
				return Response{}, ctx.Err()
			}
			done = nil // past the deadline: wait for the client's own answer
		}
	}
}

// DescribeGroups describes groups.
func (a *Admin) DescribeGroups(ctx context.Context, groups ...string) (map[string]harness.Group, error) {
	r, err := a.call(ctx, OpDescribe, groups)
	if err != nil {
		return nil, err
	}
	out := make(map[string]harness.Group, len(r.Groups))
	for name, g := range r.Groups {
		hg := harness.Group{State: g.State}
		for _, m := range g.Members {
			hg.Members = append(hg.Members, harness.Member{InstanceID: m.InstanceID, ClientID: m.ClientID, Assigned: m.Assigned})
		}
		out[name] = hg
	}
	return out, nil
}

// FetchOffsets fetches the groups' committed offsets in one call.
func (a *Admin) FetchOffsets(ctx context.Context, groups ...string) (map[string]harness.Offsets, error) {
	r, err := a.call(ctx, OpFetch, groups)
	if err != nil {
		return nil, err
	}
	out := make(map[string]harness.Offsets, len(r.Offsets))
	for g, o := range r.Offsets {
		out[g] = harness.Offsets(o)
	}
	return out, nil
}

// ListGroups lists every group.
func (a *Admin) ListGroups(ctx context.Context) ([]string, error) {
	r, err := a.call(ctx, OpList, nil)
	if err != nil {
		return nil, err
	}
	return r.Listed, nil
}

// Lag computes a group's lag.
func (a *Admin) Lag(ctx context.Context, group string) (harness.Lag, error) {
	r, err := a.call(ctx, OpLag, []string{group})
	if err != nil {
		return nil, err
	}
	out := harness.Lag{}
	for topic, ps := range r.Lag {
		out[topic] = map[int32]harness.PartitionLag{}
		for p, l := range ps {
			out[topic][p] = harness.PartitionLag{Committed: l.Committed, End: l.End, Lag: l.Lag}
		}
	}
	return out, nil
}

// closeWait is how long Close waits for the program to end by itself once
// its standard input is closed.
const closeWait = 10 * time.Second

// Close closes the program's standard input, which ends it, and waits for
// it; a program still running after 10 s is killed.
func (a *Admin) Close() error {
	a.closeOnce.Do(func() {
		a.wmu.Lock()
		_ = a.stdin.Close()
		a.wmu.Unlock()
		waited := make(chan error, 1)
		go func() {
			<-a.exited // Wait must not run before the stdout reader is done
			waited <- a.cmd.Wait()
		}()
		timer := time.NewTimer(closeWait)
		defer timer.Stop()
		select {
		case err := <-waited:
			if err != nil {
				a.closeErr = fmt.Errorf("%s: %w%s", a.name, err, a.stderrTail())
			}
		case <-timer.C:
			_ = a.cmd.Process.Kill()
			<-waited
			a.closeErr = fmt.Errorf("%s: still running %v after its input closed; killed", a.name, closeWait)
		}
	})
	return a.closeErr
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// Serve serves the protocol on in and out for admin, a client of this
// process, until in ends: it writes the Hello with version, then answers
// each request from a goroutine of its own, with the request's timeout as
// the call's deadline. It returns once every call has been answered (a
// call still running 15 s after in ended is left behind).
func Serve(in io.Reader, out io.Writer, admin harness.Admin, version string) error {
	var wmu sync.Mutex
	enc := json.NewEncoder(out)
	write := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return enc.Encode(v)
	}
	if err := write(Hello{Ready: true, Version: version}); err != nil {
		return err
	}
	var wg sync.WaitGroup
	lines := bufio.NewScanner(in)
	lines.Buffer(make([]byte, 64<<10), 64<<20)
	for lines.Scan() {
		if strings.TrimSpace(lines.Text()) == "" {
			continue
		}
		var req Request
		if err := json.Unmarshal(lines.Bytes(), &req); err != nil {
			_ = write(Response{ID: -1, Error: fmt.Sprintf("request is not JSON: %q: %v", lines.Text(), err)})
			continue
		}
		wg.Go(func() { _ = write(serveOne(admin, req)) })
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
	}
	return lines.Err()
}

func serveOne(admin harness.Admin, req Request) Response {
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r := Response{ID: req.ID}
	var err error
	switch req.Op {
	case OpDescribe:
		var d map[string]harness.Group
		if d, err = admin.DescribeGroups(ctx, req.Groups...); err == nil {
			r.Groups = map[string]Group{}
			for name, g := range d {
				rg := Group{State: g.State, Members: []Member{}}
				for _, m := range g.Members {
					rg.Members = append(rg.Members, Member(m))
				}
				r.Groups[name] = rg
			}
		}
	case OpFetch:
		var o map[string]harness.Offsets
		if o, err = admin.FetchOffsets(ctx, req.Groups...); err == nil {
			r.Offsets = map[string]map[string]map[int32]int64{}
			for g, offsets := range o {
				r.Offsets[g] = offsets
			}
		}
	case OpList:
		r.Listed, err = admin.ListGroups(ctx)
	case OpLag:
		if len(req.Groups) != 1 {
			err = fmt.Errorf("lag takes one group, not %d", len(req.Groups))
			break
		}
		var l harness.Lag
		if l, err = admin.Lag(ctx, req.Groups[0]); err == nil {
			r.Lag = map[string]map[int32]PartitionLag{}
			for topic, ps := range l {
				r.Lag[topic] = map[int32]PartitionLag{}
				for p, pl := range ps {
					r.Lag[topic][p] = PartitionLag(pl)
				}
			}
		}
	default:
		err = fmt.Errorf("unknown op %q", req.Op)
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}
