package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// Request versions: AlterPartitionReassignments v1 adds the permission to
// change the replication factor (KIP-860, allowed, as before it), and
// ElectLeaders v1 the election type (v0 elects preferred leaders only).
const (
	alterReassignmentsMax = 1
	listReassignmentsMax  = 0
	electLeadersTyped     = 1
	electLeadersMax       = 2
)

// controllerRoute sends a key to the controller (in KRaft, a broker that
// forwards it to the active controller).
func controllerRoute[K any](K) driver.Route { return driver.Route{Kind: driver.ToController} }

// ReassignResult is what AlterPartitionReassignments or
// CancelPartitionReassignments did to one partition.
type ReassignResult struct {
	Partition TopicPartition
	// Replicas is the replica list asked for, nil for a cancellation.
	Replicas []int32
	// CanceledOnRetry reports a cancellation that was sent again after
	// its answer was lost, and found no reassignment in progress: the
	// first attempt most likely canceled it.
	CanceledOnRetry bool
	Err             error
}

func (r ReassignResult) err() error { return r.Err }

// Reassignment is a partition reassignment in progress: the controller is
// copying the partition to the brokers in Adding and will then drop the
// replicas in Removing.
type Reassignment struct {
	Partition TopicPartition
	// Replicas is the partition's replica set while it moves: the target
	// replicas and the ones being removed.
	Replicas []int32
	Adding   []int32
	Removing []int32
}

// Target is the replica list the partition will have once the
// reassignment completes: Replicas without Removing.
func (r Reassignment) Target() []int32 {
	return slices.DeleteFunc(slices.Clone(r.Replicas), func(id int32) bool { return slices.Contains(r.Removing, id) })
}

// AlterPartitionReassignments moves partitions to new replica lists
// (KIP-455), as kafka-reassign-partitions.sh --execute does: each
// partition's replicas become the brokers listed, in order, the first being
// the preferred leader. A nil list cancels the partition's reassignment in
// progress (see CancelPartitionReassignments). The controller starts the
// moves and returns; the data is copied in the background, which
// ListPartitionReassignments follows, and a partition whose list only
// reorders its replicas is done at once (its leader changes at the next
// preferred election, see ElectLeaders).
//
// Every topic and partition is checked against the cluster's metadata
// first: if one does not exist, nothing is sent. Asking again for a move
// already under way or done changes nothing, so a call retried after a
// lost answer is safe. The result holds every partition.
func (c *Client) AlterPartitionReassignments(ctx context.Context, targets map[TopicPartition][]int32) (Results[TopicPartition, ReassignResult], error) {
	const op = "alter partition reassignments"
	if err := checkReassignments(targets); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return c.reassign(ctx, op, targets)
}

// CancelPartitionReassignments cancels the reassignments in progress of
// partitions, as kafka-reassign-partitions.sh --cancel does: each partition
// goes back to the replicas it had before, and the replicas added so far
// are removed. A partition without a reassignment in progress fails with
// NO_REASSIGNMENT_IN_PROGRESS, unless an earlier attempt of this call may
// have canceled it (CanceledOnRetry).
func (c *Client) CancelPartitionReassignments(ctx context.Context, partitions ...TopicPartition) (Results[TopicPartition, ReassignResult], error) {
	const op = "cancel partition reassignments"
	partitions, err := checkTopicPartitions(partitions)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	targets := make(map[TopicPartition][]int32, len(partitions))
	for _, tp := range partitions {
		targets[tp] = nil
	}
	return c.reassign(ctx, op, targets)
}

// checkReassignments refuses what the controller would refuse or misread:
// no partitions, bad partitions, and replica lists that are empty (a
// partition needs a replica; nil cancels), hold a negative broker id or
// name a broker twice.
func checkReassignments(targets map[TopicPartition][]int32) error {
	if len(targets) == 0 {
		return errors.New("no partitions given: name each partition and its new replicas (nil cancels the partition's reassignment)")
	}
	tps := mapKeys(targets)
	if _, err := checkTopicPartitions(tps); err != nil {
		return err
	}
	SortTopicPartitions(tps)
	for _, tp := range tps {
		if err := checkReplicaList(tp, targets[tp]); err != nil {
			return err
		}
	}
	return nil
}

func checkReplicaList(tp TopicPartition, replicas []int32) error {
	if replicas == nil {
		return nil
	}
	if len(replicas) == 0 {
		return fmt.Errorf("the replica list of %s is empty: name at least one broker, or pass nil to cancel its reassignment", describeTP(tp))
	}
	for i, id := range replicas {
		if id < 0 {
			return fmt.Errorf("the replica list %v of %s holds broker id %d: broker ids are 0 or more", replicas, describeTP(tp), id)
		}
		if slices.Contains(replicas[:i], id) {
			return fmt.Errorf("the replica list %v of %s names broker %d twice: a broker holds at most one replica of a partition", replicas, describeTP(tp), id)
		}
	}
	return nil
}

// reassign sends targets to the controller.
func (c *Client) reassign(ctx context.Context, op string, targets map[TopicPartition][]int32) (Results[TopicPartition, ReassignResult], error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	tps := mapKeys(targets)
	if err := c.checkPartitionsExist(ctx, tps); err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was sent", op, err)
	}
	done, failed := do(ctx, c, reassignAPI(op, targets, serverTimeout(ctx)), tps, PartitionKey)
	for tp, ke := range failed {
		done[tp] = ReassignResult{Partition: tp, Replicas: targets[tp], Err: ke}
	}
	return done, callError(op, len(tps), failed)
}

// reassignAPI is AlterPartitionReassignments: every partition to the
// controller.
func reassignAPI(op string, targets map[TopicPartition][]int32, timeout time.Duration) driver.API[TopicPartition, ReassignResult] {
	return driver.API[TopicPartition, ReassignResult]{
		Name:       op,
		Route:      controllerRoute[TopicPartition],
		MaxVersion: alterReassignmentsMax,
		ServerWait: timeout,
		Exceptions: []driver.Exception{
			{Code: kerr.UnknownTopicOrPartition, Outcome: driver.Fail, Why: "checked against metadata before sending: the controller saying so means the topic was deleted since"},
			{Code: kerr.NoReassignmentInProgress, OnlyMaybeApplied: true, Outcome: driver.Done, Why: "a cancellation sent again after a lost answer: the first one canceled it"},
		},
		Request: func(batch []driver.Attempt[TopicPartition]) kmsg.Request {
			req := kmsg.NewPtrAlterPartitionAssignmentsRequest()
			req.TimeoutMillis = int32(timeout / time.Millisecond)
			for topic, ps := range batchByTopic(batch) {
				rt := kmsg.NewAlterPartitionAssignmentsRequestTopic()
				rt.Topic = topic
				for _, p := range ps {
					rp := kmsg.NewAlterPartitionAssignmentsRequestTopicPartition()
					rp.Partition, rp.Replicas = p, targets[TopicPartition{topic, p}]
					rt.Partitions = append(rt.Partitions, rp)
				}
				req.Topics = append(req.Topics, rt)
			}
			return req
		},
		Response: func(_ *cluster.Broker, batch []driver.Attempt[TopicPartition], resp kmsg.Response) map[TopicPartition]driver.Answer[ReassignResult] {
			r := resp.(*kmsg.AlterPartitionAssignmentsResponse)
			maybe := maybeApplied(batch)
			out := make(map[TopicPartition]driver.Answer[ReassignResult], len(batch))
			answer := func(tp TopicPartition, err error) {
				v := ReassignResult{Partition: tp, Replicas: targets[tp]}
				if errors.Is(err, kerr.NoReassignmentInProgress) {
					v.CanceledOnRetry = maybe[tp]
					err = kafkaerr.With(kerr.NoReassignmentInProgress, fmt.Sprintf("%s has no reassignment in progress: nothing to cancel", describeTP(tp)))
				}
				out[tp] = driver.Answer[ReassignResult]{Value: v, Err: explainUnknownPartition(tp, err)}
			}
			if err := kafkaerr.New(r.ErrorCode, r.ErrorMessage); err != nil {
				for _, a := range batch {
					answer(a.Key, err)
				}
				return out
			}
			for _, t := range r.Topics {
				for _, p := range t.Partitions {
					answer(TopicPartition{t.Topic, p.Partition}, kafkaerr.New(p.ErrorCode, p.ErrorMessage))
				}
			}
			return out
		},
	}
}

// maybeApplied maps each key of a batch to whether an earlier send of it
// may have been applied.
func maybeApplied[K comparable](batch []driver.Attempt[K]) map[K]bool {
	out := make(map[K]bool, len(batch))
	for _, a := range batch {
		out[a.Key] = a.MaybeApplied
	}
	return out
}

// explainUnknownPartition says what UNKNOWN_TOPIC_OR_PARTITION from the
// controller means for a partition checked against metadata before.
func explainUnknownPartition(tp TopicPartition, err error) error {
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("%s no longer exists: the topic was deleted, or recreated with fewer partitions", describeTP(tp)))
	}
	return err
}

// ListPartitionReassignments returns the reassignments in progress of
// partitions, or of every partition when none are given, asking the
// controller. A partition missing from the result has none in progress:
// its move is done (ListTopics shows its replicas) or was never asked for.
func (c *Client) ListPartitionReassignments(ctx context.Context, partitions ...TopicPartition) (map[TopicPartition]Reassignment, error) {
	const op = "list partition reassignments"
	if len(partitions) > 0 {
		var err error
		if partitions, err = checkTopicPartitions(partitions); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	timeout := serverTimeout(ctx)
	done, failed := do(ctx, c, driver.API[int, map[TopicPartition]Reassignment]{
		Name:       op,
		Route:      controllerRoute[int],
		MaxVersion: listReassignmentsMax,
		ServerWait: timeout,
		Request: func([]driver.Attempt[int]) kmsg.Request {
			req := kmsg.NewPtrListPartitionReassignmentsRequest()
			req.TimeoutMillis = int32(timeout / time.Millisecond)
			if len(partitions) > 0 {
				for topic, ps := range partitionsByTopic(partitions) {
					rt := kmsg.NewListPartitionReassignmentsRequestTopic()
					rt.Topic, rt.Partitions = topic, ps
					req.Topics = append(req.Topics, rt)
				}
			}
			return req
		},
		Response: func(_ *cluster.Broker, _ []driver.Attempt[int], resp kmsg.Response) map[int]driver.Answer[map[TopicPartition]Reassignment] {
			r := resp.(*kmsg.ListPartitionReassignmentsResponse)
			if err := kafkaerr.New(r.ErrorCode, r.ErrorMessage); err != nil {
				return map[int]driver.Answer[map[TopicPartition]Reassignment]{0: {Err: err}}
			}
			return map[int]driver.Answer[map[TopicPartition]Reassignment]{0: {Value: reassignments(r)}}
		},
	}, []int{0}, func(int) Key { return RequestKey("the partition reassignments") })
	if ke := failed[0]; ke != nil {
		return nil, ke
	}
	return done[0], nil
}

func reassignments(r *kmsg.ListPartitionReassignmentsResponse) map[TopicPartition]Reassignment {
	out := make(map[TopicPartition]Reassignment)
	for _, t := range r.Topics {
		for _, p := range t.Partitions {
			tp := TopicPartition{t.Topic, p.Partition}
			out[tp] = Reassignment{Partition: tp, Replicas: p.Replicas, Adding: p.AddingReplicas, Removing: p.RemovingReplicas}
		}
	}
	return out
}

// partitionsByTopic groups partitions by topic, each topic's sorted.
func partitionsByTopic(tps []TopicPartition) map[string][]int32 {
	out := make(map[string][]int32)
	for _, tp := range tps {
		out[tp.Topic] = append(out[tp.Topic], tp.Partition)
	}
	for _, ps := range out {
		slices.Sort(ps)
	}
	return out
}

// ElectionType says which replica a leader election may choose.
type ElectionType int8

// Election types, as Kafka numbers them.
const (
	// PreferredElection makes a partition's preferred replica (the first
	// of its replica list) its leader, if it is alive and in sync: what
	// kafka-leader-election.sh --election-type preferred does after
	// brokers restart, or after a reassignment reordered the replicas.
	PreferredElection ElectionType = 0
	// UncleanElection gives a partition without a leader one among its
	// live replicas even if none is in sync, losing the records the new
	// leader lacks: a last resort to make a partition available.
	UncleanElection ElectionType = 1
)

// String is the type as kafka-leader-election.sh spells it: "preferred"
// or "unclean".
func (t ElectionType) String() string {
	switch t {
	case PreferredElection:
		return "preferred"
	case UncleanElection:
		return "unclean"
	}
	return fmt.Sprintf("ElectionType(%d)", int8(t))
}

// ParseElectionType reads "preferred" or "unclean", in any case, for
// command lines and configuration.
func ParseElectionType(s string) (ElectionType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "preferred":
		return PreferredElection, nil
	case "unclean":
		return UncleanElection, nil
	}
	return 0, fmt.Errorf("unknown election type %q: want preferred or unclean", s)
}

// ElectionResult is what a leader election did to one partition.
type ElectionResult struct {
	Partition TopicPartition
	Type      ElectionType
	// NotNeeded reports that the partition needed no election
	// (ELECTION_NOT_NEEDED): it is already led by its preferred replica
	// (a preferred election) or already has a leader (an unclean one).
	// It is a success: the partition is as the election would leave it.
	NotNeeded bool
	Err       error
}

func (r ElectionResult) err() error { return r.Err }

// String says what the election did, e.g. "elected", "already the
// preferred leader", or the error.
func (r ElectionResult) String() string {
	switch {
	case r.Err != nil:
		return "error: " + r.Err.Error()
	case r.NotNeeded && r.Type == UncleanElection:
		return "already has a leader"
	case r.NotNeeded:
		return "already the preferred leader"
	}
	return "elected"
}

// ElectLeaders runs leader elections of the given type on partitions, or
// on every partition of the cluster (internal topics included) when none
// are given, asking the controller, as kafka-leader-election.sh does. A
// partition that needs no election succeeds with NotNeeded, so the call
// is safe to repeat. The given partitions are checked against the
// cluster's metadata first: if one does not exist, nothing is sent. The
// result holds every partition.
//
// An election the partition cannot have fails at once rather than being
// retried until the deadline: PREFERRED_LEADER_NOT_AVAILABLE (the
// preferred replica is down or not in sync: elect again once it has
// caught up) and ELIGIBLE_LEADERS_NOT_AVAILABLE (no replica may lead).
func (c *Client) ElectLeaders(ctx context.Context, how ElectionType, partitions ...TopicPartition) (Results[TopicPartition, ElectionResult], error) {
	const op = "elect leaders"
	if how != PreferredElection && how != UncleanElection {
		return nil, fmt.Errorf("%s: unknown election type %d: want PreferredElection or UncleanElection", op, int8(how))
	}
	if len(partitions) > 0 {
		var err error
		if partitions, err = checkTopicPartitions(partitions); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if partitions, err = c.electionPartitions(ctx, op, partitions); err != nil {
		return nil, err
	}
	done, failed := do(ctx, c, electAPI(op, how, serverTimeout(ctx)), partitions, PartitionKey)
	for tp, ke := range failed {
		done[tp] = ElectionResult{Partition: tp, Type: how, Err: ke}
	}
	return done, callError(op, len(partitions), failed)
}

// electionPartitions checks the given partitions exist, or lists every
// partition of the cluster when none are given.
func (c *Client) electionPartitions(ctx context.Context, op string, partitions []TopicPartition) ([]TopicPartition, error) {
	if len(partitions) > 0 {
		if err := c.checkPartitionsExist(ctx, partitions); err != nil {
			return nil, fmt.Errorf("%s: %w; nothing was sent", op, err)
		}
		return partitions, nil
	}
	resp, err := c.metadata(ctx, op, nil)
	if err != nil {
		return nil, err
	}
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		for _, p := range t.Partitions {
			partitions = append(partitions, TopicPartition{*t.Topic, p.Partition})
		}
	}
	if len(partitions) == 0 {
		return nil, fmt.Errorf("%s: the cluster has no partitions to elect leaders for", op)
	}
	return partitions, nil
}

// electAPI is ElectLeaders: every partition to the controller.
func electAPI(op string, how ElectionType, timeout time.Duration) driver.API[TopicPartition, ElectionResult] {
	minVersion := int16(0)
	if how != PreferredElection {
		minVersion = electLeadersTyped
	}
	return driver.API[TopicPartition, ElectionResult]{
		Name:       op,
		Route:      controllerRoute[TopicPartition],
		MinVersion: minVersion,
		MaxVersion: electLeadersMax,
		ServerWait: timeout,
		Exceptions: []driver.Exception{
			{Code: kerr.ElectionNotNeeded, Outcome: driver.Done, Why: "the partition already has the leader the election would give it"},
			{Code: kerr.UnknownTopicOrPartition, Outcome: driver.Fail, Why: "checked against metadata before sending: the controller saying so means the topic was deleted since"},
			{Code: kerr.PreferredLeaderNotAvailable, Outcome: driver.Fail, Why: "the preferred replica is down or behind: a state of the cluster for the operator, not a moved broker"},
			{Code: kerr.EligibleLeadersNotAvailable, Outcome: driver.Fail, Why: "no replica may lead: a state of the cluster for the operator, not a moved broker"},
		},
		Request: func(batch []driver.Attempt[TopicPartition]) kmsg.Request {
			req := kmsg.NewPtrElectLeadersRequest()
			req.ElectionType = int8(how)
			req.TimeoutMillis = int32(timeout / time.Millisecond)
			for topic, ps := range batchByTopic(batch) {
				rt := kmsg.NewElectLeadersRequestTopic()
				rt.Topic, rt.Partitions = topic, ps
				req.Topics = append(req.Topics, rt)
			}
			return req
		},
		Response: func(_ *cluster.Broker, batch []driver.Attempt[TopicPartition], resp kmsg.Response) map[TopicPartition]driver.Answer[ElectionResult] {
			r := resp.(*kmsg.ElectLeadersResponse)
			out := make(map[TopicPartition]driver.Answer[ElectionResult], len(batch))
			answer := func(tp TopicPartition, err error) {
				v := ElectionResult{Partition: tp, Type: how, NotNeeded: errors.Is(err, kerr.ElectionNotNeeded)}
				out[tp] = driver.Answer[ElectionResult]{Value: v, Err: explainElection(tp, how, err)}
			}
			if err := kafkaerr.New(r.ErrorCode, nil); err != nil {
				for _, a := range batch {
					answer(a.Key, err)
				}
				return out
			}
			for _, t := range r.Topics {
				for _, p := range t.Partitions {
					answer(TopicPartition{t.Topic, p.Partition}, kafkaerr.New(p.ErrorCode, p.ErrorMessage))
				}
			}
			return out
		},
	}
}

// explainElection says what an election's refusal means and what to do.
func explainElection(tp TopicPartition, how ElectionType, err error) error {
	switch {
	case errors.Is(err, kerr.PreferredLeaderNotAvailable):
		return kafkaerr.With(kerr.PreferredLeaderNotAvailable, fmt.Sprintf("the preferred replica of %s is down or not in sync: elect again once it has caught up (ListTopics shows the in-sync replicas)", describeTP(tp)))
	case errors.Is(err, kerr.EligibleLeadersNotAvailable) && how == UncleanElection:
		return kafkaerr.With(kerr.EligibleLeadersNotAvailable, fmt.Sprintf("no replica of %s is alive to lead it: start one of its brokers", describeTP(tp)))
	case errors.Is(err, kerr.EligibleLeadersNotAvailable):
		return kafkaerr.With(kerr.EligibleLeadersNotAvailable, fmt.Sprintf("no replica of %s is eligible to lead it: start one of its in-sync brokers, or, accepting the loss of records, run an unclean election", describeTP(tp)))
	}
	return explainUnknownPartition(tp, err)
}
