package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafadmin/kafadmin/internal/groupmember"
)

const (
	defaultMemberClientID = "kafkatest-member"
	defaultSessionTimeout = 2 * time.Minute

	// kfake's default bounds on a classic member's session timeout.
	minSessionTimeout = 6 * time.Second
	maxSessionTimeout = 5 * time.Minute

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

	memberID, err := groupmember.Join(ctx, cl, groupmember.Spec{Group: m.Group, InstanceID: m.InstanceID, Topics: m.Topics, SessionTimeout: m.SessionTimeout}, assignment)
	if err != nil {
		return "", fmt.Errorf("kafkatest: %w", err)
	}
	if err := c.waitStableWith(ctx, m.Group, memberID); err != nil {
		return "", err
	}
	return memberID, nil
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
	partitions := make(map[string][]int32, len(topics))
	for _, topic := range topics {
		var infos []*kfake.PartitionInfo
		if err := c.onLoop(func(kf *kfake.Cluster) { infos = kf.PartitionInfos(topic) }); err != nil {
			return nil, err
		}
		if len(infos) == 0 {
			return nil, fmt.Errorf("kafkatest: topic %q does not exist; create it before JoinMember subscribes to it", topic)
		}
		for _, info := range infos {
			partitions[topic] = append(partitions[topic], info.Partition)
		}
	}
	return groupmember.Assignment(partitions), nil
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
