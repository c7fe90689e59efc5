package kafadmin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// KeyKind is what a Key names.
type KeyKind uint8

// Kinds of keys.
const (
	KeyGroup       KeyKind = iota + 1 // Group
	KeyTopic                          // Topic, or Name: a topic id (hex)
	KeyPartition                      // Topic and Partition
	KeyBroker                         // Broker
	KeyMember                         // Group and Member, a static member's instance id
	KeyConfig                         // Resource
	KeyTransaction                    // Name, a transactional id
	KeyRequest                        // Name: a request that is one key of its own (metadata, a filter)
	KeyReplica                        // Broker, Topic and Partition: a partition's replica on a broker
)

// Key names what one KeyError is about, typed so that code can read it back
// (errors.As into *KeyError, then compare its Key with GroupKey("orders"),
// PartitionKey(tp)...). Only the fields of its Kind are set; Keys are
// comparable.
type Key struct {
	Kind      KeyKind
	Group     string
	Topic     string
	Partition int32
	Broker    int32
	Member    string
	Resource  ConfigResource
	Name      string
}

// GroupKey is the key of a group.
func GroupKey(group string) Key { return Key{Kind: KeyGroup, Group: group} }

// TopicKey is the key of a topic.
func TopicKey(topic string) Key { return Key{Kind: KeyTopic, Topic: topic} }

// TopicIDKey is the key of a topic named by its id (hex).
func TopicIDKey(id string) Key { return Key{Kind: KeyTopic, Name: id} }

// PartitionKey is the key of a partition.
func PartitionKey(tp TopicPartition) Key {
	return Key{Kind: KeyPartition, Topic: tp.Topic, Partition: tp.Partition}
}

// BrokerKey is the key of a broker.
func BrokerKey(id int32) Key { return Key{Kind: KeyBroker, Broker: id} }

// MemberKey is the key of a static member of a group.
func MemberKey(group, instanceID string) Key {
	return Key{Kind: KeyMember, Group: group, Member: instanceID}
}

// ConfigKey is the key of a config resource.
func ConfigKey(r ConfigResource) Key { return Key{Kind: KeyConfig, Resource: r} }

// TransactionKey is the key of a transactional id.
func TransactionKey(id string) Key { return Key{Kind: KeyTransaction, Name: id} }

// ReplicaKey is the key of a partition's replica on a broker, named like Kafka names replicas: by the broker's id.
func ReplicaKey(r Replica) Key {
	return Key{Kind: KeyReplica, Topic: r.Partition.Topic, Partition: r.Partition.Partition, Broker: r.Broker}
}

// RequestKey is the key of a call that is one request, e.g. "cluster metadata".
func RequestKey(what string) Key { return Key{Kind: KeyRequest, Name: what} }

// String names the key as errors do, e.g. `group "orders"`, `partition 3 of
// topic "payments"`.
func (k Key) String() string {
	switch k.Kind {
	case KeyGroup:
		return fmt.Sprintf("group %q", k.Group)
	case KeyTopic:
		if k.Topic == "" && k.Name != "" {
			return "topic id " + k.Name
		}
		return fmt.Sprintf("topic %q", k.Topic)
	case KeyPartition:
		return fmt.Sprintf("partition %d of topic %q", k.Partition, k.Topic)
	case KeyBroker:
		return fmt.Sprintf("broker %d", k.Broker)
	case KeyMember:
		return fmt.Sprintf("member %q of group %q", k.Member, k.Group)
	case KeyConfig:
		return k.Resource.String()
	case KeyTransaction:
		return fmt.Sprintf("transactional id %q", k.Name)
	case KeyReplica:
		return fmt.Sprintf("replica %d of partition %d of topic %q", k.Broker, k.Partition, k.Topic)
	}
	return k.Name
}

// Compare orders keys by kind, then by their fields (partitions by
// number), for sorted output: -1, 0 or +1.
func (a Key) Compare(b Key) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Group, b.Group), strings.Compare(a.Topic, b.Topic),
		cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Broker, b.Broker), strings.Compare(a.Member, b.Member),
		a.Resource.compare(b.Resource), strings.Compare(a.Name, b.Name))
}

// KeyError is why one key of a call (a group, a partition, a broker) failed.
// Its Err is the last cause: a Kafka error code (errors.As into *kerr.Error,
// or ErrorCode), a connection error, or one of kafadmin's own errors.
// errors.Is(err, context.DeadlineExceeded) reports a key that was still
// being retried when the deadline passed.
type KeyError struct {
	Op       string // the call, e.g. "describe groups"
	Key      Key    // what failed
	Broker   int32  // the broker of the last attempt; -1 if none was reached
	Attempts int    // failed attempts, look-ups included
	Err      error  // the last cause
	Deadline error  // the context's error if the deadline ended the key
	// MaybeApplied reports that a request for the key may have reached
	// the broker and been applied although no answer said so (its
	// connection died after it was written): a change may have been made.
	MaybeApplied bool
}

func newKeyError(op string, key Key, f *driver.Failure) *KeyError {
	return &KeyError{Op: op, Key: key, Broker: f.Broker, Attempts: f.Attempts, Err: f.Cause, Deadline: f.Deadline, MaybeApplied: f.MaybeApplied}
}

// keyError is a KeyError found without the driver, in one attempt.
func keyError(op string, key Key, broker int32, err error) *KeyError {
	return &KeyError{Op: op, Key: key, Broker: broker, Attempts: 1, Err: err}
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
	// Keys is how many keys the call was asked about.
	Keys int
}

// AllFailed reports whether every key of the call failed.
func (e *CallError) AllFailed() bool { return len(e.Errors) >= e.Keys }

// Error names every failed key and its cause.
func (e *CallError) Error() string {
	if len(e.Errors) == 1 {
		return e.Errors[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d keys failed:", e.Op, len(e.Errors), e.Keys)
	for _, ke := range e.Errors {
		b.WriteString("\n\t")
		b.WriteString(ke.Error())
	}
	return b.String()
}

// For returns the error of key, nil if it did not fail.
func (e *CallError) For(key Key) *KeyError {
	for _, ke := range e.Errors {
		if ke.Key == key {
			return ke
		}
	}
	return nil
}

// Unwrap returns the KeyErrors.
func (e *CallError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, ke := range e.Errors {
		out[i] = ke
	}
	return out
}

// callError returns nil for no failures, else a CallError over a call of n
// keys.
func callError[K comparable](op string, n int, failed map[K]*KeyError) error {
	if len(failed) == 0 {
		return nil
	}
	ce := &CallError{Op: op, Keys: max(n, len(failed))}
	for _, ke := range failed {
		ce.Errors = append(ce.Errors, ke)
	}
	slices.SortFunc(ce.Errors, func(a, b *KeyError) int { return a.Key.Compare(b.Key) })
	return ce
}

// UnsupportedVersionError is returned when a broker does not support any
// version of a request that the call can send: the broker is too old for
// the operation (or the feature is switched off).
type UnsupportedVersionError = conn.UnsupportedVersionError

// MaybeApplied reports whether err, returned by a call that changes the
// cluster, leaves it possible that the change was made: a request reached
// a broker (or may have) and its answer was lost. Such a call is not safe
// to repeat blindly; read the cluster's state first. It is false for errors
// that prove nothing was applied (bad input, a refusal the broker
// answered) and for nil.
func MaybeApplied(err error) bool {
	var ce *CallError
	if errors.As(err, &ce) {
		return slices.ContainsFunc(ce.Errors, func(ke *KeyError) bool { return ke.MaybeApplied })
	}
	var ke *KeyError
	if errors.As(err, &ke) {
		return ke.MaybeApplied
	}
	return conn.MaybeSent(err)
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
