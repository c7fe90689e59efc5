package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

// lagView is what groups lag shows: which partitions, in which order.
type lagView struct {
	topics topicSelection
	minLag int64
	sort   string
}

func newGroupsLagCmd(g *globals) *cobra.Command {
	var (
		all    bool
		watch  time.Duration
		topics []string
		view   lagView
	)
	cmd := &cobra.Command{
		Use:   "lag [GROUP...|--all]",
		Short: "Show groups' lag per partition, with totals, once or every --watch interval",
		Long: `Show, for every partition a group has committed to or is assigned, the
committed offset, the log start and end offsets and the lag (log end minus
committed), with totals per topic and per group.

--topic T (repeatable; T:0,1 for some partitions) keeps only those topics;
the totals then cover only them. --min-lag N hides partitions whose lag is
below N (and those whose lag is unknown); the totals still count every
partition of the selected topics, and a group with no partition left is
left out. --sort orders the rows: group (the default: by group, topic and
partition), topic (by topic, partition and group) or lag (largest first).

In a table, each topic's partitions are followed by a TOTAL row for the
topic (PARTITION is TOTAL) and each group by a TOTAL row for the group
(TOPIC is TOTAL); with --sort topic or lag the totals follow all the
partition rows. CSV has one row per partition and no totals; JSON has the
totals as total_lag and topic_lag.

With --watch INTERVAL one client is kept for the whole run and the lag is
printed every INTERVAL until interrupted (SIGINT or SIGTERM). An iteration
that fails prints its error on stderr and the watch goes on. With
--output json each iteration is one line.`,
		ValidArgsFunction: g.completeGroups,
		RunE: func(cmd *cobra.Command, groups []string) error {
			if err := groupArgs(groups, all, "--all"); err != nil {
				return err
			}
			switch {
			case cmd.Flags().Changed("watch") && watch <= 0:
				return usagef("--watch %v: want a positive interval, e.g. 5s", watch)
			case view.minLag < 0:
				return usagef("--min-lag %d: want 0 or more", view.minLag)
			case !slices.Contains([]string{"group", "topic", "lag"}, view.sort):
				return usagef("--sort %q: want group, topic or lag", view.sort)
			}
			var err error
			if view.topics, err = parseTopics(topics); err != nil {
				return err
			}
			cl, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			defer cl.Close()
			if watch == 0 {
				return lagOnce(cmd.Context(), g, cl, groups, view, false)
			}
			watchLag(cmd.Context(), g, cl, groups, view, watch)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&all, "all", false, "every consumer group of the cluster")
	f.DurationVar(&watch, "watch", 0, "repeat every interval (e.g. 5s) until interrupted")
	f.StringArrayVar(&topics, "topic", nil, "only this topic (repeatable): TOPIC or TOPIC:PARTITION[,PARTITION...]")
	f.Int64Var(&view.minLag, "min-lag", 0, "only partitions whose lag is at least N")
	f.StringVar(&view.sort, "sort", "group", "row order: group, topic or lag")
	cmd.RegisterFlagCompletionFunc("topic", g.completeTopics)
	cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions([]cobra.Completion{"group", "topic", "lag"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// lagOnce prints the lag of groups, or of every consumer group when none
// are named. An iteration of a watch that was interrupted prints nothing.
func lagOnce(ctx context.Context, g *globals, cl *kafadmin.Client, groups []string, view lagView, watching bool) error {
	if len(groups) == 0 {
		var err error
		if groups, err = consumerGroups(ctx, g, cl); err != nil {
			return err
		}
	}
	lags, err := inChunks(ctx, g, "lag", groups, func(ctx context.Context, chunk []string) (map[string]kafadmin.GroupLag, error) {
		return cl.Lag(ctx, chunk...)
	})
	if watching && ctx.Err() != nil {
		return nil // interrupted: the sample is incomplete
	}
	if lags != nil {
		printLag(g, time.Now(), view.apply(lags), view.sort)
	}
	return partial(err, countOK(lags, func(gl kafadmin.GroupLag) error { return gl.Err }))
}

// watchLag prints the lag every interval until ctx ends. Failures go to
// stderr, and the watch goes on.
func watchLag(ctx context.Context, g *globals, cl *kafadmin.Client, groups []string, view lagView, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := lagOnce(ctx, g, cl, groups, view, true)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			fmt.Fprintf(g.stderr, "kafadmin: %s: %v\n", time.Now().Format(time.RFC3339), err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// apply filters and sorts lags: the selected topics (with totals over
// them), the partitions at or above the minimum lag, in the view's order.
func (v lagView) apply(lags map[string]kafadmin.GroupLag) []kafadmin.GroupLag {
	filtering := !v.topics.empty() || v.minLag > 0
	out := make([]kafadmin.GroupLag, 0, len(lags))
	for _, gl := range lags {
		if !filtering {
			out = append(out, gl)
			continue
		}
		kept := gl
		kept.Partitions = nil
		kept.TopicLag = map[string]int64{}
		kept.TotalLag = 0
		for _, p := range gl.Partitions {
			if !v.topics.has(kafadmin.TopicPartition{Topic: p.Topic, Partition: p.Partition}) {
				continue
			}
			if p.Lag >= 0 {
				kept.TopicLag[p.Topic] += p.Lag
				kept.TotalLag += p.Lag
			}
			if p.Lag >= v.minLag && (v.minLag == 0 || p.Lag >= 0) {
				kept.Partitions = append(kept.Partitions, p)
			}
		}
		if len(kept.Partitions) > 0 || len(gl.Partitions) == 0 && gl.Err != nil {
			out = append(out, kept)
		}
	}
	byLag := func(a, b kafadmin.PartitionLag) int { return cmp.Compare(b.Lag, a.Lag) }
	byTP := func(a, b kafadmin.PartitionLag) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	}
	for _, gl := range out {
		switch v.sort {
		case "lag":
			slices.SortStableFunc(gl.Partitions, func(a, b kafadmin.PartitionLag) int { return cmp.Or(byLag(a, b), byTP(a, b)) })
		default:
			slices.SortFunc(gl.Partitions, byTP)
		}
	}
	slices.SortFunc(out, func(a, b kafadmin.GroupLag) int {
		if v.sort == "lag" {
			if c := cmp.Compare(b.TotalLag, a.TotalLag); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Group, b.Group)
	})
	return out
}

// lagRow is one partition of one group.
type lagRow struct {
	group string
	kafadmin.PartitionLag
}

// topicTotal is one group's lag on one topic.
type topicTotal struct {
	group, topic string
	lag          int64
}

func printLag(g *globals, at time.Time, lags []kafadmin.GroupLag, sortBy string) {
	if g.output == "json" {
		printLagJSON(g, at, lags)
		return
	}
	// A group that failed before any partition was known is only an error,
	// on stderr: a TOTAL row would read as no lag.
	shown := slices.DeleteFunc(slices.Clone(lags), func(gl kafadmin.GroupLag) bool { return gl.Err != nil && len(gl.Partitions) == 0 })
	csv := g.output == "csv"
	r := g.rows("GROUP", "TOPIC", "PARTITION", "COMMITTED", "LOG-START", "LOG-END", "LAG", "CLIENT-ID", "HOST")
	partition := func(group string, p kafadmin.PartitionLag) {
		r.add(group, p.Topic, p.Partition, num(p.Committed), num(p.LogStart), num(p.LogEnd), num(p.Lag), orDash(p.ClientID), orDash(p.ClientHost))
	}
	topicTotalRow := func(t topicTotal) { r.add(t.group, t.topic, "TOTAL", "", "", "", t.lag, "", "") }
	groupTotalRow := func(gl kafadmin.GroupLag) { r.add(gl.Group, "TOTAL", "", "", "", "", gl.TotalLag, "", "") }
	defer r.flush()

	if sortBy == "group" && !csv {
		// Each topic's total after its partitions, each group's after
		// its topics.
		for _, gl := range shown {
			for i, p := range gl.Partitions {
				partition(gl.Group, p)
				if i == len(gl.Partitions)-1 || gl.Partitions[i+1].Topic != p.Topic {
					topicTotalRow(topicTotal{gl.Group, p.Topic, gl.TopicLag[p.Topic]})
				}
			}
			groupTotalRow(gl)
		}
		return
	}
	var (
		all    []lagRow
		totals []topicTotal
	)
	for _, gl := range shown {
		for _, p := range gl.Partitions {
			all = append(all, lagRow{gl.Group, p})
		}
		for t, l := range gl.TopicLag {
			totals = append(totals, topicTotal{gl.Group, t, l})
		}
	}
	switch sortBy {
	case "topic":
		slices.SortStableFunc(all, func(a, b lagRow) int {
			return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition), strings.Compare(a.group, b.group))
		})
		slices.SortFunc(totals, func(a, b topicTotal) int {
			return cmp.Or(strings.Compare(a.topic, b.topic), strings.Compare(a.group, b.group))
		})
	case "lag":
		slices.SortStableFunc(all, func(a, b lagRow) int { return cmp.Compare(b.Lag, a.Lag) })
		slices.SortFunc(totals, func(a, b topicTotal) int {
			return cmp.Or(cmp.Compare(b.lag, a.lag), strings.Compare(a.group, b.group), strings.Compare(a.topic, b.topic))
		})
	default:
		slices.SortFunc(totals, func(a, b topicTotal) int {
			return cmp.Or(strings.Compare(a.group, b.group), strings.Compare(a.topic, b.topic))
		})
	}
	for _, row := range all {
		partition(row.group, row.PartitionLag)
	}
	if csv {
		return
	}
	for _, t := range totals {
		topicTotalRow(t)
	}
	for _, gl := range shown {
		groupTotalRow(gl)
	}
}

// The JSON shapes are an interface: scripts parse them. Add fields, never
// rename or remove one.

type jsonLagReport struct {
	Time   string         `json:"time"`
	Groups []jsonGroupLag `json:"groups"`
}

type jsonGroupLag struct {
	Group       string             `json:"group"`
	State       string             `json:"state"`
	Coordinator int32              `json:"coordinator"`
	TotalLag    int64              `json:"total_lag"`
	TopicLag    map[string]int64   `json:"topic_lag"`
	Partitions  []jsonPartitionLag `json:"partitions"`
	Error       string             `json:"error,omitempty"`
}

// jsonPartitionLag uses null for what is unknown: committed and lag when
// the group has no commit, the log offsets when they could not be listed.
type jsonPartitionLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed *int64 `json:"committed"`
	LogStart  *int64 `json:"log_start"`
	LogEnd    *int64 `json:"log_end"`
	Lag       *int64 `json:"lag"`
	Error     string `json:"error,omitempty"`
}

func printLagJSON(g *globals, at time.Time, lags []kafadmin.GroupLag) {
	out := jsonLagReport{Time: at.UTC().Format(time.RFC3339Nano), Groups: []jsonGroupLag{}}
	for _, gl := range lags {
		jg := jsonGroupLag{Group: gl.Group, State: gl.State, Coordinator: gl.Coordinator, TotalLag: gl.TotalLag, TopicLag: gl.TopicLag, Partitions: []jsonPartitionLag{}, Error: errString(gl.Err)}
		for _, p := range gl.Partitions {
			jg.Partitions = append(jg.Partitions, jsonPartitionLag{
				Topic: p.Topic, Partition: p.Partition,
				Committed: known(p.Committed), LogStart: known(p.LogStart), LogEnd: known(p.LogEnd), Lag: known(p.Lag),
				Error: errString(p.Err),
			})
		}
		out.Groups = append(out.Groups, jg)
	}
	writeJSON(g.stdout, out)
}
