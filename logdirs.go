package kafadmin

import (
	"cmp"
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

// DescribeLogDirs v4 (Kafka 3.3, KIP-827) reports each dir's total and
// usable bytes, v5 whether it is cordoned (KIP-1066); AlterReplicaLogDirs
// has no version a broker of Kafka 2.x or later lacks.
const (
	describeLogDirsMax    = 5
	alterReplicaLogDirMax = 2
)

// BrokerLogDirs is one broker's log directories.
type BrokerLogDirs struct {
	Broker int32
	Dirs   []LogDir // sorted by path
	Err    error
}

func (b BrokerLogDirs) err() error { return b.Err }

// LogDir is one log directory of a broker (one entry of its log.dirs).
type LogDir struct {
	Path string
	// Err is the broker's error for the directory, e.g.
	// KAFKA_STORAGE_ERROR for a directory that is offline (a failed disk);
	// such a directory lists no replicas.
	Err error
	// TotalBytes and UsableBytes are the size of the directory's volume
	// and the space left on it; -1 from brokers older than Kafka 3.3.
	TotalBytes, UsableBytes int64
	// Cordoned reports a directory that takes no new replicas (KIP-1066,
	// Kafka 4.2).
	Cordoned bool
	Replicas []LogDirReplica // sorted by partition, a replica before its future
}

// LogDirReplica is a partition's replica in a log directory.
type LogDirReplica struct {
	Partition TopicPartition
	Size      int64 // bytes on disk
	// OffsetLag is how far the replica is behind: for a future replica,
	// behind the current one it will replace; for a current one, behind
	// the partition's high watermark.
	OffsetLag int64
	// Future reports a replica being copied into this directory by
	// AlterReplicaLogDirs; it replaces the current replica once it has
	// caught up.
	Future bool
}

// DescribeLogDirs describes the log directories of brokers, or of every
// broker in the cluster's metadata when brokers is nil: each directory's
// path, its errors and free space, and the replicas it holds with their
// size and lag, as kafka-log-dirs.sh --describe does. With partitions,
// only the replicas of those partitions are listed (every directory still
// is). Each broker is asked for its own directories, brokers in parallel.
// A broker named that is down is waited for, within the call's deadline,
// even while the cluster's metadata leaves it out (Kafka does so for a
// broker shut down or fenced, until it is back); asked of every broker, a
// broker that leaves the cluster meanwhile is left out. The result holds
// every broker.
func (c *Client) DescribeLogDirs(ctx context.Context, brokers []int32, partitions ...TopicPartition) (Results[int32, BrokerLogDirs], error) {
	const op = "describe log dirs"
	brokers, partitions, err := checkDescribeLogDirs(brokers, partitions)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	brokers, every, err := c.brokerKeys(ctx, op, brokers)
	if err != nil {
		return nil, err
	}
	done, failed := do(ctx, c, describeLogDirsAPI(op, partitions, every), brokers, BrokerKey)
	brokers = leaveOutGone(every, brokers, failed)
	for id, ke := range failed {
		ke.Err = explainBrokerGone(id, ke.Err)
		done[id] = BrokerLogDirs{Broker: id, Err: ke}
	}
	return done, callError(op, len(brokers), failed)
}

// checkDescribeLogDirs refuses negative broker ids and bad partitions, and
// drops duplicates.
func checkDescribeLogDirs(brokers []int32, partitions []TopicPartition) ([]int32, []TopicPartition, error) {
	if brokers != nil {
		if len(brokers) == 0 {
			return nil, nil, errors.New("the broker list is empty: name at least one broker, or pass nil for every broker")
		}
		if err := checkBrokerIDs(brokers); err != nil {
			return nil, nil, err
		}
		brokers = slices.Compact(slices.Sorted(slices.Values(brokers)))
	}
	if len(partitions) > 0 {
		var err error
		if partitions, err = checkTopicPartitions(partitions); err != nil {
			return nil, nil, err
		}
	}
	return brokers, partitions, nil
}

func checkBrokerIDs(ids []int32) error {
	for _, id := range ids {
		if id < 0 {
			return fmt.Errorf("broker id %d is negative: broker ids are 0 or more", id)
		}
	}
	return nil
}

// describeLogDirsAPI is DescribeLogDirs: each broker for its own dirs.
func describeLogDirsAPI(op string, partitions []TopicPartition, every bool) driver.API[int32, BrokerLogDirs] {
	return driver.API[int32, BrokerLogDirs]{
		Name:       op,
		Route:      brokersRoute(every),
		MaxVersion: describeLogDirsMax,
		Request: func([]driver.Attempt[int32]) kmsg.Request {
			req := kmsg.NewPtrDescribeLogDirsRequest()
			if len(partitions) > 0 {
				for topic, ps := range partitionsByTopic(partitions) {
					rt := kmsg.NewDescribeLogDirsRequestTopic()
					rt.Topic, rt.Partitions = topic, ps
					req.Topics = append(req.Topics, rt)
				}
			}
			return req
		},
		Response: func(b *cluster.Broker, _ []driver.Attempt[int32], resp kmsg.Response) map[int32]driver.Answer[BrokerLogDirs] {
			r := resp.(*kmsg.DescribeLogDirsResponse)
			if err := kafkaerr.New(r.ErrorCode, nil); err != nil {
				return map[int32]driver.Answer[BrokerLogDirs]{b.ID: {Err: err}}
			}
			return map[int32]driver.Answer[BrokerLogDirs]{b.ID: {Value: BrokerLogDirs{Broker: b.ID, Dirs: logDirs(r.Dirs)}}}
		},
	}
}

func logDirs(dirs []kmsg.DescribeLogDirsResponseDir) []LogDir {
	out := make([]LogDir, 0, len(dirs))
	for _, d := range dirs {
		ld := LogDir{Path: d.Dir, Err: kafkaerr.New(d.ErrorCode, nil), TotalBytes: d.TotalBytes, UsableBytes: d.UsableBytes, Cordoned: d.IsCordoned}
		for _, t := range d.Topics {
			for _, p := range t.Partitions {
				ld.Replicas = append(ld.Replicas, LogDirReplica{Partition: TopicPartition{t.Topic, p.Partition}, Size: p.Size, OffsetLag: p.OffsetLag, Future: p.IsFuture})
			}
		}
		slices.SortFunc(ld.Replicas, func(a, b LogDirReplica) int {
			return cmp.Or(compareTP(a.Partition, b.Partition), compareBool(a.Future, b.Future))
		})
		out = append(out, ld)
	}
	slices.SortFunc(out, func(a, b LogDir) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Replica names a partition's replica on one broker.
type Replica struct {
	Broker    int32
	Partition TopicPartition
}

// String reads e.g. "orders/0 on broker 2".
func (r Replica) String() string { return fmt.Sprintf("%s on broker %d", r.Partition, r.Broker) }

// ReplicaMove is what AlterReplicaLogDirs did to one replica.
type ReplicaMove struct {
	Replica Replica
	Dir     string // the directory asked for
	Err     error
}

func (m ReplicaMove) err() error { return m.Err }

// AlterReplicaLogDirs moves replicas between the log directories of their
// brokers (KIP-113), as kafka-reassign-partitions.sh does with "log_dirs":
// each replica is to be moved to the directory given, an absolute path of
// its broker's log.dirs. A broker accepts the move and copies the replica
// in the background into a future replica (DescribeLogDirs lists it, with
// Future set, until it has caught up and replaced the current one). Moving
// a replica to the directory it is in changes nothing, so a call retried
// after a lost answer is safe.
//
// Every replica is checked against the cluster's metadata first: if its
// topic or partition does not exist, or its broker holds no replica of the
// partition, nothing is sent. Each broker is asked for its own replicas,
// brokers in parallel. The result holds every replica.
func (c *Client) AlterReplicaLogDirs(ctx context.Context, dirs map[Replica]string) (Results[Replica, ReplicaMove], error) {
	const op = "alter replica log dirs"
	if err := checkReplicaDirs(dirs); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	replicas := mapKeys(dirs)
	if err := c.checkReplicasExist(ctx, op, replicas); err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was moved", op, err)
	}
	done, failed := do(ctx, c, alterReplicaLogDirsAPI(op, dirs), replicas, ReplicaKey)
	for r, ke := range failed {
		done[r] = ReplicaMove{Replica: r, Dir: dirs[r], Err: ke}
	}
	return done, callError(op, len(replicas), failed)
}

func checkReplicaDirs(dirs map[Replica]string) error {
	if len(dirs) == 0 {
		return errors.New("no replicas given: name each replica (broker and partition) and the log dir to move it to")
	}
	replicas := mapKeys(dirs)
	slices.SortFunc(replicas, compareAny)
	for _, r := range replicas {
		if _, err := checkTopicPartitions([]TopicPartition{r.Partition}); err != nil {
			return err
		}
		if r.Broker < 0 {
			return fmt.Errorf("the replica of %s names broker %d: broker ids are 0 or more", describeTP(r.Partition), r.Broker)
		}
		if strings.TrimSpace(dirs[r]) == "" {
			return fmt.Errorf("the log dir for %s is empty: name one of broker %d's log.dirs (DescribeLogDirs lists them)", r, r.Broker)
		}
	}
	return nil
}

// checkReplicasExist fails, naming the first missing one, unless every
// replica's partition exists and has a replica on its broker.
func (c *Client) checkReplicasExist(ctx context.Context, op string, replicas []Replica) error {
	topics := make([]string, 0, len(replicas))
	for _, r := range replicas {
		if !slices.Contains(topics, r.Partition.Topic) {
			topics = append(topics, r.Partition.Topic)
		}
	}
	resp, err := c.metadata(ctx, op, topics)
	if err != nil {
		return fmt.Errorf("checking the replicas exist: %w", err)
	}
	placed := make(map[TopicPartition][]int32)
	topicErrs := make(map[string]error)
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		topicErrs[*t.Topic] = kafkaerr.New(t.ErrorCode, nil)
		for _, p := range t.Partitions {
			placed[TopicPartition{*t.Topic, p.Partition}] = p.Replicas
		}
	}
	slices.SortFunc(replicas, compareAny)
	for _, r := range replicas {
		if err := replicaMissing(r, placed, topicErrs); err != nil {
			return err
		}
	}
	return nil
}

func replicaMissing(r Replica, placed map[TopicPartition][]int32, topicErrs map[string]error) error {
	terr, known := topicErrs[r.Partition.Topic]
	switch {
	case !known || errors.Is(terr, kerr.UnknownTopicOrPartition):
		return kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("topic %q does not exist: check the topic name", r.Partition.Topic))
	case terr != nil:
		return fmt.Errorf("topic %q: %w", r.Partition.Topic, terr)
	}
	holders, ok := placed[r.Partition]
	if !ok {
		return kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("%s does not exist: check the partition number", describeTP(r.Partition)))
	}
	if !slices.Contains(holders, r.Broker) {
		return fmt.Errorf("broker %d holds no replica of %s (its replicas are on brokers %v): name one of those brokers", r.Broker, describeTP(r.Partition), holders)
	}
	return nil
}

// alterReplicaLogDirsAPI is AlterReplicaLogDirs: each replica to its
// broker.
func alterReplicaLogDirsAPI(op string, dirs map[Replica]string) driver.API[Replica, ReplicaMove] {
	return driver.API[Replica, ReplicaMove]{
		Name:       op,
		Route:      func(r Replica) driver.Route { return brokerRoute(r.Broker) },
		MaxVersion: alterReplicaLogDirMax,
		Exceptions: []driver.Exception{
			{Code: kerr.KafkaStorageError, Outcome: driver.Fail, Why: "a log dir is offline: a failed disk does not heal within a call"},
		},
		Request: func(batch []driver.Attempt[Replica]) kmsg.Request {
			req := kmsg.NewPtrAlterReplicaLogDirsRequest()
			byDir := make(map[string][]TopicPartition)
			for _, a := range batch {
				byDir[dirs[a.Key]] = append(byDir[dirs[a.Key]], a.Key.Partition)
			}
			for dir, tps := range byDir {
				rd := kmsg.NewAlterReplicaLogDirsRequestDir()
				rd.Dir = dir
				for topic, ps := range partitionsByTopic(tps) {
					rt := kmsg.NewAlterReplicaLogDirsRequestDirTopic()
					rt.Topic, rt.Partitions = topic, ps
					rd.Topics = append(rd.Topics, rt)
				}
				req.Dirs = append(req.Dirs, rd)
			}
			return req
		},
		Response: func(b *cluster.Broker, batch []driver.Attempt[Replica], resp kmsg.Response) map[Replica]driver.Answer[ReplicaMove] {
			out := make(map[Replica]driver.Answer[ReplicaMove], len(batch))
			for _, t := range resp.(*kmsg.AlterReplicaLogDirsResponse).Topics {
				for _, p := range t.Partitions {
					r := Replica{Broker: b.ID, Partition: TopicPartition{t.Topic, p.Partition}}
					out[r] = driver.Answer[ReplicaMove]{Value: ReplicaMove{Replica: r, Dir: dirs[r]}, Err: explainLogDir(r, dirs[r], kafkaerr.New(p.ErrorCode, nil))}
				}
			}
			return out
		},
	}
}

// explainLogDir says what a refused move means and what to do.
func explainLogDir(r Replica, dir string, err error) error {
	switch {
	case errors.Is(err, kerr.LogDirNotFound):
		return kafkaerr.With(kerr.LogDirNotFound, fmt.Sprintf("broker %d has no log dir %q: name one of its log.dirs (DescribeLogDirs lists them)", r.Broker, dir))
	case errors.Is(err, kerr.KafkaStorageError):
		return kafkaerr.With(kerr.KafkaStorageError, fmt.Sprintf("log dir %q, or the dir holding %s, is offline on broker %d: check the broker's disks", dir, describeTP(r.Partition), r.Broker))
	}
	return err
}
