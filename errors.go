package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// KeyError is why one key of a call (a group, a partition, a broker) failed.
// Its Err is the last cause: a Kafka error code (errors.As into *kerr.Error,
// or ErrorCode), a connection error, or one of kafadmin's own errors.
// errors.Is(err, context.DeadlineExceeded) reports a key that was still
// being retried when the deadline passed.
type KeyError struct {
	Op       string // the call, e.g. "describe groups"
	Key      string // the key, e.g. `group "orders"`
	Broker   int32  // the broker of the last attempt; -1 if none was reached
	Attempts int    // failed attempts, look-ups included
	Err      error  // the last cause
	Deadline error  // the context's error if the deadline ended the key
}

func newKeyError(op, key string, f *driver.Failure) *KeyError {
	return &KeyError{Op: op, Key: key, Broker: f.Broker, Attempts: f.Attempts, Err: f.Cause, Deadline: f.Deadline}
}

func (e *KeyError) Error() string {
	if e.Deadline == nil {
		if e.Broker >= 0 {
			return fmt.Sprintf("%s: %s on broker %d: %v", e.Op, e.Key, e.Broker, e.Err)
		}
		return fmt.Sprintf("%s: %s: %v", e.Op, e.Key, e.Err)
	}
	if errors.Is(e.Deadline, context.Canceled) {
		if e.Err == nil || errors.Is(e.Err, context.Canceled) {
			return fmt.Sprintf("%s: %s: canceled", e.Op, e.Key)
		}
		return fmt.Sprintf("%s: %s: canceled after %d failed attempts; last error: %v", e.Op, e.Key, e.Attempts, e.Err)
	}
	if e.Err == nil || errors.Is(e.Err, context.DeadlineExceeded) || errors.Is(e.Err, context.Canceled) {
		return fmt.Sprintf("%s: %s: the deadline passed before an answer came: raise the timeout", e.Op, e.Key)
	}
	where := ""
	if e.Broker >= 0 {
		where = fmt.Sprintf(" (broker %d)", e.Broker)
	}
	return fmt.Sprintf("%s: %s: gave up at the deadline after %d failed attempts; last error%s: %v: raise the timeout, or check the cluster's health", e.Op, e.Key, e.Attempts, where, e.Err)
}

// Unwrap returns the last cause and, if the deadline ended the key, the
// context's error.
func (e *KeyError) Unwrap() []error {
	out := []error{}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.Deadline != nil {
		out = append(out, e.Deadline)
	}
	return out
}

// CallError is the error of a call in which some keys failed. The call's
// result holds every key, the failed ones with their KeyError.
type CallError struct {
	Op     string
	Errors []*KeyError // sorted by key
}

func (e *CallError) Error() string {
	if len(e.Errors) == 1 {
		return e.Errors[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d keys failed:", e.Op, len(e.Errors))
	for _, ke := range e.Errors {
		b.WriteString("\n\t")
		b.WriteString(ke.Error())
	}
	return b.String()
}

// Unwrap returns the KeyErrors.
func (e *CallError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, ke := range e.Errors {
		out[i] = ke
	}
	return out
}

// callError returns nil for no failures, else a CallError.
func callError[K comparable](op string, failed map[K]*KeyError) error {
	if len(failed) == 0 {
		return nil
	}
	ce := &CallError{Op: op}
	for _, ke := range failed {
		ce.Errors = append(ce.Errors, ke)
	}
	slices.SortFunc(ce.Errors, func(a, b *KeyError) int { return strings.Compare(a.Key, b.Key) })
	return ce
}

// ErrorCode returns the Kafka error code inside err and its name
// (e.g. 16, "NOT_COORDINATOR"), if err carries one.
func ErrorCode(err error) (code int16, name string, ok bool) {
	code, ok = kafkaerr.Code(err)
	if !ok {
		return 0, "", false
	}
	var ke *kerr.Error
	errors.As(err, &ke)
	return code, ke.Message, true
}

// GroupNotEmptyError is returned when an operation that needs an empty
// group (altering or deleting its offsets, deleting it) meets a group with
// members.
type GroupNotEmptyError struct {
	Group   string
	State   string
	Members []GroupMember // as described when the operation was refused; may be empty if describing failed
	Err     error         // the broker's answer, e.g. UNKNOWN_MEMBER_ID or NON_EMPTY_GROUP
}

func (e *GroupNotEmptyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "group %q is not empty", e.Group)
	if e.State != "" {
		fmt.Fprintf(&b, " (state %s", e.State)
		if n := len(e.Members); n > 0 {
			fmt.Fprintf(&b, ", %d member(s):", n)
			for i, m := range e.Members {
				if i == 5 {
					fmt.Fprintf(&b, " and %d more", n-5)
					break
				}
				fmt.Fprintf(&b, " %s", m.String())
				if i < min(n, 5)-1 {
					b.WriteString(",")
				}
			}
		}
		b.WriteString(")")
	}
	b.WriteString(": stop its consumers first")
	return b.String()
}

// Unwrap returns the broker's answer.
func (e *GroupNotEmptyError) Unwrap() error { return e.Err }

// groupNotFound is the cause for a group that does not exist.
func groupNotFound(group string) error {
	return kafkaerr.With(kerr.GroupIDNotFound, fmt.Sprintf("group %q does not exist: check the group id", group))
}
