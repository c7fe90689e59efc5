package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// OffsetFetch v8 (KIP-709) carries many groups per request; v10 names topics
// by id, which kafadmin does not send.
const (
	offsetFetchMin   = 2
	offsetFetchBatch = 8
	offsetFetchMax   = 9
	offsetCommitMin  = 2
	offsetCommitMax  = 9
)

// CommittedOffset is a group's committed offset for one partition.
type CommittedOffset struct {
	Offset      int64
	LeaderEpoch int32 // -1 if the committer did not say
	Metadata    string
}

// GroupOffsets is one group's committed offsets.
type GroupOffsets struct {
	Group       string
	Coordinator int32
	Offsets     map[TopicPartition]CommittedOffset // partitions with a commit
	Err         error
}

func (g GroupOffsets) has(tp TopicPartition) bool {
	_, ok := g.Offsets[tp]
	return ok
}

// Partitions lists the partitions with a commit, sorted.
func (g GroupOffsets) Partitions() []TopicPartition {
	out := make([]TopicPartition, 0, len(g.Offsets))
	for tp := range g.Offsets {
		out = append(out, tp)
	}
	SortTopicPartitions(out)
	return out
}

// FetchOffsets returns the committed offsets of groups. Groups on the same
// coordinator are fetched in one OffsetFetch request where the broker
// supports it (v8, Kafka 3.0), coordinators in parallel. The result holds
// every group; a group that does not exist fails with GROUP_ID_NOT_FOUND on
// brokers that say so, and has no offsets on brokers that do not.
func (c *Client) FetchOffsets(ctx context.Context, groups ...string) (Results[string, GroupOffsets], error) {
	groups, err := checkGroups(groups)
	if err != nil {
		return nil, fmt.Errorf("fetch offsets: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return c.fetchOffsets(ctx, groups)
}

func (c *Client) fetchOffsets(ctx context.Context, groups []string) (map[string]GroupOffsets, error) {
	found := newResults[string, GroupOffsets](len(groups))
	failed := runGroups(ctx, c, groupCall("fetch offsets", groups, func(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string]) (map[string]driver.Result, error) {
		v, err := b.Version(ctx, kmsg.OffsetFetch, offsetFetchMin, offsetFetchMax)
		if err != nil {
			return nil, err
		}
		if v >= offsetFetchBatch {
			return fetchBatched(ctx, b, batch, found)
		}
		return fetchOneByOne(ctx, b, batch, found)
	}))
	for g, ke := range failed {
		found.m[g] = GroupOffsets{Group: g, Coordinator: -1, Err: ke}
	}
	return found.m, callError("fetch offsets", len(groups), failed)
}

// requireStable: every OffsetFetch sets RequireStable (v7, Kafka 2.5).
// Kafka's group coordinator (KIP-848's, the only one from Kafka 4.0)
// answers a plain OffsetFetch from its state at the partition's high
// watermark, and a broker that has just become a group's coordinator holds
// a high watermark that trails the log it loaded until its followers fetch
// again: for that moment it answers a group's commits as missing, and a
// lag monitor would read a lag of zero. With RequireStable it reads its
// latest state and answers once that state is committed, so the answer
// holds every commit the group's previous coordinator acknowledged. Older
// coordinators answer UNSTABLE_OFFSET_COMMIT for a partition with a
// transactional commit pending, which is retried like any retriable code.

func fetchBatched(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string], found *results[string, GroupOffsets]) (map[string]driver.Result, error) {
	req := kmsg.NewPtrOffsetFetchRequest()
	req.RequireStable = true // see requireStable
	for _, a := range batch {
		rg := kmsg.NewOffsetFetchRequestGroup()
		rg.Group = a.Key
		rg.MemberEpoch = -1
		req.Groups = append(req.Groups, rg)
	}
	resp, err := b.Request(ctx, req, offsetFetchBatch, offsetFetchMax)
	if err != nil {
		return nil, err
	}
	out := make(map[string]driver.Result, len(batch))
	for _, g := range resp.(*kmsg.OffsetFetchResponse).Groups {
		n := 0
		for _, t := range g.Topics {
			n += len(t.Partitions)
		}
		offsets := make(map[TopicPartition]CommittedOffset, n)
		var partErr error
		for _, t := range g.Topics {
			for _, p := range t.Partitions {
				partErr = cmpErr(partErr, addCommitted(offsets, t.Topic, p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode))
			}
		}
		out[g.Group] = groupOffsetsResult(b, g.Group, kafkaerr.New(g.ErrorCode, nil), partErr, offsets, found)
	}
	return out, nil
}

// fetchOneByOne serves brokers older than OffsetFetch v8: one request per
// group, all in flight at once on the one connection.
func fetchOneByOne(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[string], found *results[string, GroupOffsets]) (map[string]driver.Result, error) {
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		out      = make(map[string]driver.Result, len(batch))
		firstErr error
	)
	for _, a := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := kmsg.NewPtrOffsetFetchRequest()
			req.Group = a.Key
			req.Topics = nil
			req.RequireStable = true // see requireStable
			resp, err := b.Request(ctx, req, offsetFetchMin, offsetFetchBatch-1)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				firstErr = cmpErr(firstErr, err)
				return
			}
			r := resp.(*kmsg.OffsetFetchResponse)
			n := 0
			for _, t := range r.Topics {
				n += len(t.Partitions)
			}
			offsets := make(map[TopicPartition]CommittedOffset, n)
			var partErr error
			for _, t := range r.Topics {
				for _, p := range t.Partitions {
					partErr = cmpErr(partErr, addCommitted(offsets, t.Topic, p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode))
				}
			}
			out[a.Key] = groupOffsetsResult(b, a.Key, kafkaerr.New(r.ErrorCode, nil), partErr, offsets, found)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// cmpErr keeps the first error.
func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}

func addCommitted(into map[TopicPartition]CommittedOffset, topic string, partition int32, offset int64, epoch int32, meta *string, code int16) error {
	if err := kafkaerr.New(code, nil); err != nil {
		return fmt.Errorf("partition %d of topic %q: %w", partition, topic, err)
	}
	if offset < 0 {
		return nil // no commit
	}
	co := CommittedOffset{Offset: offset, LeaderEpoch: epoch}
	if meta != nil {
		co.Metadata = *meta
	}
	into[TopicPartition{topic, partition}] = co
	return nil
}

func groupOffsetsResult(b *cluster.Broker, group string, groupErr, partErr error, offsets map[TopicPartition]CommittedOffset, found *results[string, GroupOffsets]) driver.Result {
	if errors.Is(groupErr, kerr.GroupIDNotFound) {
		return driver.Result{Outcome: driver.Fail, Err: groupNotFound(group)}
	}
	res := driver.ForCode(driver.ToGroupCoordinator, cmpErr(groupErr, partErr))
	if res.Outcome == driver.Done {
		found.set(group, GroupOffsets{Group: group, Coordinator: b.ID, Offsets: offsets})
	}
	return res
}

// CommitOffsets sets a group's committed offsets, as an administrator does
// to rewind or skip a group: the group must be empty (no consumer running),
// else it fails with a *GroupNotEmptyError naming the members. Offsets of
// partitions not listed are left alone. Every topic and partition is checked
// against the cluster's metadata first; if one does not exist nothing is
// committed. The result maps each partition to nil or its error.
func (c *Client) CommitOffsets(ctx context.Context, group string, offsets map[TopicPartition]int64) (map[TopicPartition]error, error) {
	if err := checkCommit(group, offsets); err != nil {
		return nil, fmt.Errorf("commit offsets: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if err := c.checkPartitionsExist(ctx, mapKeys(offsets)); err != nil {
		return nil, fmt.Errorf("commit offsets to group %q: %w; nothing was committed", group, err)
	}

	done, failed := do(ctx, c, commitAPI(group, offsets), []string{group}, GroupKey)
	perPartition := done[group]
	if ke := failed[group]; ke != nil {
		c.explainNotEmpty(ctx, failed)
		perPartition = make(map[TopicPartition]error, len(offsets))
		for tp := range offsets {
			perPartition[tp] = ke
		}
		return perPartition, ke
	}
	return perPartition, partitionErrors("commit offsets", mapKeys(offsets), perPartition)
}

func checkCommit(group string, offsets map[TopicPartition]int64) error {
	if group == "" {
		return errors.New("the group id is empty: name the group whose offsets to set")
	}
	if len(offsets) == 0 {
		return errors.New("no offsets given: name at least one partition and its offset")
	}
	for tp, off := range offsets {
		if _, err := checkTopicPartitions([]TopicPartition{tp}); err != nil {
			return err
		}
		if off < 0 {
			return fmt.Errorf("offset %d for %s is negative: offsets start at 0", off, describeTP(tp))
		}
	}
	return nil
}

// commitAPI is OffsetCommit of one group's offsets, as an administrator
// commits them: no generation, no member.
func commitAPI(group string, offsets map[TopicPartition]int64) driver.API[string, map[TopicPartition]error] {
	return driver.API[string, map[TopicPartition]error]{
		Name:       "commit offsets",
		Route:      groupRoute,
		MinVersion: offsetCommitMin,
		MaxVersion: offsetCommitMax,
		Request: func([]driver.Attempt[string]) kmsg.Request {
			req := kmsg.NewPtrOffsetCommitRequest()
			req.Group = group
			req.Generation = -1
			req.RetentionTimeMillis = -1
			byTopic := make(map[string][]kmsg.OffsetCommitRequestTopicPartition)
			for tp, off := range offsets {
				p := kmsg.NewOffsetCommitRequestTopicPartition()
				p.Partition = tp.Partition
				p.Offset = off
				p.LeaderEpoch = -1
				byTopic[tp.Topic] = append(byTopic[tp.Topic], p)
			}
			for t, ps := range byTopic {
				rt := kmsg.NewOffsetCommitRequestTopic()
				rt.Topic = t
				rt.Partitions = ps
				req.Topics = append(req.Topics, rt)
			}
			return req
		},
		Response: func(_ *cluster.Broker, _ []driver.Attempt[string], resp kmsg.Response) map[string]driver.Answer[map[TopicPartition]error] {
			parts, groupErr := commitResult(group, resp.(*kmsg.OffsetCommitResponse))
			return map[string]driver.Answer[map[TopicPartition]error]{group: {Value: parts, Err: groupErr}}
		},
		Exceptions: []driver.Exception{
			{Code: kerr.RebalanceInProgress, Outcome: driver.Retry, Why: "an administrator's commit waits out a rebalance"},
		},
	}
}

// commitResult reads an OffsetCommit answer: the codes that concern the
// group (its coordinator moved or is loading, a rebalance, members that
// refuse an administrator's commit) are the group's error, which the
// failover rules read; every other code is that partition's own.
func commitResult(group string, resp *kmsg.OffsetCommitResponse) (map[TopicPartition]error, error) {
	parts := make(map[TopicPartition]error)
	var groupErr error
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			err := kafkaerr.New(p.ErrorCode, nil)
			switch {
			case err == nil:
				parts[TopicPartition{t.Topic, p.Partition}] = nil
			case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID), errors.Is(err, kerr.StaleMemberEpoch):
				groupErr = cmpErr(groupErr, &GroupNotEmptyError{Group: group, Err: err})
			case errors.Is(err, kerr.NotCoordinator), errors.Is(err, kerr.CoordinatorNotAvailable),
				errors.Is(err, kerr.CoordinatorLoadInProgress), errors.Is(err, kerr.RebalanceInProgress), errors.Is(err, kerr.RequestTimedOut):
				groupErr = cmpErr(groupErr, err)
			case errors.Is(err, kerr.UnknownTopicOrPartition):
				parts[TopicPartition{t.Topic, p.Partition}] = kafkaerr.With(kerr.UnknownTopicOrPartition, "the topic or partition no longer exists")
			default:
				parts[TopicPartition{t.Topic, p.Partition}] = err
			}
		}
	}
	return parts, groupErr
}

// partitionErrors completes a per-partition result: every partition asked
// for has an entry, the ones the coordinator left out an error, and the
// call's error names each failed partition.
func partitionErrors(op string, asked []TopicPartition, result map[TopicPartition]error) error {
	failed := make(map[TopicPartition]*KeyError)
	for _, tp := range asked {
		err, ok := result[tp]
		if !ok {
			err = errors.New("the coordinator's answer left this partition out")
			result[tp] = err
		}
		if err != nil {
			failed[tp] = keyError(op, PartitionKey(tp), -1, err)
		}
	}
	return callError(op, len(asked), failed)
}

// checkPartitionsExist fails, naming the first missing one, unless every
// topic and partition exists.
func (c *Client) checkPartitionsExist(ctx context.Context, tps []TopicPartition) error {
	topics := make([]string, 0, len(tps))
	for _, tp := range tps {
		topics = append(topics, tp.Topic)
	}
	metas, err := c.cl.Topics(ctx, topics, time.Nanosecond)
	if err != nil {
		return fmt.Errorf("checking the topics exist: %w", err)
	}
	SortTopicPartitions(tps)
	for _, tp := range tps {
		tm := metas[tp.Topic]
		if errors.Is(tm.Err, kerr.UnknownTopicOrPartition) {
			return kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("topic %q does not exist: check the topic name", tp.Topic))
		}
		if tm.Err != nil {
			return fmt.Errorf("topic %q: %w", tp.Topic, tm.Err)
		}
		if _, ok := tm.Partition(tp.Partition); !ok {
			return kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("topic %q has %d partitions (0 to %d): partition %d does not exist", tp.Topic, len(tm.Partitions), len(tm.Partitions)-1, tp.Partition))
		}
	}
	return nil
}

func mapKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// DeleteOffsets deletes a group's committed offsets for partitions
// (OffsetDelete, Kafka 2.4). The group must be empty or not subscribed to
// the partitions' topics. The result maps each partition to nil or its
// error; deleting an offset that was never committed succeeds.
func (c *Client) DeleteOffsets(ctx context.Context, group string, partitions ...TopicPartition) (map[TopicPartition]error, error) {
	if _, err := checkGroups([]string{group}); err != nil {
		return nil, fmt.Errorf("delete offsets: %w", err)
	}
	partitions, err := checkTopicPartitions(partitions)
	if err != nil {
		return nil, fmt.Errorf("delete offsets: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()

	var perPartition map[TopicPartition]error
	failed := runGroups(ctx, c, groupCall("delete offsets", []string{group}, func(ctx context.Context, b *cluster.Broker, _ []driver.Attempt[string]) (map[string]driver.Result, error) {
		req := kmsg.NewPtrOffsetDeleteRequest()
		req.Group = group
		byTopic := make(map[string][]int32)
		for _, tp := range partitions {
			byTopic[tp.Topic] = append(byTopic[tp.Topic], tp.Partition)
		}
		for t, ps := range byTopic {
			rt := kmsg.NewOffsetDeleteRequestTopic()
			rt.Topic = t
			for _, p := range ps {
				rp := kmsg.NewOffsetDeleteRequestTopicPartition()
				rp.Partition = p
				rt.Partitions = append(rt.Partitions, rp)
			}
			req.Topics = append(req.Topics, rt)
		}
		resp, err := b.Request(ctx, req, 0, 0)
		if err != nil {
			return nil, err
		}
		dr := resp.(*kmsg.OffsetDeleteResponse)
		top := kafkaerr.New(dr.ErrorCode, nil)
		switch {
		case errors.Is(top, kerr.GroupIDNotFound):
			return map[string]driver.Result{group: {Outcome: driver.Fail, Err: groupNotFound(group)}}, nil
		case errors.Is(top, kerr.NonEmptyGroup):
			return map[string]driver.Result{group: {Outcome: driver.Fail, Err: &GroupNotEmptyError{Group: group, Err: top}}}, nil
		}
		if res := driver.ForCode(driver.ToGroupCoordinator, top); res.Outcome != driver.Done {
			return map[string]driver.Result{group: res}, nil
		}
		parts := make(map[TopicPartition]error)
		for _, t := range dr.Topics {
			for _, p := range t.Partitions {
				err := kafkaerr.New(p.ErrorCode, nil)
				switch {
				case errors.Is(err, kerr.GroupSubscribedToTopic):
					err = kafkaerr.With(kerr.GroupSubscribedToTopic, fmt.Sprintf("group %q consumes topic %q: stop its consumers or change their subscription first", group, t.Topic))
				case errors.Is(err, kerr.UnknownTopicOrPartition):
					err = kafkaerr.With(kerr.UnknownTopicOrPartition, "the partition does not exist")
				}
				parts[TopicPartition{t.Topic, p.Partition}] = err
			}
		}
		perPartition = parts
		return map[string]driver.Result{group: {Outcome: driver.Done}}, nil
	}))
	if ke := failed[group]; ke != nil {
		c.explainNotEmpty(ctx, failed)
		perPartition = make(map[TopicPartition]error, len(partitions))
		for _, tp := range partitions {
			perPartition[tp] = ke
		}
		return perPartition, ke
	}
	return perPartition, partitionErrors("delete offsets", partitions, perPartition)
}

// OffsetSpec chooses which offset ListOffsets returns.
type OffsetSpec struct {
	ts   int64
	name string
}

// Earliest is the log start offset: the first offset still in the log.
func Earliest() OffsetSpec { return OffsetSpec{-2, "earliest"} }

// Latest is the log end offset (the high watermark): the offset the next
// record will get.
func Latest() OffsetSpec { return OffsetSpec{-1, "latest"} }

// MaxTimestamp is the offset of the record with the largest timestamp
// (KIP-734, Kafka 3.0).
func MaxTimestamp() OffsetSpec { return OffsetSpec{-3, "max timestamp"} }

// AtTime is the offset of the first record whose timestamp is at or after
// t; the offset is -1 when there is none.
func AtTime(t time.Time) OffsetSpec {
	return OffsetSpec{t.UnixMilli(), "time " + t.UTC().Format(time.RFC3339Nano)}
}

func (s OffsetSpec) String() string { return s.name }

func (s OffsetSpec) minVersion() int16 {
	if s.ts == -3 {
		return 7
	}
	return 1
}

const listOffsetsMax = 10

// ListedOffset is one partition's offset as ListOffsets found it.
type ListedOffset struct {
	Offset      int64
	Timestamp   int64 // milliseconds; -1 for Earliest and Latest
	LeaderEpoch int32
	Leader      int32 // the broker that answered
	Err         error
}

// ListOffsets returns the offset chosen by spec for every partition of the
// topics, asking each partition's leader, leaders in parallel. A topic that
// does not exist fails at once with UNKNOWN_TOPIC_OR_PARTITION.
func (c *Client) ListOffsets(ctx context.Context, spec OffsetSpec, topics ...string) (Results[TopicPartition, ListedOffset], error) {
	if len(topics) == 0 {
		return nil, errors.New("list offsets: no topics given: name at least one topic")
	}
	if slices.Contains(topics, "") {
		return nil, errors.New("list offsets: a topic name is empty: topic names must be non-empty")
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	metas, err := c.cl.Topics(ctx, topics, time.Nanosecond)
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	var (
		tps    []TopicPartition
		failed = make(map[Key]*KeyError)
	)
	for _, t := range topics {
		tm := metas[t]
		if tm.Err != nil {
			err := tm.Err
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				err = kafkaerr.With(kerr.UnknownTopicOrPartition, "the topic does not exist: check the topic name")
			}
			failed[TopicKey(t)] = keyError("list offsets", TopicKey(t), -1, err)
			continue
		}
		for _, p := range tm.Partitions {
			tps = append(tps, TopicPartition{t, p.Partition})
		}
	}
	out := map[TopicPartition]ListedOffset{}
	keys := len(failed) + len(tps)
	if len(tps) > 0 {
		var lerr error
		out, lerr = c.listOffsets(ctx, spec, tps)
		var ce *CallError
		if errors.As(lerr, &ce) {
			for _, ke := range ce.Errors {
				failed[ke.Key] = ke
			}
		}
	}
	return out, callError("list offsets", keys, failed)
}

// ListPartitionOffsets is ListOffsets for chosen partitions.
func (c *Client) ListPartitionOffsets(ctx context.Context, spec OffsetSpec, partitions ...TopicPartition) (Results[TopicPartition, ListedOffset], error) {
	partitions, err := checkTopicPartitions(partitions)
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return c.listOffsets(ctx, spec, partitions)
}

func (c *Client) listOffsets(ctx context.Context, spec OffsetSpec, tps []TopicPartition) (map[TopicPartition]ListedOffset, error) {
	op := "list " + spec.name + " offsets"
	found, failed := do(ctx, c, listOffsetsAPI(op, spec), tps, PartitionKey)
	for tp, ke := range failed {
		found[tp] = ListedOffset{Offset: -1, Timestamp: -1, LeaderEpoch: -1, Leader: -1, Err: ke}
	}
	return found, callError(op, len(tps), failed)
}

// listOffsetsAPI is ListOffsets: each partition to its leader.
func listOffsetsAPI(op string, spec OffsetSpec) driver.API[TopicPartition, ListedOffset] {
	return driver.API[TopicPartition, ListedOffset]{
		Name:       op,
		Route:      leaderRoute,
		MinVersion: spec.minVersion(),
		MaxVersion: listOffsetsMax,
		Request: func(batch []driver.Attempt[TopicPartition]) kmsg.Request {
			req := kmsg.NewPtrListOffsetsRequest()
			req.ReplicaID = -1
			byTopic := make(map[string]int)
			for _, a := range batch {
				i, ok := byTopic[a.Key.Topic]
				if !ok {
					i = len(req.Topics)
					byTopic[a.Key.Topic] = i
					rt := kmsg.NewListOffsetsRequestTopic()
					rt.Topic = a.Key.Topic
					req.Topics = append(req.Topics, rt)
				}
				rp := kmsg.NewListOffsetsRequestTopicPartition()
				rp.Partition = a.Key.Partition
				rp.CurrentLeaderEpoch = -1
				rp.Timestamp = spec.ts
				req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
			}
			return req
		},
		Response: func(b *cluster.Broker, batch []driver.Attempt[TopicPartition], resp kmsg.Response) map[TopicPartition]driver.Answer[ListedOffset] {
			out := make(map[TopicPartition]driver.Answer[ListedOffset], len(batch))
			for _, t := range resp.(*kmsg.ListOffsetsResponse).Topics {
				for _, p := range t.Partitions {
					out[TopicPartition{t.Topic, p.Partition}] = driver.Answer[ListedOffset]{
						Value: ListedOffset{Offset: p.Offset, Timestamp: p.Timestamp, LeaderEpoch: p.LeaderEpoch, Leader: b.ID},
						Err:   kafkaerr.New(p.ErrorCode, nil),
					}
				}
			}
			return out
		},
	}
}

// leaderRoute sends a partition to its leader.
func leaderRoute(tp TopicPartition) driver.Route {
	return driver.Route{Kind: driver.ToLeader, Key: tp.Topic, Partition: tp.Partition}
}
