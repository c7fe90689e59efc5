package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func newTopicsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topics",
		Short: "Topics: list, describe, create, delete, add partitions, delete records",
		Long: `List, describe, create and delete topics, add partitions to them and delete
their oldest records, as kafka-topics.sh and kafka-delete-records.sh do.

Topic names are checked as Kafka checks them (ASCII letters, digits, '.',
'_' and '-', at most 249 characters) before anything is sent: a bad name is
a usage error, exit 2.`,
	}
	cmd.AddCommand(newTopicsListCmd(g), newTopicsDescribeCmd(g), newTopicsCreateCmd(g), newTopicsDeleteCmd(g),
		newTopicsAddPartitionsCmd(g), newTopicsDeleteRecordsCmd(g))
	return parentOf(cmd)
}

// topicArgs merges the topics named as arguments and with --topic, in the
// order given, each once, checking every name as Kafka would: a name Kafka
// refuses cannot be created, and cannot exist to be described or deleted.
func topicArgs(args, flagged []string) ([]string, error) {
	var out []string
	for _, name := range append(slices.Clone(args), flagged...) {
		if err := kafadmin.CheckTopicName(name); err != nil {
			return nil, usageError{err}
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

func newTopicsListCmd(g *globals) *cobra.Command {
	var excludeInternal, quiet bool
	cmd := &cobra.Command{
		Use:   "list [--exclude-internal]",
		Short: "List the cluster's topics",
		Long: `List the cluster's topics, sorted by name, from fresh metadata: TOPIC
PARTITIONS REPLICATION-FACTOR INTERNAL ID. Internal topics
(__consumer_offsets, __transaction_state...) are listed unless
--exclude-internal is given.

--quiet prints only the names, one per line, as kafka-topics.sh --list does,
for xargs and loops.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				topics, err := listTopics(ctx, cl, excludeInternal)
				if err != nil {
					return err
				}
				if quiet {
					for _, t := range topics {
						fmt.Fprintln(g.stdout, t.Name)
					}
					return nil
				}
				printTopicList(g, topics)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&excludeInternal, "exclude-internal", false, "leave out internal topics (__consumer_offsets...)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the topic names, one per line")
	return cmd
}

func listTopics(ctx context.Context, cl *kafadmin.Client, excludeInternal bool) ([]kafadmin.TopicInfo, error) {
	var opts []kafadmin.ListTopicsOption
	if excludeInternal {
		opts = append(opts, kafadmin.ExcludeInternal())
	}
	topics, err := cl.ListTopics(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("listing the topics: %w", err)
	}
	return topics, nil
}

// replicationFactor is a topic's replication factor: the most replicas a
// partition has (they differ only while a reassignment adds replicas); -1
// for a topic without partitions.
func replicationFactor(t kafadmin.TopicInfo) int {
	rf := -1
	for _, p := range t.Partitions {
		rf = max(rf, len(p.Replicas))
	}
	return rf
}

// The JSON shapes are an interface: scripts parse them. Add fields, never
// rename or remove one.

type jsonListedTopic struct {
	Topic             string `json:"topic"`
	ID                string `json:"id"`
	Internal          bool   `json:"internal"`
	Partitions        int    `json:"partitions"`
	ReplicationFactor *int64 `json:"replication_factor"`
}

func printTopicList(g *globals, topics []kafadmin.TopicInfo) {
	if g.output == "json" {
		out := struct {
			Topics []jsonListedTopic `json:"topics"`
		}{Topics: []jsonListedTopic{}}
		for _, t := range topics {
			out.Topics = append(out.Topics, jsonListedTopic{t.Name, t.ID, t.Internal, len(t.Partitions), known(int64(replicationFactor(t)))})
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("TOPIC", "PARTITIONS", "REPLICATION-FACTOR", "INTERNAL", "ID")
	for _, t := range topics {
		r.add(t.Name, len(t.Partitions), num(int64(replicationFactor(t))), t.Internal, orDash(t.ID))
	}
	r.flush()
}

// describeFlags are describe's filters, kafka-topics.sh's: each report
// flag keeps the partitions it names, several keep those any of them
// names; --topics-with-overrides shows topics instead of partitions.
type describeFlags struct {
	topics                                 []string
	underReplicated, underMinISR, atMinISR bool
	unavailable, withOverrides             bool
	excludeInternal                        bool
}

// reports reports whether a partition filter is on.
func (f *describeFlags) reports() bool {
	return f.underReplicated || f.underMinISR || f.atMinISR || f.unavailable
}

// needsMinISR reports whether the topics' min.insync.replicas must be read.
func (f *describeFlags) needsMinISR() bool { return f.underMinISR || f.atMinISR }

func newTopicsDescribeCmd(g *globals) *cobra.Command {
	var f describeFlags
	cmd := &cobra.Command{
		Use:   "describe [TOPIC...] [--under-replicated-partitions|--under-min-isr-partitions|...|--topics-with-overrides]",
		Short: "Describe topics' partitions: leaders, replicas, in-sync replicas",
		Long: `Describe the partitions of the topics named (as arguments or with --topic),
or of every topic: one row per partition, TOPIC PARTITION LEADER REPLICAS
ISR OFFLINE, replica lists written 1,2,3, LEADER "-" for a partition without
one. --output json adds each topic's id, partition count and replication
factor (and its min.insync.replicas or configs when read), and each
partition's leader epoch.

As kafka-topics.sh --describe does, these keep only some partitions (given
together, the partitions any of them names):

  --under-replicated-partitions  fewer in-sync replicas than replicas
  --under-min-isr-partitions     fewer in-sync replicas than the topic's
                                 min.insync.replicas, or no leader: writes
                                 with acks=all fail
  --at-min-isr-partitions        exactly min.insync.replicas in sync: one
                                 more replica lost and writes fail
  --unavailable-partitions       no leader, or a leader the cluster does not
                                 list: nothing can be read or written

The min.insync.replicas filters add a MIN-ISR column; they read the topics'
configs (DescribeConfigs) as well.

--topics-with-overrides lists instead the topics that have configs set on
themselves, one row per topic: TOPIC PARTITIONS REPLICATION-FACTOR CONFIGS
(name=value,... sorted by name).

A topic named that does not exist is reported on stderr; if others were
described, the exit code is 3.`,
		ValidArgsFunction: g.completeTopicArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			names, err := topicArgs(args, f.topics)
			if err != nil {
				return err
			}
			if f.withOverrides && f.reports() {
				return usagef("--topics-with-overrides lists topics, not partitions: it does not go with --under-replicated-partitions, --under-min-isr-partitions, --at-min-isr-partitions or --unavailable-partitions")
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				return describeTopics(ctx, g, cl, names, &f)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.topics, "topic", nil, "a topic to describe (repeatable; as well as arguments)")
	fl.BoolVar(&f.underReplicated, "under-replicated-partitions", false, "only partitions with fewer in-sync replicas than replicas")
	fl.BoolVar(&f.underMinISR, "under-min-isr-partitions", false, "only partitions with fewer in-sync replicas than min.insync.replicas, or no leader")
	fl.BoolVar(&f.atMinISR, "at-min-isr-partitions", false, "only partitions with exactly min.insync.replicas in sync")
	fl.BoolVar(&f.unavailable, "unavailable-partitions", false, "only partitions without a live leader")
	fl.BoolVar(&f.withOverrides, "topics-with-overrides", false, "list the topics with configs set on themselves, and those configs")
	fl.BoolVar(&f.excludeInternal, "exclude-internal", false, "leave out internal topics (__consumer_offsets...)")
	cmd.RegisterFlagCompletionFunc("topic", g.completeTopicArgs)
	return cmd
}

// describedTopic is a topic as describe shows it.
type describedTopic struct {
	kafadmin.TopicInfo
	minISR     int               // -1 when not read
	overrides  map[string]string // with --topics-with-overrides
	partitions []kafadmin.PartitionInfo
}

func describeTopics(ctx context.Context, g *globals, cl *kafadmin.Client, names []string, f *describeFlags) error {
	var (
		topics []kafadmin.TopicInfo
		err    error // of topics that could not be described
		failed int
	)
	if len(names) == 0 {
		if topics, err = listTopics(ctx, cl, f.excludeInternal); err != nil {
			return err
		}
	} else {
		var res kafadmin.Results[string, kafadmin.TopicInfo]
		if res, err = cl.DescribeTopics(ctx, names...); res == nil {
			return err
		}
		for _, t := range res.Sorted() {
			switch {
			case t.Err != nil:
				failed++
			case !f.excludeInternal || !t.Internal:
				topics = append(topics, t)
			}
		}
	}
	described := make([]describedTopic, len(topics))
	for i, t := range topics {
		described[i] = describedTopic{TopicInfo: t, minISR: -1}
	}
	if f.needsMinISR() || f.withOverrides {
		if err := readTopicConfigs(ctx, cl, described, f); err != nil {
			return err
		}
	}
	live := map[int32]bool{}
	if f.unavailable {
		brokers, err := cl.ListBrokers(ctx)
		if err != nil {
			return fmt.Errorf("listing the brokers, to find partitions led by a broker that is gone: %w", err)
		}
		for _, b := range brokers {
			live[b.ID] = true
		}
	}
	var shown []describedTopic
	for _, d := range described {
		switch {
		case f.withOverrides:
			if len(d.overrides) == 0 {
				continue
			}
			d.partitions = d.Partitions
		case f.reports():
			for _, p := range d.Partitions {
				if f.keeps(p, d.minISR, live) {
					d.partitions = append(d.partitions, p)
				}
			}
			if len(d.partitions) == 0 {
				continue
			}
		default:
			d.partitions = d.Partitions
		}
		shown = append(shown, d)
	}
	printDescribedTopics(g, shown, f)
	return partial(err, len(names)-failed)
}

// keeps reports whether the report flags keep a partition, as
// kafka-topics.sh decides: under min ISR includes a partition without a
// leader, since no write can succeed there either.
func (f *describeFlags) keeps(p kafadmin.PartitionInfo, minISR int, live map[int32]bool) bool {
	noLeader := p.Leader < 0
	return f.underReplicated && p.UnderReplicated() ||
		f.underMinISR && (noLeader || minISR >= 0 && len(p.ISR) < minISR) ||
		f.atMinISR && minISR >= 0 && len(p.ISR) == minISR ||
		f.unavailable && (noLeader || !live[p.Leader])
}

// readTopicConfigs reads the topics' min.insync.replicas and the configs
// set on them. Failing to read a topic's configs fails the command: a
// partition under its min ISR must not go unreported for want of its
// setting.
func readTopicConfigs(ctx context.Context, cl *kafadmin.Client, topics []describedTopic, f *describeFlags) error {
	if len(topics) == 0 {
		return nil
	}
	rs := make([]kafadmin.ConfigResource, len(topics))
	for i, t := range topics {
		rs[i] = kafadmin.TopicResource(t.Name)
	}
	configs, err := cl.DescribeConfigs(ctx, rs...)
	if err != nil {
		return fmt.Errorf("reading the topics' configs: %w", err)
	}
	for i := range topics {
		rc := configs[rs[i]]
		if f.needsMinISR() {
			e, ok := rc.Get("min.insync.replicas")
			if !ok || e.Value == nil {
				return fmt.Errorf("topic %q: the cluster did not give its min.insync.replicas", topics[i].Name)
			}
			var n int
			if _, err := fmt.Sscan(*e.Value, &n); err != nil {
				return fmt.Errorf("topic %q: min.insync.replicas is %q, not a number", topics[i].Name, *e.Value)
			}
			topics[i].minISR = n
		}
		if f.withOverrides {
			topics[i].overrides = map[string]string{}
			for _, e := range rc.Overrides() {
				v := ""
				if e.Value != nil {
					v = *e.Value
				}
				topics[i].overrides[e.Name] = v
			}
		}
	}
	return nil
}

type jsonDescribedTopic struct {
	Topic             string            `json:"topic"`
	ID                string            `json:"id"`
	Internal          bool              `json:"internal"`
	PartitionCount    int               `json:"partition_count"`
	ReplicationFactor *int64            `json:"replication_factor"`
	MinISR            *int64            `json:"min_isr,omitempty"`
	Configs           map[string]string `json:"configs,omitempty"`
	Partitions        []jsonPartition   `json:"partitions"`
	Error             string            `json:"error,omitempty"`
}

type jsonPartition struct {
	Partition       int32   `json:"partition"`
	Leader          *int64  `json:"leader"`
	LeaderEpoch     *int64  `json:"leader_epoch"`
	Replicas        []int32 `json:"replicas"`
	ISR             []int32 `json:"isr"`
	OfflineReplicas []int32 `json:"offline_replicas"`
	Error           string  `json:"error,omitempty"`
}

func printDescribedTopics(g *globals, topics []describedTopic, f *describeFlags) {
	if g.output == "json" {
		out := struct {
			Topics []jsonDescribedTopic `json:"topics"`
		}{Topics: []jsonDescribedTopic{}}
		for _, t := range topics {
			jt := jsonDescribedTopic{
				Topic: t.Name, ID: t.ID, Internal: t.Internal, PartitionCount: len(t.Partitions),
				ReplicationFactor: known(int64(replicationFactor(t.TopicInfo))), Configs: t.overrides, Partitions: []jsonPartition{},
				Error: errString(t.Err),
			}
			if t.minISR >= 0 {
				jt.MinISR = known(int64(t.minISR))
			}
			for _, p := range t.partitions {
				jt.Partitions = append(jt.Partitions, jsonPartition{p.Partition, known(int64(p.Leader)), known(int64(p.LeaderEpoch)),
					orEmpty(p.Replicas), orEmpty(p.ISR), orEmpty(p.OfflineReplicas), errString(p.Err)})
			}
			out.Topics = append(out.Topics, jt)
		}
		writeJSON(g.stdout, out)
		return
	}
	if f.withOverrides {
		r := g.rows("TOPIC", "PARTITIONS", "REPLICATION-FACTOR", "CONFIGS")
		for _, t := range topics {
			r.add(t.Name, len(t.Partitions), num(int64(replicationFactor(t.TopicInfo))), configList(t.overrides))
		}
		r.flush()
		return
	}
	header := []string{"TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "OFFLINE"}
	if f.needsMinISR() {
		header = append(header, "MIN-ISR")
	}
	r := g.rows(header...)
	for _, t := range topics {
		for _, p := range t.partitions {
			cells := []any{t.Name, p.Partition, num(int64(p.Leader)), idsCell(p.Replicas), idsCell(p.ISR), idsCell(p.OfflineReplicas)}
			if f.needsMinISR() {
				cells = append(cells, t.minISR)
			}
			r.add(cells...)
		}
	}
	r.flush()
}

// idsCell is a cell of broker ids, 1,2,3; none is "-" in a table, empty
// in CSV.
func idsCell(ids []int32) any {
	if len(ids) == 0 {
		return nil
	}
	return replicaList(ids)
}

// configList writes configs as kafka-topics.sh does: name=value,...
// sorted by name.
func configList(configs map[string]string) string {
	parts := make([]string, 0, len(configs))
	for _, k := range slices.Sorted(maps.Keys(configs)) {
		parts = append(parts, k+"="+configs[k])
	}
	return strings.Join(parts, ",")
}
