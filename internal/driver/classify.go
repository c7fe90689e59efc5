package driver

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
)

// ForCode classifies an error a broker answered for a key sent on a route of
// the given kind, following the failover rules: the codes that say the key's
// broker moved send it back to look-up, the codes that say the broker is busy
// retry it there, and every other code fails the key. A nil err is done.
func ForCode(kind RouteKind, err error) Result {
	if err == nil {
		return Result{Outcome: Done}
	}
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return Result{Outcome: Fail, Err: err}
	}
	switch kind {
	case ToGroupCoordinator, ToTxnCoordinator:
		switch ke {
		case kerr.NotCoordinator, kerr.CoordinatorNotAvailable:
			return Result{Outcome: Relookup, Err: err}
		case kerr.CoordinatorLoadInProgress:
			return Result{Outcome: Retry, Err: err}
		}
	case ToLeader:
		switch ke {
		case kerr.NotLeaderForPartition, kerr.LeaderNotAvailable, kerr.FencedLeaderEpoch,
			kerr.UnknownLeaderEpoch, kerr.UnknownTopicOrPartition:
			return Result{Outcome: Relookup, Err: err}
		}
	case ToController:
		if ke == kerr.NotController {
			return Result{Outcome: Relookup, Err: err}
		}
	}
	if ke.Retriable {
		return Result{Outcome: Retry, Err: err}
	}
	return Result{Outcome: Fail, Err: err}
}

// lookupRetriable reports whether a failed look-up is worth another try.
func lookupRetriable(kind RouteKind, err error) bool {
	var (
		te *topicError
		pe *partitionError
		ke *kerr.Error
	)
	switch {
	case errors.Is(err, cluster.ErrClosed):
		return false
	case kind == ToBroker && errors.Is(err, cluster.ErrBrokerGone):
		return false
	case errors.As(err, &pe):
		return false
	case errors.As(err, &te):
		return !errors.Is(te.err, kerr.UnknownTopicOrPartition) && errors.As(te.err, &ke) && ke.Retriable
	case conn.IsTransport(err), isContext(err):
		// A context error here is a shared look-up's own timeout: the
		// call's context is still live.
		return true
	case errors.As(err, &ke):
		return ke.Retriable || ke == kerr.CoordinatorNotAvailable || ke == kerr.CoordinatorLoadInProgress || ke == kerr.NotCoordinator
	}
	var ue *conn.UnsupportedVersionError
	return !errors.As(err, &ue) && !isPermanent(err)
}

func isPermanent(err error) bool {
	var ce *conn.Error
	return errors.As(err, &ce) && ce.Permanent
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
