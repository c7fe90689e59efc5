package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kafadmin/kafadmin/realkafka"
)

// kafka is the demo on a real Apache Kafka cluster.
type kafka struct{ rk *realkafka.Cluster }

func startKafka(ctx context.Context, p *printer) (demoCluster, error) {
	if err := realkafka.Available(); err != nil {
		return nil, fmt.Errorf("the demo on real Kafka needs Java and Maven: %w", err)
	}
	p.say("starting Apache Kafka %s: 3 brokers in KRaft mode, one JVM each (the first run downloads Kafka's jars with Maven)", kafkaVersion())
	rk, err := realkafka.Start(ctx, realkafka.TakeTurns(), realkafka.Logf(func(format string, args ...any) { p.say(format, args...) }))
	if err != nil {
		return nil, err
	}
	k := &kafka{rk: rk}
	if err := seed(ctx, k); err != nil {
		rk.Close()
		return nil, err
	}
	return k, nil
}

func kafkaVersion() string {
	return realkafka.DefaultVersion + " (or $" + realkafka.EnvVersion + ")"
}

func (k *kafka) createTopic(ctx context.Context, topic string, partitions int32) error {
	return k.rk.CreateTopic(ctx, topic, partitions)
}

func (k *kafka) produce(ctx context.Context, topic string, partition int32, n int) error {
	return k.rk.Produce(ctx, topic, partition, n)
}

func (k *kafka) commit(ctx context.Context, group string, offsets map[string]map[int32]int64) error {
	return k.rk.CommitOffsets(ctx, group, offsets)
}

func (k *kafka) addrs() []string { return k.rk.Addrs() }
func (k *kafka) close()          { _ = k.rk.Close() }

func (k *kafka) steps(ctx context.Context, p *printer) []step {
	rk := k.rk
	group := groups[0].name
	coordinator := func() (int32, error) { return rk.Coordinator(ctx, group) }
	other := func(n int32) int32 {
		for _, id := range rk.BrokerIDs() {
			if id != n {
				return id
			}
		}
		return n
	}
	return []step{
		{0.05, func() error {
			n, err := coordinator()
			if err != nil {
				return err
			}
			p.fault("RST on every client connection of broker %d, the coordinator of %s", n, group)
			_, err = rk.ResetConnections(n)
			return err
		}},
		{0.12, func() error {
			from, err := coordinator()
			if err != nil {
				return err
			}
			to := other(from)
			p.fault("coordinator of %s moved from broker %d to broker %d: leadership of its __consumer_offsets partition handed over (the old one answers NOT_COORDINATOR, the new one loads)", group, from, to)
			return rk.MoveCoordinator(ctx, group, to)
		}},
		{0.20, func() error {
			n, err := coordinator()
			if err != nil {
				return err
			}
			p.fault("broker %d, the coordinator of %s, stopped with SIGTERM (a controlled shutdown hands its groups over), started again 2s later", n, group)
			return rk.RestartNode(ctx, n, 2*time.Second)
		}},
		{0.32, func() error {
			n, err := coordinator()
			if err != nil {
				return err
			}
			p.fault("broker %d, the coordinator of %s, killed with SIGKILL: its groups stay with it until its 9s session times out; started again", n, group)
			if err := rk.KillNode(n); err != nil {
				return err
			}
			return rk.StartNode(ctx, n)
		}},
		{0.48, func() error {
			n, err := coordinator()
			if err != nil {
				return err
			}
			p.fault("broker %d, the coordinator of %s, paused with SIGSTOP for 5s: connections open, nothing answered", n, group)
			if err := rk.PauseNode(n); err != nil {
				return err
			}
			time.Sleep(5 * time.Second)
			p.fault("broker %d resumed with SIGCONT", n)
			return rk.ResumeNode(n)
		}},
		{0.58, func() error {
			p.fault("rolling restart: each broker in turn stopped with SIGTERM and started, the next once it rejoined")
			err := rk.RollingRestart(ctx, 0)
			if err == nil {
				p.fault("rolling restart done")
			}
			return err
		}},
	}
}
