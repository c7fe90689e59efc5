package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/bench/internal/clusterproc"
	"github.com/kafadmin/kafadmin/bench/internal/wire"
)

// The throughput workloads.
const (
	workloadLag             = "lag"
	workloadListDescribe    = "list+describe"
	workloadDescribeTopics  = "describe topics"
	workloadDescribeConfigs = "describe configs"
	workloadCreateTopics    = "create topics"
)

// workloadUnit is what a workload's size counts, the first column of its
// table.
var workloadUnit = map[string]string{
	workloadLag:             "groups",
	workloadListDescribe:    "groups",
	workloadDescribeTopics:  "topics",
	workloadDescribeConfigs: "topics",
	workloadCreateTopics:    "topics",
}

// lagSizes are the numbers of groups whose lag is measured, and
// listDescribeSize the number of groups listed and described.
var lagSizes = []int{10, 100, 1000}

const listDescribeSize = 1000

// topicSizes are the numbers of topics (each of
// clusterproc.TopicPartitions partitions) described, topics and configs,
// each on a cluster of that many topics; the topics are created on the
// cluster of createTopicsCluster topics, createTopicsCount per call, each
// of createPartitions partitions and createReplication replicas.
var topicSizes = []int{100, 1000}

const (
	createTopicsCluster = 100
	createTopicsCount   = 100
	createPartitions    = 3
	createReplication   = 3
)

// traceDelay is how long the round-trip tracer holds each response back;
// see package wire.
const traceDelay = 50 * time.Millisecond

// runner is one client's way of doing the throughput workloads. Each method
// checks its result against the seeded data.
type runner interface {
	// Lag computes the lag of groups.
	Lag(ctx context.Context, groups []string) error
	// ListDescribe lists every group and describes them all; want is the
	// number of groups.
	ListDescribe(ctx context.Context, want int) error
	// DescribeTopics describes topics: partitions, leaders, replicas.
	DescribeTopics(ctx context.Context, topics []string) error
	// DescribeConfigs describes the configs of topics.
	DescribeConfigs(ctx context.Context, topics []string) error
	// CreateTopics creates topics, which do not exist, of
	// createPartitions partitions and createReplication replicas.
	CreateTopics(ctx context.Context, topics []string) error
	// ForgetTopics drops whatever the client cached about topics, so that
	// the next call asks the cluster: what a client finds when it last
	// looked longer ago than its cache keeps answers.
	ForgetTopics(topics []string)
	Close()
}

// throughputClient connects a runner with the client's default settings;
// dial replaces its dialer when not nil.
type throughputClient struct {
	name    string
	connect func(ctx context.Context, addrs []string, dial dialFunc) (runner, error)
}

var throughputClients = []throughputClient{
	{name: nameKafadmin, connect: func(ctx context.Context, addrs []string, dial dialFunc) (runner, error) {
		cl, err := newKafadmin(ctx, addrs, 0, dial)
		if err != nil {
			return nil, err
		}
		return kafadminRunner{cl}, nil
	}},
	{name: nameKadm, connect: func(ctx context.Context, addrs []string, dial dialFunc) (runner, error) {
		cl, err := newKgo(addrs, 0, dial)
		if err != nil {
			return nil, err
		}
		adm := kadm.NewClient(cl)
		// kgo dials a broker on the first request to it, and sends a
		// request meant for any broker to one picked at random: unless
		// it is connected to every broker, whether a call dials one (one
		// more round trip) is chance, however warm the client.
		versions, err := adm.ApiVersions(ctx)
		if err == nil {
			for _, v := range versions {
				err = errors.Join(err, v.Err)
			}
		}
		if err != nil {
			adm.Close()
			return nil, fmt.Errorf("kadm: connecting to every broker: %w", err)
		}
		return kadmRunner{adm, cl}, nil
	}},
	{name: nameSarama, connect: func(_ context.Context, addrs []string, dial dialFunc) (runner, error) {
		cfg := saramaConfig(0, dial)
		client, err := sarama.NewClient(addrs, cfg)
		if err != nil {
			return nil, fmt.Errorf("sarama: new client: %w", err)
		}
		// As kgo, Sarama dials a broker on first use and sends a request
		// meant for any broker to one picked at random.
		for _, b := range client.Brokers() {
			if err := b.Open(cfg); err != nil && !errors.Is(err, sarama.ErrAlreadyConnected) {
				client.Close()
				return nil, fmt.Errorf("sarama: connecting to broker %d: %w", b.ID(), err)
			}
			if ok, err := b.Connected(); !ok {
				client.Close()
				if err == nil {
					err = errors.New("not connected")
				}
				return nil, fmt.Errorf("sarama: connecting to broker %d: %w", b.ID(), err)
			}
		}
		admin, err := sarama.NewClusterAdminFromClient(client)
		if err != nil {
			client.Close()
			return nil, fmt.Errorf("sarama: new cluster admin: %w", err)
		}
		return saramaRunner{admin}, nil
	}},
}

// kafadminRunner runs the workloads with kafadmin's Lag, ListGroups and
// DescribeGroups.
type kafadminRunner struct{ cl *kafadmin.Client }

func (r kafadminRunner) Lag(ctx context.Context, groups []string) error {
	lags, err := r.cl.Lag(ctx, groups...)
	if err != nil {
		return err
	}
	totals := make(map[string]int64, len(lags))
	for g, l := range lags {
		totals[g] = l.TotalLag
	}
	return checkLags(groups, totals)
}

func (r kafadminRunner) ListDescribe(ctx context.Context, want int) error {
	listed, err := r.cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil {
		return err
	}
	names := make([]string, len(listed))
	for i, g := range listed {
		names[i] = g.Group
	}
	described, err := r.cl.DescribeGroups(ctx, names...)
	if err != nil {
		return err
	}
	states := make(map[string]string, len(described))
	for g, d := range described {
		states[g] = d.State
	}
	return checkDescribed(want, states)
}

func (r kafadminRunner) DescribeTopics(ctx context.Context, topics []string) error {
	described, err := r.cl.DescribeTopics(ctx, topics...)
	if err != nil {
		return err
	}
	led := make(map[string]int, len(described))
	for name, t := range described {
		for _, p := range t.Partitions {
			if p.Err == nil && p.Leader >= 0 {
				led[name]++
			}
		}
	}
	return checkTopics(topics, led)
}

func (r kafadminRunner) DescribeConfigs(ctx context.Context, topics []string) error {
	resources := make([]kafadmin.ConfigResource, len(topics))
	for i, t := range topics {
		resources[i] = kafadmin.TopicResource(t)
	}
	described, err := r.cl.DescribeConfigs(ctx, resources...)
	if err != nil {
		return err
	}
	values := make(map[string]string, len(described))
	for res, rc := range described {
		if e, ok := rc.Get(clusterproc.TopicConfig); ok && e.Value != nil {
			values[res.Name] = *e.Value
		}
	}
	return checkConfigs(topics, values)
}

func (r kafadminRunner) CreateTopics(ctx context.Context, topics []string) error {
	news := make([]kafadmin.NewTopic, len(topics))
	for i, t := range topics {
		news[i] = kafadmin.NewTopic{Name: t, Partitions: createPartitions, ReplicationFactor: createReplication}
	}
	created, err := r.cl.CreateTopics(ctx, news...)
	if err != nil {
		return err
	}
	counts := make(map[string]int32, len(created))
	for name, ct := range created {
		counts[name] = ct.Partitions
	}
	return checkCreated(topics, counts)
}

// ForgetTopics does nothing: kafadmin's DescribeTopics always asks the
// cluster.
func (r kafadminRunner) ForgetTopics([]string) {}

func (r kafadminRunner) Close() { r.cl.Close() }

// kadmRunner runs the workloads with kadm's Lag, ListGroups and
// DescribeGroups, ListTopics, DescribeTopicConfigs and CreateTopics; cl is
// the kgo client under adm.
type kadmRunner struct {
	adm *kadm.Client
	cl  *kgo.Client
}

func (r kadmRunner) Lag(ctx context.Context, groups []string) error {
	lags, err := r.adm.Lag(ctx, groups...)
	if err != nil {
		return err
	}
	totals := make(map[string]int64, len(lags))
	for g, l := range lags {
		if err := l.Error(); err != nil {
			return fmt.Errorf("group %s: %w", g, err)
		}
		totals[g] = l.Lag.Total()
	}
	return checkLags(groups, totals)
}

func (r kadmRunner) ListDescribe(ctx context.Context, want int) error {
	listed, err := r.adm.ListGroups(ctx)
	if err != nil {
		return err
	}
	described, err := r.adm.DescribeGroups(ctx, listed.Groups()...)
	if err != nil {
		return err
	}
	states := make(map[string]string, len(described))
	for g, d := range described {
		if d.Err != nil {
			return fmt.Errorf("group %s: %w", g, d.Err)
		}
		states[g] = d.State
	}
	return checkDescribed(want, states)
}

// DescribeTopics calls ListTopics, which is kadm's Metadata of the topics;
// see ForgetTopics for its cache.
func (r kadmRunner) DescribeTopics(ctx context.Context, topics []string) error {
	described, err := r.adm.ListTopics(ctx, topics...)
	if err != nil {
		return err
	}
	led := make(map[string]int, len(described))
	for name, t := range described {
		if t.Err != nil {
			return fmt.Errorf("topic %s: %w", name, t.Err)
		}
		for _, p := range t.Partitions {
			if p.Err == nil && p.Leader >= 0 {
				led[name]++
			}
		}
	}
	return checkTopics(topics, led)
}

func (r kadmRunner) DescribeConfigs(ctx context.Context, topics []string) error {
	described, err := r.adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return err
	}
	values := make(map[string]string, len(described))
	for _, rc := range described {
		if rc.Err != nil {
			return fmt.Errorf("topic %s: %w", rc.Name, rc.Err)
		}
		for _, c := range rc.Configs {
			if c.Key == clusterproc.TopicConfig && c.Value != nil {
				values[rc.Name] = *c.Value
			}
		}
	}
	return checkConfigs(topics, values)
}

func (r kadmRunner) CreateTopics(ctx context.Context, topics []string) error {
	created, err := r.adm.CreateTopics(ctx, createPartitions, createReplication, nil, topics...)
	if err != nil {
		return err
	}
	counts := make(map[string]int32, len(created))
	for name, ct := range created {
		if ct.Err != nil {
			return fmt.Errorf("topic %s: %w", name, ct.Err)
		}
		counts[name] = ct.NumPartitions
	}
	return checkCreated(topics, counts)
}

// ForgetTopics purges topics from the kgo client: kadm's Metadata answers
// from kgo's cache for topics fetched less than MetadataMinAge (5 s by
// default) ago, without a request.
func (r kadmRunner) ForgetTopics(topics []string) { r.cl.PurgeTopicsFromClient(topics...) }

func (r kadmRunner) Close() { r.adm.Close() }

// saramaRunner runs the workloads with Sarama's best path: the committed
// offsets of every group in one batched OffsetFetch per coordinator
// (ListConsumerGroupOffsetsBatch), then the log end offsets in one
// ListOffsets per leader (ListOffsets); ListConsumerGroups and
// DescribeConsumerGroups for the other workload. Unlike kafadmin's and
// kadm's Lag, it neither describes the groups nor lists the log start
// offsets: a lag monitor built on Sarama needs neither.
type saramaRunner struct{ admin sarama.ClusterAdmin }

func (r saramaRunner) Lag(_ context.Context, groups []string) error {
	request := make(map[string]map[string][]int32, len(groups))
	for _, g := range groups {
		request[g] = nil
	}
	fetched, err := r.admin.ListConsumerGroupOffsetsBatch(request)
	if err != nil {
		return fmt.Errorf("fetching the committed offsets: %w", err)
	}
	ends := map[string]map[int32]int64{}
	for g, f := range fetched {
		if !errors.Is(f.Err, sarama.ErrNoError) {
			return fmt.Errorf("group %s: %w", g, f.Err)
		}
		for topic, ps := range f.Blocks {
			if ends[topic] == nil {
				ends[topic] = map[int32]int64{}
			}
			for p := range ps {
				ends[topic][p] = sarama.OffsetNewest
			}
		}
	}
	listed, err := r.admin.ListOffsets(ends, nil)
	if err != nil {
		return fmt.Errorf("listing the log end offsets: %w", err)
	}
	totals := make(map[string]int64, len(fetched))
	for g, f := range fetched {
		for topic, ps := range f.Blocks {
			for p, b := range ps {
				if !errors.Is(b.Err, sarama.ErrNoError) {
					return fmt.Errorf("group %s, %s/%d: %w", g, topic, p, b.Err)
				}
				end := listed[topic][p]
				if end == nil {
					return fmt.Errorf("%s/%d: no log end offset in the ListOffsets results", topic, p)
				}
				if !saramaOK(end.Err) {
					return fmt.Errorf("%s/%d: log end offset: %w", topic, p, end.Err)
				}
				totals[g] += max(end.Offset-b.Offset, 0)
			}
		}
	}
	return checkLags(groups, totals)
}

// saramaOK reports whether err, from a Sarama result, means success.
// ClusterAdmin.ListOffsets stores each partition's KError in an error field
// as is, so a partition without error carries sarama.ErrNoError, a non-nil
// error, rather than nil.
func saramaOK(err error) bool {
	return err == nil || errors.Is(err, sarama.ErrNoError)
}

func (r saramaRunner) ListDescribe(_ context.Context, want int) error {
	listed, err := r.admin.ListConsumerGroups()
	if err != nil {
		return err
	}
	described, err := r.admin.DescribeConsumerGroups(slices.Collect(maps.Keys(listed)))
	if err != nil {
		return err
	}
	states := make(map[string]string, len(described))
	for _, d := range described {
		if !errors.Is(d.Err, sarama.ErrNoError) {
			return fmt.Errorf("group %s: %w", d.GroupId, d.Err)
		}
		states[d.GroupId] = d.State
	}
	return checkDescribed(want, states)
}

func (r saramaRunner) DescribeTopics(_ context.Context, topics []string) error {
	described, err := r.admin.DescribeTopics(topics)
	if err != nil {
		return err
	}
	led := make(map[string]int, len(described))
	for _, t := range described {
		if !errors.Is(t.Err, sarama.ErrNoError) {
			return fmt.Errorf("topic %s: %w", t.Name, t.Err)
		}
		for _, p := range t.Partitions {
			if errors.Is(p.Err, sarama.ErrNoError) && p.Leader >= 0 {
				led[t.Name]++
			}
		}
	}
	return checkTopics(topics, led)
}

// DescribeConfigs describes every topic in one call of the batched
// DescribeConfigs, which sends the topics in one request to a broker picked
// at random, asking synonyms and documentation as kafadmin does.
func (r saramaRunner) DescribeConfigs(_ context.Context, topics []string) error {
	resources := make([]*sarama.ConfigResource, len(topics))
	for i, t := range topics {
		resources[i] = &sarama.ConfigResource{Type: sarama.TopicResource, Name: t}
	}
	described, err := r.admin.DescribeConfigs(resources, sarama.DescribeConfigsOptions{IncludeSynonyms: true, IncludeDocumentation: true})
	if err != nil {
		return err
	}
	values := make(map[string]string, len(described))
	for _, rc := range described {
		if !errors.Is(rc.ErrorCode, sarama.ErrNoError) {
			return fmt.Errorf("topic %s: %w", rc.Name, rc.ErrorCode)
		}
		for _, c := range rc.Configs {
			if c.Name == clusterproc.TopicConfig {
				values[rc.Name] = c.Value
			}
		}
	}
	return checkConfigs(topics, values)
}

// CreateTopics creates the topics one CreateTopic call, and request, at a
// time: Sarama's ClusterAdmin has no call that creates several. CreateTopic
// returns only an error, so a topic it created without one is counted as
// created with the partitions asked for.
func (r saramaRunner) CreateTopics(_ context.Context, topics []string) error {
	counts := make(map[string]int32, len(topics))
	detail := &sarama.TopicDetail{NumPartitions: createPartitions, ReplicationFactor: createReplication}
	for _, t := range topics {
		if err := r.admin.CreateTopic(t, detail, false); err != nil {
			return fmt.Errorf("topic %s: %w", t, err)
		}
		counts[t] = createPartitions
	}
	return checkCreated(topics, counts)
}

// ForgetTopics does nothing: Sarama's DescribeTopics always asks the
// controller.
func (r saramaRunner) ForgetTopics([]string) {}

func (r saramaRunner) Close() { r.admin.Close() }

func checkLags(groups []string, totals map[string]int64) error {
	if len(totals) != len(groups) {
		return fmt.Errorf("lag of %d groups, want %d", len(totals), len(groups))
	}
	for _, g := range groups {
		if got, ok := totals[g]; !ok || got != clusterproc.GroupLag {
			return fmt.Errorf("group %s: lag %d, want %d", g, got, clusterproc.GroupLag)
		}
	}
	return nil
}

func checkDescribed(want int, states map[string]string) error {
	if len(states) != want {
		return fmt.Errorf("described %d groups, want %d", len(states), want)
	}
	for g, s := range states {
		if s != "Empty" {
			return fmt.Errorf("group %s: state %q, want Empty", g, s)
		}
	}
	return nil
}

// checkTopics checks that every topic of want was described with all its
// clusterproc.TopicPartitions partitions led: led counts, by topic, the
// partitions described with a leader and no error.
func checkTopics(want []string, led map[string]int) error {
	if len(led) != len(want) {
		return fmt.Errorf("described %d topics, want %d", len(led), len(want))
	}
	for _, t := range want {
		if got, ok := led[t]; !ok || got != clusterproc.TopicPartitions {
			return fmt.Errorf("topic %s: %d partitions with a leader, want %d", t, got, clusterproc.TopicPartitions)
		}
	}
	return nil
}

// checkConfigs checks that every topic of want was described with the
// seeded value of clusterproc.TopicConfig: values holds it by topic.
func checkConfigs(want []string, values map[string]string) error {
	if len(values) != len(want) {
		return fmt.Errorf("%s of %d topics described, want %d", clusterproc.TopicConfig, len(values), len(want))
	}
	for _, t := range want {
		if got, ok := values[t]; !ok || got != clusterproc.TopicConfigValue {
			return fmt.Errorf("topic %s: %s %q, want %q", t, clusterproc.TopicConfig, got, clusterproc.TopicConfigValue)
		}
	}
	return nil
}

// checkCreated checks that every topic of want was created with
// createPartitions partitions: partitions holds the counts the client
// reported, by topic.
func checkCreated(want []string, partitions map[string]int32) error {
	if len(partitions) != len(want) {
		return fmt.Errorf("created %d topics, want %d", len(partitions), len(want))
	}
	for _, t := range want {
		if got, ok := partitions[t]; !ok || got != createPartitions {
			return fmt.Errorf("topic %s: created with %d partitions, want %d", t, got, createPartitions)
		}
	}
	return nil
}

// workload is one measured call.
type workload struct {
	name string
	// size is the number of groups or topics the call is about.
	size int
	// cluster is the cluster the call runs on.
	cluster clusterproc.Spec
	// keys are the groups or topics of one call; a call that creates
	// topics gets new ones each time.
	keys func(remote *clusterproc.Remote) []string
	run  func(ctx context.Context, r runner, keys []string) error
	// before, when not nil, readies the client for a call, untimed.
	before func(r runner, keys []string)
	// after, when not nil, undoes a call's changes to the cluster, untimed,
	// so that every call finds the cluster as the first did.
	after func(remote *clusterproc.Remote, keys []string) error
}

func lagWorkload(groups int) workload {
	return workload{name: workloadLag, size: groups, cluster: clusterproc.Spec{Groups: groups}, keys: seededGroups(groups),
		run: func(ctx context.Context, r runner, groups []string) error {
			return r.Lag(ctx, groups)
		}}
}

func listDescribeWorkload(groups int) workload {
	return workload{name: workloadListDescribe, size: groups, cluster: clusterproc.Spec{Groups: groups}, keys: seededGroups(groups),
		run: func(ctx context.Context, r runner, groups []string) error {
			return r.ListDescribe(ctx, len(groups))
		}}
}

// describeTopicsWorkload describes every topic of a cluster of topics
// topics, with a client that has forgotten them (see
// runner.ForgetTopics).
func describeTopicsWorkload(topics int) workload {
	return workload{name: workloadDescribeTopics, size: topics, cluster: clusterproc.Spec{Topics: topics}, keys: seededTopics(topics),
		run: func(ctx context.Context, r runner, topics []string) error {
			return r.DescribeTopics(ctx, topics)
		},
		before: func(r runner, topics []string) { r.ForgetTopics(topics) }}
}

// describeConfigsWorkload describes the configs of every topic of a
// cluster of topics topics.
func describeConfigsWorkload(topics int) workload {
	return workload{name: workloadDescribeConfigs, size: topics, cluster: clusterproc.Spec{Topics: topics}, keys: seededTopics(topics),
		run: func(ctx context.Context, r runner, topics []string) error {
			return r.DescribeConfigs(ctx, topics)
		}}
}

// createTopicsWorkload creates topics new topics per call on the cluster of
// createTopicsCluster topics, and deletes them after the call.
func createTopicsWorkload(topics int) workload {
	return workload{name: workloadCreateTopics, size: topics, cluster: clusterproc.Spec{Topics: createTopicsCluster},
		keys: func(*clusterproc.Remote) []string {
			call := createCalls.Add(1)
			names := make([]string, topics)
			for i := range names {
				names[i] = fmt.Sprintf("bench-new-%d-%04d", call, i)
			}
			return names
		},
		run: func(ctx context.Context, r runner, topics []string) error {
			return r.CreateTopics(ctx, topics)
		},
		after: func(remote *clusterproc.Remote, topics []string) error {
			return remote.DeleteTopics(topics)
		}}
}

// createCalls numbers the calls of createTopicsWorkload, whose topics are
// named after their call.
var createCalls atomic.Int64

func seededGroups(n int) func(*clusterproc.Remote) []string {
	return func(remote *clusterproc.Remote) []string { return remote.Groups[:n] }
}

func seededTopics(n int) func(*clusterproc.Remote) []string {
	return func(remote *clusterproc.Remote) []string { return remote.Topics[:n] }
}

// once makes one call of w on r, readying r and cleaning up after it.
func (w workload) once(ctx context.Context, r runner, remote *clusterproc.Remote) error {
	keys := w.keys(remote)
	if w.before != nil {
		w.before(r, keys)
	}
	err := w.run(ctx, r, keys)
	if w.after != nil {
		err = errors.Join(err, w.after(remote, keys))
	}
	return err
}

// stage is a cluster and the workloads measured on it.
type stage struct {
	cluster   clusterproc.Spec
	workloads []workload
}

// throughputPlan lists the throughput workloads in the order they are
// measured, by cluster.
func throughputPlan() []stage {
	var plan []stage
	for _, n := range lagSizes {
		st := stage{cluster: clusterproc.Spec{Groups: n}, workloads: []workload{lagWorkload(n)}}
		if n == listDescribeSize {
			st.workloads = append(st.workloads, listDescribeWorkload(n))
		}
		plan = append(plan, st)
	}
	for _, n := range topicSizes {
		st := stage{cluster: clusterproc.Spec{Topics: n}, workloads: []workload{describeTopicsWorkload(n), describeConfigsWorkload(n)}}
		if n == createTopicsCluster {
			st.workloads = append(st.workloads, createTopicsWorkload(createTopicsCount))
		}
		plan = append(plan, st)
	}
	return plan
}

// measurement is one workload × client: medians over the runs.
type measurement struct {
	Workload string `json:"workload"`
	// Size is the number of groups or topics (workloadUnit).
	Size       int            `json:"size"`
	Client     string         `json:"client"`
	Runs       int            `json:"runs"`
	WallMs     float64        `json:"wall_ms"`
	MinWallMs  float64        `json:"min_wall_ms"`
	Requests   map[string]int `json:"requests"`
	RoundTrips int            `json:"round_trips"`
	Allocs     uint64         `json:"allocs"`
	Bytes      uint64         `json:"bytes"`
	Err        string         `json:"err,omitempty"`
}

func (m measurement) totalRequests() int {
	n := 0
	for _, c := range m.Requests {
		n += c
	}
	return n
}

// clusterPool starts cluster processes, at most one per spec, each in the
// background on first demand, and stops them.
type clusterPool struct {
	mu       sync.Mutex
	clusters map[clusterproc.Spec]*pendingCluster
}

// pendingCluster is a cluster process starting or started; remote and err
// are set once done is closed.
type pendingCluster struct {
	done   chan struct{}
	remote *clusterproc.Remote
	err    error
}

// start starts the cluster of spec in the background, unless it was
// started already.
func (p *clusterPool) start(spec clusterproc.Spec) *pendingCluster {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pc, ok := p.clusters[spec]; ok {
		return pc
	}
	if p.clusters == nil {
		p.clusters = map[clusterproc.Spec]*pendingCluster{}
	}
	pc := &pendingCluster{done: make(chan struct{})}
	p.clusters[spec] = pc
	go func() {
		defer close(pc.done)
		pc.remote, pc.err = clusterproc.Start(spec)
	}()
	return pc
}

// get returns the cluster of spec, starting it if need be and waiting
// until it serves.
func (p *clusterPool) get(spec clusterproc.Spec) (*clusterproc.Remote, error) {
	pc := p.start(spec)
	<-pc.done
	return pc.remote, pc.err
}

// stop stops the cluster of spec, waiting for it to have started first; it
// does nothing for a cluster never started.
func (p *clusterPool) stop(spec clusterproc.Spec) error {
	p.mu.Lock()
	pc, ok := p.clusters[spec]
	delete(p.clusters, spec)
	p.mu.Unlock()
	if !ok {
		return nil
	}
	<-pc.done
	if pc.err != nil {
		return nil
	}
	if err := pc.remote.Close(); err != nil {
		return fmt.Errorf("stopping the cluster of %v: %w", spec, err)
	}
	return nil
}

// stopAll stops every cluster the pool started.
func (p *clusterPool) stopAll() error {
	p.mu.Lock()
	specs := slices.Collect(maps.Keys(p.clusters))
	p.mu.Unlock()
	var errs []error
	for _, spec := range specs {
		errs = append(errs, p.stop(spec))
	}
	return errors.Join(errs...)
}

// session is one client connected twice to a cluster: once as is, for the
// timed runs, and once through a tracer, for the round trips.
type session struct {
	client throughputClient
	timed  runner
	traced runner
	tracer *wire.Tracer
}

func openSession(ctx context.Context, c throughputClient, addrs []string) (*session, error) {
	timed, err := c.connect(ctx, addrs, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	tracer := wire.NewTracer(0)
	traced, err := c.connect(ctx, addrs, tracer.DialContext)
	if err != nil {
		timed.Close()
		return nil, fmt.Errorf("%s through the tracer: %w", c.name, err)
	}
	return &session{client: c, timed: timed, traced: traced, tracer: tracer}, nil
}

func (s *session) close() {
	s.timed.Close()
	s.traced.Close()
}

// roundTrips warms the traced client up, without holding responses back
// (Sarama finds the coordinator of each group in turn on its first call),
// and then measures one call's sequential round trips with traceDelay.
func (s *session) roundTrips(ctx context.Context, remote *clusterproc.Remote, w workload) (int, error) {
	s.tracer.SetDelay(0)
	for range 2 {
		if err := w.once(ctx, s.traced, remote); err != nil {
			return 0, fmt.Errorf("warming up through the tracer: %w", err)
		}
	}
	keys := w.keys(remote)
	if w.before != nil {
		w.before(s.traced, keys)
	}
	s.tracer.SetDelay(traceDelay)
	s.tracer.Reset()
	err := w.run(ctx, s.traced, keys)
	rt := s.tracer.RoundTrips()
	s.tracer.SetDelay(0)
	if w.after != nil {
		err = errors.Join(err, w.after(remote, keys))
	}
	if err != nil {
		return 0, fmt.Errorf("through the tracer: %w", err)
	}
	return rt, nil
}

// prepareSession connects c to the cluster, measures the round trips of w
// and warms the timed client up with one call, as a long-running client is
// warm: connected, with its coordinators and metadata cached.
func prepareSession(ctx context.Context, c throughputClient, remote *clusterproc.Remote, w workload) (*session, int, error) {
	s, err := openSession(ctx, c, remote.Addrs)
	if err != nil {
		return nil, 0, err
	}
	rt, err := s.roundTrips(ctx, remote, w)
	if err == nil {
		err = w.once(ctx, s.timed, remote)
	}
	if err != nil {
		s.close()
		return nil, 0, err
	}
	return s, rt, nil
}

// sample is one timed run.
type sample struct {
	wall     time.Duration
	allocs   uint64
	bytes    uint64
	requests map[string]int
}

// timedRun runs the workload once on the timed client, measuring its wall
// time, the allocations of this process (the cluster runs in another) and
// the requests the cluster received. Readying the client and cleaning up
// after the call are not measured.
func timedRun(ctx context.Context, remote *clusterproc.Remote, s *session, w workload) (sample, error) {
	keys := w.keys(remote)
	if w.before != nil {
		w.before(s.timed, keys)
	}
	if err := remote.ResetCounts(); err != nil {
		return sample{}, err
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := w.run(ctx, s.timed, keys)
	wall := time.Since(start)
	runtime.ReadMemStats(&after)
	if w.after != nil {
		err = errors.Join(err, w.after(remote, keys))
	}
	if err != nil {
		return sample{}, err
	}
	counts, err := remote.Counts()
	if err != nil {
		return sample{}, err
	}
	return sample{wall: wall, allocs: after.Mallocs - before.Mallocs, bytes: after.TotalAlloc - before.TotalAlloc, requests: counts}, nil
}

// measureWorkload runs w for every client on one cluster: the round trips
// first, then runs timed runs per client, the clients taking turns so that
// a noisy neighbour slows them all alike.
func measureWorkload(ctx context.Context, remote *clusterproc.Remote, w workload, runs int, logf func(string, ...any)) []measurement {
	start := time.Now()
	results := make([]measurement, len(throughputClients))
	sessions := make([]*session, len(throughputClients))
	for i, c := range throughputClients {
		results[i] = measurement{Workload: w.name, Size: w.size, Client: c.name}
		s, rt, err := prepareSession(ctx, c, remote, w)
		if err != nil {
			results[i].Err = err.Error()
			continue
		}
		defer s.close()
		results[i].RoundTrips = rt
		sessions[i] = s
	}
	samples := make([][]sample, len(throughputClients))
	for run := range runs {
		for k := range throughputClients {
			i := (run + k) % len(throughputClients)
			if sessions[i] == nil {
				continue
			}
			smp, err := timedRun(ctx, remote, sessions[i], w)
			if err != nil {
				results[i].Err = err.Error()
				sessions[i] = nil
				continue
			}
			samples[i] = append(samples[i], smp)
		}
	}
	for i := range results {
		if len(samples[i]) > 0 {
			summarizeSamples(&results[i], samples[i])
		}
		logf("%s, %d %s, %s: %s", w.name, w.size, workloadUnit[w.name], results[i].Client, describeMeasurement(results[i]))
	}
	logf("%s, %d %s: measured in %v", w.name, w.size, workloadUnit[w.name], time.Since(start).Round(time.Millisecond))
	return results
}

func summarizeSamples(m *measurement, samples []sample) {
	m.Runs = len(samples)
	walls := make([]float64, len(samples))
	allocs := make([]uint64, len(samples))
	bytes := make([]uint64, len(samples))
	totals := make([]int, len(samples))
	for i, s := range samples {
		walls[i] = float64(s.wall.Microseconds()) / 1000
		allocs[i] = s.allocs
		bytes[i] = s.bytes
		for _, n := range s.requests {
			totals[i] += n
		}
	}
	m.WallMs = median(walls)
	m.MinWallMs = slices.Min(walls)
	m.Allocs = median(allocs)
	m.Bytes = median(bytes)
	// The requests of the run whose total is the median: they hardly
	// ever differ between runs of warm clients.
	idx := make([]int, len(samples))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return totals[idx[a]] < totals[idx[b]] })
	m.Requests = samples[idx[len(idx)/2]].requests
}

func median[T int | uint64 | float64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func describeMeasurement(m measurement) string {
	if m.Err != "" {
		return "error: " + m.Err
	}
	return fmt.Sprintf("%.2f ms, %d requests, %d round trips, %d allocs, %s", m.WallMs, m.totalRequests(), m.RoundTrips, m.Allocs, formatBytes(m.Bytes))
}
