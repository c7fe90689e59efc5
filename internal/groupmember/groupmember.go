// Package groupmember joins a silent, static member to a classic consumer
// group: the member leads the group, assigns itself every partition it was
// given, and sends nothing more, so it stays until its session times out or
// it is removed. Test clusters (kafkatest, realkafka) use it to put a group
// with a member in place without running a consumer.
package groupmember

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	consumerProtocolType = "consumer"
	rangeAssignor        = "range"

	// maxJoinAttempts bounds the JoinGroup round trips one Join makes (a
	// MEMBER_ID_REQUIRED answer costs one).
	maxJoinAttempts = 5
)

// Spec is the member to join.
type Spec struct {
	Group      string
	InstanceID string
	// Topics are the topics subscribed to.
	Topics []string
	// SessionTimeout is both the session and the rebalance timeout.
	SessionTimeout time.Duration
}

// Assignment encodes a consumer assignment of the given partitions.
func Assignment(partitions map[string][]int32) []byte {
	a := kmsg.NewConsumerMemberAssignment()
	for _, topic := range slices.Sorted(maps.Keys(partitions)) {
		at := kmsg.NewConsumerMemberAssignmentTopic()
		at.Topic = topic
		at.Partitions = slices.Sorted(slices.Values(partitions[topic]))
		a.Topics = append(a.Topics, at)
	}
	return a.AppendTo(nil)
}

// Join joins the member through cl, which routes group requests to the
// group's coordinator, syncs assignment as the group's leader, and returns
// the member id. The member must be alone in the group: Join fails if
// another member leads it.
func Join(ctx context.Context, cl *kgo.Client, s Spec, assignment []byte) (string, error) {
	join, err := joinAsLeader(ctx, cl, s)
	if err != nil {
		return "", err
	}
	if err := syncAssignment(ctx, cl, s, join, assignment); err != nil {
		return "", err
	}
	return join.MemberID, nil
}

// joinAsLeader sends JoinGroup until the member is in the group and returns
// the response, which must name the member as the leader.
func joinAsLeader(ctx context.Context, cl *kgo.Client, s Spec) (*kmsg.JoinGroupResponse, error) {
	req := joinRequest(s)
	for range maxJoinAttempts {
		kresp, err := cl.Request(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("joining group %q: %w", s.Group, err)
		}
		resp := kresp.(*kmsg.JoinGroupResponse)
		switch err := kerr.ErrorForCode(resp.ErrorCode); {
		case errors.Is(err, kerr.MemberIDRequired):
			req.MemberID = resp.MemberID
		case err != nil:
			return nil, fmt.Errorf("joining group %q as %q with session timeout %v: %w", s.Group, s.InstanceID, s.SessionTimeout, err)
		case resp.LeaderID != resp.MemberID:
			return nil, fmt.Errorf("member %q joined group %q but %q leads it; the member must be alone in its group", resp.MemberID, s.Group, resp.LeaderID)
		default:
			return resp, nil
		}
	}
	return nil, fmt.Errorf("joining group %q: still not in the group after %d JoinGroup requests", s.Group, maxJoinAttempts)
}

func joinRequest(s Spec) *kmsg.JoinGroupRequest {
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Topics = s.Topics

	protocol := kmsg.NewJoinGroupRequestProtocol()
	protocol.Name = rangeAssignor
	protocol.Metadata = meta.AppendTo(nil)

	timeout := int32(s.SessionTimeout.Milliseconds())
	req := kmsg.NewPtrJoinGroupRequest()
	req.Group = s.Group
	req.SessionTimeoutMillis = timeout
	req.RebalanceTimeoutMillis = timeout
	req.InstanceID = kmsg.StringPtr(s.InstanceID)
	req.ProtocolType = consumerProtocolType
	req.Protocols = []kmsg.JoinGroupRequestProtocol{protocol}
	return req
}

// syncAssignment sends the leader's SyncGroup, assigning the member
// assignment.
func syncAssignment(ctx context.Context, cl *kgo.Client, s Spec, join *kmsg.JoinGroupResponse, assignment []byte) error {
	a := kmsg.NewSyncGroupRequestGroupAssignment()
	a.MemberID = join.MemberID
	a.MemberAssignment = assignment

	req := kmsg.NewPtrSyncGroupRequest()
	req.Group = s.Group
	req.Generation = join.Generation
	req.MemberID = join.MemberID
	req.InstanceID = kmsg.StringPtr(s.InstanceID)
	req.ProtocolType = kmsg.StringPtr(consumerProtocolType)
	req.Protocol = kmsg.StringPtr(rangeAssignor)
	req.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{a}

	kresp, err := cl.Request(ctx, req)
	if err != nil {
		return fmt.Errorf("syncing group %q: %w", s.Group, err)
	}
	if err := kerr.ErrorForCode(kresp.(*kmsg.SyncGroupResponse).ErrorCode); err != nil {
		return fmt.Errorf("syncing group %q as %q: %w", s.Group, s.InstanceID, err)
	}
	return nil
}
