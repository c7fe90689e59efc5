package realbench

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestServedAt checks the probe's rule: the end of the first success after
// which no attempt failed, among the attempts that started at or after the
// fault, in the order they started.
func TestServedAt(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	fail := errors.New("coordinator 1 is not live")
	p := &probe{attempts: []attempt{
		{start: at(-20), end: at(-10), err: fail}, // before the fault: ignored
		{start: at(0), end: at(5)},
		{start: at(20), end: at(2020), err: fail},
		{start: at(40), end: at(3000)}, // answered once the broker came back
		{start: at(60), end: at(3001)},
	}}
	served, last, failed := p.servedAt(t0)
	if !served.Equal(at(3000)) || last != fail || failed != 1 {
		t.Errorf("served at %v, last error %v, %d failed; want 3 s, %v, 1", served.Sub(t0), last, failed, fail)
	}
	if got := p.firstServedAfter(at(10), 0); !got.Equal(at(3000)) {
		t.Errorf("first served after 10 ms: %v, want 3 s", got.Sub(t0))
	}
	p.attempts = append(p.attempts, attempt{start: at(80), end: at(90), err: fail})
	if served, _, _ := p.servedAt(t0); !served.IsZero() {
		t.Errorf("served at %v although the last attempt failed", served.Sub(t0))
	}
}

// TestPrefixes checks that no group prefix of a client in a row is the
// prefix of another's, which would mix their groups in a listing.
func TestPrefixes(t *testing.T) {
	names := []string{"kafadmin", "kadm", "sarama", "sarama v1.44.0", "Java AdminClient"}
	var prefixes []string
	for row := range 12 {
		for _, n := range names {
			prefixes = append(prefixes, groupPrefix(fmt.Sprintf("r%d", row+1), n))
		}
	}
	for _, n := range names {
		prefixes = append(prefixes, groupPrefix("warm", n))
	}
	for i, a := range prefixes {
		for j, b := range prefixes {
			if i != j && strings.HasPrefix(b, a) {
				t.Errorf("prefix %q is a prefix of %q", a, b)
			}
		}
	}
}
