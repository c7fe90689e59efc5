package driver

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
)

// Class is a kind of error a Rule is about.
type Class uint8

// Classes of errors.
const (
	Codes          Class = iota // the Rule's Codes
	Connection                  // a connection error: reset, refused, EOF, a request past its timeout
	OtherRetriable              // a Kafka code marked retriable that no earlier rule names
	OtherCodes                  // any other error
)

// Rule says what an error met on routes of some kinds does to a key.
type Rule struct {
	Routes  []RouteKind
	Class   Class
	Codes   []*kerr.Error // for Class Codes
	Outcome Outcome
	Note    string // a qualification shown in the docs' table
}

var (
	coordinatorRoutes = []RouteKind{ToGroupCoordinator, ToTxnCoordinator}
	everyRoute        = []RouteKind{ToGroupCoordinator, ToTxnCoordinator, ToLeader, ToController, ToBroker, ToAnyBroker}
)

// Rules is the failover-rules table: the first rule matching a key's route
// and error says what becomes of the key. It is the only place the codes
// that send a key back to look-up or retry it are named; an API's
// Exceptions come before it, and docs/design.md's table is rendered from
// it (RulesTable).
var Rules = []Rule{
	{Routes: coordinatorRoutes, Codes: []*kerr.Error{kerr.NotCoordinator, kerr.CoordinatorNotAvailable}, Outcome: Relookup},
	{Routes: coordinatorRoutes, Codes: []*kerr.Error{kerr.CoordinatorLoadInProgress}, Outcome: Retry},
	{Routes: []RouteKind{ToLeader}, Codes: []*kerr.Error{kerr.NotLeaderForPartition, kerr.LeaderNotAvailable, kerr.FencedLeaderEpoch, kerr.UnknownLeaderEpoch}, Outcome: Relookup},
	{Routes: []RouteKind{ToLeader}, Codes: []*kerr.Error{kerr.UnknownTopicOrPartition}, Outcome: Relookup, Note: "from the leader"},
	{Routes: []RouteKind{ToController}, Codes: []*kerr.Error{kerr.NotController}, Outcome: Relookup},
	{Routes: everyRoute, Class: Connection, Outcome: Relookup},
	{Routes: everyRoute, Class: OtherRetriable, Outcome: Retry},
	{Routes: everyRoute, Class: OtherCodes, Outcome: Fail},
}

// Exception is an API's departure from Rules for one code.
type Exception struct {
	Code *kerr.Error
	// OnlyMaybeApplied limits the exception to keys an earlier send of
	// which may have been applied: the code then says what that send did
	// (TOPIC_ALREADY_EXISTS after a lost CreateTopics answer).
	OnlyMaybeApplied bool
	Outcome          Outcome
	Why              string // shown in the docs
}

// ForCode classifies an error a broker answered for a key sent on a route of
// the given kind by the failover rules. A nil err is done.
func ForCode(kind RouteKind, err error) Result {
	return Classify(kind, err, false, nil)
}

// Classify is ForCode with an API's exceptions, for a key an earlier send
// of which may have been applied (maybeApplied) or not.
func Classify(kind RouteKind, err error, maybeApplied bool, exceptions []Exception) Result {
	if err == nil {
		return Result{Outcome: Done}
	}
	var ke *kerr.Error
	isCode := errors.As(err, &ke)
	if isCode {
		for _, e := range exceptions {
			if e.Code == ke && (!e.OnlyMaybeApplied || maybeApplied) {
				return Result{Outcome: e.Outcome, Err: err}
			}
		}
	}
	for _, r := range Rules {
		if slices.Contains(r.Routes, kind) && r.matches(err, ke, isCode) {
			return Result{Outcome: r.Outcome, Err: err}
		}
	}
	return Result{Outcome: Fail, Err: err}
}

// Named is the outcome a rule naming err's code gives on route kind, and
// Done when no rule names it (the code falls to the catch-all rules).
func Named(kind RouteKind, err error) Outcome {
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return Done
	}
	for _, r := range Rules {
		if r.Class == Codes && slices.Contains(r.Routes, kind) && slices.Contains(r.Codes, ke) {
			return r.Outcome
		}
	}
	return Done
}

func (r Rule) matches(err error, ke *kerr.Error, isCode bool) bool {
	switch r.Class {
	case Codes:
		return isCode && slices.Contains(r.Codes, ke)
	case Connection:
		return conn.IsTransport(err)
	case OtherRetriable:
		return isCode && ke.Retriable
	}
	return true
}

// lookupRetriable reports whether a failed look-up is worth another try:
// Kafka codes by the rules (a look-up's NOT_COORDINATOR or retriable code is
// tried again, anything the rules fail on is not), errors of kafadmin's own
// by what they mean.
func lookupRetriable(route Route, err error) bool {
	kind := route.Kind
	var (
		te *topicError
		pe *partitionError
		ke *kerr.Error
		ue *conn.UnsupportedVersionError
	)
	switch {
	case errors.Is(err, cluster.ErrClosed):
		return false
	case kind == ToBroker && errors.Is(err, cluster.ErrBrokerGone):
		// A broker shut down or fenced is left out of Kafka's metadata
		// until it is back: a named one is waited for, unless the
		// cluster never listed it (a wrong id).
		return !route.Every && !errors.Is(err, cluster.ErrBrokerUnknown)
	case errors.As(err, &pe):
		return false
	case errors.As(err, &te):
		return !errors.Is(te.err, kerr.UnknownTopicOrPartition) && errors.As(te.err, &ke) && ke.Retriable
	case conn.IsTransport(err), isContext(err):
		// A context error here is a shared look-up's own timeout: the
		// call's context is still live.
		return true
	case errors.As(err, &ke):
		return ForCode(kind, err).Outcome != Fail
	case errors.As(err, &ue):
		return false
	}
	return !isPermanent(err)
}

func isPermanent(err error) bool {
	var ce *conn.Error
	return errors.As(err, &ce) && ce.Permanent
}

// routeDocs names each route and its look-up, for RulesTable; routes that
// share a row have the same rules.
var routeDocs = []struct {
	kinds  []RouteKind
	name   string
	lookup string
}{
	{coordinatorRoutes, "group / transaction coordinator", "FindCoordinator v4, many keys a request"},
	{[]RouteKind{ToLeader}, "partition leader", "Metadata for the topics"},
	{[]RouteKind{ToController}, "controller", "Metadata (the controller id; in KRaft any broker forwards)"},
	{[]RouteKind{ToBroker}, "a named broker, every broker", "the broker list (Metadata)"},
	{[]RouteKind{ToAnyBroker}, "any broker", "a broker with a live connection, never one down or stalled"},
}

// RulesTable renders Rules as the Markdown table of docs/design.md.
func RulesTable() string {
	var b strings.Builder
	b.WriteString("| route | look-up | back to look-up on | retried on the same broker on | fails on |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, rd := range routeDocs {
		cells := map[Outcome][]string{}
		for _, r := range Rules {
			if !slices.Contains(r.Routes, rd.kinds[0]) {
				continue
			}
			cells[r.Outcome] = append(cells[r.Outcome], r.doc())
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", rd.name, rd.lookup,
			strings.Join(cells[Relookup], ", "), strings.Join(cells[Retry], ", "), strings.Join(cells[Fail], ", "))
	}
	return b.String()
}

func (r Rule) doc() string {
	var s string
	switch r.Class {
	case Codes:
		names := make([]string, len(r.Codes))
		for i, c := range r.Codes {
			names[i] = "`" + c.Message + "`"
		}
		s = strings.Join(names, ", ")
	case Connection:
		s = "connection errors"
	case OtherRetriable:
		s = "other retriable codes"
	case OtherCodes:
		s = "other codes and errors"
	}
	if r.Note != "" {
		s += " " + r.Note
	}
	return s
}

// topicError is a topic that metadata answered with an error for.
type topicError struct {
	topic string
	err   error
}

func (e *topicError) Error() string {
	if errors.Is(e.err, kerr.UnknownTopicOrPartition) {
		return fmt.Sprintf("topic %q does not exist: check the topic name (%s)", e.topic, kerr.UnknownTopicOrPartition.Message)
	}
	return fmt.Sprintf("topic %q: %v", e.topic, e.err)
}

func (e *topicError) Unwrap() error { return e.err }

// partitionError is a partition number the topic does not have.
type partitionError struct {
	topic     string
	partition int32
	count     int
}

func (e *partitionError) Error() string {
	return fmt.Sprintf("topic %q has %d partitions (0 to %d): partition %d does not exist (%s)", e.topic, e.count, e.count-1, e.partition, kerr.UnknownTopicOrPartition.Message)
}

func (e *partitionError) Unwrap() error { return kerr.UnknownTopicOrPartition }
