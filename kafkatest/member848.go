package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	defaultConsumerClientID = "kafkatest-consumer"
	defaultServerAssignor   = "uniform"

	// consumerRebalanceTimeout is how long the coordinator waits for a
	// member to give up partitions it must revoke.
	consumerRebalanceTimeout = time.Minute
	// maxConsumerHeartbeatInterval caps the coordinator's heartbeat
	// interval (5 s in kfake, as in Kafka), so that members answer a
	// rebalance, and a member joining the same group, quickly.
	maxConsumerHeartbeatInterval = 250 * time.Millisecond
	// consumerRequestTimeout bounds one heartbeat, retries included, so
	// that a broker that is down delays the next one rather than blocking
	// the member.
	consumerRequestTimeout = 5 * time.Second
)

// ConsumerMember describes a KIP-848 consumer group member for
// JoinConsumerMember.
type ConsumerMember struct {
	// Group is the group to join. Required. A group that does not exist is
	// created as a consumer group; a classic group with members refuses the
	// member.
	Group string
	// InstanceID is the member's group.instance.id, making it static; ""
	// for a dynamic member.
	InstanceID string
	// ClientID is the client id the member's requests carry,
	// "kafkatest-consumer" if empty.
	ClientID string
	// Topics are the topic names the member subscribes to. A member needs
	// Topics or Regex.
	Topics []string
	// Regex is a regular expression (RE2/J syntax) of topics the member
	// subscribes to as well.
	Regex string
	// RackID is the member's client.rack, none if empty.
	RackID string
	// Assignor is the server-side assignor the member asks for: "uniform"
	// (the default) or "range".
	Assignor string
}

// JoinConsumerMember makes a member join a KIP-848 consumer group with
// ConsumerGroupHeartbeat and returns its member id once the member holds
// its target assignment (the group's assignment epoch, all its target
// partitions). From then on a goroutine of the cluster heartbeats for the
// member, acknowledging whatever the coordinator assigns or revokes, so the
// member stays in the group, with the same member id, until
// LeaveConsumerMember or Close. The member only heartbeats: it fetches
// nothing and commits nothing.
//
// Faults reach the member like any client: a heartbeat that fails is sent
// again later, and a member the coordinator fenced joins again with its
// member id. A broker kept down for longer than the group's session
// timeout (45 s) makes the coordinator drop the member.
func (c *Cluster) JoinConsumerMember(ctx context.Context, m ConsumerMember) (string, error) {
	m, err := m.normalized()
	if err != nil {
		return "", err
	}
	if c.isClosed() {
		return "", errClosed
	}
	cl, err := kgo.NewClient(c.clientOptions(c.Addrs(), m.ClientID)...)
	if err != nil {
		return "", fmt.Errorf("kafkatest: creating the client of a member of group %q: %w", m.Group, err)
	}
	cm := &consumerMember{cfg: m, cl: cl, id: newMemberID(), interval: maxConsumerHeartbeatInterval, closed: c.isClosed}
	if err := cm.joinUntilAssigned(ctx); err != nil {
		cl.Close()
		return "", err
	}
	if !c.consumers.add(cm) {
		cl.Close()
		return "", errClosed
	}
	return cm.id, nil
}

// LeaveConsumerMember stops the heartbeats of a member that
// JoinConsumerMember put in group and makes it leave the group, as a
// consumer that closes does (a static member leaves for good too).
func (c *Cluster) LeaveConsumerMember(ctx context.Context, group, memberID string) error {
	cm := c.consumers.remove(group, memberID)
	if cm == nil {
		return fmt.Errorf("kafkatest: group %q has no member %q of JoinConsumerMember's (or it left already)", group, memberID)
	}
	cm.stop()
	defer cm.cl.Close()
	req := cm.request()
	req.MemberEpoch = -1
	resp, err := req.RequestWith(ctx, cm.cl)
	if err != nil {
		return fmt.Errorf("kafkatest: member %q leaving group %q: %w", memberID, group, err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return fmt.Errorf("kafkatest: member %q leaving group %q: %w", memberID, group, err)
	}
	return nil
}

func (m ConsumerMember) normalized() (ConsumerMember, error) {
	switch {
	case m.Group == "":
		return m, errors.New("kafkatest: JoinConsumerMember needs ConsumerMember.Group")
	case len(m.Topics) == 0 && m.Regex == "":
		return m, fmt.Errorf("kafkatest: JoinConsumerMember needs ConsumerMember.Topics or Regex: the member of group %q subscribes to nothing", m.Group)
	}
	if m.ClientID == "" {
		m.ClientID = defaultConsumerClientID
	}
	if m.Assignor == "" {
		m.Assignor = defaultServerAssignor
	}
	m.Topics = slices.Clone(m.Topics)
	return m, nil
}

// newMemberID returns a random member id, as KIP-848 clients generate
// their own.
func newMemberID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// consumerMember is one KIP-848 member and its heartbeat state.
type consumerMember struct {
	cfg    ConsumerMember
	cl     *kgo.Client
	id     string
	closed func() bool // reports that the cluster closed

	// Owned by the joining caller, then by the heartbeat goroutine.
	epoch    int32
	owned    []kmsg.ConsumerGroupHeartbeatRequestTopic
	interval time.Duration
	changed  bool // the last answer changed the assignment: acknowledge it soon

	cancel context.CancelFunc
	done   chan struct{}
}

// request returns a full heartbeat: subscription, assignor and owned
// partitions.
func (cm *consumerMember) request() *kmsg.ConsumerGroupHeartbeatRequest {
	req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	req.Group = cm.cfg.Group
	req.MemberID = cm.id
	req.MemberEpoch = cm.epoch
	if cm.cfg.InstanceID != "" {
		req.InstanceID = kmsg.StringPtr(cm.cfg.InstanceID)
	}
	if cm.cfg.RackID != "" {
		req.RackID = kmsg.StringPtr(cm.cfg.RackID)
	}
	req.RebalanceTimeoutMillis = int32(consumerRebalanceTimeout.Milliseconds())
	req.SubscribedTopicNames = append([]string{}, cm.cfg.Topics...)
	if cm.cfg.Regex != "" {
		req.SubscribedTopicRegex = kmsg.StringPtr(cm.cfg.Regex)
	}
	req.ServerAssignor = kmsg.StringPtr(cm.cfg.Assignor)
	req.Topics = append([]kmsg.ConsumerGroupHeartbeatRequestTopic{}, cm.owned...)
	return req
}

// heartbeat sends one heartbeat and takes in the answer. A member the
// coordinator no longer knows, or fenced, gives up its partitions and joins
// again at epoch 0 on the next heartbeat.
func (cm *consumerMember) heartbeat(ctx context.Context) error {
	resp, err := cm.request().RequestWith(ctx, cm.cl)
	if err != nil {
		return fmt.Errorf("kafkatest: heartbeat of member %q of group %q: %w", cm.id, cm.cfg.Group, err)
	}
	switch err := kerr.ErrorForCode(resp.ErrorCode); {
	case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.FencedMemberEpoch):
		cm.epoch, cm.owned, cm.changed = 0, nil, true
		return fmt.Errorf("kafkatest: member %q of group %q was dropped and joins again: %w", cm.id, cm.cfg.Group, err)
	case err != nil:
		msg := ""
		if resp.ErrorMessage != nil {
			msg = ": " + *resp.ErrorMessage
		}
		return fmt.Errorf("kafkatest: heartbeat of member %q of group %q at epoch %d: %w%s", cm.id, cm.cfg.Group, cm.epoch, err, msg)
	}
	cm.changed = resp.MemberEpoch != cm.epoch || resp.Assignment != nil && !sameOwned(cm.owned, resp.Assignment.Topics)
	cm.epoch = resp.MemberEpoch
	if resp.Assignment != nil {
		cm.owned = cm.owned[:0]
		for _, t := range resp.Assignment.Topics {
			rt := kmsg.NewConsumerGroupHeartbeatRequestTopic()
			rt.TopicID = t.TopicID
			rt.Partitions = slices.Clone(t.Partitions)
			cm.owned = append(cm.owned, rt)
		}
	}
	if d := time.Duration(resp.HeartbeatIntervalMillis) * time.Millisecond; d > 0 {
		cm.interval = min(d, maxConsumerHeartbeatInterval)
	}
	return nil
}

func sameOwned(owned []kmsg.ConsumerGroupHeartbeatRequestTopic, assigned []kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic) bool {
	toMap := func(n int, at func(int) ([16]byte, []int32)) map[[16]byte][]int32 {
		m := make(map[[16]byte][]int32, n)
		for i := range n {
			id, ps := at(i)
			m[id] = slices.Sorted(slices.Values(ps))
		}
		return m
	}
	a := toMap(len(owned), func(i int) ([16]byte, []int32) { return owned[i].TopicID, owned[i].Partitions })
	b := toMap(len(assigned), func(i int) ([16]byte, []int32) { return assigned[i].TopicID, assigned[i].Partitions })
	return maps.EqualFunc(a, b, slices.Equal)
}

// joinUntilAssigned heartbeats until the coordinator reports the member at
// the group's assignment epoch with all its target partitions.
func (cm *consumerMember) joinUntilAssigned(ctx context.Context) error {
	ticker := time.NewTicker(groupPollInterval)
	defer ticker.Stop()
	var last error
	for {
		if err := cm.heartbeat(ctx); err != nil {
			if ctx.Err() != nil || refused(err) {
				return err
			}
			last = err
		} else if done, err := cm.assigned(ctx); err != nil {
			last = err
		} else if done {
			return nil
		}
		if cm.closed() {
			return errClosed
		}
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			return fmt.Errorf("kafkatest: member %q joining consumer group %q: not assigned its target partitions before the context ended: %w", cm.id, cm.cfg.Group, last)
		case <-ticker.C:
		}
	}
}

// refused reports whether the coordinator refused a heartbeat for good,
// e.g. GROUP_ID_NOT_FOUND for a classic group with members.
func refused(err error) bool {
	var ke *kerr.Error
	return errors.As(err, &ke) && !ke.Retriable && ke != kerr.UnknownMemberID && ke != kerr.FencedMemberEpoch
}

// assigned reports whether ConsumerGroupDescribe shows the member at the
// group's assignment epoch, holding its target assignment.
func (cm *consumerMember) assigned(ctx context.Context) (bool, error) {
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = []string{cm.cfg.Group}
	resp, err := req.RequestWith(ctx, cm.cl)
	if err != nil {
		return false, fmt.Errorf("kafkatest: describing consumer group %q: %w", cm.cfg.Group, err)
	}
	for _, g := range resp.Groups {
		if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
			return false, fmt.Errorf("kafkatest: describing consumer group %q: %w", cm.cfg.Group, err)
		}
		for _, m := range g.Members {
			if m.MemberID == cm.id {
				return m.MemberEpoch == g.AssignmentEpoch && m.MemberEpoch == cm.epoch &&
					sameAssignment(m.Assignment, m.TargetAssignment), nil
			}
		}
	}
	return false, nil
}

func sameAssignment(a, b kmsg.Assignment) bool {
	toMap := func(a kmsg.Assignment) map[[16]byte][]int32 {
		m := make(map[[16]byte][]int32, len(a.TopicPartitions))
		for _, tp := range a.TopicPartitions {
			m[tp.TopicID] = slices.Sorted(slices.Values(tp.Partitions))
		}
		return m
	}
	return maps.EqualFunc(toMap(a), toMap(b), slices.Equal)
}

// start runs the member's heartbeats until stop.
func (cm *consumerMember) start() {
	ctx, cancel := context.WithCancel(context.Background())
	cm.cancel, cm.done = cancel, make(chan struct{})
	go func() {
		defer close(cm.done)
		timer := time.NewTimer(cm.interval)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			hctx, hcancel := context.WithTimeout(ctx, consumerRequestTimeout)
			err := cm.heartbeat(hctx)
			hcancel()
			next := cm.interval
			if err != nil || cm.changed {
				next = groupPollInterval
			}
			timer.Reset(next)
		}
	}()
}

// stop ends the member's heartbeats and waits for the last one to return.
func (cm *consumerMember) stop() {
	cm.cancel()
	<-cm.done
}

// consumerMembers are the members JoinConsumerMember added, which the
// cluster heartbeats for until they leave or the cluster closes.
type consumerMembers struct {
	mu      sync.Mutex
	members map[[2]string]*consumerMember // by group and member id
	stopped bool
}

// add starts the member's heartbeats, unless the cluster has closed.
func (cs *consumerMembers) add(cm *consumerMember) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.stopped {
		return false
	}
	if cs.members == nil {
		cs.members = make(map[[2]string]*consumerMember)
	}
	cs.members[[2]string{cm.cfg.Group, cm.id}] = cm
	cm.start()
	return true
}

func (cs *consumerMembers) remove(group, memberID string) *consumerMember {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	key := [2]string{group, memberID}
	cm := cs.members[key]
	delete(cs.members, key)
	return cm
}

// stopAll stops every member's heartbeats and closes its client, without
// leaving the group: the cluster is closing.
func (cs *consumerMembers) stopAll() {
	cs.mu.Lock()
	cs.stopped = true
	members := slices.Collect(maps.Values(cs.members))
	cs.members = nil
	cs.mu.Unlock()
	for _, cm := range members {
		cm.stop()
		cm.cl.Close()
	}
}
