package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The configs that throttle the replication of a reassignment, as
// kafka-reassign-partitions.sh sets them: a rate on each broker involved,
// and on each topic the replicas the rate applies to (partition:broker
// pairs), the leaders that send (leader) and the new replicas that receive
// (follower).
const (
	leaderThrottleRate        = "leader.replication.throttled.rate"
	followerThrottleRate      = "follower.replication.throttled.rate"
	logDirsThrottleRate       = "replica.alter.log.dirs.io.max.bytes.per.second"
	leaderThrottledReplicas   = "leader.replication.throttled.replicas"
	followerThrottledReplicas = "follower.replication.throttled.replicas"
)

// ThrottleReassignment caps the replication traffic of a reassignment to
// rate bytes per second, as kafka-reassign-partitions.sh --execute
// --throttle does, and should be called before AlterPartitionReassignments
// starts the moves. For each partition whose replicas change, the current
// replicas are throttled as senders and the new ones as receivers (the
// topic configs leader.replication.throttled.replicas and
// follower.replication.throttled.replicas), and every broker involved
// gets the rate (leader.replication.throttled.rate and
// follower.replication.throttled.rate). The throttled replicas replace any
// a topic had. A partition whose replica list only reorders moves no data
// and is not throttled. Remove the throttles with
// ClearReassignmentThrottles once the reassignment is complete: until then
// they also slow the partitions' ordinary replication.
//
// The result holds every topic and broker changed; the changes are
// idempotent, so the call is safe to repeat.
func (c *Client) ThrottleReassignment(ctx context.Context, targets map[TopicPartition][]int32, rate int64) (Results[ConfigResource, AlteredConfigs], error) {
	const op = "throttle reassignment"
	if rate <= 0 {
		return nil, fmt.Errorf("%s: rate %d bytes/s: give a positive rate", op, rate)
	}
	if err := checkReassignments(targets); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	tps := mapKeys(targets)
	SortTopicPartitions(tps)
	var topics []string
	for _, tp := range tps {
		if !slices.Contains(topics, tp.Topic) {
			topics = append(topics, tp.Topic)
		}
	}
	desc, err := c.DescribeTopics(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the current replicas: %w", op, err)
	}
	type throttled struct{ leader, follower []string }
	byTopic := map[string]*throttled{}
	var brokers []int32
	for _, tp := range tps {
		target := targets[tp]
		if target == nil {
			continue // a cancellation moves nothing new
		}
		i := slices.IndexFunc(desc[tp.Topic].Partitions, func(p PartitionInfo) bool { return p.Partition == tp.Partition })
		if i < 0 {
			return nil, fmt.Errorf("%s: %s does not exist: check the partition (DescribeTopics lists a topic's partitions)", op, describeTP(tp))
		}
		current := desc[tp.Topic].Partitions[i].Replicas
		if sameReplicaSet(current, target) {
			continue
		}
		t := byTopic[tp.Topic]
		if t == nil {
			t = &throttled{}
			byTopic[tp.Topic] = t
		}
		p := strconv.Itoa(int(tp.Partition)) + ":"
		for _, id := range current {
			t.leader = append(t.leader, p+strconv.Itoa(int(id)))
			brokers = appendNew(brokers, id)
		}
		for _, id := range target {
			if !slices.Contains(current, id) {
				t.follower = append(t.follower, p+strconv.Itoa(int(id)))
				brokers = appendNew(brokers, id)
			}
		}
	}
	if len(byTopic) == 0 {
		return Results[ConfigResource, AlteredConfigs]{}, nil
	}
	changes := make(map[ConfigResource][]ConfigChange, len(byTopic)+len(brokers))
	for topic, t := range byTopic {
		// A partition that only sheds replicas has none to receive.
		ch := []ConfigChange{SetConfig(leaderThrottledReplicas, strings.Join(t.leader, ","))}
		if len(t.follower) > 0 {
			ch = append(ch, SetConfig(followerThrottledReplicas, strings.Join(t.follower, ",")))
		}
		changes[TopicResource(topic)] = ch
	}
	r := strconv.FormatInt(rate, 10)
	for _, id := range brokers {
		changes[BrokerResource(id)] = []ConfigChange{SetConfig(leaderThrottleRate, r), SetConfig(followerThrottleRate, r)}
	}
	return c.IncrementalAlterConfigs(ctx, changes)
}

// ClearReassignmentThrottles removes the replication throttles of a
// reassignment, as kafka-reassign-partitions.sh --verify does once every
// partition has moved: the throttled replicas of topics, and the throttle
// rates (replication and log directory moves) of every broker of the
// cluster. Removing a throttle that is not set changes nothing.
func (c *Client) ClearReassignmentThrottles(ctx context.Context, topics ...string) (Results[ConfigResource, AlteredConfigs], error) {
	const op = "clear reassignment throttles"
	if slices.Contains(topics, "") {
		return nil, errors.New(op + ": a topic name is empty: name each topic")
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	brokers, err := c.ListBrokers(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: listing the brokers: %w", op, err)
	}
	changes := make(map[ConfigResource][]ConfigChange, len(topics)+len(brokers))
	for _, t := range topics {
		changes[TopicResource(t)] = []ConfigChange{DeleteConfig(leaderThrottledReplicas), DeleteConfig(followerThrottledReplicas)}
	}
	for _, b := range brokers {
		changes[BrokerResource(b.ID)] = []ConfigChange{DeleteConfig(leaderThrottleRate), DeleteConfig(followerThrottleRate), DeleteConfig(logDirsThrottleRate)}
	}
	return c.IncrementalAlterConfigs(ctx, changes)
}

// sameReplicaSet reports whether a and b hold the same brokers, in any
// order.
func sameReplicaSet(a, b []int32) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(id int32) bool { return !slices.Contains(b, id) })
}

func appendNew(ids []int32, id int32) []int32 {
	if slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}
