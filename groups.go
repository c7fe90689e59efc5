package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// Group states, as brokers name them.
var groupStates = []string{"Empty", "Stable", "PreparingRebalance", "CompletingRebalance", "Dead", "Assigning", "Reconciling", "NotReady", "Unknown"}

// Group types (KIP-848 and later).
var groupTypes = []string{groupTypeClassic, groupTypeConsumer, "share", "streams"}

const (
	groupTypeClassic  = "classic"
	groupTypeConsumer = "consumer"
)

// GroupFilter selects groups in ListGroups. Zero values select everything.
type GroupFilter struct {
	States []string // e.g. "Stable", "Empty" (any case)
	Types  []string // "classic", "consumer", "share", "streams"
}

// ListedGroup is one group as ListGroups found it.
type ListedGroup struct {
	Group        string
	State        string // "" from brokers older than ListGroups v4
	Type         string // "" from brokers older than ListGroups v5
	ProtocolType string // "consumer" for consumer groups
	Coordinator  int32  // the broker that reported it
}

// Validate reports a state or type that ListGroups would refuse, without
// asking the cluster.
func (f GroupFilter) Validate() error {
	_, _, err := f.canonical()
	return err
}

// canonical spells the filter's states and types as brokers do.
func (f GroupFilter) canonical() (states, types []string, err error) {
	if states, err = canonical(f.States, groupStates, "state"); err != nil {
		return nil, nil, err
	}
	if types, err = canonical(f.Types, groupTypes, "type"); err != nil {
		return nil, nil, err
	}
	return states, types, nil
}

func canonical(in []string, known []string, what string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, s := range in {
		i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, s) })
		if i < 0 {
			return nil, fmt.Errorf("unknown group %s %q: want one of %s", what, s, strings.Join(known, ", "))
		}
		out = append(out, known[i])
	}
	return out, nil
}

// listGroupsMinVersion is the ListGroups version that can apply the
// filters: states need v4 (Kafka 2.6), types v5 (Kafka 3.8). An older
// broker fails the call with an UnsupportedVersionError rather than
// returning groups the filter should have dropped.
func listGroupsMinVersion(states, types []string) int16 {
	switch {
	case len(types) > 0:
		return 5
	case len(states) > 0:
		return 4
	}
	return 0
}

func matches(g ListedGroup, states, types []string) bool {
	return (len(states) == 0 || slices.Contains(states, g.State)) &&
		(len(types) == 0 || slices.Contains(types, g.Type))
}

// mergeListed joins the brokers' lists; a group listed by two brokers keeps
// the entry of its cached coordinator, else the lower broker's.
func (c *Client) mergeListed(byBroker map[int32][]ListedGroup) []ListedGroup {
	ids := make([]int32, 0, len(byBroker))
	for id := range byBroker {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	n := 0
	for _, gs := range byBroker {
		n += len(gs)
	}
	all := make([]ListedGroup, 0, n)
	for _, id := range ids {
		all = append(all, byBroker[id]...)
	}
	// Sorted by group, then broker: a group listed twice is adjacent, its
	// lower broker's entry first.
	slices.SortStableFunc(all, func(a, b ListedGroup) int { return strings.Compare(a.Group, b.Group) })
	out := all[:0]
	for _, g := range all {
		if len(out) == 0 || out[len(out)-1].Group != g.Group {
			out = append(out, g)
			continue
		}
		prev := &out[len(out)-1]
		if coord, ok := c.cl.CachedCoordinator(cluster.GroupCoordinator, g.Group); ok && coord == g.Coordinator && prev.Coordinator != coord {
			*prev = g
		}
	}
	return out
}

// GroupDescription is one group as its coordinator described it.
type GroupDescription struct {
	Group       string
	Coordinator int32
	// Type is the group's protocol generation: "classic" for a group of
	// the JoinGroup/SyncGroup protocol (described with DescribeGroups),
	// "consumer" for a KIP-848 consumer group (described with
	// ConsumerGroupDescribe).
	Type  string
	State string // e.g. "Stable", "Empty"; "Assigning", "Reconciling" for consumer groups
	// ProtocolType is "consumer" for consumer groups, classic or KIP-848.
	ProtocolType string
	// Protocol is the assignor: of a stable classic group the
	// client-side one the members agreed on (e.g. "range"), of a consumer
	// group the server-side one (e.g. "uniform").
	Protocol string
	// GroupEpoch is a consumer group's epoch, bumped whenever its members
	// or their subscriptions change; -1 for classic groups.
	GroupEpoch int32
	// AssignmentEpoch is the group epoch of a consumer group's target
	// assignment: equal to GroupEpoch once the assignor has caught up;
	// -1 for classic groups.
	AssignmentEpoch int32
	Members         []GroupMember // sorted by member id
	Err             error         // why the group could not be described; the other fields are then empty
}

// runGroups runs a call whose keys are group ids.
func runGroups(ctx context.Context, c *Client, call driver.Call[string]) map[string]*KeyError {
	return run(ctx, c, call, GroupKey)
}

// groupRoute sends a group to its coordinator.
func groupRoute(g string) driver.Route { return driver.Route{Kind: driver.ToGroupCoordinator, Key: g} }

// groupCall is a call whose keys are group ids, routed to their coordinator.
func groupCall(name string, groups []string, send func(context.Context, *cluster.Broker, []driver.Attempt[string]) (map[string]driver.Result, error)) driver.Call[string] {
	return driver.Call[string]{
		Name:  name,
		Keys:  groups,
		Route: func(g string) driver.Route { return driver.Route{Kind: driver.ToGroupCoordinator, Key: g} },
		Send:  send,
	}
}

// DescribeGroups describes groups: type, state, protocol, and members with
// their client id, host, subscription and assignment. Groups on different
// coordinators are described in parallel, and the groups of one coordinator
// together.
//
// Each coordinator is asked with ConsumerGroupDescribe, as the Java
// AdminClient does, when it supports the API (Kafka 3.7 and later), and
// with DescribeGroups at the same time: KIP-848 consumer groups come back
// with Type "consumer", their group and assignment epochs, the server-side
// assignor as Protocol, and each member's epoch, rack, subscription,
// current assignment (Assigned) and target assignment (Target). The groups
// ConsumerGroupDescribe does not know as consumer groups (classic groups,
// and groups that do not exist), or all of them on a broker without the
// API, are described by DescribeGroups' answer, with Type "classic" and
// epochs of -1.
//
// The result holds every group; those that failed carry their error, and
// the returned error is then a *CallError naming each. A group that exists
// in neither form fails with GROUP_ID_NOT_FOUND.
func (c *Client) DescribeGroups(ctx context.Context, groups ...string) (Results[string, GroupDescription], error) {
	groups, err := checkGroups(groups)
	if err != nil {
		return nil, fmt.Errorf("describe groups: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return c.describeGroups(ctx, groups)
}

func (c *Client) describeGroups(ctx context.Context, groups []string) (Results[string, GroupDescription], error) {
	into := describedGroups{
		classic:  newResults[string, GroupDescription](len(groups)),
		consumer: newResults[string, describedConsumerGroup](0), // most groups are classic, still
		notFound: &notFoundSince{},
	}
	failed := runGroups(ctx, c, groupCall("describe groups", groups, func(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string]) (map[string]driver.Result, error) {
		return describeOn(ctx, b, batch, into, &c.kinds)
	}))
	out := into.classic.m
	if len(into.consumer.m) > 0 {
		names, namesErr := c.topicNames(ctx, unnamedTopics(into.consumer.m))
		for g, d := range into.consumer.m {
			if namesErr != nil && len(unnamedTopics(map[string]describedConsumerGroup{g: d})) > 0 {
				// Without the names, its partitions would be reported
				// under topic ids, apart from its commits.
				if failed == nil {
					failed = make(map[string]*KeyError)
				}
				failed[g] = keyError("describe groups", GroupKey(g), d.coordinator, fmt.Errorf("naming the topics of its assignment: %w", namesErr))
				continue
			}
			out[g] = consumerGroupDescription(d, names)
		}
	}
	for g, ke := range failed {
		out[g] = GroupDescription{Group: g, Coordinator: -1, Err: ke}
	}
	return out, callError("describe groups", len(groups), failed)
}

// DeleteGroupResult is what became of one group in DeleteGroups.
type DeleteGroupResult struct {
	Group string
	// GoneOnRetry reports that the group was already gone when this call
	// retried it after losing a first attempt's answer to a connection
	// failure: that attempt most likely deleted it. The group is gone
	// either way.
	GoneOnRetry bool
	Err         error
}

// DeleteGroups deletes empty groups and their committed offsets. A group
// with members fails with a *GroupNotEmptyError; a group that does not exist
// fails with GROUP_ID_NOT_FOUND, unless this call's own earlier attempt may
// have deleted it (see DeleteGroupResult.GoneOnRetry).
func (c *Client) DeleteGroups(ctx context.Context, groups ...string) (Results[string, DeleteGroupResult], error) {
	groups, err := checkGroups(groups)
	if err != nil {
		return nil, fmt.Errorf("delete groups: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()

	done := newResults[string, DeleteGroupResult](len(groups))
	failed := runGroups(ctx, c, groupCall("delete groups", groups, func(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string]) (map[string]driver.Result, error) {
		req := kmsg.NewPtrDeleteGroupsRequest()
		retried := make(map[string]bool, len(batch))
		for _, a := range batch {
			req.Groups = append(req.Groups, a.Key)
			retried[a.Key] = a.MaybeApplied
		}
		resp, err := b.Request(ctx, req, 0, 3)
		if err != nil {
			return nil, err
		}
		out := make(map[string]driver.Result, len(batch))
		for _, g := range resp.(*kmsg.DeleteGroupsResponse).Groups {
			err := kafkaerr.New(g.ErrorCode, nil)
			switch {
			case errors.Is(err, kerr.GroupIDNotFound) && retried[g.Group]:
				done.set(g.Group, DeleteGroupResult{Group: g.Group, GoneOnRetry: true})
				out[g.Group] = driver.Result{Outcome: driver.Done}
			case errors.Is(err, kerr.GroupIDNotFound):
				out[g.Group] = driver.Result{Outcome: driver.Fail, Err: groupNotFound(g.Group)}
			case errors.Is(err, kerr.NonEmptyGroup):
				out[g.Group] = driver.Result{Outcome: driver.Fail, Err: &GroupNotEmptyError{Group: g.Group, Err: err}}
			default:
				res := driver.ForCode(driver.ToGroupCoordinator, err)
				if res.Outcome == driver.Done {
					done.set(g.Group, DeleteGroupResult{Group: g.Group})
				}
				out[g.Group] = res
			}
		}
		return out, nil
	}))
	c.explainNotEmpty(ctx, failed)
	for g, ke := range failed {
		done.m[g] = DeleteGroupResult{Group: g, Err: ke}
	}
	return done.m, callError("delete groups", len(groups), failed)
}

// explainNotEmpty fills the state and members of GroupNotEmptyErrors, so
// that the error says who is still in the group.
func (c *Client) explainNotEmpty(ctx context.Context, failed map[string]*KeyError) {
	var groups []string
	for g, ke := range failed {
		var ne *GroupNotEmptyError
		if errors.As(ke, &ne) {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return
	}
	described, _ := c.describeGroups(ctx, groups)
	for _, g := range groups {
		var ne *GroupNotEmptyError
		errors.As(failed[g], &ne)
		if d, ok := described[g]; ok && d.Err == nil {
			ne.State, ne.Members = d.State, d.Members
		}
	}
}

// RemoveMemberResult is what became of one member in RemoveMembers.
type RemoveMemberResult struct {
	InstanceID string
	// GoneOnRetry reports that the member was already gone when this call
	// retried after losing a first attempt's answer: that attempt most
	// likely removed it.
	GoneOnRetry bool
	Err         error
}

// RemoveMembers removes static members (KIP-345) from a group by their
// group.instance.id, as kafka-consumer-groups --delete-members does; the
// group rebalances without them. It needs LeaveGroup v3 (Kafka 2.4). A
// member that is not in the group fails with UNKNOWN_MEMBER_ID.
func (c *Client) RemoveMembers(ctx context.Context, group string, instanceIDs ...string) (Results[string, RemoveMemberResult], error) {
	if _, err := checkGroups([]string{group}); err != nil {
		return nil, fmt.Errorf("remove members: %w", err)
	}
	if len(instanceIDs) == 0 {
		return nil, errors.New("remove members: no instance ids given: name the group.instance.id of each member to remove")
	}
	for _, id := range instanceIDs {
		if id == "" {
			return nil, errors.New("remove members: an instance id is empty: instance ids must be non-empty")
		}
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()

	var perMember map[string]RemoveMemberResult
	failed := runGroups(ctx, c, groupCall("remove members", []string{group}, func(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string]) (map[string]driver.Result, error) {
		req := kmsg.NewPtrLeaveGroupRequest()
		req.Group = group
		for _, id := range instanceIDs {
			m := kmsg.NewLeaveGroupRequestMember()
			m.InstanceID = kmsg.StringPtr(id)
			m.Reason = kmsg.StringPtr("removed by kafadmin")
			req.Members = append(req.Members, m)
		}
		resp, err := b.Request(ctx, req, 3, 5)
		if err != nil {
			return nil, err
		}
		lr := resp.(*kmsg.LeaveGroupResponse)
		top := kafkaerr.New(lr.ErrorCode, nil)
		if errors.Is(top, kerr.GroupIDNotFound) {
			return map[string]driver.Result{group: {Outcome: driver.Fail, Err: groupNotFound(group)}}, nil
		}
		if res := driver.ForCode(driver.ToGroupCoordinator, top); res.Outcome != driver.Done {
			return map[string]driver.Result{group: res}, nil
		}
		out := make(map[string]RemoveMemberResult, len(instanceIDs))
		for _, m := range lr.Members {
			id := ""
			if m.InstanceID != nil {
				id = *m.InstanceID
			}
			r := RemoveMemberResult{InstanceID: id}
			err := kafkaerr.New(m.ErrorCode, nil)
			switch {
			case errors.Is(err, kerr.UnknownMemberID) && batch[0].MaybeApplied:
				r.GoneOnRetry = true
			case errors.Is(err, kerr.UnknownMemberID):
				r.Err = kafkaerr.With(kerr.UnknownMemberID, fmt.Sprintf("no member of group %q has instance id %q: check the id (DescribeGroups lists the members)", group, id))
			case err != nil:
				r.Err = err
			}
			out[id] = r
		}
		perMember = out
		return map[string]driver.Result{group: {Outcome: driver.Done}}, nil
	}))
	if ke := failed[group]; ke != nil {
		perMember = make(map[string]RemoveMemberResult, len(instanceIDs))
		for _, id := range instanceIDs {
			perMember[id] = RemoveMemberResult{InstanceID: id, Err: ke}
		}
		return perMember, ke
	}
	memberFailed := make(map[string]*KeyError)
	for _, id := range instanceIDs {
		r, ok := perMember[id]
		if !ok {
			r = RemoveMemberResult{InstanceID: id, Err: fmt.Errorf("the coordinator did not answer for instance id %q", id)}
			perMember[id] = r
		}
		if r.Err != nil {
			memberFailed[id] = keyError("remove members", MemberKey(group, id), -1, r.Err)
		}
	}
	return perMember, callError("remove members", len(instanceIDs), memberFailed)
}

// Coordinator is the broker coordinating a group.
type Coordinator struct {
	NodeID int32
	Host   string
	Port   int32
	Err    error
}

// FindCoordinators looks up the coordinator of each group, asking the
// cluster afresh (FindCoordinator v4 batches them in one request), and
// refreshes the client's cache with the answers.
func (c *Client) FindCoordinators(ctx context.Context, groups ...string) (Results[string, Coordinator], error) {
	groups, err := checkGroups(groups)
	if err != nil {
		return nil, fmt.Errorf("find coordinators: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	c.cl.ForgetCoordinators(cluster.GroupCoordinator, groups)

	found := newResults[string, Coordinator](len(groups))
	failed := runGroups(ctx, c, groupCall("find coordinators", groups, func(_ context.Context, b *cluster.Broker, batch []driver.Attempt[string]) (map[string]driver.Result, error) {
		out := make(map[string]driver.Result, len(batch))
		for _, a := range batch {
			found.set(a.Key, Coordinator{NodeID: b.ID, Host: b.Host(), Port: b.Port()})
			out[a.Key] = driver.Result{Outcome: driver.Done}
		}
		return out, nil
	}))
	for g, ke := range failed {
		found.m[g] = Coordinator{NodeID: -1, Err: ke}
	}
	return found.m, callError("find coordinators", len(groups), failed)
}
