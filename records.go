package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// DeletedRecords is what DeleteRecords did to one partition.
type DeletedRecords struct {
	Partition TopicPartition
	// LogStart is the partition's log start offset afterwards: records
	// before it can no longer be read.
	LogStart int64
	Err      error
}

func (d DeletedRecords) err() error { return d.Err }

// DeleteRecords deletes the records of partitions before the given
// offsets (DeleteRecords, KIP-107): each partition's log start moves up to
// its offset, asked of its leader, leaders in parallel. An offset of -1
// means the log end (every record). It is safe to repeat: deleting up to
// an offset already passed changes nothing. The result holds every
// partition with its new log start.
func (c *Client) DeleteRecords(ctx context.Context, before map[TopicPartition]int64) (Results[TopicPartition, DeletedRecords], error) {
	if len(before) == 0 {
		return nil, errors.New("delete records: no partitions given: name each partition and the offset to delete before")
	}
	tps := mapKeys(before)
	if _, err := checkTopicPartitions(tps); err != nil {
		return nil, fmt.Errorf("delete records: %w", err)
	}
	for tp, off := range before {
		if off < -1 {
			return nil, fmt.Errorf("delete records: offset %d for %s: want an offset of 0 or more, or -1 for the log end", off, describeTP(tp))
		}
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	const op = "delete records"
	timeout := serverTimeout(ctx)
	done, failed := do(ctx, c, driver.API[TopicPartition, DeletedRecords]{
		Name:       op,
		Route:      leaderRoute,
		MaxVersion: 2,
		ServerWait: timeout,
		Request: func(batch []driver.Attempt[TopicPartition]) kmsg.Request {
			req := kmsg.NewPtrDeleteRecordsRequest()
			req.TimeoutMillis = int32(timeout / time.Millisecond)
			for topic, ps := range batchByTopic(batch) {
				rt := kmsg.NewDeleteRecordsRequestTopic()
				rt.Topic = topic
				for _, p := range ps {
					rp := kmsg.NewDeleteRecordsRequestTopicPartition()
					rp.Partition, rp.Offset = p, before[TopicPartition{topic, p}]
					rt.Partitions = append(rt.Partitions, rp)
				}
				req.Topics = append(req.Topics, rt)
			}
			return req
		},
		Response: func(_ *cluster.Broker, batch []driver.Attempt[TopicPartition], resp kmsg.Response) map[TopicPartition]driver.Answer[DeletedRecords] {
			out := make(map[TopicPartition]driver.Answer[DeletedRecords], len(batch))
			for _, t := range resp.(*kmsg.DeleteRecordsResponse).Topics {
				for _, p := range t.Partitions {
					tp := TopicPartition{t.Topic, p.Partition}
					err := kafkaerr.New(p.ErrorCode, nil)
					if errors.Is(err, kerr.OffsetOutOfRange) {
						err = kafkaerr.With(kerr.OffsetOutOfRange, fmt.Sprintf("offset %d is past the log end of %s: delete up to the log end at most (-1)", before[tp], describeTP(tp)))
					}
					out[tp] = driver.Answer[DeletedRecords]{Value: DeletedRecords{Partition: tp, LogStart: p.LowWatermark}, Err: err}
				}
			}
			return out
		},
	}, tps, PartitionKey)
	for tp, ke := range failed {
		done[tp] = DeletedRecords{Partition: tp, LogStart: -1, Err: ke}
	}
	return done, callError(op, len(tps), failed)
}

// batchByTopic groups a batch's partitions by topic.
func batchByTopic(batch []driver.Attempt[TopicPartition]) map[string][]int32 {
	out := make(map[string][]int32)
	for _, a := range batch {
		out[a.Key.Topic] = append(out[a.Key.Topic], a.Key.Partition)
	}
	return out
}

// serverTimeout is the timeout to put in a request the broker may hold
// (CreateTopics, DeleteRecords...): half of what is left of the call's
// deadline, from 1 s to 30 s, so that a held request answers in time for
// a retry.
func serverTimeout(ctx context.Context) time.Duration {
	left := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		left = time.Until(dl) / 2
	}
	return min(max(left, time.Second), 30*time.Second)
}
