package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Options are the timing of a failover cell.
type Options struct {
	// Interval is the pause between the starts of two calls of one loop;
	// a call that takes longer is followed at once by the next.
	Interval time.Duration
	// Baseline is how long the loops run before the fault.
	Baseline time.Duration
	// Tail is how long the loops run after the fault is over.
	Tail time.Duration
	// CallTimeout is each call's deadline. A call that has not returned a
	// second after it (Sarama's calls take no context) is counted as
	// failed and left behind.
	CallTimeout time.Duration
	// Parallel runs the clients of one scenario at the same time, each on
	// its own cluster.
	Parallel bool
}

// DefaultOptions are the options of a full run.
var DefaultOptions = Options{
	Interval:    50 * time.Millisecond,
	Baseline:    300 * time.Millisecond,
	Tail:        3 * time.Second,
	CallTimeout: 10 * time.Second,
}

// RecoveryAllowance is what recovery may take beyond an outage for the
// target to be met.
const RecoveryAllowance = 300 * time.Millisecond

// Client is a named client under test.
type Client struct {
	Name    string
	Connect Factory
}

// Cell is one scenario × client result. Durations are in milliseconds.
type Cell struct {
	Scenario string `json:"scenario"`
	Client   string `json:"client"`
	// Calls counts the calls made, Failed those that reported an error,
	// and Wrong those that reported none but returned a result that
	// differs from the seeded data.
	Calls  int `json:"calls"`
	Failed int `json:"failed"`
	Wrong  int `json:"wrong"`
	// OutageMs is how long the fault lasted; 0 for a fault that happens at
	// once.
	OutageMs float64 `json:"outage_ms"`
	// RecoveryMs is, over the operations, the longest time from the fault
	// to the end of an operation's first successful call that started
	// after the fault and after which no call of that operation failed;
	// -1 when some operation had not recovered by the end of the run.
	RecoveryMs float64 `json:"recovery_ms"`
	// SlowestMs is the longest call of the run.
	SlowestMs float64 `json:"slowest_ms"`
	// MedianMs is the median call of the run.
	MedianMs float64 `json:"median_ms,omitempty"`
	// ServeMs is, on the real-Kafka table, when the cluster could serve
	// the attacked groups again, from the fault (RecoveryMs then counts
	// from this moment); -1 if it never did within the run. Zero on the
	// embedded table.
	ServeMs float64 `json:"serve_ms,omitempty"`
	// FirstError and FirstWrong are examples: the first failure and the
	// first wrong result, with their operation.
	FirstError string `json:"first_error,omitempty"`
	FirstWrong string `json:"first_wrong,omitempty"`
	// Note says what the fault did (connections reset, codes answered).
	Note string `json:"note,omitempty"`
	// Err is why the cell could not be run.
	Err string `json:"err,omitempty"`
}

// MeetsTarget reports whether the cell meets kafadmin's targets: no failed
// and no wrong call, and recovery within the outage plus
// RecoveryAllowance.
func (c Cell) MeetsTarget() bool {
	limit := c.OutageMs + float64(RecoveryAllowance/time.Millisecond)
	return c.Err == "" && c.Failed == 0 && c.Wrong == 0 && c.RecoveryMs >= 0 && c.RecoveryMs <= limit
}

// Run runs every scenario for every client, each cell on a fresh cluster,
// and calls progress after each cell. Results are in scenario order, then
// client order.
func Run(ctx context.Context, scenarios []Scenario, clients []Client, opts Options, progress func(Cell)) []Cell {
	var cells []Cell
	for _, sc := range scenarios {
		row := make([]Cell, len(clients))
		var wg sync.WaitGroup
		for i, cl := range clients {
			run := func() {
				row[i] = RunCell(ctx, sc, cl, opts)
				if progress != nil {
					progress(row[i])
				}
			}
			if opts.Parallel {
				wg.Go(run)
			} else {
				run()
			}
		}
		wg.Wait()
		cells = append(cells, row...)
	}
	return cells
}

// Call is one finished call of a loop.
type Call struct {
	Op         string
	Start, End time.Time
	Err        error
}

// Wrong reports a call that returned no error but a result that differs
// from the seeded data.
func (c Call) Wrong() bool {
	var w *wrongResult
	return errors.As(c.Err, &w)
}

// Loops are one client's operation loops: one per operation, each starting
// a call every Interval (a slower call is followed at once by the next),
// every call checked against the seeded data.
type Loops struct {
	mu    sync.Mutex
	calls []Call
	stop  chan struct{}
	wg    sync.WaitGroup
}

// StartLoops starts admin's loops.
func StartLoops(ctx context.Context, admin Admin, opts Options) *Loops {
	l := &Loops{stop: make(chan struct{})}
	for _, op := range operations {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				start := time.Now()
				err := runCall(ctx, admin, op, opts.CallTimeout)
				l.mu.Lock()
				l.calls = append(l.calls, Call{Op: op.name, Start: start, End: time.Now(), Err: err})
				l.mu.Unlock()
				select {
				case <-l.stop:
					return
				case <-time.After(time.Until(start.Add(opts.Interval))):
				}
			}
		})
	}
	return l
}

// Stop stops the loops, waits for the calls in flight (each gives up a
// second after its deadline) and returns every call made.
func (l *Loops) Stop() []Call {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// RunCell runs one scenario for one client: a fresh cluster, a warmed-up
// client, the loops, the fault, and the loops until Tail after it is over.
func RunCell(ctx context.Context, sc Scenario, cl Client, opts Options) Cell {
	cell := Cell{Scenario: sc.Name, Client: cl.Name, RecoveryMs: -1}
	kc, err := newWorld(ctx)
	if err != nil {
		cell.Err = fmt.Sprintf("starting the cluster: %v", err)
		return cell
	}
	defer kc.Close()
	target := kc.Coordinator("g-main")

	admin, err := cl.Connect(ctx, kc.Addrs())
	if err != nil {
		cell.Err = fmt.Sprintf("connecting %s: %v", cl.Name, err)
		return cell
	}
	defer CloseWithin(admin, 5*time.Second)
	if err := WarmUp(ctx, admin, opts); err != nil {
		cell.Err = fmt.Sprintf("warming %s up: %v", cl.Name, err)
		return cell
	}

	loops := StartLoops(ctx, admin, opts)

	time.Sleep(opts.Baseline)
	t0 := time.Now()
	f, injectErr := sc.inject(ctx, kc, target)
	if f != nil {
		<-f.done
		injectErr = errors.Join(injectErr, f.err)
		cell.Note = f.note
		if n := f.hits(); len(f.handle) > 0 {
			cell.Note = joinNote(cell.Note, fmt.Sprintf("%d requests answered with the code", n))
		}
		if sc.Outage {
			cell.OutageMs = ms(f.end.Sub(t0))
		}
		time.Sleep(time.Until(f.end.Add(opts.Tail)))
	}
	calls := loops.Stop()
	if injectErr != nil {
		cell.Err = fmt.Sprintf("injecting the fault: %v", injectErr)
		return cell
	}
	Summarize(&cell, calls, t0, t0)
	return cell
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// runCall makes one call with its deadline, giving up on it a second after
// the deadline.
func runCall(ctx context.Context, admin Admin, op operation, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- op.call(ctx, admin) }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout + time.Second):
		return fmt.Errorf("%s: no answer %v after the call's deadline", op.name, time.Second)
	}
}

// WarmUp makes every call once, as a long-running monitor's client has: it
// is connected and has the coordinators and topics cached. Each call is
// tried up to 5 times.
func WarmUp(ctx context.Context, admin Admin, opts Options) error {
	for _, op := range operations {
		var err error
		for range 5 {
			if err = runCall(ctx, admin, op, opts.CallTimeout); err == nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
	}
	return nil
}

// CloseWithin closes admin, giving up on waiting after d.
func CloseWithin(admin Admin, d time.Duration) {
	done := make(chan struct{})
	go func() {
		_ = admin.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// Summarize fills cell's counts from calls. Recovery is, over the
// operations, the longest time from "from" to the end of the operation's
// first successful call that started at or after fault and after which no
// call of that operation failed; -1 if some operation never recovered, and
// 0 if every operation had recovered by "from". The embedded table measures
// from the fault itself; the real one from when the cluster could serve
// again.
func Summarize(cell *Cell, calls []Call, fault, from time.Time) {
	slices.SortFunc(calls, func(a, b Call) int { return a.Start.Compare(b.Start) })
	cell.Calls = len(calls)
	cell.RecoveryMs = 0
	for _, op := range operations {
		recovered := Recovered(calls, op.name, fault)
		if recovered.IsZero() {
			cell.RecoveryMs = -1
			break
		}
		cell.RecoveryMs = max(cell.RecoveryMs, ms(recovered.Sub(from)))
	}
	if len(calls) > 0 {
		took := make([]time.Duration, len(calls))
		for i, c := range calls {
			took[i] = c.End.Sub(c.Start)
		}
		slices.Sort(took)
		cell.MedianMs = ms(took[len(took)/2])
	}
	for _, c := range calls {
		cell.SlowestMs = max(cell.SlowestMs, ms(c.End.Sub(c.Start)))
		switch {
		case c.Err == nil:
		case c.Wrong():
			cell.Wrong++
			if cell.FirstWrong == "" {
				cell.FirstWrong = example(c)
			}
		default:
			cell.Failed++
			if cell.FirstError == "" {
				cell.FirstError = example(c)
			}
		}
	}
}

// Recovered returns the end of the first successful call of op that
// started at or after fault and after which no call of op failed; zero if
// there is none. calls must be sorted by start.
func Recovered(calls []Call, op string, fault time.Time) time.Time {
	var recovered time.Time
	for _, c := range calls {
		if c.Op != op {
			continue
		}
		switch {
		case c.Err != nil:
			recovered = time.Time{}
		case recovered.IsZero() && !c.Start.Before(fault):
			recovered = c.End
		}
	}
	return recovered
}

func example(c Call) string {
	s := fmt.Sprintf("%s: %v", c.Op, c.Err)
	const maxLen = 300
	if len(s) > maxLen {
		s = s[:maxLen] + "..."
	}
	return s
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
