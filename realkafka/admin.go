package realkafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
)

const (
	// offsetsTopic is where group coordinators keep groups; a group's
	// coordinator is the leader of one of its partitions.
	offsetsTopic = "__consumer_offsets"
	// attemptTimeout bounds one control request: a paused broker never
	// answers, and the next attempt goes to another.
	attemptTimeout = 3 * time.Second
	pollInterval   = 100 * time.Millisecond
)

// liveBrokers returns the brokers whose JVM runs and is not paused, in id
// order.
func (c *Cluster) liveBrokers() []*node {
	var live []*node
	for _, n := range c.brokers() {
		if p := n.process(); p != nil && !p.exited() && !p.isPaused() {
			live = append(live, n)
		}
	}
	return live
}

// request sends req to a live broker on its internal listener, trying the
// live brokers in turn until one answers or ctx ends. Brokers forward
// controller requests to the active controller.
func (c *Cluster) request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	if c.isClosed() {
		return nil, errClosed
	}
	var last error
	for i := 0; ; i++ {
		live := c.liveBrokers()
		if len(live) == 0 {
			last = errors.New("no broker is running")
		} else {
			n := live[i%len(live)]
			actx, cancel := context.WithTimeout(ctx, attemptTimeout)
			resp, err := c.ctl.Broker(int(n.id)).Request(actx, req)
			cancel()
			if err == nil {
				return resp, nil
			}
			last = fmt.Errorf("broker %d: %w", n.id, err)
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return nil, fmt.Errorf("realkafka: %s request: %w (last attempt: %w)", kmsg.NameForKey(req.Key()), err, last)
		}
	}
}

// metadata returns a live broker's metadata for topics (every topic for
// none).
func (c *Cluster) metadata(ctx context.Context, topics ...string) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	if len(topics) > 0 {
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
	} else {
		req.Topics = nil
	}
	resp, err := c.request(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*kmsg.MetadataResponse), nil
}

// OffsetsPartition returns the partition of __consumer_offsets that holds a
// group, whose leader is the group's coordinator: Java's String.hashCode of
// the group id, made non-negative as Kafka's Utils.abs does, modulo the
// topic's partition count.
func (c *Cluster) OffsetsPartition(group string) int32 {
	n := int32(3)
	if v, ok := c.cfg.overrides["offsets.topic.num.partitions"]; ok {
		if p, err := strconv.Atoi(v); err == nil && p > 0 {
			n = int32(p)
		}
	}
	return cluster.GroupPartition(group, int(n))
}

// Coordinator returns the node id of a group's coordinator, as
// FindCoordinator answers it, waiting while the cluster answers that it is
// not available yet.
func (c *Cluster) Coordinator(ctx context.Context, group string) (int32, error) {
	for {
		req := kmsg.NewPtrFindCoordinatorRequest()
		req.CoordinatorKey = group
		req.CoordinatorKeys = []string{group}
		resp, err := c.request(ctx, req)
		if err != nil {
			return -1, err
		}
		r := resp.(*kmsg.FindCoordinatorResponse)
		code, node := r.ErrorCode, r.NodeID
		if len(r.Coordinators) > 0 {
			code, node = r.Coordinators[0].ErrorCode, r.Coordinators[0].NodeID
		}
		err = kerr.ErrorForCode(code)
		if err == nil {
			return node, nil
		}
		if !kerr.IsRetriable(err) {
			return -1, fmt.Errorf("realkafka: finding group %q's coordinator: %w", group, err)
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return -1, fmt.Errorf("realkafka: finding group %q's coordinator: %w (last answer: %w)", group, err, kerr.ErrorForCode(code))
		}
	}
}

// partitionState is a partition as metadata describes it.
type partitionState struct {
	leader   int32
	epoch    int32
	replicas []int32
	isr      []int32
}

// partitions returns the state of every partition of topic.
func (c *Cluster) partitions(ctx context.Context, topic string) ([]partitionState, error) {
	md, err := c.metadata(ctx, topic)
	if err != nil {
		return nil, err
	}
	for _, t := range md.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return nil, fmt.Errorf("realkafka: topic %q: %w", topic, err)
		}
		out := make([]partitionState, len(t.Partitions))
		for _, p := range t.Partitions {
			if int(p.Partition) < len(out) {
				out[p.Partition] = partitionState{leader: p.Leader, epoch: p.LeaderEpoch, replicas: p.Replicas, isr: p.ISR}
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("realkafka: topic %q is missing from metadata", topic)
}

// Leader returns the node id of a partition's leader, -1 while it has none.
func (c *Cluster) Leader(ctx context.Context, topic string, partition int32) (int32, error) {
	ps, err := c.partitions(ctx, topic)
	if err != nil {
		return -1, err
	}
	if partition < 0 || int(partition) >= len(ps) {
		return -1, fmt.Errorf("realkafka: topic %q has no partition %d (it has %d)", topic, partition, len(ps))
	}
	return ps[partition].leader, nil
}

// ActiveController returns the node id of the controller quorum's leader.
func (c *Cluster) ActiveController(ctx context.Context) (int32, error) {
	for {
		req := kmsg.NewPtrDescribeQuorumRequest()
		rt := kmsg.NewDescribeQuorumRequestTopic()
		rt.Topic = "__cluster_metadata"
		rp := kmsg.NewDescribeQuorumRequestTopicPartition()
		rt.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{rp}
		req.Topics = []kmsg.DescribeQuorumRequestTopic{rt}
		resp, err := c.request(ctx, req)
		if err != nil {
			return -1, err
		}
		r := resp.(*kmsg.DescribeQuorumResponse)
		code := r.ErrorCode
		if code == 0 && len(r.Topics) == 1 && len(r.Topics[0].Partitions) == 1 {
			p := r.Topics[0].Partitions[0]
			if code = p.ErrorCode; code == 0 && p.LeaderID >= 0 {
				return p.LeaderID, nil
			}
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return -1, fmt.Errorf("realkafka: finding the active controller: %w (last answer: %v)", err, kerr.ErrorForCode(code))
		}
	}
}

// MoveLeader makes node to the leader of a partition: it reorders the
// partition's replicas to put to first (a reassignment that moves no data)
// and runs a preferred leader election, then waits until metadata names
// the new leader. to must be an in-sync replica.
func (c *Cluster) MoveLeader(ctx context.Context, topic string, partition, to int32) error {
	ps, err := c.partitions(ctx, topic)
	if err != nil {
		return err
	}
	if partition < 0 || int(partition) >= len(ps) {
		return fmt.Errorf("realkafka: topic %q has no partition %d (it has %d)", topic, partition, len(ps))
	}
	p := ps[partition]
	if p.leader == to {
		return nil
	}
	if !slices.Contains(p.isr, to) {
		return fmt.Errorf("realkafka: cannot move %s/%d's leadership to node %d: it is not an in-sync replica (replicas %v, in sync %v)", topic, partition, to, p.replicas, p.isr)
	}
	order := append([]int32{to}, slices.DeleteFunc(slices.Clone(p.replicas), func(id int32) bool { return id == to })...)
	if err := c.reassign(ctx, topic, partition, order); err != nil {
		return err
	}
	for {
		if err := c.electPreferred(ctx, topic, partition); err != nil {
			return err
		}
		leader, err := c.Leader(ctx, topic, partition)
		if err != nil {
			return err
		}
		if leader == to {
			return nil
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return fmt.Errorf("realkafka: moving %s/%d's leadership to node %d: still led by %d: %w", topic, partition, to, leader, err)
		}
	}
}

// reassign sets a partition's replicas, in order, and waits until metadata
// shows them.
func (c *Cluster) reassign(ctx context.Context, topic string, partition int32, replicas []int32) error {
	req := kmsg.NewPtrAlterPartitionAssignmentsRequest()
	req.TimeoutMillis = int32(attemptTimeout.Milliseconds())
	rt := kmsg.NewAlterPartitionAssignmentsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewAlterPartitionAssignmentsRequestTopicPartition()
	rp.Partition = partition
	rp.Replicas = replicas
	rt.Partitions = []kmsg.AlterPartitionAssignmentsRequestTopicPartition{rp}
	req.Topics = []kmsg.AlterPartitionAssignmentsRequestTopic{rt}
	for {
		resp, err := c.request(ctx, req)
		if err != nil {
			return err
		}
		r := resp.(*kmsg.AlterPartitionAssignmentsResponse)
		err = kerr.ErrorForCode(r.ErrorCode)
		for _, t := range r.Topics {
			for _, p := range t.Partitions {
				err = errors.Join(err, kerr.ErrorForCode(p.ErrorCode))
			}
		}
		if err == nil {
			break
		}
		if !retriable(err) {
			return fmt.Errorf("realkafka: reassigning %s/%d to %v: %w", topic, partition, replicas, err)
		}
		if serr := sleepCtx(ctx, pollInterval); serr != nil {
			return fmt.Errorf("realkafka: reassigning %s/%d to %v: %w (last answer: %w)", topic, partition, replicas, serr, err)
		}
	}
	for {
		ps, err := c.partitions(ctx, topic)
		if err != nil {
			return err
		}
		if int(partition) < len(ps) && slices.Equal(ps[partition].replicas, replicas) {
			return nil
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return fmt.Errorf("realkafka: waiting for %s/%d's replicas to read %v: %w", topic, partition, replicas, err)
		}
	}
}

// electPreferred runs a preferred leader election for one partition. A
// partition already led by its preferred replica is not an error.
func (c *Cluster) electPreferred(ctx context.Context, topic string, partition int32) error {
	req := kmsg.NewPtrElectLeadersRequest()
	req.ElectionType = 0 // preferred
	req.TimeoutMillis = int32(attemptTimeout.Milliseconds())
	rt := kmsg.NewElectLeadersRequestTopic()
	rt.Topic = topic
	rt.Partitions = []int32{partition}
	req.Topics = []kmsg.ElectLeadersRequestTopic{rt}
	resp, err := c.request(ctx, req)
	if err != nil {
		return err
	}
	r := resp.(*kmsg.ElectLeadersResponse)
	err = kerr.ErrorForCode(r.ErrorCode)
	for _, t := range r.Topics {
		for _, p := range t.Partitions {
			if perr := kerr.ErrorForCode(p.ErrorCode); perr != nil && !errors.Is(perr, kerr.ElectionNotNeeded) {
				err = errors.Join(err, perr)
			}
		}
	}
	if err != nil && !retriable(err) {
		return fmt.Errorf("realkafka: electing %s/%d's preferred leader: %w", topic, partition, err)
	}
	return nil
}

// retriable reports whether an answer may change by itself: a leader or
// controller that is moving, a reassignment in progress.
func retriable(err error) bool {
	return kerr.IsRetriable(err) || errors.Is(err, kerr.NotController) || errors.Is(err, kerr.PreferredLeaderNotAvailable) ||
		errors.Is(err, kerr.EligibleLeadersNotAvailable) || errors.Is(err, kerr.ReassignmentInProgress)
}

// MoveCoordinator makes node to the coordinator of a group by moving the
// leadership of its __consumer_offsets partition, and waits until
// FindCoordinator names it. Every group of that partition moves with it.
// The old coordinator answers NOT_COORDINATOR; the new one
// COORDINATOR_LOAD_IN_PROGRESS until it has loaded the partition.
func (c *Cluster) MoveCoordinator(ctx context.Context, group string, to int32) error {
	if err := c.MoveLeader(ctx, offsetsTopic, c.OffsetsPartition(group), to); err != nil {
		return err
	}
	for {
		coord, err := c.Coordinator(ctx, group)
		if err != nil {
			return err
		}
		if coord == to {
			return nil
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return fmt.Errorf("realkafka: group %q's coordinator is still node %d, not %d: %w", group, coord, to, err)
		}
	}
}

// WaitHealthy waits until the cluster is whole: every node's JVM runs and
// none is paused, metadata lists every broker, every partition of every
// topic has a leader and all its replicas in sync, and every broker's
// proxy serves. A test that shares a cluster between scenarios waits for
// this between them.
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	for {
		why, err := c.unhealthy(ctx)
		if err != nil {
			return err
		}
		if why == "" {
			return nil
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return fmt.Errorf("realkafka: waiting for the cluster to be whole: %w; %s", err, why)
		}
	}
}

// unhealthy says what keeps the cluster from being whole, "" if nothing.
func (c *Cluster) unhealthy(ctx context.Context) (string, error) {
	for _, n := range c.nodes {
		p := n.process()
		switch {
		case p == nil || p.exited():
			return fmt.Sprintf("node %d is down", n.id), nil
		case p.isPaused():
			return fmt.Sprintf("node %d is paused", n.id), nil
		}
	}
	md, err := c.metadata(ctx)
	if err != nil {
		return "", err
	}
	return c.metadataGaps(md, c.BrokerIDs()), nil
}

// metadataGaps says which of want metadata does not list, which partition
// lacks a leader or an in-sync replica, and which proxy does not serve;
// "" if none.
func (c *Cluster) metadataGaps(md *kmsg.MetadataResponse, want []int32) string {
	listed := map[int32]bool{}
	for _, b := range md.Brokers {
		listed[b.NodeID] = true
	}
	for _, id := range want {
		if !listed[id] {
			return fmt.Sprintf("metadata does not list broker %d", id)
		}
		for l, px := range c.byID[id].proxies {
			if up, _ := px.ln.Running(); !up {
				return fmt.Sprintf("broker %d's %s proxy does not serve yet", id, l)
			}
		}
	}
	for _, t := range md.Topics {
		for _, p := range t.Partitions {
			if p.Leader < 0 || len(p.ISR) < len(p.Replicas) {
				return fmt.Sprintf("%s/%d has leader %d and in-sync replicas %v of %v", deref(t.Topic), p.Partition, p.Leader, p.ISR, p.Replicas)
			}
		}
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// waitServing waits until every node of nodes runs and the cluster serves:
// the brokers are listed, the consumer offsets topic exists and is whole,
// and their proxies serve. A JVM that exits meanwhile fails the wait with
// its log's tail.
func (c *Cluster) waitServing(ctx context.Context, nodes []*node) error {
	var want []int32
	for _, n := range nodes {
		if n.broker {
			want = append(want, n.id)
		}
	}
	why := "no answer yet"
	for {
		for _, n := range nodes {
			if p := n.process(); p == nil {
				return fmt.Errorf("realkafka: node %d was never started", n.id)
			} else if p.exited() {
				return c.exitedError(n, p)
			}
		}
		if w, err := c.servingGaps(ctx, want); err == nil {
			if w == "" {
				return nil
			}
			why = w
		} else {
			why = err.Error()
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			var tails []string
			for _, n := range nodes {
				tails = append(tails, fmt.Sprintf("node %d (%s):\n%s", n.id, n.logPath(), c.LogTail(n.id, 15)))
			}
			return fmt.Errorf("realkafka: the cluster did not serve within %v: %s; the end of each log:\n%s", c.cfg.startTimeout, why, strings.Join(tails, "\n"))
		}
	}
}

func (c *Cluster) servingGaps(ctx context.Context, want []int32) (string, error) {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	// FindCoordinator creates the consumer offsets topic on first use.
	if _, err := c.Coordinator(actx, "realkafka"); err != nil {
		return "", err
	}
	md, err := c.metadata(actx, offsetsTopic)
	if err != nil {
		return "", err
	}
	if len(md.Topics) != 1 || len(md.Topics[0].Partitions) == 0 {
		return offsetsTopic + " does not exist yet", nil
	}
	return c.metadataGaps(md, want), nil
}
