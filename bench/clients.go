package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/bench/internal/harness"
	"github.com/kafadmin/kafadmin/bench/internal/saramaadmin"
)

// The clients' names in tables and benchmark names.
const (
	nameKafadmin  = "kafadmin"
	nameKadm      = "kadm"
	nameSarama    = "sarama"
	nameSarama144 = "sarama v1.44.0"
)

// failoverTimeout is the request (read) and dial timeout every client gets
// in the failover runs, as kafadmin's failover matrix gives its client: a
// black-holed broker is then given up on after a second.
const failoverTimeout = time.Second

// dialFunc dials a broker; nil means the client's own dialer.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newKafadmin connects a kafadmin client with its defaults, plus timeout as
// the request and dial timeouts when it is not zero.
func newKafadmin(ctx context.Context, addrs []string, timeout time.Duration, dial dialFunc) (*kafadmin.Client, error) {
	opts := []kafadmin.Option{kafadmin.WithBrokers(addrs...), kafadmin.WithClientID("bench-kafadmin")}
	if timeout > 0 {
		opts = append(opts, kafadmin.WithRequestTimeout(timeout), kafadmin.WithDialTimeout(timeout))
	}
	if dial != nil {
		opts = append(opts, kafadmin.WithDialer(dial))
	}
	return kafadmin.NewClient(ctx, opts...)
}

// newKadm connects a kadm client over a kgo client made by newKgo.
func newKadm(addrs []string, timeout time.Duration, dial dialFunc) (*kadm.Client, error) {
	cl, err := newKgo(addrs, timeout, dial)
	if err != nil {
		return nil, err
	}
	return kadm.NewClient(cl), nil
}

// newKgo connects the kgo client of a kadm client with kgo's defaults, plus
// timeout as the request timeout overhead and dial timeout when it is not
// zero.
func newKgo(addrs []string, timeout time.Duration, dial dialFunc) (*kgo.Client, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(addrs...), kgo.ClientID("bench-kadm")}
	if timeout > 0 {
		opts = append(opts, kgo.RequestTimeoutOverhead(timeout), kgo.DialTimeout(timeout))
	}
	if dial != nil {
		opts = append(opts, kgo.Dialer(dial))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kgo: new client: %w", err)
	}
	return cl, nil
}

// saramaDialer adapts a dial function to Sarama's Net.Proxy.Dialer.
type saramaDialer struct{ dial dialFunc }

func (d saramaDialer) Dial(network, addr string) (net.Conn, error) {
	return d.dial(context.Background(), network, addr)
}

// saramaConfig is Sarama's configuration: the failover settings of package
// saramaadmin, with Sarama's default 30 s timeouts when timeout is zero.
func saramaConfig(timeout time.Duration, dial dialFunc) *sarama.Config {
	cfg := saramaadmin.Config()
	if timeout == 0 {
		defaults := sarama.NewConfig()
		cfg.Net.DialTimeout = defaults.Net.DialTimeout
		cfg.Net.ReadTimeout = defaults.Net.ReadTimeout
		cfg.Net.WriteTimeout = defaults.Net.WriteTimeout
	}
	if dial != nil {
		cfg.Net.Proxy.Enable = true
		cfg.Net.Proxy.Dialer = saramaDialer{dial}
	}
	return cfg
}

// saramaBlocks reads an OffsetFetch response of the latest Sarama, which
// keeps a v8 response's offsets per group.
func saramaBlocks(resp *sarama.OffsetFetchResponse) (map[string]map[int32]*sarama.OffsetFetchResponseBlock, sarama.KError) {
	if resp.Version >= 8 {
		if len(resp.Groups) == 0 {
			return nil, sarama.ErrNoError
		}
		return resp.Groups[0].Blocks, resp.Groups[0].Err
	}
	return resp.Blocks, resp.Err
}

// failoverClients are the in-process clients of the failover table.
func failoverClients() []harness.Client {
	return []harness.Client{
		{Name: nameKafadmin, Connect: func(ctx context.Context, addrs []string) (harness.Admin, error) {
			cl, err := newKafadmin(ctx, addrs, failoverTimeout, nil)
			if err != nil {
				return nil, err
			}
			return kafadminAdmin{cl}, nil
		}},
		{Name: nameKadm, Connect: func(_ context.Context, addrs []string) (harness.Admin, error) {
			adm, err := newKadm(addrs, failoverTimeout, nil)
			if err != nil {
				return nil, err
			}
			return kadmAdmin{adm}, nil
		}},
		{Name: nameSarama, Connect: saramaadmin.Factory(func() *sarama.Config { return saramaConfig(failoverTimeout, nil) }, saramaBlocks)},
	}
}

// kafadminAdmin puts kafadmin under the failover harness.
type kafadminAdmin struct{ cl *kafadmin.Client }

func (a kafadminAdmin) DescribeGroups(ctx context.Context, groups ...string) (map[string]harness.Group, error) {
	d, err := a.cl.DescribeGroups(ctx, groups...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]harness.Group, len(d))
	for name, g := range d {
		hg := harness.Group{State: g.State}
		for _, m := range g.Members {
			member := harness.Member{InstanceID: m.InstanceID, ClientID: m.ClientID}
			for _, ps := range m.Assigned {
				member.Assigned += len(ps)
			}
			hg.Members = append(hg.Members, member)
		}
		out[name] = hg
	}
	return out, nil
}

func (a kafadminAdmin) FetchOffsets(ctx context.Context, groups ...string) (map[string]harness.Offsets, error) {
	fetched, err := a.cl.FetchOffsets(ctx, groups...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]harness.Offsets, len(fetched))
	for name, g := range fetched {
		o := harness.Offsets{}
		for tp, c := range g.Offsets {
			if o[tp.Topic] == nil {
				o[tp.Topic] = map[int32]int64{}
			}
			o[tp.Topic][tp.Partition] = c.Offset
		}
		out[name] = o
	}
	return out, nil
}

func (a kafadminAdmin) ListGroups(ctx context.Context) ([]string, error) {
	listed, err := a.cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(listed))
	for i, g := range listed {
		names[i] = g.Group
	}
	return names, nil
}

func (a kafadminAdmin) Lag(ctx context.Context, group string) (harness.Lag, error) {
	lags, err := a.cl.Lag(ctx, group)
	if err != nil {
		return nil, err
	}
	out := harness.Lag{}
	for _, p := range lags[group].Partitions {
		if p.Err != nil {
			return nil, fmt.Errorf("%s/%d: %w", p.Topic, p.Partition, p.Err)
		}
		if out[p.Topic] == nil {
			out[p.Topic] = map[int32]harness.PartitionLag{}
		}
		out[p.Topic][p.Partition] = harness.PartitionLag{Committed: p.Committed, End: p.LogEnd, Lag: p.Lag}
	}
	return out, nil
}

func (a kafadminAdmin) Close() error { return a.cl.Close() }

// kadmAdmin puts kadm under the failover harness.
type kadmAdmin struct{ adm *kadm.Client }

func (a kadmAdmin) DescribeGroups(ctx context.Context, groups ...string) (map[string]harness.Group, error) {
	described, err := a.adm.DescribeGroups(ctx, groups...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]harness.Group, len(described))
	for name, g := range described {
		if g.Err != nil {
			return nil, fmt.Errorf("group %s: %w", name, g.Err)
		}
		hg := harness.Group{State: g.State}
		for _, m := range g.Members {
			member := harness.Member{ClientID: m.ClientID}
			if m.InstanceID != nil {
				member.InstanceID = *m.InstanceID
			}
			if c, ok := m.Assigned.AsConsumer(); ok {
				for _, t := range c.Topics {
					member.Assigned += len(t.Partitions)
				}
			}
			hg.Members = append(hg.Members, member)
		}
		out[name] = hg
	}
	return out, nil
}

func (a kadmAdmin) FetchOffsets(ctx context.Context, groups ...string) (map[string]harness.Offsets, error) {
	out := make(map[string]harness.Offsets, len(groups))
	if len(groups) == 1 {
		fetched, err := a.adm.FetchOffsets(ctx, groups[0])
		if err != nil {
			return nil, err
		}
		o, err := kadmOffsets(groups[0], fetched)
		if err != nil {
			return nil, err
		}
		out[groups[0]] = o
		return out, nil
	}
	for name, r := range a.adm.FetchManyOffsets(ctx, groups...) {
		if r.Err != nil {
			return nil, fmt.Errorf("group %s: %w", name, r.Err)
		}
		o, err := kadmOffsets(name, r.Fetched)
		if err != nil {
			return nil, err
		}
		out[name] = o
	}
	return out, nil
}

func kadmOffsets(group string, fetched kadm.OffsetResponses) (harness.Offsets, error) {
	if err := fetched.Error(); err != nil {
		return nil, fmt.Errorf("group %s: %w", group, err)
	}
	o := harness.Offsets{}
	for topic, ps := range fetched {
		for p, r := range ps {
			if o[topic] == nil {
				o[topic] = map[int32]int64{}
			}
			o[topic][p] = r.At
		}
	}
	return o, nil
}

func (a kadmAdmin) ListGroups(ctx context.Context) ([]string, error) {
	listed, err := a.adm.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	return listed.Groups(), nil
}

func (a kadmAdmin) Lag(ctx context.Context, group string) (harness.Lag, error) {
	lags, err := a.adm.Lag(ctx, group)
	if err != nil {
		return nil, err
	}
	l, ok := lags[group]
	if !ok {
		return harness.Lag{}, nil // a wrong result: the harness sees the group's partitions missing
	}
	if err := l.Error(); err != nil {
		return nil, fmt.Errorf("group %s: %w", group, err)
	}
	out := harness.Lag{}
	for topic, ps := range l.Lag {
		out[topic] = map[int32]harness.PartitionLag{}
		for p, ml := range ps {
			if ml.Err != nil {
				return nil, fmt.Errorf("%s/%d: %w", topic, p, ml.Err)
			}
			out[topic][p] = harness.PartitionLag{Committed: ml.Commit.At, End: ml.End.Offset, Lag: ml.Lag}
		}
	}
	return out, nil
}

func (a kadmAdmin) Close() error {
	a.adm.Close()
	return nil
}
