package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	defaultMemberClientID = "kafkatest-member"
	defaultSessionTimeout = 2 * time.Minute

	// kfake's default bounds on a classic member's session timeout.
	minSessionTimeout = 6 * time.Second
	maxSessionTimeout = 5 * time.Minute

	consumerProtocolType = "consumer"
	rangeAssignor        = "range"

	// maxJoinAttempts bounds the JoinGroup round trips one JoinMember makes
	// (a MEMBER_ID_REQUIRED answer costs one).
	maxJoinAttempts = 5

	groupPollInterval = 20 * time.Millisecond
	groupStateStable  = "Stable"
)

// Member describes a classic consumer group member for JoinMember.
type Member struct {
	// Group is the group to join. Required.
	Group string
	// InstanceID is the member's group.instance.id: the member is static.
	// Required.
	InstanceID string
	// ClientID is the client id the member's requests carry,
	// "kafkatest-member" if empty.
	ClientID string
	// Topics are the topics the member subscribes to; it is assigned every
	// partition of each. They must exist.
	Topics []string
	// SessionTimeout is how long the member stays in the group without
	// heartbeats, 2 minutes if zero, clamped into kfake's default bounds of
	// 6 seconds to 5 minutes.
	SessionTimeout time.Duration
}

// JoinMember makes a silent member join a classic consumer group and returns
// its member id. The member joins as a static member with the "consumer"
// protocol and the "range" assignor, leads the group, assigns itself every
// partition of its topics and then sends nothing more, so it stays in the
// group until its session timeout expires or it is removed (for example with
// a LeaveGroup naming its instance id). JoinMember returns once kfake reports
// the group Stable with the member.
//
// The member must be alone in the group. It never rejoins, so if another
// member joins later, kfake's rebalance waits for it for its rebalance
// timeout, which JoinMember sets to the session timeout, and then drops it.
// Joining again with the same instance id replaces the member.
func (c *Cluster) JoinMember(ctx context.Context, m Member) (string, error) {
	m, err := m.normalized()
	if err != nil {
		return "", err
	}
	assignment, err := c.fullAssignment(m.Topics)
	if err != nil {
		return "", err
	}
	if err := c.checkAlone(m); err != nil {
		return "", err
	}
	if c.isClosed() {
		return "", errClosed
	}
	cl, err := kgo.NewClient(c.clientOptions(c.Addrs(), m.ClientID)...)
	if err != nil {
		return "", fmt.Errorf("kafkatest: creating the client of member %q: %w", m.InstanceID, err)
	}
	defer cl.Close()

	join, err := joinAsLeader(ctx, cl, m)
	if err != nil {
		return "", err
	}
	if err := syncAssignment(ctx, cl, m, join, assignment); err != nil {
		return "", err
	}
	if err := c.waitStableWith(ctx, m.Group, join.MemberID); err != nil {
		return "", err
	}
	return join.MemberID, nil
}

// normalized returns m with defaults filled in, or an error if a required
// field is missing.
func (m Member) normalized() (Member, error) {
	switch {
	case m.Group == "":
		return m, errors.New("kafkatest: JoinMember needs Member.Group")
	case m.InstanceID == "":
		return m, fmt.Errorf("kafkatest: JoinMember needs Member.InstanceID: the member of group %q is static", m.Group)
	}
	if m.ClientID == "" {
		m.ClientID = defaultMemberClientID
	}
	if m.SessionTimeout == 0 {
		m.SessionTimeout = defaultSessionTimeout
	}
	m.SessionTimeout = min(max(m.SessionTimeout, minSessionTimeout), maxSessionTimeout)
	m.Topics = slices.Clone(m.Topics)
	return m, nil
}

// fullAssignment returns an assignment of every partition of topics.
func (c *Cluster) fullAssignment(topics []string) ([]byte, error) {
	a := kmsg.NewConsumerMemberAssignment()
	for _, topic := range slices.Sorted(slices.Values(topics)) {
		var infos []*kfake.PartitionInfo
		if err := c.onLoop(func(kf *kfake.Cluster) { infos = kf.PartitionInfos(topic) }); err != nil {
			return nil, err
		}
		if len(infos) == 0 {
			return nil, fmt.Errorf("kafkatest: topic %q does not exist; create it before JoinMember subscribes to it", topic)
		}
		at := kmsg.NewConsumerMemberAssignmentTopic()
		at.Topic = topic
		for _, info := range infos {
			at.Partitions = append(at.Partitions, info.Partition)
		}
		a.Topics = append(a.Topics, at)
	}
	return a.AppendTo(nil), nil
}

// checkAlone fails if the group has members other than m's instance.
func (c *Cluster) checkAlone(m Member) error {
	var info *kfake.GroupInfo
	if err := c.onLoop(func(kf *kfake.Cluster) { info = kf.GroupInfo(m.Group) }); err != nil {
		return err
	}
	if info == nil {
		return nil
	}
	for _, gm := range info.Members {
		if gm.InstanceID == nil || *gm.InstanceID != m.InstanceID {
			return fmt.Errorf("kafkatest: group %q already has member %q; JoinMember's member must be alone in its group", m.Group, gm.MemberID)
		}
	}
	return nil
}

// joinAsLeader sends JoinGroup until the member is in the group and returns
// the response, which must name the member as the leader.
func joinAsLeader(ctx context.Context, cl *kgo.Client, m Member) (*kmsg.JoinGroupResponse, error) {
	req := joinRequest(m)
	for range maxJoinAttempts {
		kresp, err := cl.Request(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("kafkatest: joining group %q: %w", m.Group, err)
		}
		resp := kresp.(*kmsg.JoinGroupResponse)
		switch err := kerr.ErrorForCode(resp.ErrorCode); {
		case errors.Is(err, kerr.MemberIDRequired):
			req.MemberID = resp.MemberID
		case err != nil:
			return nil, fmt.Errorf("kafkatest: joining group %q as %q with session timeout %v: %w", m.Group, m.InstanceID, m.SessionTimeout, err)
		case resp.LeaderID != resp.MemberID:
			return nil, fmt.Errorf("kafkatest: member %q joined group %q but %q leads it; JoinMember's member must be alone in its group", resp.MemberID, m.Group, resp.LeaderID)
		default:
			return resp, nil
		}
	}
	return nil, fmt.Errorf("kafkatest: joining group %q: still not in the group after %d JoinGroup requests", m.Group, maxJoinAttempts)
}

func joinRequest(m Member) *kmsg.JoinGroupRequest {
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Topics = m.Topics

	protocol := kmsg.NewJoinGroupRequestProtocol()
	protocol.Name = rangeAssignor
	protocol.Metadata = meta.AppendTo(nil)

	timeout := int32(m.SessionTimeout.Milliseconds())
	req := kmsg.NewPtrJoinGroupRequest()
	req.Group = m.Group
	req.SessionTimeoutMillis = timeout
	req.RebalanceTimeoutMillis = timeout
	req.InstanceID = kmsg.StringPtr(m.InstanceID)
	req.ProtocolType = consumerProtocolType
	req.Protocols = []kmsg.JoinGroupRequestProtocol{protocol}
	return req
}

// syncAssignment sends the leader's SyncGroup, assigning the member
// assignment.
func syncAssignment(ctx context.Context, cl *kgo.Client, m Member, join *kmsg.JoinGroupResponse, assignment []byte) error {
	a := kmsg.NewSyncGroupRequestGroupAssignment()
	a.MemberID = join.MemberID
	a.MemberAssignment = assignment

	req := kmsg.NewPtrSyncGroupRequest()
	req.Group = m.Group
	req.Generation = join.Generation
	req.MemberID = join.MemberID
	req.InstanceID = kmsg.StringPtr(m.InstanceID)
	req.ProtocolType = kmsg.StringPtr(consumerProtocolType)
	req.Protocol = kmsg.StringPtr(rangeAssignor)
	req.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{a}

	kresp, err := cl.Request(ctx, req)
	if err != nil {
		return fmt.Errorf("kafkatest: syncing group %q: %w", m.Group, err)
	}
	if err := kerr.ErrorForCode(kresp.(*kmsg.SyncGroupResponse).ErrorCode); err != nil {
		return fmt.Errorf("kafkatest: syncing group %q as %q: %w", m.Group, m.InstanceID, err)
	}
	return nil
}

// waitStableWith waits until kfake reports the group Stable with the member.
func (c *Cluster) waitStableWith(ctx context.Context, group, memberID string) error {
	ticker := time.NewTicker(groupPollInterval)
	defer ticker.Stop()
	for {
		var info *kfake.GroupInfo
		if err := c.onLoop(func(kf *kfake.Cluster) { info = kf.GroupInfo(group) }); err != nil {
			return err
		}
		if stableWith(info, memberID) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafkatest: waiting for group %q to be stable with member %q: %w", group, memberID, ctx.Err())
		case <-ticker.C:
		}
	}
}

func stableWith(info *kfake.GroupInfo, memberID string) bool {
	return info != nil && info.State == groupStateStable &&
		slices.ContainsFunc(info.Members, func(m kfake.GroupMember) bool { return m.MemberID == memberID })
}
