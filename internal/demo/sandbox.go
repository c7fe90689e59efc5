package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// Sandbox is an embedded cluster to try kafadmin's commands on, without a
// Kafka: the demo's 3 brokers, topics, records and groups, a topic with
// configs of its own and a consumer group with a live member, and no
// faults. It lives in memory, until Close.
type Sandbox struct {
	kc *kafkatest.Cluster
	// Topics and Groups describe what the sandbox holds, one line each,
	// e.g. "orders: 6 partitions, 100 records each".
	Topics, Groups []string
}

// The sandbox's own topic and group, beside the demo's: a topic with
// configs set on it, and a KIP-848 consumer group whose member stays (the
// cluster heartbeats for it) with committed offsets behind the log end.
const (
	sandboxTopic      = "inventory"
	sandboxGroup      = "inventory-app"
	sandboxPartitions = 2
	sandboxRecords    = 20
	sandboxCommitted  = 5
)

var sandboxConfigs = map[string]string{"retention.ms": "604800000", "min.insync.replicas": "2"}

// StartSandbox starts the sandbox's cluster and puts its data in place.
func StartSandbox(ctx context.Context) (*Sandbox, error) {
	kc, err := kafkatest.Start(kafkatest.Brokers(3))
	if err != nil {
		return nil, err
	}
	s := &Sandbox{kc: kc}
	if err := s.seed(ctx); err != nil {
		kc.Close()
		return nil, fmt.Errorf("seeding the sandbox: %w", err)
	}
	return s, nil
}

func (s *Sandbox) seed(ctx context.Context) error {
	if err := seed(ctx, &embedded{kc: s.kc}); err != nil {
		return err
	}
	for i, g := range groups {
		s.Topics = append(s.Topics, fmt.Sprintf("%s: %d partitions, %d records each", g.topic, g.partitions, g.records))
		s.Groups = append(s.Groups, fmt.Sprintf("%s: no members, committed at %d on %s: lag %d", g.name, g.committed, g.topic, expectedLag(i)))
	}
	// The topic is created through kafadmin, the way to create one with
	// configs of its own.
	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers(s.kc.Addrs()...))
	if err != nil {
		return err
	}
	defer cl.Close()
	if _, err := cl.CreateTopics(ctx, kafadmin.NewTopic{Name: sandboxTopic, Partitions: sandboxPartitions, ReplicationFactor: 3, Configs: sandboxConfigs}); err != nil {
		return err
	}
	commits := map[int32]int64{}
	for p := range int32(sandboxPartitions) {
		if err := s.kc.Produce(ctx, sandboxTopic, p, sandboxRecords); err != nil {
			return err
		}
		commits[p] = sandboxCommitted
	}
	if err := s.kc.CommitOffsets(ctx, sandboxGroup, map[string]map[int32]int64{sandboxTopic: commits}); err != nil {
		return err
	}
	joinCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := s.kc.JoinConsumerMember(joinCtx, kafkatest.ConsumerMember{Group: sandboxGroup, ClientID: "inventory-service", Topics: []string{sandboxTopic}}); err != nil {
		return err
	}
	s.Topics = append(s.Topics, fmt.Sprintf("%s: %d partitions, %d records each, configs retention.ms and min.insync.replicas set on it", sandboxTopic, sandboxPartitions, sandboxRecords))
	s.Groups = append(s.Groups, fmt.Sprintf("%s: a consumer group (KIP-848) with one member, committed at %d on %s: lag %d", sandboxGroup, sandboxCommitted, sandboxTopic, sandboxPartitions*(sandboxRecords-sandboxCommitted)))
	return nil
}

// Addrs returns the brokers' addresses, host:port.
func (s *Sandbox) Addrs() []string { return s.kc.Addrs() }

// Close stops the cluster; its data is gone.
func (s *Sandbox) Close() { s.kc.Close() }
