package kafkatest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

const (
	seederClientID = "kafkatest"

	// clientMetadataMinAge lets the cluster's own clients refresh metadata
	// quickly after leaders move; the brokers are local and cheap to ask.
	clientMetadataMinAge = 100 * time.Millisecond
)

// CreateTopic creates a topic with the given number of partitions (kfake's
// default of 10 if partitions <= 0). It asks kfake directly rather than
// sending CreateTopics, so it works whichever brokers are stopped or
// black-holed, and faults, controls and request counts do not see it.
func (c *Cluster) CreateTopic(topic string, partitions int32) error {
	var err error
	if lerr := c.onLoop(func(kf *kfake.Cluster) { err = kf.CreateTopic(topic, partitions, nil) }); lerr != nil {
		return lerr
	}
	if err != nil {
		return fmt.Errorf("kafkatest: creating topic %q: %w", topic, err)
	}
	return nil
}

// CreatePartitions grows topic to count partitions, as
// kafka-topics --alter --partitions does, through a CreatePartitions request
// to the controller. Clients that cached the topic's metadata learn of the
// new partitions only when they fetch it again.
func (c *Cluster) CreatePartitions(ctx context.Context, topic string, count int32) error {
	cl, err := c.seedClient()
	if err != nil {
		return err
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	rt := kmsg.NewCreatePartitionsRequestTopic()
	rt.Topic, rt.Count = topic, count
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10000
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("kafkatest: growing topic %q to %d partitions: %w", topic, count, err)
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return fmt.Errorf("kafkatest: growing topic %q to %d partitions: %w", topic, count, err)
		}
	}
	cl.PurgeTopicsFromClient(topic) // Produce learns the new partitions
	return nil
}

// Produce writes n records with values "value-0" to "value-<n-1>" to one
// partition and returns once the leader acknowledged them. It uses the
// cluster's own client, so the partition's leader must be reachable.
func (c *Cluster) Produce(ctx context.Context, topic string, partition int32, n int) error {
	if n <= 0 {
		return nil
	}
	if err := c.checkPartition(topic, partition); err != nil {
		return err
	}
	cl, err := c.seedClient()
	if err != nil {
		return err
	}
	records := make([]*kgo.Record, n)
	for i := range records {
		records[i] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte("value-" + strconv.Itoa(i))}
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return fmt.Errorf("kafkatest: producing %d records to %s[%d]: %w", n, topic, partition, err)
	}
	return nil
}

func (c *Cluster) checkPartition(topic string, partition int32) error {
	var info *kfake.PartitionInfo
	if err := c.onLoop(func(kf *kfake.Cluster) { info = kf.PartitionInfo(topic, partition) }); err != nil {
		return err
	}
	if info == nil {
		return fmt.Errorf("kafkatest: topic %q has no partition %d; create it first", topic, partition)
	}
	return nil
}

// CommitOffsets commits offsets (topic → partition → offset) for a group the
// way an admin tool does: generation -1 and no member id, which kfake accepts
// only while the group has no members. It fails with the first per-partition
// error the coordinator answers.
func (c *Cluster) CommitOffsets(ctx context.Context, group string, offsets map[string]map[int32]int64) error {
	req, err := c.offsetCommitRequest(group, offsets)
	if err != nil {
		return err
	}
	cl, err := c.seedClient()
	if err != nil {
		return err
	}
	resp, err := cl.Request(ctx, req)
	if err != nil {
		return fmt.Errorf("kafkatest: committing offsets for group %q: %w", group, err)
	}
	return c.offsetCommitError(group, resp.(*kmsg.OffsetCommitResponse))
}

// offsetCommitRequest builds an admin commit. Each topic carries both its name
// and its id, so the request is right whichever version the client picks
// (v10 replaced names with ids).
func (c *Cluster) offsetCommitRequest(group string, offsets map[string]map[int32]int64) (*kmsg.OffsetCommitRequest, error) {
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = group
	req.Generation = -1
	for _, topic := range slices.Sorted(maps.Keys(offsets)) {
		id, err := c.topicID(topic)
		if err != nil {
			return nil, err
		}
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = topic
		rt.TopicID = id
		partitions := offsets[topic]
		for _, p := range slices.Sorted(maps.Keys(partitions)) {
			rp := kmsg.NewOffsetCommitRequestTopicPartition()
			rp.Partition = p
			rp.Offset = partitions[p]
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	return req, nil
}

func (c *Cluster) topicID(topic string) ([16]byte, error) {
	var info *kfake.TopicInfo
	if err := c.onLoop(func(kf *kfake.Cluster) { info = kf.TopicInfo(topic) }); err != nil {
		return [16]byte{}, err
	}
	if info == nil {
		return [16]byte{}, fmt.Errorf("kafkatest: topic %q does not exist; create it first", topic)
	}
	return info.TopicID, nil
}

// offsetCommitError returns the first per-partition error in resp, naming
// topics by name even when the response carries only ids.
func (c *Cluster) offsetCommitError(group string, resp *kmsg.OffsetCommitResponse) error {
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("kafkatest: committing %s[%d] for group %q: %w", c.topicName(t.Topic, t.TopicID), p.Partition, group, err)
			}
		}
	}
	return nil
}

func (c *Cluster) topicName(name string, id [16]byte) string {
	if name != "" {
		return name
	}
	var info *kfake.TopicInfo
	_ = c.onLoop(func(kf *kfake.Cluster) { info = kf.TopicIDInfo(id) })
	if info == nil {
		return fmt.Sprintf("topic id %x", id)
	}
	return info.Topic
}

// seedClient returns the cluster's own client, creating it on first use.
func (c *Cluster) seedClient() (*kgo.Client, error) {
	c.life.RLock()
	defer c.life.RUnlock()
	if c.closed {
		return nil, errClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seeder != nil {
		return c.seeder, nil
	}
	cl, err := kgo.NewClient(c.clientOptions(c.addrsLocked(), seederClientID,
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.DisableIdempotentWrite(),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafkatest: creating the seeding client: %w", err)
	}
	c.seeder = cl
	return cl, nil
}

// clientOptions returns the options of a client of this cluster: the seed
// brokers, the cluster's TLS and SASL settings, and the client id.
func (c *Cluster) clientOptions(seeds []string, clientID string, extra ...kgo.Opt) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.ClientID(clientID),
		kgo.MetadataMinAge(clientMetadataMinAge),
	}
	if c.cfg.tls != nil {
		opts = append(opts, kgo.DialTLSConfig(pinnedTLS(c.cfg.tls)))
	}
	if len(c.cfg.sasl) > 0 {
		opts = append(opts, kgo.SASL(c.cfg.sasl[0].clientMechanism()))
	}
	return append(opts, extra...)
}

// clientMechanism returns the client side of the user's SASL mechanism.
func (u saslUser) clientMechanism() sasl.Mechanism {
	switch u.mechanism {
	case mechanismPlain:
		return plain.Auth{User: u.user, Pass: u.password}.AsMechanism()
	case mechanismScram512:
		return scram.Auth{User: u.user, Pass: u.password}.AsSha512Mechanism()
	default:
		return scram.Auth{User: u.user, Pass: u.password}.AsSha256Mechanism()
	}
}

// pinnedTLS returns a client configuration that trusts exactly the leaf
// certificates of the server configuration. The brokers' certificates rarely
// name 127.0.0.1, so pinning replaces chain and host name verification.
func pinnedTLS(server *tls.Config) *tls.Config {
	var pinned [][]byte
	for _, cert := range server.Certificates {
		if len(cert.Certificate) > 0 {
			pinned = append(pinned, cert.Certificate[0])
		}
	}
	return &tls.Config{
		InsecureSkipVerify: true, // replaced by the pinning check below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(pinned) == 0 {
				return nil
			}
			if len(raw) > 0 && slices.ContainsFunc(pinned, func(p []byte) bool { return bytes.Equal(p, raw[0]) }) {
				return nil
			}
			return errors.New("kafkatest: the broker presented a certificate that is not in the WithTLS configuration")
		},
	}
}
