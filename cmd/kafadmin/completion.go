package main

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

// Shell completion of group and topic names asks the cluster, with a short
// deadline so that a slow or unreachable cluster never hangs the shell: it
// then completes nothing.
const completionTimeout = 3 * time.Second

// completeGroups completes group names not already on the command line.
func (g *globals) completeGroups(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	names := g.completionNames(cmd, func(ctx context.Context, cl *kafadmin.Client) ([]string, error) {
		listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
		out := make([]string, 0, len(listed))
		for _, lg := range listed {
			out = append(out, lg.Group)
		}
		return out, err
	})
	return filterCompletions(names, args, prefix), cobra.ShellCompDirectiveNoFileComp
}

// completeTopics completes topic names, for --topic flags.
func (g *globals) completeTopics(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	names := g.completionNames(cmd, func(ctx context.Context, cl *kafadmin.Client) ([]string, error) {
		topics, err := cl.ListTopics(ctx)
		out := make([]string, 0, len(topics))
		for _, t := range topics {
			if !t.Internal {
				out = append(out, t.Name)
			}
		}
		return out, err
	})
	return filterCompletions(names, nil, prefix), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeTopicArgs completes topic names as arguments, leaving out those
// already given.
func (g *globals) completeTopicArgs(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	names, _ := g.completeTopics(cmd, nil, prefix)
	return filterCompletions(names, args, prefix), cobra.ShellCompDirectiveNoFileComp
}

// completeBrokers completes a comma-separated list of broker ids with the
// brokers of the cluster, after the ids already typed.
func (g *globals) completeBrokers(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	typed, last := "", prefix
	if i := strings.LastIndex(prefix, ","); i >= 0 {
		typed, last = prefix[:i+1], prefix[i+1:]
	}
	names := g.completionNames(cmd, func(ctx context.Context, cl *kafadmin.Client) ([]string, error) {
		brokers, err := cl.ListBrokers(ctx)
		out := make([]string, 0, len(brokers))
		for _, b := range brokers {
			out = append(out, strconv.Itoa(int(b.ID)))
		}
		return out, err
	})
	var out []cobra.Completion
	for _, id := range filterCompletions(names, strings.Split(typed, ","), last) {
		out = append(out, typed+id)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeFeatures completes --feature with the features the cluster
// supports, as NAME= for the level to follow.
func (g *globals) completeFeatures(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	names := g.completionNames(cmd, func(ctx context.Context, cl *kafadmin.Client) ([]string, error) {
		f, err := cl.DescribeFeatures(ctx)
		out := make([]string, 0, len(f.Supported))
		for _, name := range slices.Sorted(maps.Keys(f.Supported)) {
			out = append(out, name+"=")
		}
		return out, err
	})
	return filterCompletions(names, nil, prefix), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeEntityNames completes configs' --entity-name with the names of
// the --entity-type given: topics, groups, broker node ids or
// client-metrics subscriptions.
func (g *globals) completeEntityNames(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	typ, _ := cmd.Flags().GetString("entity-type")
	names := g.completionNames(cmd, func(ctx context.Context, cl *kafadmin.Client) ([]string, error) {
		var (
			rs  []kafadmin.ConfigResource
			err error
		)
		switch typ {
		case "topics":
			rs, err = allTopics(ctx, cl)
		case "groups":
			rs, err = allGroups(ctx, cl)
		case "brokers", "broker-loggers":
			rs, err = cl.BrokerResources(ctx, kafadmin.ConfigBroker)
		case "client-metrics":
			rs, err = cl.ListConfigResources(ctx, kafadmin.ConfigClientMetrics)
		}
		out := make([]string, 0, len(rs))
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out, err
	})
	return filterCompletions(names, nil, prefix), cobra.ShellCompDirectiveNoFileComp
}

func (g *globals) completionNames(cmd *cobra.Command, list func(context.Context, *kafadmin.Client) ([]string, error)) []string {
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	if g.timeout <= 0 || g.timeout > completionTimeout {
		g.timeout = completionTimeout
	}
	cl, err := g.client(ctx)
	if err != nil {
		cobra.CompDebugln("kafadmin: "+err.Error(), false)
		return nil
	}
	defer cl.Close()
	names, err := list(ctx, cl)
	if err != nil {
		cobra.CompDebugln("kafadmin: "+err.Error(), false)
	}
	return names
}

func filterCompletions(names, taken []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && !slices.Contains(taken, n) {
			out = append(out, n)
		}
	}
	return out
}

// completeClusters completes --cluster with the config file's clusters.
func (g *globals) completeClusters(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	path := g.conn.pick("config", "KAFADMIN_CONFIG", setting{}).val
	if path == "" {
		path = defaultConfigPath()
	}
	cf, err := loadConfig(path)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return filterCompletions(slices.Sorted(maps.Keys(cf.Clusters)), nil, prefix), cobra.ShellCompDirectiveNoFileComp
}
