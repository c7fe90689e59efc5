package driver

import (
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin/internal/conn"
)

var update = flag.Bool("update", false, "rewrite docs/design.md's rules table from the code")

const (
	designDoc  = "../../docs/design.md"
	rulesBegin = "<!-- rules:begin -->\n"
	rulesEnd   = "<!-- rules:end -->"
)

// TestRulesTableInDocs keeps docs/design.md's failover table the one the
// driver reads.
func TestRulesTableInDocs(t *testing.T) {
	data, err := os.ReadFile(designDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, rulesBegin), strings.Index(doc, rulesEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q markers", designDoc, strings.TrimSpace(rulesBegin), rulesEnd)
	}
	want := RulesTable()
	if got := doc[i+len(rulesBegin) : j]; got != want {
		if *update {
			doc = doc[:i+len(rulesBegin)] + want + doc[j:]
			if err := os.WriteFile(designDoc, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("docs/design.md's rules table differs from Rules: run go test ./internal/driver -run TestRulesTableInDocs -update\n got:\n%s\nwant:\n%s", got, want)
	}
}

// TestRulesCoverEveryRoute checks that every route kind ends in a rule
// for any error, so that Classify never falls off the table.
func TestRulesCoverEveryRoute(t *testing.T) {
	odd := errors.New("not a Kafka code")
	for _, kind := range everyRoute {
		for _, err := range []error{odd, kerr.UnknownServerError, kerr.RequestTimedOut, &conn.Error{Op: "read", Err: errors.New("reset")}} {
			var hit bool
			for _, r := range Rules {
				var ke *kerr.Error
				isCode := errors.As(err, &ke)
				if slices.Contains(r.Routes, kind) && r.matches(err, ke, isCode) {
					hit = true
					break
				}
			}
			if !hit {
				t.Errorf("no rule for route %d and %v", kind, err)
			}
		}
		if len(routeDocsFor(kind)) != 1 {
			t.Errorf("route %d is in %d rows of the docs' table, want 1", kind, len(routeDocsFor(kind)))
		}
	}
}

// TestExceptionsComeFirst checks that an API's exception overrides the
// rules only where it applies.
func TestExceptionsComeFirst(t *testing.T) {
	ex := []Exception{{Code: kerr.TopicAlreadyExists, OnlyMaybeApplied: true, Outcome: Done}, {Code: kerr.ElectionNotNeeded, Outcome: Done}}
	for _, tc := range []struct {
		err          error
		maybeApplied bool
		want         Outcome
	}{
		{kerr.TopicAlreadyExists, true, Done},
		{kerr.TopicAlreadyExists, false, Fail},
		{kerr.ElectionNotNeeded, false, Done},
		{kerr.NotController, false, Relookup},
	} {
		if got := Classify(ToController, tc.err, tc.maybeApplied, ex); got.Outcome != tc.want {
			t.Errorf("Classify(%v, maybeApplied %v) = %v, want %v", tc.err, tc.maybeApplied, got.Outcome, tc.want)
		}
	}
}

func routeDocsFor(kind RouteKind) []string {
	var out []string
	for _, rd := range routeDocs {
		if slices.Contains(rd.kinds, kind) {
			out = append(out, rd.name)
		}
	}
	return out
}
