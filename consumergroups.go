package kafadmin

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

const (
	// consumerGroupDescribeMax is the newest ConsumerGroupDescribe version
	// kafadmin reads (v1, Kafka 4.0, adds the member type and regex).
	consumerGroupDescribeMax = 1
	// describeGroupsMax is the newest DescribeGroups version kafadmin reads.
	describeGroupsMax = 6
	// metadataByIDVersion is the first Metadata version that looks topics
	// up by id (Kafka 3.1); every broker with ConsumerGroupDescribe has it.
	metadataByIDVersion = 12
)

// describedGroups is what one describe groups call has gathered: classic
// groups described in full, and consumer groups as their coordinator
// answered, kept until the topic ids of their assignments are named.
type describedGroups struct {
	classic  *results[string, GroupDescription]
	consumer *results[string, describedConsumerGroup]
	notFound *notFoundSince
}

// groupNotFoundConfirm is how long a group must go on being answered not
// found before a describe call believes it. A Kafka broker that has just
// become a group's coordinator serves reads at its partition's high
// watermark, which trails the log it loaded until its followers fetch again:
// for that moment it answers GROUP_ID_NOT_FOUND for a group whose records it
// holds (TestLagWhileBrokersRoll saw it on real Kafka, for well under a
// second). Asking again, after a backoff and a fresh look-up, until the
// answer has stood this long costs a describe of a group that does not
// exist this much, and spares a lag monitor a group that flickers out of
// existence in every rolling restart.
const groupNotFoundConfirm = 2 * time.Second

// notFoundSince remembers, for one call, when each group was first answered
// not found.
type notFoundSince struct {
	mu sync.Mutex
	m  map[string]time.Time
}

// unconfirmed records that group was answered not found now, and reports
// whether that answer has not yet stood for groupNotFoundConfirm.
func (n *notFoundSince) unconfirmed(group string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	first, ok := n.m[group]
	if !ok {
		if n.m == nil {
			n.m = make(map[string]time.Time)
		}
		n.m[group] = time.Now()
		return true
	}
	return time.Since(first) < groupNotFoundConfirm
}

type describedConsumerGroup struct {
	coordinator int32
	group       kmsg.ConsumerGroupDescribeResponseGroup
}

// describeOn describes a batch of groups on their coordinator b. A broker
// that supports ConsumerGroupDescribe is sent it and DescribeGroups for the
// groups of unknown kind at once, in one round trip:
// ConsumerGroupDescribe's answer decides for each group, and
// DescribeGroups' answer stands for the groups it does not know (classic
// groups, and groups that exist in neither form). Sending both together
// costs the broker a cheap error per group in the request it does not
// need, and saves the caller a round trip. The groups whose kind ListGroups
// reported (kinds) are sent only the request of their kind; one that
// answers that it is not of that kind (it changed kind, or is gone) is
// forgotten and retried with both. A broker without ConsumerGroupDescribe
// is sent DescribeGroups alone. The descriptions are kept only when every
// request was answered, so that a batch sent again is described afresh.
func describeOn(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string], into describedGroups, kinds *groupKinds) (map[string]driver.Result, error) {
	groups := make([]string, 0, len(batch))
	for _, a := range batch {
		groups = append(groups, a.Key)
	}
	_, err := b.Version(ctx, kmsg.ConsumerGroupDescribe, 0, consumerGroupDescribeMax)
	var ue *conn.UnsupportedVersionError
	switch {
	case errors.As(err, &ue):
		out := make(map[string]driver.Result, len(batch))
		described, err := describeClassicGroups(ctx, b, groups, out)
		if err != nil {
			return nil, err
		}
		for _, d := range described {
			into.classic.set(d.Group, d)
		}
		return out, nil
	case err != nil:
		return nil, err
	}

	var classicOnly, consumerOnly, unknown []string
	for _, g := range groups {
		switch kinds.of(g) {
		case groupTypeClassic:
			classicOnly = append(classicOnly, g)
		case groupTypeConsumer:
			consumerOnly = append(consumerOnly, g)
		default:
			unknown = append(unknown, g)
		}
	}
	var (
		wg        sync.WaitGroup
		parts     [3]describedPart
		out       = make(map[string]driver.Result, len(batch))
		errs      [3]error
		sendParts = [3][]string{unknown, classicOnly, consumerOnly}
	)
	if len(classicOnly) == len(groups) {
		// Every group listed classic, as most are: one request, its
		// answer kept as it comes.
		parts[1].out = out
		parts[1].classic, errs[1] = describeClassicGroups(ctx, b, groups, out)
		sendParts = [3][]string{}
	}
	for i, gs := range sendParts {
		if len(gs) == 0 {
			continue
		}
		wg.Go(func() {
			parts[i] = describedPart{out: make(map[string]driver.Result, len(gs))}
			switch i {
			case 0:
				errs[i] = describeBoth(ctx, b, gs, &parts[i])
			case 1:
				parts[i].classic, errs[i] = describeClassicGroups(ctx, b, gs, parts[i].out)
			case 2:
				var notConsumer []string
				parts[i].consumer, notConsumer, errs[i] = describeConsumerGroups(ctx, b, gs, parts[i].out)
				for _, g := range notConsumer {
					parts[i].out[g] = driver.Result{Outcome: driver.Fail, Err: groupNotFound(g)}
				}
			}
		})
	}
	wg.Wait()
	if err := cmpErr(errs[0], cmpErr(errs[1], errs[2])); err != nil {
		return nil, err
	}
	for i, p := range parts {
		for g, res := range p.out {
			if res.Outcome != driver.Fail {
				out[g] = res
				continue
			}
			if errors.Is(res.Err, kerr.GroupIDNotFound) && (i > 0 || into.notFound.unconfirmed(g)) {
				// Not found by the request of its listed kind (it
				// changed kind), or not found for long enough yet
				// (see groupNotFoundConfirm): look the coordinator
				// up again and ask both.
				kinds.forget(g)
				res = driver.Result{Outcome: driver.Relookup, Err: res.Err}
			}
			out[g] = res
		}
		for _, d := range p.classic {
			into.classic.set(d.Group, d)
		}
		for g, d := range p.consumer {
			into.consumer.set(g, d)
		}
	}
	return out, nil
}

// describedPart is what one part of a batch's description found.
type describedPart struct {
	out      map[string]driver.Result
	classic  []GroupDescription
	consumer map[string]describedConsumerGroup
}

// describeBoth sends ConsumerGroupDescribe and DescribeGroups for groups at
// once; ConsumerGroupDescribe's answer decides, DescribeGroups' stands for
// the groups it does not know.
func describeBoth(ctx context.Context, b *cluster.Broker, groups []string, p *describedPart) error {
	var (
		wg                      sync.WaitGroup
		notConsumer             []string
		consumerErr, classicErr error
		classicOut              = make(map[string]driver.Result, len(groups))
		classic                 []GroupDescription
		ue                      *conn.UnsupportedVersionError
	)
	wg.Go(func() { p.consumer, notConsumer, consumerErr = describeConsumerGroups(ctx, b, groups, p.out) })
	wg.Go(func() { classic, classicErr = describeClassicGroups(ctx, b, groups, classicOut) })
	wg.Wait()
	if errors.As(consumerErr, &ue) && classicErr == nil {
		// The broker no longer has ConsumerGroupDescribe (it was
		// downgraded since its versions were read): DescribeGroups'
		// answer stands for every group.
		p.consumer, notConsumer, consumerErr = nil, groups, nil
	}
	if err := cmpErr(consumerErr, classicErr); err != nil {
		return err
	}
	for _, g := range notConsumer {
		if res, ok := classicOut[g]; ok {
			p.out[g] = res
		}
	}
	for _, d := range classic {
		if _, ok := p.consumer[d.Group]; !ok && p.out[d.Group].Outcome == driver.Done {
			p.classic = append(p.classic, d)
		}
	}
	return nil
}

// describeConsumerGroups sends ConsumerGroupDescribe for groups to b. It
// returns the consumer groups described and the groups to ask DescribeGroups
// about, and records the outcome of every other group in out.
func describeConsumerGroups(ctx context.Context, b *cluster.Broker, groups []string, out map[string]driver.Result) (map[string]describedConsumerGroup, []string, error) {
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = groups
	resp, err := b.Request(ctx, req, 0, consumerGroupDescribeMax)
	if err != nil {
		return nil, nil, err
	}
	asked := setOf(groups)
	described := make(map[string]describedConsumerGroup)
	var classic []string
	for _, g := range resp.(*kmsg.ConsumerGroupDescribeResponse).Groups {
		if !asked[g.Group] {
			continue
		}
		err := kafkaerr.New(g.ErrorCode, g.ErrorMessage)
		switch {
		case notConsumerGroup(err):
			classic = append(classic, g.Group)
			continue
		case err == nil && g.State == "Dead":
			out[g.Group] = driver.Result{Outcome: driver.Fail, Err: groupNotFound(g.Group)}
			continue
		}
		res := driver.ForCode(driver.ToGroupCoordinator, err)
		if res.Outcome == driver.Done {
			described[g.Group] = describedConsumerGroup{coordinator: b.ID, group: g}
		}
		out[g.Group] = res
	}
	return described, classic, nil
}

// notConsumerGroup reports whether a ConsumerGroupDescribe answer for a
// group means that DescribeGroups must describe it: Kafka answers
// GROUP_ID_NOT_FOUND ("Group x is not a consumer group") for a classic
// group as for a missing one, and a broker whose new group coordinator is
// disabled answers UNSUPPORTED_VERSION.
func notConsumerGroup(err error) bool {
	return errors.Is(err, kerr.GroupIDNotFound) || errors.Is(err, kerr.UnsupportedVersion)
}

// describeClassicGroups sends DescribeGroups for groups to b, records each
// group's outcome in out and returns the groups described.
func describeClassicGroups(ctx context.Context, b *cluster.Broker, groups []string, out map[string]driver.Result) ([]GroupDescription, error) {
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = groups
	resp, err := b.Request(ctx, req, 0, describeGroupsMax)
	if err != nil {
		return nil, err
	}
	asked := slices.Sorted(slices.Values(groups))
	described := make([]GroupDescription, 0, len(groups))
	for _, g := range resp.(*kmsg.DescribeGroupsResponse).Groups {
		if _, ok := slices.BinarySearch(asked, g.Group); !ok {
			continue
		}
		err := kafkaerr.New(g.ErrorCode, g.ErrorMessage)
		if errors.Is(err, kerr.GroupIDNotFound) || (err == nil && g.State == "Dead") {
			out[g.Group] = driver.Result{Outcome: driver.Fail, Err: groupNotFound(g.Group)}
			continue
		}
		res := driver.ForCode(driver.ToGroupCoordinator, err)
		if res.Outcome == driver.Done {
			d := GroupDescription{
				Group: g.Group, Coordinator: b.ID, Type: groupTypeClassic, State: g.State,
				ProtocolType: g.ProtocolType, Protocol: g.Protocol, GroupEpoch: -1, AssignmentEpoch: -1,
			}
			for _, m := range g.Members {
				d.Members = append(d.Members, decodeMember(g.ProtocolType, m))
			}
			sortMembers(d.Members)
			described = append(described, d)
		}
		out[g.Group] = res
	}
	return described, nil
}

func sortMembers(ms []GroupMember) {
	slices.SortFunc(ms, func(a, b GroupMember) int { return strings.Compare(a.MemberID, b.MemberID) })
}

// unnamedTopics lists the topic ids that consumer groups' assignments carry
// without a name (brokers fill the names in, but need not).
func unnamedTopics(groups map[string]describedConsumerGroup) [][16]byte {
	var ids [][16]byte
	add := func(a kmsg.Assignment) {
		for _, tp := range a.TopicPartitions {
			if tp.Topic == "" && !slices.Contains(ids, tp.TopicID) {
				ids = append(ids, tp.TopicID)
			}
		}
	}
	for _, d := range groups {
		for _, m := range d.group.Members {
			add(m.Assignment)
			add(m.TargetAssignment)
		}
	}
	return ids
}

// topicNames looks topic ids up in metadata, from any broker, retrying
// until the deadline. Ids the answer does not name (a deleted topic) are
// left out; the error is the look-up's, when no answer came.
func (c *Client) topicNames(ctx context.Context, ids [][16]byte) (map[[16]byte]string, error) {
	names := make(map[[16]byte]string, len(ids))
	if len(ids) == 0 {
		return names, nil
	}
	const key = "topic ids"
	failed := run(ctx, c, driver.Call[string]{
		Name:  "describe groups",
		Keys:  []string{key},
		Route: func(string) driver.Route { return driver.Route{Kind: driver.ToAnyBroker} },
		Send: func(ctx context.Context, b *cluster.Broker, _ []driver.Attempt[string]) (map[string]driver.Result, error) {
			req := kmsg.NewPtrMetadataRequest()
			req.AllowAutoTopicCreation = false
			for _, id := range ids {
				t := kmsg.NewMetadataRequestTopic()
				t.TopicID = id
				req.Topics = append(req.Topics, t)
			}
			resp, err := b.Request(ctx, req, metadataByIDVersion, metadataByIDVersion)
			if err != nil {
				return nil, err
			}
			for _, t := range resp.(*kmsg.MetadataResponse).Topics {
				if t.Topic != nil && *t.Topic != "" {
					names[t.TopicID] = *t.Topic
				}
			}
			return map[string]driver.Result{key: {Outcome: driver.Done}}, nil
		},
	}, func(string) Key { return RequestKey("the names of the assigned topic ids") })
	if ke := failed[key]; ke != nil {
		return names, ke
	}
	return names, nil
}

// consumerGroupDescription turns a ConsumerGroupDescribe answer into a
// GroupDescription, naming topics by names, else by their hex id.
func consumerGroupDescription(d describedConsumerGroup, names map[[16]byte]string) GroupDescription {
	g := d.group
	out := GroupDescription{
		Group:           g.Group,
		Coordinator:     d.coordinator,
		Type:            groupTypeConsumer,
		State:           g.State,
		ProtocolType:    "consumer",
		Protocol:        g.AssignorName,
		GroupEpoch:      g.Epoch,
		AssignmentEpoch: g.AssignmentEpoch,
	}
	for _, m := range g.Members {
		gm := GroupMember{
			MemberID:    m.MemberID,
			ClientID:    m.ClientID,
			ClientHost:  m.ClientHost,
			MemberEpoch: m.MemberEpoch,
			Topics:      slices.Sorted(slices.Values(m.SubscribedTopics)),
			Assigned:    assignmentMap(m.Assignment, names),
			Target:      assignmentMap(m.TargetAssignment, names),
		}
		if m.InstanceID != nil {
			gm.InstanceID = *m.InstanceID
		}
		if m.RackID != nil {
			gm.RackID = *m.RackID
		}
		if m.SubscribedTopicRegex != nil {
			gm.SubscribedRegex = *m.SubscribedTopicRegex
		}
		out.Members = append(out.Members, gm)
	}
	sortMembers(out.Members)
	return out
}

// assignmentMap turns a KIP-848 assignment into topic -> sorted partitions.
func assignmentMap(a kmsg.Assignment, names map[[16]byte]string) map[string][]int32 {
	out := make(map[string][]int32, len(a.TopicPartitions))
	for _, tp := range a.TopicPartitions {
		name := tp.Topic
		if name == "" {
			name = names[tp.TopicID]
		}
		if name == "" {
			name = hex.EncodeToString(tp.TopicID[:])
		}
		out[name] = append(out[name], tp.Partitions...)
	}
	for t, ps := range out {
		slices.Sort(ps)
		out[t] = slices.Compact(ps)
	}
	return out
}
