package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func newGroupsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "Consumer groups: list, describe, offsets, lag",
	}
	cmd.AddCommand(newGroupsListCmd(g), newGroupsDescribeCmd(g), newGroupsOffsetsCmd(g), newGroupsLagCmd(g), newGroupsResetOffsetsCmd(g))
	return cmd
}

func newGroupsListCmd(g *globals) *cobra.Command {
	var filter kafadmin.GroupFilter
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the cluster's groups",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				groups, err := cl.ListGroups(ctx, filter)
				if groups != nil {
					printListedGroups(g, groups)
				}
				return err
			})
		},
	}
	cmd.Flags().StringSliceVar(&filter.States, "state", nil, "only groups in these states, e.g. Stable,Empty")
	cmd.Flags().StringSliceVar(&filter.Types, "type", nil, "only groups of these types: classic, consumer, share, streams")
	return cmd
}

func newGroupsDescribeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "describe GROUP...",
		Short: "Describe groups: state, coordinator, members and their assignments",
		Args:  minArgs(1, "group"),
		RunE: func(cmd *cobra.Command, groups []string) error {
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				described, err := cl.DescribeGroups(ctx, groups...)
				if described != nil {
					printDescribed(g, groups, described)
				}
				return err
			})
		},
	}
}

func newGroupsOffsetsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "offsets GROUP...",
		Short: "Show groups' committed offsets",
		Args:  minArgs(1, "group"),
		RunE: func(cmd *cobra.Command, groups []string) error {
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				fetched, err := cl.FetchOffsets(ctx, groups...)
				if fetched != nil {
					printOffsets(g, groups, fetched)
				}
				return err
			})
		},
	}
}

func newGroupsLagCmd(g *globals) *cobra.Command {
	var (
		all   bool
		watch time.Duration
	)
	cmd := &cobra.Command{
		Use:   "lag [GROUP...|--all]",
		Short: "Show groups' lag per partition, once or every --watch interval",
		Long: `Show, for every partition a group has committed to or is assigned, the
committed offset, the log start and end offsets and the lag (log end minus
committed), with totals per group.

With --watch INTERVAL one client is kept for the whole run and the lag is
printed every INTERVAL until interrupted (SIGINT or SIGTERM). An iteration
that fails prints its error on stderr and the watch goes on. With
--output json each iteration is one line.`,
		RunE: func(cmd *cobra.Command, groups []string) error {
			switch {
			case all && len(groups) > 0:
				return usagef("give groups or --all, not both")
			case !all && len(groups) == 0:
				return usagef("name at least one group, or pass --all")
			case cmd.Flags().Changed("watch") && watch <= 0:
				return usagef("--watch %v: want a positive interval, e.g. 5s", watch)
			}
			cl, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			defer cl.Close()
			if watch == 0 {
				return lagOnce(cmd.Context(), g, cl, groups)
			}
			watchLag(cmd.Context(), g, cl, groups, watch)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every consumer group of the cluster")
	cmd.Flags().DurationVar(&watch, "watch", 0, "repeat every interval (e.g. 5s) until interrupted")
	return cmd
}

func lagOnce(ctx context.Context, g *globals, cl *kafadmin.Client, groups []string) error {
	ctx, cancel := g.call(ctx)
	defer cancel()
	lags, err := cl.Lag(ctx, groups...)
	if lags != nil {
		printLag(g, time.Now(), lags)
	}
	return err
}

// watchLag prints the lag every interval until ctx ends. Failures go to
// stderr, and the watch goes on.
func watchLag(ctx context.Context, g *globals, cl *kafadmin.Client, groups []string, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := lagOnce(ctx, g, cl, groups)
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
