package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func newGroupsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "Consumer groups: list, describe, lag, reset offsets, delete",
	}
	cmd.AddCommand(newGroupsListCmd(g), newGroupsDescribeCmd(g), newGroupsOffsetsCmd(g), newGroupsLagCmd(g), newGroupsResetOffsetsCmd(g),
		newGroupsDeleteCmd(g), newGroupsDeleteOffsetsCmd(g), newGroupsRemoveMembersCmd(g))
	return parentOf(cmd)
}

func newGroupsListCmd(g *globals) *cobra.Command {
	var (
		filter kafadmin.GroupFilter
		quiet  bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the cluster's groups",
		Long: `List the cluster's groups (every broker is asked for the groups it
coordinates), sorted by group id, with their state, type (classic or
consumer, KIP-848), protocol type and coordinator.

--state and --type filter (any case; several values separated by commas);
on brokers too old to filter (before Kafka 2.6 for states, 3.8 for types)
the command fails rather than list unfiltered groups.

--quiet prints only the group ids, one per line, as kafka-consumer-groups.sh
--list does, for xargs and loops.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := filter.Validate(); err != nil {
				return usageError{err}
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				groups, err := cl.ListGroups(ctx, filter)
				if groups == nil {
					return err
				}
				// Groups some broker did not answer for are missing:
				// the failures are printed, and the exit code is 3.
				if quiet {
					for _, lg := range groups {
						fmt.Fprintln(g.stdout, lg.Group)
					}
				} else {
					printListedGroups(g, groups)
				}
				return partial(err, len(groups))
			})
		},
	}
	cmd.Flags().StringSliceVar(&filter.States, "state", nil, "only groups in these states, e.g. Stable,Empty")
	cmd.Flags().StringSliceVar(&filter.Types, "type", nil, "only groups of these types: classic, consumer, share, streams")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the group ids, one per line")
	return cmd
}

func newGroupsOffsetsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:               "offsets GROUP...",
		Short:             "Show groups' committed offsets",
		Args:              groupNames,
		ValidArgsFunction: g.completeGroups,
		RunE: func(cmd *cobra.Command, groups []string) error {
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				fetched, err := cl.FetchOffsets(ctx, groups...)
				if fetched == nil {
					return err
				}
				printOffsets(g, groups, fetched)
				return partial(err, countOK(fetched, func(o kafadmin.GroupOffsets) error { return o.Err }))
			})
		},
	}
}

// sortedKeys returns the groups asked for, in the order given, followed by
// any others in the result, sorted.
func sortedKeys[V any](asked []string, m map[string]V) []string {
	out := make([]string, 0, len(m))
	for _, k := range asked {
		if _, ok := m[k]; ok && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(out, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	var ke *kafadmin.KeyError
	if errors.As(err, &ke) && ke.Err != nil && ke.Deadline == nil {
		return ke.Err.Error()
	}
	return strings.TrimPrefix(err.Error(), "kafadmin: ")
}

func newGroupsDeleteCmd(g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete GROUP...",
		Short: "Delete empty groups and their committed offsets",
		Long: `Delete groups and their committed offsets. A group must be empty (no
consumer running): a group with members is refused, naming them.

On a terminal the command asks to confirm; off a terminal (a script, a
pipe) it needs --yes. A group whose deletion was retried after a lost
answer, and was gone by then, is reported "deleted (on retry)": the first
attempt most likely deleted it.`,
		Args:              groupNames,
		ValidArgsFunction: g.completeGroups,
		RunE: func(cmd *cobra.Command, groups []string) error {
			groups = unique(groups)
			if !yes {
				if err := g.confirm(fmt.Sprintf("Delete %s and their committed offsets?", plural(len(groups), "group")), groups); err != nil {
					return err
				}
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				deleted, err := cl.DeleteGroups(ctx, groups...)
				if deleted == nil {
					return err
				}
				printDeleted(g, groups, deleted)
				return partial(err, countOK(deleted, func(r kafadmin.DeleteGroupResult) error { return r.Err }))
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask to confirm (needed off a terminal)")
	return cmd
}

// confirm asks on the terminal; off a terminal it fails, asking for --yes.
func (g *globals) confirm(question string, items []string) error {
	if !g.std.inTerminal {
		return usagef("not deleting without confirmation: stdin is not a terminal, so pass --yes")
	}
	fmt.Fprintf(g.stderr, "%s\n  %s\n[y/N] ", question, strings.Join(items, "\n  "))
	answer, err := bufio.NewReader(g.std.in).ReadString('\n')
	if err != nil && answer == "" {
		return errors.New("no answer to the confirmation: nothing was deleted")
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return errors.New("not confirmed: nothing was deleted")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

type jsonDeleted struct {
	Group       string `json:"group"`
	Deleted     bool   `json:"deleted"`
	GoneOnRetry bool   `json:"gone_on_retry,omitempty"`
	Error       string `json:"error,omitempty"`
}

func printDeleted(g *globals, asked []string, deleted map[string]kafadmin.DeleteGroupResult) {
	keys := sortedKeys(asked, deleted)
	if g.output == "json" {
		out := struct {
			Groups []jsonDeleted `json:"groups"`
		}{Groups: []jsonDeleted{}}
		for _, k := range keys {
			r := deleted[k]
			out.Groups = append(out.Groups, jsonDeleted{k, r.Err == nil, r.GoneOnRetry, errString(r.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("GROUP", "RESULT")
	for _, k := range keys {
		res := deleted[k]
		r.add(k, result(res.Err, res.GoneOnRetry, "deleted"))
	}
	r.flush()
}

// result is a RESULT cell: what was done, or the error.
func result(err error, onRetry bool, done string) string {
	switch {
	case err != nil:
		return "error: " + errString(err)
	case onRetry:
		return done + " (on retry)"
	}
	return done
}

func newGroupsDeleteOffsetsCmd(g *globals) *cobra.Command {
	var topics []string
	cmd := &cobra.Command{
		Use:   "delete-offsets GROUP --topic T[:P,P]...",
		Short: "Delete a group's committed offsets for some topics or partitions",
		Long: `Delete a group's committed offsets for the partitions named by --topic
(repeatable): TOPIC for every partition of the topic, TOPIC:0,2 for some.
The group must be empty, or not subscribed to the topics. Every topic and
partition is checked first: one that does not exist is an error and nothing
is deleted. Deleting an offset that was never committed succeeds.`,
		Args:              exactGroup,
		ValidArgsFunction: g.completeGroups,
		RunE: func(cmd *cobra.Command, args []string) error {
			sel, err := parseTopics(topics)
			if err != nil {
				return err
			}
			if sel.empty() {
				return usagef("name the offsets to delete with --topic TOPIC or --topic TOPIC:PARTITION[,PARTITION...]")
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				tps, err := sel.resolve(ctx, cl)
				if err != nil {
					return fmt.Errorf("delete offsets of group %q: %w; nothing was deleted", args[0], err)
				}
				perPartition, err := cl.DeleteOffsets(ctx, args[0], tps...)
				if perPartition == nil {
					return err
				}
				printPartitionResults(g, args[0], tps, perPartition, "deleted")
				return partial(err, countOK(perPartitionByName(perPartition), func(e error) error { return e }))
			})
		},
	}
	cmd.Flags().StringArrayVar(&topics, "topic", nil, "TOPIC or TOPIC:PARTITION[,PARTITION...] (repeatable)")
	cmd.RegisterFlagCompletionFunc("topic", g.completeTopics)
	return cmd
}

func perPartitionByName(m map[kafadmin.TopicPartition]error) map[string]error {
	out := make(map[string]error, len(m))
	for tp, err := range m {
		out[tp.String()] = err
	}
	return out
}

type jsonPartitionResult struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Error     string `json:"error,omitempty"`
}

func printPartitionResults(g *globals, group string, tps []kafadmin.TopicPartition, results map[kafadmin.TopicPartition]error, done string) {
	if g.output == "json" {
		out := struct {
			Group      string                `json:"group"`
			Partitions []jsonPartitionResult `json:"partitions"`
		}{Group: group, Partitions: []jsonPartitionResult{}}
		for _, tp := range tps {
			out.Partitions = append(out.Partitions, jsonPartitionResult{tp.Topic, tp.Partition, errString(results[tp])})
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("GROUP", "TOPIC", "PARTITION", "RESULT")
	for _, tp := range tps {
		r.add(group, tp.Topic, tp.Partition, result(results[tp], false, done))
	}
	r.flush()
}

func newGroupsRemoveMembersCmd(g *globals) *cobra.Command {
	var ids []string
	cmd := &cobra.Command{
		Use:   "remove-members GROUP --instance-id ID...",
		Short: "Remove static members from a group by their group.instance.id",
		Long: `Remove static members (KIP-345) from a group by their group.instance.id,
as kafka-consumer-groups.sh --delete-members does; the group rebalances
without them. A member that is not in the group is reported as an error; a
member already gone when the removal was retried after a lost answer is
reported "removed (on retry)".`,
		Args:              exactGroup,
		ValidArgsFunction: g.completeGroups,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(ids) == 0 {
				return usagef("name the members to remove with --instance-id ID (repeatable)")
			}
			ids = unique(ids)
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				removed, err := cl.RemoveMembers(ctx, args[0], ids...)
				if removed == nil {
					return err
				}
				printRemoved(g, args[0], ids, removed)
				return partial(err, countOK(removed, func(r kafadmin.RemoveMemberResult) error { return r.Err }))
			})
		},
	}
	cmd.Flags().StringSliceVar(&ids, "instance-id", nil, "the group.instance.id of a member to remove (repeatable, or comma-separated)")
	return cmd
}

type jsonRemoved struct {
	InstanceID  string `json:"instance_id"`
	Removed     bool   `json:"removed"`
	GoneOnRetry bool   `json:"gone_on_retry,omitempty"`
	Error       string `json:"error,omitempty"`
}

func printRemoved(g *globals, group string, ids []string, removed map[string]kafadmin.RemoveMemberResult) {
	if g.output == "json" {
		out := struct {
			Group   string        `json:"group"`
			Members []jsonRemoved `json:"members"`
		}{Group: group, Members: []jsonRemoved{}}
		for _, id := range ids {
			r := removed[id]
			out.Members = append(out.Members, jsonRemoved{id, r.Err == nil, r.GoneOnRetry, errString(r.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("GROUP", "INSTANCE-ID", "RESULT")
	for _, id := range ids {
		res := removed[id]
		r.add(group, id, result(res.Err, res.GoneOnRetry, "removed"))
	}
	r.flush()
}

// unique drops repeated values, keeping the first of each.
func unique(values []string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
