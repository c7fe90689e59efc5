package kafadmin

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// NewTopic is a topic for CreateTopics: a partition count and replication
// factor (each 0 for the broker's default, num.partitions and
// default.replication.factor), or an explicit Assignment of replicas to
// partitions instead, and configs that override the broker's.
type NewTopic struct {
	Name              string
	Partitions        int32
	ReplicationFactor int16
	// Assignment lists each partition's replicas, partition 0 first: the
	// first replica is the preferred leader. It excludes Partitions and
	// ReplicationFactor.
	Assignment [][]int32
	Configs    map[string]string
}

// CreatedTopic is what became of one topic in CreateTopics.
type CreatedTopic struct {
	Name              string
	ID                string // hex topic id; "" from brokers older than Kafka 2.8
	Partitions        int32  // -1 when the broker did not say
	ReplicationFactor int16  // -1 when the broker did not say
	// OnRetry reports that the topic already existed when this call
	// retried it after losing a first attempt's answer to a connection
	// failure: that attempt most likely created it. It exists either way.
	OnRetry bool
	Err     error
}

func (t CreatedTopic) err() error { return t.Err }

// CreateTopics creates topics, in one request (Kafka forwards it to the
// controller). Topic names, counts and assignments are checked first, and a
// replication factor above the cluster's number of brokers is refused
// before anything is sent. A topic that already exists fails with
// TOPIC_ALREADY_EXISTS, unless this call's own earlier attempt may have
// created it (see CreatedTopic.OnRetry). The result holds every topic.
func (c *Client) CreateTopics(ctx context.Context, topics ...NewTopic) (Results[string, CreatedTopic], error) {
	return c.createTopics(ctx, "create topics", false, topics)
}

// ValidateCreateTopics asks the controller whether CreateTopics would
// create topics (names, counts, assignments, configs and policies checked),
// without creating anything. The result says what would be created.
func (c *Client) ValidateCreateTopics(ctx context.Context, topics ...NewTopic) (Results[string, CreatedTopic], error) {
	return c.createTopics(ctx, "validate create topics", true, topics)
}

func (c *Client) createTopics(ctx context.Context, op string, validate bool, topics []NewTopic) (Results[string, CreatedTopic], error) {
	byName, err := checkNewTopics(topics)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if err := c.checkReplicationFactors(ctx, topics); err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was created", op, err)
	}
	timeout := serverTimeout(ctx)
	names := slices.Sorted(maps.Keys(byName))
	done, failed := do(ctx, c, driver.API[string, CreatedTopic]{
		Name:       op,
		Route:      controllerRoute[string],
		MaxVersion: 7,
		ServerWait: timeout,
		Request: func(batch []driver.Attempt[string]) kmsg.Request {
			req := kmsg.NewPtrCreateTopicsRequest()
			req.TimeoutMillis = int32(timeout / time.Millisecond)
			req.ValidateOnly = validate
			for _, a := range batch {
				req.Topics = append(req.Topics, createTopicsRequestTopic(byName[a.Key]))
			}
			return req
		},
		Response: func(_ *cluster.Broker, batch []driver.Attempt[string], resp kmsg.Response) map[string]driver.Answer[CreatedTopic] {
			retried := make(map[string]bool, len(batch))
			for _, a := range batch {
				retried[a.Key] = a.MaybeApplied
			}
			out := make(map[string]driver.Answer[CreatedTopic], len(batch))
			for _, t := range resp.(*kmsg.CreateTopicsResponse).Topics {
				ct := CreatedTopic{Name: t.Topic, ID: topicID(t.TopicID), Partitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor}
				err := kafkaerr.New(t.ErrorCode, t.ErrorMessage)
				if errors.Is(err, kerr.TopicAlreadyExists) {
					ct.OnRetry = retried[t.Topic]
					err = kafkaerr.With(kerr.TopicAlreadyExists, fmt.Sprintf("topic %q already exists", t.Topic))
				}
				out[t.Topic] = driver.Answer[CreatedTopic]{Value: ct, Err: topicCodeError(t.Topic, err)}
			}
			return out
		},
		Exceptions: createExceptions(validate),
	}, names, TopicKey)
	c.completeCreated(ctx, done)
	for name, ke := range failed {
		done[name] = CreatedTopic{Name: name, Partitions: -1, ReplicationFactor: -1, Err: ke}
	}
	return done, callError(op, len(names), failed)
}

// createExceptions are CreateTopics' exceptions to the rules: a topic
// that exists after an attempt that may have created it was created by
// this call. A validation creates nothing, so it has none.
func createExceptions(validate bool) []driver.Exception {
	if validate {
		return nil
	}
	return []driver.Exception{
		{Code: kerr.TopicAlreadyExists, OnlyMaybeApplied: true, Outcome: driver.Done, Why: "created by the call's own attempt whose answer was lost"},
	}
}

// completeCreated fills in, from metadata, the topics created by a lost
// attempt, whose retry's answer said only that they exist.
func (c *Client) completeCreated(ctx context.Context, done map[string]CreatedTopic) {
	var onRetry []string
	for name, ct := range done {
		if ct.OnRetry {
			onRetry = append(onRetry, name)
		}
	}
	for name, n := range c.partitionCounts(ctx, onRetry) {
		ct := done[name]
		ct.Partitions = n
		done[name] = ct
	}
}

// partitionCounts reads the partition counts of topics from fresh
// metadata; topics it cannot read (or all, when the request fails) are
// left out.
func (c *Client) partitionCounts(ctx context.Context, topics []string) map[string]int32 {
	counts := make(map[string]int32, len(topics))
	if len(topics) == 0 {
		return counts
	}
	_, metas, err := c.cl.MetadataNow(ctx, topics)
	if err != nil {
		return counts
	}
	for _, t := range topics {
		if tm := metas[t]; tm != nil && tm.Err == nil {
			counts[t] = int32(len(tm.Partitions))
		}
	}
	return counts
}

func createTopicsRequestTopic(t NewTopic) kmsg.CreateTopicsRequestTopic {
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = t.Name
	rt.NumPartitions, rt.ReplicationFactor = -1, -1
	if len(t.Assignment) == 0 {
		if t.Partitions > 0 {
			rt.NumPartitions = t.Partitions
		}
		if t.ReplicationFactor > 0 {
			rt.ReplicationFactor = t.ReplicationFactor
		}
	}
	for p, replicas := range t.Assignment {
		ra := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		ra.Partition, ra.Replicas = int32(p), replicas
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, ra)
	}
	if len(t.Configs) == 0 {
		return rt
	}
	for _, k := range slices.Sorted(maps.Keys(t.Configs)) {
		rc := kmsg.NewCreateTopicsRequestTopicConfig()
		rc.Name, rc.Value = k, kmsg.StringPtr(t.Configs[k])
		rt.Configs = append(rt.Configs, rc)
	}
	return rt
}

// topicCodeError explains the codes a topic operation's answer may carry.
func topicCodeError(topic string, err error) error {
	if err == nil {
		return nil
	}
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return err
	}
	switch ke {
	case kerr.InvalidReplicationFactor:
		return fmt.Errorf("topic %q: the replication factor is invalid (above the number of live brokers?): %w", topic, err)
	case kerr.InvalidPartitions:
		return fmt.Errorf("topic %q: the partition count is invalid: %w", topic, err)
	case kerr.InvalidConfig:
		return fmt.Errorf("topic %q: a config is unknown or its value invalid: check the names and values: %w", topic, err)
	case kerr.InvalidTopicException:
		return fmt.Errorf("topic %q: the name is invalid or collides with an existing topic's: %w", topic, err)
	case kerr.PolicyViolation:
		return fmt.Errorf("topic %q: refused by the cluster's create-topic policy: %w", topic, err)
	case kerr.TopicAuthorizationFailed, kerr.ClusterAuthorizationFailed:
		return fmt.Errorf("topic %q: the principal may not do this: grant it the ACL or use another principal: %w", topic, err)
	}
	return err
}

// maxTopicNameLength is Kafka's limit on a topic name.
const maxTopicNameLength = 249

// CheckTopicName reports what is wrong with a topic name, as Kafka would
// refuse it: empty, "." or "..", longer than 249 characters, or with a
// character other than ASCII letters, digits, '.', '_' and '-'.
func CheckTopicName(name string) error {
	switch {
	case name == "":
		return errors.New("a topic name is empty: name the topic")
	case name == "." || name == "..":
		return fmt.Errorf("topic name %q is not allowed: choose another name", name)
	case len(name) > maxTopicNameLength:
		return fmt.Errorf("topic name %q is %d characters long: Kafka allows at most %d", name, len(name), maxTopicNameLength)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("topic name %q has the character %q: use only ASCII letters, digits, '.', '_' and '-'", name, r)
		}
	}
	return nil
}

// TopicNameMayCollide reports whether a topic name has a '.' or a '_':
// Kafka's metric names do not tell them apart, so such a topic collides
// with one whose name differs only there, as kafka-topics.sh warns.
func TopicNameMayCollide(name string) bool { return strings.ContainsAny(name, "._") }

func checkNewTopics(topics []NewTopic) (map[string]NewTopic, error) {
	if len(topics) == 0 {
		return nil, errors.New("no topics given: name at least one topic to create")
	}
	byName := make(map[string]NewTopic, len(topics))
	for _, t := range topics {
		if err := CheckTopicName(t.Name); err != nil {
			return nil, err
		}
		if _, dup := byName[t.Name]; dup {
			return nil, fmt.Errorf("topic %q is given twice: give each topic once", t.Name)
		}
		if err := checkNewTopic(t); err != nil {
			return nil, err
		}
		byName[t.Name] = t
	}
	return byName, nil
}

func checkNewTopic(t NewTopic) error {
	switch {
	case t.Partitions < 0:
		return fmt.Errorf("topic %q: %d partitions: want 1 or more, or 0 for the broker's default", t.Name, t.Partitions)
	case t.ReplicationFactor < 0:
		return fmt.Errorf("topic %q: replication factor %d: want 1 or more, or 0 for the broker's default", t.Name, t.ReplicationFactor)
	case len(t.Assignment) > 0 && (t.Partitions != 0 || t.ReplicationFactor != 0):
		return fmt.Errorf("topic %q: give either an assignment or a partition count and replication factor, not both", t.Name)
	}
	for k := range t.Configs {
		if k == "" {
			return fmt.Errorf("topic %q: a config name is empty", t.Name)
		}
	}
	return checkAssignment(t.Name, 0, t.Assignment)
}

// checkAssignment checks replica lists for partitions from first on: each
// non-empty, as long as the others, without a broker twice.
func checkAssignment(topic string, first int, assignment [][]int32) error {
	for i, replicas := range assignment {
		p := first + i
		if len(replicas) == 0 {
			return fmt.Errorf("topic %q: partition %d has no replicas: give each partition at least one broker", topic, p)
		}
		if len(replicas) != len(assignment[0]) {
			return fmt.Errorf("topic %q: partition %d has %d replicas and partition %d has %d: give every partition as many", topic, p, len(replicas), first, len(assignment[0]))
		}
		seen := make(map[int32]bool, len(replicas))
		for _, b := range replicas {
			if b < 0 {
				return fmt.Errorf("topic %q: partition %d names broker %d: broker ids are 0 or more", topic, p, b)
			}
			if seen[b] {
				return fmt.Errorf("topic %q: partition %d names broker %d twice: a broker holds at most one replica of a partition", topic, p, b)
			}
			seen[b] = true
		}
	}
	return nil
}

// checkReplicationFactors refuses a replication factor above the number
// of brokers, and an assignment naming a broker the cluster lacks. The
// cached broker list decides a call it allows, so that creating topics
// costs one request; one it would refuse is checked again against fresh
// metadata first (a broker may have been added since).
func (c *Client) checkReplicationFactors(ctx context.Context, topics []NewTopic) error {
	brokers, err := c.cl.Brokers(ctx, 0)
	if err != nil {
		return fmt.Errorf("listing the brokers: %w", err)
	}
	if brokersFit(brokers, topics) == nil {
		return nil
	}
	if brokers, _, err = c.cl.BrokersNow(ctx); err != nil {
		return fmt.Errorf("listing the brokers: %w", err)
	}
	return brokersFit(brokers, topics)
}

// brokersFit checks topics' replication factors and assignments against
// brokers.
func brokersFit(brokers []*cluster.Broker, topics []NewTopic) error {
	known := make(map[int32]bool, len(brokers))
	for _, b := range brokers {
		known[b.ID] = true
	}
	for _, t := range topics {
		if int(t.ReplicationFactor) > len(brokers) {
			return fmt.Errorf("topic %q: replication factor %d is above the cluster's %d brokers: lower it to %d at most", t.Name, t.ReplicationFactor, len(brokers), len(brokers))
		}
		for p, replicas := range t.Assignment {
			for _, b := range replicas {
				if !known[b] {
					return fmt.Errorf("topic %q: partition %d names broker %d, which the cluster does not have (brokers: %v)", t.Name, p, b, brokerIDs(brokers))
				}
			}
		}
	}
	return nil
}

func brokerIDs(brokers []*cluster.Broker) []int32 {
	ids := make([]int32, len(brokers))
	for i, b := range brokers {
		ids[i] = b.ID
	}
	return ids
}

func topicID(id [16]byte) string {
	if id == [16]byte{} {
		return ""
	}
	return hex.EncodeToString(id[:])
}

// DeletedTopic is what became of one topic in DeleteTopics.
type DeletedTopic struct {
	Name string // "" when deleted by id and the broker did not say
	ID   string
	// GoneOnRetry reports that the topic was already gone when this call
	// retried it after losing a first attempt's answer: that attempt most
	// likely deleted it. It is gone either way.
	GoneOnRetry bool
	Err         error
}

func (t DeletedTopic) err() error { return t.Err }

// DeleteTopics deletes topics by name, with their data, in one request
// (Kafka forwards it to the controller). A topic that does not exist fails
// with UNKNOWN_TOPIC_OR_PARTITION, unless this call's own earlier attempt
// may have deleted it (see DeletedTopic.GoneOnRetry).
func (c *Client) DeleteTopics(ctx context.Context, topics ...string) (Results[string, DeletedTopic], error) {
	if len(topics) == 0 {
		return nil, errors.New("delete topics: no topics given: name at least one topic")
	}
	for _, t := range topics {
		if t == "" {
			return nil, errors.New("delete topics: a topic name is empty: name each topic")
		}
	}
	return c.deleteTopics(ctx, "delete topics", topics, false)
}

// DeleteTopicsByID deletes topics by their id (hex, as TopicInfo.ID gives
// it; Kafka 2.8 and later), so that a topic deleted and created again under
// the same name is not deleted by mistake. Results are by id, in lower case.
func (c *Client) DeleteTopicsByID(ctx context.Context, ids ...string) (Results[string, DeletedTopic], error) {
	if len(ids) == 0 {
		return nil, errors.New("delete topics: no topic ids given: name at least one topic id")
	}
	norm := make([]string, len(ids))
	for i, id := range ids {
		b, err := hexDecode16(id)
		if err != nil {
			return nil, fmt.Errorf("delete topics: topic id %q is not 32 hex digits: give the id as ListTopics or DescribeTopics reports it", id)
		}
		norm[i] = topicID(b) // answers name ids in lower case
	}
	return c.deleteTopics(ctx, "delete topics by id", norm, true)
}

func (c *Client) deleteTopics(ctx context.Context, op string, keys []string, byID bool) (Results[string, DeletedTopic], error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	timeout := serverTimeout(ctx)
	minVersion := int16(0)
	key := TopicKey
	if byID {
		minVersion, key = 6, TopicIDKey
	}
	done, failed := do(ctx, c, driver.API[string, DeletedTopic]{
		Name:       op,
		Route:      controllerRoute[string],
		MinVersion: minVersion,
		MaxVersion: 6,
		ServerWait: timeout,
		Request: func(batch []driver.Attempt[string]) kmsg.Request {
			req := kmsg.NewPtrDeleteTopicsRequest()
			req.TimeoutMillis = int32(timeout / time.Millisecond)
			for _, a := range batch {
				rt := kmsg.NewDeleteTopicsRequestTopic()
				if byID {
					rt.TopicID, _ = hexDecode16(a.Key)
				} else {
					rt.Topic = kmsg.StringPtr(a.Key)
					req.TopicNames = append(req.TopicNames, a.Key)
				}
				req.Topics = append(req.Topics, rt)
			}
			return req
		},
		Response: func(_ *cluster.Broker, batch []driver.Attempt[string], resp kmsg.Response) map[string]driver.Answer[DeletedTopic] {
			retried := make(map[string]bool, len(batch))
			for _, a := range batch {
				retried[a.Key] = a.MaybeApplied
			}
			out := make(map[string]driver.Answer[DeletedTopic], len(batch))
			for _, t := range resp.(*kmsg.DeleteTopicsResponse).Topics {
				dt := DeletedTopic{ID: topicID(t.TopicID)}
				if t.Topic != nil {
					dt.Name = *t.Topic
				}
				k := dt.Name
				if byID {
					k = dt.ID
				}
				err := kafkaerr.New(t.ErrorCode, t.ErrorMessage)
				if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) {
					dt.GoneOnRetry = retried[k]
					err = kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("topic %s does not exist: check the name or id", k))
				}
				out[k] = driver.Answer[DeletedTopic]{Value: dt, Err: topicCodeError(k, err)}
			}
			return out
		},
		Exceptions: []driver.Exception{
			{Code: kerr.UnknownTopicOrPartition, OnlyMaybeApplied: true, Outcome: driver.Done, Why: "deleted by the call's own attempt whose answer was lost"},
			{Code: kerr.UnknownTopicOrPartition, Outcome: driver.Fail, Why: "the topic does not exist: retrying cannot help"},
		},
	}, keys, key)
	for k, ke := range failed {
		dt := DeletedTopic{Name: k, Err: ke}
		if byID {
			dt = DeletedTopic{ID: k, Err: ke}
		}
		done[k] = dt
	}
	return done, callError(op, len(keys), failed)
}

// NewPartitions asks CreatePartitions to grow a topic to Count partitions,
// placing the new ones on the brokers of Assignment (one replica list per
// new partition) or, without it, where the controller chooses.
type NewPartitions struct {
	Topic      string
	Count      int32
	Assignment [][]int32
}

// CreatedPartitions is what became of one topic in CreatePartitions.
type CreatedPartitions struct {
	Topic string
	Count int32 // the topic's partition count afterwards; -1 on failure
	// OnRetry reports that the topic already had Count partitions when
	// this call retried after losing a first attempt's answer: that
	// attempt most likely added them.
	OnRetry bool
	Err     error
}

func (p CreatedPartitions) err() error { return p.Err }

// CreatePartitions adds partitions to topics, in one request. Each topic's
// count is checked against fresh metadata first: a count that is not above
// today's is refused before anything is sent (Kafka cannot remove
// partitions). Records keyed by the partitioner move to other partitions
// once the count changes.
func (c *Client) CreatePartitions(ctx context.Context, topics ...NewPartitions) (Results[string, CreatedPartitions], error) {
	const op = "create partitions"
	byTopic, err := checkNewPartitions(topics)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	names := slices.Sorted(maps.Keys(byTopic))
	if err := c.checkGrowth(ctx, byTopic, names); err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was changed", op, err)
	}
	timeout := serverTimeout(ctx)
	done, failed := do(ctx, c, driver.API[string, CreatedPartitions]{
		Name:       op,
		Route:      controllerRoute[string],
		MaxVersion: 3,
		ServerWait: timeout,
		Request: func(batch []driver.Attempt[string]) kmsg.Request {
			req := kmsg.NewPtrCreatePartitionsRequest()
			req.TimeoutMillis = int32(timeout / time.Millisecond)
			for _, a := range batch {
				np := byTopic[a.Key]
				rt := kmsg.NewCreatePartitionsRequestTopic()
				rt.Topic, rt.Count = np.Topic, np.Count
				for _, replicas := range np.Assignment {
					ra := kmsg.NewCreatePartitionsRequestTopicAssignment()
					ra.Replicas = replicas
					rt.Assignment = append(rt.Assignment, ra)
				}
				req.Topics = append(req.Topics, rt)
			}
			return req
		},
		Response: func(_ *cluster.Broker, batch []driver.Attempt[string], resp kmsg.Response) map[string]driver.Answer[CreatedPartitions] {
			out := make(map[string]driver.Answer[CreatedPartitions], len(batch))
			for _, t := range resp.(*kmsg.CreatePartitionsResponse).Topics {
				out[t.Topic] = driver.Answer[CreatedPartitions]{
					Value: CreatedPartitions{Topic: t.Topic, Count: byTopic[t.Topic].Count},
					Err:   topicCodeError(t.Topic, kafkaerr.New(t.ErrorCode, t.ErrorMessage)),
				}
			}
			return out
		},
	}, names, TopicKey)
	c.doneOnRetry(ctx, byTopic, done, failed)
	for t, ke := range failed {
		done[t] = CreatedPartitions{Topic: t, Count: -1, Err: ke}
	}
	return done, callError(op, len(names), failed)
}

// doneOnRetry turns INVALID_PARTITIONS after a lost answer into success
// when the topic now has the count asked for: the lost attempt added them.
func (c *Client) doneOnRetry(ctx context.Context, byTopic map[string]NewPartitions, done map[string]CreatedPartitions, failed map[string]*KeyError) {
	var check []string
	for t, ke := range failed {
		if ke.MaybeApplied && errors.Is(ke, kerr.InvalidPartitions) {
			check = append(check, t)
		}
	}
	for t, n := range c.partitionCounts(ctx, check) {
		if n == byTopic[t].Count {
			done[t] = CreatedPartitions{Topic: t, Count: n, OnRetry: true}
			delete(failed, t)
		}
	}
}

func checkNewPartitions(topics []NewPartitions) (map[string]NewPartitions, error) {
	if len(topics) == 0 {
		return nil, errors.New("no topics given: name each topic and its new partition count")
	}
	byTopic := make(map[string]NewPartitions, len(topics))
	for _, np := range topics {
		if np.Topic == "" {
			return nil, errors.New("a topic name is empty: name each topic")
		}
		if _, dup := byTopic[np.Topic]; dup {
			return nil, fmt.Errorf("topic %q is given twice: give each topic once", np.Topic)
		}
		if np.Count < 1 {
			return nil, fmt.Errorf("topic %q: partition count %d: give the topic's new total count, above today's", np.Topic, np.Count)
		}
		byTopic[np.Topic] = np
	}
	return byTopic, nil
}

// checkGrowth checks each new count against the topic's partitions today,
// and the assignment's length against the partitions added.
func (c *Client) checkGrowth(ctx context.Context, byTopic map[string]NewPartitions, names []string) error {
	_, metas, err := c.cl.MetadataNow(ctx, names)
	if err != nil {
		return fmt.Errorf("reading the topics' partition counts: %w", err)
	}
	for _, t := range names {
		np, tm := byTopic[t], metas[t]
		switch {
		case tm == nil || errors.Is(tm.Err, kerr.UnknownTopicOrPartition):
			return kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("topic %q does not exist: check the topic name", t))
		case tm.Err != nil:
			return fmt.Errorf("topic %q: %w", t, tm.Err)
		}
		now := int32(len(tm.Partitions))
		if np.Count <= now {
			return kafkaerr.With(kerr.InvalidPartitions, fmt.Sprintf("topic %q has %d partitions: give a count above that (Kafka cannot remove partitions)", t, now))
		}
		if len(np.Assignment) > 0 && int32(len(np.Assignment)) != np.Count-now {
			return fmt.Errorf("topic %q: the assignment lists %d partitions, and growing from %d to %d adds %d: give one replica list per new partition", t, len(np.Assignment), now, np.Count, np.Count-now)
		}
		if err := checkAssignment(t, int(now), np.Assignment); err != nil {
			return err
		}
	}
	return nil
}
