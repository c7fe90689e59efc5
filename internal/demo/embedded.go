package demo

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/kafkatest"
)

// embedded is the demo on kafkatest's embedded cluster.
type embedded struct{ kc *kafkatest.Cluster }

func startEmbedded(ctx context.Context, p *printer) (demoCluster, error) {
	p.say("starting an embedded 3-broker cluster")
	kc, err := kafkatest.Start(kafkatest.Brokers(3))
	if err != nil {
		return nil, err
	}
	e := &embedded{kc: kc}
	if err := seed(ctx, e); err != nil {
		kc.Close()
		return nil, err
	}
	return e, nil
}

func (e *embedded) createTopic(_ context.Context, topic string, partitions int32) error {
	return e.kc.CreateTopic(topic, partitions)
}

func (e *embedded) produce(ctx context.Context, topic string, partition int32, n int) error {
	return e.kc.Produce(ctx, topic, partition, n)
}

func (e *embedded) commit(ctx context.Context, group string, offsets map[string]map[int32]int64) error {
	return e.kc.CommitOffsets(ctx, group, offsets)
}

func (e *embedded) addrs() []string { return e.kc.Addrs() }
func (e *embedded) close()          { e.kc.Close() }

func (e *embedded) steps(ctx context.Context, p *printer) []step {
	kc := e.kc
	group := groups[0].name
	coordinator := func() int32 { return kc.Coordinator(group) }
	return []step{
		{0.08, func() error {
			n := coordinator()
			p.fault("RST on every connection of broker %d, the coordinator of %s", n, group)
			_, err := kc.ResetConnections(n)
			return err
		}},
		{0.20, func() error {
			from := coordinator()
			to, err := kc.MoveCoordinator(group, -1)
			p.fault("coordinator of %s moved from broker %d to broker %d (the old one answers NOT_COORDINATOR)", group, from, to)
			return err
		}},
		{0.32, func() error {
			n := coordinator()
			p.fault("broker %d, the coordinator of %s, stops (port refused, connections reset) for 2s and starts again", n, group)
			return kc.RestartBroker(ctx, n, 2*time.Second)
		}},
		{0.48, func() error {
			p.fault("error burst: NOT_COORDINATOR x3 on OffsetFetch for %s, COORDINATOR_LOAD_IN_PROGRESS x3 on DescribeGroups for %s", group, groups[1].name)
			kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: group, Err: kerr.NotCoordinator, Count: 3})
			kc.FailNext(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: groups[1].name, Err: kerr.CoordinatorLoadInProgress, Count: 3})
			return nil
		}},
		{0.58, func() error {
			p.fault("rolling restart: each broker in turn stops for 1.5s and starts again; coordinators and leaders move after each")
			err := kc.RollingRestart(ctx, 1500*time.Millisecond, time.Second)
			if err == nil {
				p.fault("rolling restart done")
			}
			return err
		}},
	}
}
