package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin"
)

// createFlags are create's flags.
type createFlags struct {
	topics            []string
	partitions        int32
	replicationFactor int16
	assignment        string
	configs           []string
	ifNotExists       bool
	validateOnly      bool
}

func newTopicsCreateCmd(g *globals) *cobra.Command {
	var f createFlags
	cmd := &cobra.Command{
		Use:   "create TOPIC... [--partitions N] [--replication-factor N | --replica-assignment 0:1,1:2] [--config K=V]...",
		Short: "Create topics",
		// New names are not completed: they are not in the cluster yet.
		ValidArgsFunction: cobra.NoFileCompletions,
		Long: `Create topics, named as arguments or with --topic, as kafka-topics.sh
--create does; the controller creates them, each with:

  --partitions N             the partition count (default the broker's
                             num.partitions)
  --replication-factor N     replicas a partition (default the broker's
                             default.replication.factor)
  --replica-assignment A     the brokers of each partition instead, as
                             kafka-topics.sh writes them: partitions
                             separated by commas, a partition's brokers by
                             colons, the first its preferred leader;
                             0:1,1:2,2:0 is 3 partitions of 2 replicas
  --config K=V               a config of the topic (repeatable), e.g.
                             --config retention.ms=86400000

A replication factor above the number of brokers, or an assignment naming a
broker the cluster lacks, is refused before the controller is asked.

--if-not-exists reports a topic that exists as "already exists" instead of
failing. --validate-only has the controller check everything and create
nothing: the result is "valid", or its refusal.

A name with a '.' or a '_' gets a warning on stderr, as kafka-topics.sh
gives: Kafka's metric names do not tell the two apart, so the topic's
metrics collide with those of a topic whose name differs only there.

Output: TOPIC PARTITIONS REPLICATION-FACTOR RESULT. A topic whose creation
was retried after a lost answer, and existed by then, is reported "created
(on retry)": the first attempt created it. A topic that failed is reported
on stderr; if others were created, the exit code is 3.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			topics, err := f.check(cmd, args)
			if err != nil {
				return err
			}
			for _, t := range topics {
				if kafadmin.TopicNameMayCollide(t.Name) {
					fmt.Fprintf(g.stderr, "kafadmin: warning: topic %q: Kafka's metric names do not tell '.' from '_', so its metrics could collide with those of a topic whose name differs only there: use one or the other, not both\n", t.Name)
				}
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				create := cl.CreateTopics
				if f.validateOnly {
					create = cl.ValidateCreateTopics
				}
				created, err := create(ctx, topics...)
				if created == nil {
					return err
				}
				exists := func(ke *kafadmin.KeyError) bool { return f.ifNotExists && errors.Is(ke, kerr.TopicAlreadyExists) }
				printCreated(g, topics, created, f.validateOnly, f.ifNotExists)
				err = dropKeyErrors(err, exists)
				return partial(err, len(created)-countKeyErrors(err))
			})
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.topics, "topic", nil, "a topic to create (repeatable; as well as arguments)")
	fl.Int32Var(&f.partitions, "partitions", 0, "the partition count (default the broker's num.partitions)")
	fl.Int16Var(&f.replicationFactor, "replication-factor", 0, "replicas a partition (default the broker's default.replication.factor)")
	fl.StringVar(&f.assignment, "replica-assignment", "", "each partition's brokers instead of counts: 0:1,1:2 (partitions by commas, replicas by colons)")
	fl.StringArrayVar(&f.configs, "config", nil, "a config of the topic, K=V (repeatable)")
	fl.BoolVar(&f.ifNotExists, "if-not-exists", false, `report a topic that exists as "already exists" instead of failing`)
	fl.BoolVar(&f.validateOnly, "validate-only", false, "have the controller check the topics, and create nothing")
	return cmd
}

// check reads create's command line into the topics to create, as usage
// errors.
func (f *createFlags) check(cmd *cobra.Command, args []string) ([]kafadmin.NewTopic, error) {
	names, err := topicArgs(args, f.topics)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, usagef("name the topics to create: kafadmin topics create TOPIC..., or --topic TOPIC")
	}
	flags := cmd.Flags()
	if flags.Changed("partitions") && f.partitions < 1 {
		return nil, usagef("--partitions %d: a topic has 1 partition or more", f.partitions)
	}
	if flags.Changed("replication-factor") && f.replicationFactor < 1 {
		return nil, usagef("--replication-factor %d: a partition has 1 replica or more", f.replicationFactor)
	}
	var assignment [][]int32
	if flags.Changed("replica-assignment") {
		if flags.Changed("partitions") || flags.Changed("replication-factor") {
			return nil, usagef("--replica-assignment gives the partitions and their replicas: it does not go with --partitions or --replication-factor")
		}
		if assignment, err = parseReplicaAssignment(f.assignment); err != nil {
			return nil, err
		}
	}
	configs, err := parseTopicConfigs(f.configs)
	if err != nil {
		return nil, err
	}
	topics := make([]kafadmin.NewTopic, len(names))
	for i, name := range names {
		topics[i] = kafadmin.NewTopic{Name: name, Partitions: f.partitions, ReplicationFactor: f.replicationFactor, Assignment: assignment, Configs: configs}
	}
	return topics, nil
}

// parseReplicaAssignment reads kafka-topics.sh's --replica-assignment:
// partitions separated by commas, each a list of broker ids separated by
// colons, every partition with as many replicas, none twice.
func parseReplicaAssignment(s string) ([][]int32, error) {
	const flag = "--replica-assignment"
	if strings.TrimSpace(s) == "" {
		return nil, usagef("%s is empty: want each partition's brokers, e.g. 0:1,1:2,2:0", flag)
	}
	var out [][]int32
	for p, part := range strings.Split(s, ",") {
		var replicas []int32
		for _, b := range strings.Split(part, ":") {
			b = strings.TrimSpace(b)
			id, err := strconv.ParseInt(b, 10, 32)
			if err != nil || id < 0 {
				return nil, usagef("%s %q: partition %d: %q is not a broker id: want ids of 0 or more, a partition's separated by colons and partitions by commas, e.g. 0:1,1:2", flag, s, p, b)
			}
			if slices.Contains(replicas, int32(id)) {
				return nil, usagef("%s %q: partition %d names broker %d twice: a broker holds one replica of a partition", flag, s, p, id)
			}
			replicas = append(replicas, int32(id))
		}
		if len(out) > 0 && len(replicas) != len(out[0]) {
			return nil, usagef("%s %q: partition %d has %d replicas and partition 0 has %d: give every partition as many", flag, s, p, len(replicas), len(out[0]))
		}
		out = append(out, replicas)
	}
	return out, nil
}

// parseTopicConfigs reads --config K=V values, each config once.
func parseTopicConfigs(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(values))
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" {
			return nil, usagef("--config %q: want K=V, e.g. --config retention.ms=86400000", v)
		}
		if _, dup := out[k]; dup {
			return nil, usagef("--config %q: config %q is given twice: give each config once", v, k)
		}
		out[k] = val
	}
	return out, nil
}

// dropKeyErrors leaves out of a *kafadmin.CallError the key errors drop
// selects, nil if none is left; other errors are returned as they are.
func dropKeyErrors(err error, drop func(*kafadmin.KeyError) bool) error {
	var ce *kafadmin.CallError
	if !errors.As(err, &ce) {
		return err
	}
	kept := slices.DeleteFunc(slices.Clone(ce.Errors), drop)
	if len(kept) == 0 {
		return nil
	}
	return &kafadmin.CallError{Op: ce.Op, Errors: kept, Keys: ce.Keys}
}

// countKeyErrors counts the keys err says failed.
func countKeyErrors(err error) int {
	var ce *kafadmin.CallError
	if errors.As(err, &ce) {
		return len(ce.Errors)
	}
	return 0
}

type jsonCreated struct {
	Topic             string `json:"topic"`
	ID                string `json:"id,omitempty"`
	Partitions        *int64 `json:"partitions"`
	ReplicationFactor *int64 `json:"replication_factor"`
	ValidateOnly      bool   `json:"validate_only"`
	Created           bool   `json:"created"`
	CreatedOnRetry    bool   `json:"created_on_retry,omitempty"`
	AlreadyExists     bool   `json:"already_exists,omitempty"`
	Error             string `json:"error,omitempty"`
}

func printCreated(g *globals, topics []kafadmin.NewTopic, created kafadmin.Results[string, kafadmin.CreatedTopic], validateOnly, ifNotExists bool) {
	exists := func(c kafadmin.CreatedTopic) bool { return ifNotExists && errors.Is(c.Err, kerr.TopicAlreadyExists) }
	if g.output == "json" {
		out := struct {
			Topics []jsonCreated `json:"topics"`
		}{Topics: []jsonCreated{}}
		for _, t := range topics {
			c := created[t.Name]
			jc := jsonCreated{Topic: t.Name, ID: c.ID, Partitions: known(int64(c.Partitions)), ReplicationFactor: known(int64(c.ReplicationFactor)), ValidateOnly: validateOnly,
				Created: c.Err == nil && !validateOnly, CreatedOnRetry: c.OnRetry, AlreadyExists: exists(c)}
			if !jc.AlreadyExists {
				jc.Error = errString(c.Err)
			}
			out.Topics = append(out.Topics, jc)
		}
		writeJSON(g.stdout, out)
		return
	}
	done := "created"
	if validateOnly {
		done = "valid"
	}
	r := g.rows("TOPIC", "PARTITIONS", "REPLICATION-FACTOR", "RESULT")
	for _, t := range topics {
		c := created[t.Name]
		res := result(c.Err, c.OnRetry, done)
		if exists(c) {
			res = "already exists"
		}
		r.add(t.Name, num(int64(c.Partitions)), num(int64(c.ReplicationFactor)), res)
	}
	r.flush()
}

func newTopicsDeleteCmd(g *globals) *cobra.Command {
	var (
		topics        []string
		ifExists, yes bool
	)
	cmd := &cobra.Command{
		Use:   "delete TOPIC... [--if-exists] [--yes]",
		Short: "Delete topics and all their records",
		Long: `Delete topics, named as arguments or with --topic, with all their records,
as kafka-topics.sh --delete does. The topics are checked against the cluster
first: one that does not exist is an error and nothing is deleted, unless
--if-exists is given, which reports it as "does not exist" and deletes the
others. Internal topics (__consumer_offsets...) are refused: Kafka needs
them.

On a terminal the command asks to confirm, listing the topics; off a
terminal (a script, a pipe) it needs --yes. A topic whose deletion was
retried after a lost answer, and was gone by then, is reported "deleted (on
retry)": the first attempt deleted it.`,
		ValidArgsFunction: g.completeTopicArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			names, err := topicArgs(args, topics)
			if err != nil {
				return err
			}
			if len(names) == 0 {
				return usagef("name the topics to delete: kafadmin topics delete TOPIC..., or --topic TOPIC")
			}
			const nothing = "nothing was deleted"
			if err := g.requireConfirmable(yes, nothing); err != nil {
				return err
			}
			cl, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx, cancel := g.call(cmd.Context())
			existing, missing, err := existingTopics(ctx, cl, names)
			cancel()
			if err != nil {
				return fmt.Errorf("delete topics: %w; %s", err, nothing)
			}
			if len(missing) > 0 && !ifExists {
				return fmt.Errorf("%s: check the names, or pass --if-exists to delete the others; %s", notExisting(missing), nothing)
			}
			if len(existing) > 0 && !yes {
				items := make([]string, len(existing))
				for i, t := range existing {
					items[i] = fmt.Sprintf("%s (%s)", t.Name, plural(len(t.Partitions), "partition"))
				}
				if err := g.confirmChange(fmt.Sprintf("Delete %s and all their records?", plural(len(existing), "topic")), items, nothing); err != nil {
					return err
				}
			}
			var deleted kafadmin.Results[string, kafadmin.DeletedTopic]
			if len(existing) > 0 {
				ctx, cancel := g.call(cmd.Context())
				defer cancel()
				toDelete := make([]string, len(existing))
				for i, t := range existing {
					toDelete[i] = t.Name
				}
				if deleted, err = cl.DeleteTopics(ctx, toDelete...); deleted == nil {
					return err
				}
			}
			printDeletedTopics(g, names, deleted)
			return partial(err, len(deleted)-len(deleted.Failed()))
		},
	}
	cmd.Flags().StringArrayVar(&topics, "topic", nil, "a topic to delete (repeatable; as well as arguments)")
	cmd.Flags().BoolVar(&ifExists, "if-exists", false, `report a topic that does not exist as "does not exist" and delete the others`)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask to confirm (needed off a terminal)")
	cmd.RegisterFlagCompletionFunc("topic", g.completeTopicArgs)
	return cmd
}

// existingTopics splits names into the topics that exist, from fresh
// metadata, and those that do not; an internal topic is an error.
func existingTopics(ctx context.Context, cl *kafadmin.Client, names []string) (existing []kafadmin.TopicInfo, missing []string, err error) {
	listed, err := listTopics(ctx, cl, false)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range names {
		i := slices.IndexFunc(listed, func(t kafadmin.TopicInfo) bool { return t.Name == name })
		switch {
		case i < 0:
			missing = append(missing, name)
		case listed[i].Internal:
			return nil, nil, fmt.Errorf("topic %q is internal: Kafka needs it, it is not deleted", name)
		default:
			existing = append(existing, listed[i])
		}
	}
	return existing, missing, nil
}

// notExisting says which topics do not exist.
func notExisting(topics []string) string {
	if len(topics) == 1 {
		return fmt.Sprintf("topic %q does not exist", topics[0])
	}
	quoted := make([]string, len(topics))
	for i, t := range topics {
		quoted[i] = strconv.Quote(t)
	}
	return fmt.Sprintf("topics %s do not exist", strings.Join(quoted, ", "))
}

type jsonDeletedTopic struct {
	Topic       string `json:"topic"`
	Deleted     bool   `json:"deleted"`
	GoneOnRetry bool   `json:"gone_on_retry,omitempty"`
	NotFound    bool   `json:"not_found,omitempty"`
	Error       string `json:"error,omitempty"`
}

func printDeletedTopics(g *globals, names []string, deleted kafadmin.Results[string, kafadmin.DeletedTopic]) {
	if g.output == "json" {
		out := struct {
			Topics []jsonDeletedTopic `json:"topics"`
		}{Topics: []jsonDeletedTopic{}}
		for _, name := range names {
			d, ok := deleted[name]
			out.Topics = append(out.Topics, jsonDeletedTopic{name, ok && d.Err == nil, d.GoneOnRetry, !ok, errString(d.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("TOPIC", "RESULT")
	for _, name := range names {
		res := "does not exist"
		if d, ok := deleted[name]; ok {
			res = result(d.Err, d.GoneOnRetry, "deleted")
		}
		r.add(name, res)
	}
	r.flush()
}

// addPartitionsFlags are add-partitions' flags.
type addPartitionsFlags struct {
	topics     []string
	count      int32
	assignment string
}

func newTopicsAddPartitionsCmd(g *globals) *cobra.Command {
	var f addPartitionsFlags
	cmd := &cobra.Command{
		Use:   "add-partitions TOPIC... --partitions N [--replica-assignment 0:1,1:2]",
		Short: "Add partitions to topics",
		Long: `Grow topics, named as arguments or with --topic, to --partitions N in all, as
kafka-topics.sh --alter --partitions does. Kafka cannot remove partitions: a
count that is not above a topic's count today is refused before the
controller is asked.

Records with a key go to the partition the key hashes to among all the
partitions: once the count changes, a key's new records go to another
partition than its old ones, and a consumer relying on the order of a key's
records may see them out of order.

--replica-assignment places the new partitions: their brokers, partitions
separated by commas, a partition's brokers by colons (0:1,1:2 adds two
partitions of two replicas). As kafka-topics.sh takes it, it may list every
partition, the existing ones first: their entries are then skipped. Without
it the controller places them.

Output: TOPIC PREVIOUS PARTITIONS RESULT, PREVIOUS being the count before. A
topic whose growth was retried after a lost answer, and had grown by then,
is reported "added (on retry)".`,
		ValidArgsFunction: g.completeTopicArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			names, err := topicArgs(args, f.topics)
			if err != nil {
				return err
			}
			if len(names) == 0 {
				return usagef("name the topics to grow: kafadmin topics add-partitions TOPIC... --partitions N")
			}
			if !cmd.Flags().Changed("partitions") {
				return usagef("give the new partition count, in all: --partitions N")
			}
			if f.count < 2 {
				return usagef("--partitions %d: give the topics' new partition count in all, above today's (a topic has 1 partition at least)", f.count)
			}
			var assignment [][]int32
			if cmd.Flags().Changed("replica-assignment") {
				if assignment, err = parseReplicaAssignment(f.assignment); err != nil {
					return err
				}
				if len(assignment) > int(f.count) {
					return usagef("--replica-assignment %q lists %d partitions, more than the --partitions %d the topics grow to", f.assignment, len(assignment), f.count)
				}
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				return addPartitions(ctx, g, cl, names, f.count, assignment)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.topics, "topic", nil, "a topic to grow (repeatable; as well as arguments)")
	fl.Int32Var(&f.count, "partitions", 0, "the topics' partition count afterwards, in all")
	fl.StringVar(&f.assignment, "replica-assignment", "", "the new partitions' brokers: 0:1,1:2 (partitions by commas, replicas by colons)")
	cmd.RegisterFlagCompletionFunc("topic", g.completeTopicArgs)
	return cmd
}

func addPartitions(ctx context.Context, g *globals, cl *kafadmin.Client, names []string, count int32, assignment [][]int32) error {
	const nothing = "nothing was changed"
	described, err := cl.DescribeTopics(ctx, names...)
	if err != nil {
		return fmt.Errorf("add partitions: %w; %s", err, nothing)
	}
	previous := make(map[string]int32, len(names))
	grow := make([]kafadmin.NewPartitions, len(names))
	for i, name := range names {
		now := int32(len(described[name].Partitions))
		previous[name] = now
		if count <= now {
			return fmt.Errorf("topic %q has %d partitions: give a count above that with --partitions (Kafka cannot remove partitions); %s", name, now, nothing)
		}
		np := kafadmin.NewPartitions{Topic: name, Count: count}
		switch int32(len(assignment)) {
		case 0:
		case count - now:
			np.Assignment = assignment
		case count:
			np.Assignment = assignment[now:]
		default:
			return fmt.Errorf("--replica-assignment lists %d partitions: topic %q grows from %d to %d partitions, so give the %d new ones, or all %d as kafka-topics.sh does; %s",
				len(assignment), name, now, count, count-now, count, nothing)
		}
		grow[i] = np
	}
	added, err := cl.CreatePartitions(ctx, grow...)
	if added == nil {
		return err
	}
	printAddedPartitions(g, names, previous, added)
	return partial(err, len(added)-len(added.Failed()))
}

type jsonAddedPartitions struct {
	Topic        string `json:"topic"`
	Previous     int32  `json:"previous"`
	Partitions   *int64 `json:"partitions"`
	Added        bool   `json:"added"`
	AddedOnRetry bool   `json:"added_on_retry,omitempty"`
	Error        string `json:"error,omitempty"`
}

func printAddedPartitions(g *globals, names []string, previous map[string]int32, added kafadmin.Results[string, kafadmin.CreatedPartitions]) {
	if g.output == "json" {
		out := struct {
			Topics []jsonAddedPartitions `json:"topics"`
		}{Topics: []jsonAddedPartitions{}}
		for _, name := range names {
			a := added[name]
			out.Topics = append(out.Topics, jsonAddedPartitions{name, previous[name], known(int64(a.Count)), a.Err == nil, a.OnRetry, errString(a.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("TOPIC", "PREVIOUS", "PARTITIONS", "RESULT")
	for _, name := range names {
		a := added[name]
		r.add(name, previous[name], num(int64(a.Count)), result(a.Err, a.OnRetry, "added"))
	}
	r.flush()
}
