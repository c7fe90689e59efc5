package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func newGroupsDescribeCmd(g *globals) *cobra.Command {
	var all, offsets, members, state, verbose bool
	cmd := &cobra.Command{
		Use:   "describe GROUP...|--all",
		Short: "Describe groups: offsets and lag, members, or state",
		Long: `Describe consumer groups, in one of three views:

  --offsets (the default)  one row per partition the group has committed to or
                           is assigned: GROUP TOPIC PARTITION CURRENT-OFFSET
                           LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
  --members                one row per member: GROUP CONSUMER-ID
                           GROUP-INSTANCE-ID HOST CLIENT-ID #PARTITIONS; with
                           --verbose also CURRENT-EPOCH CURRENT-ASSIGNMENT
                           TARGET-EPOCH TARGET-ASSIGNMENT
  --state                  one row per group: GROUP COORDINATOR (ID)
                           ASSIGNMENT-STRATEGY STATE #MEMBERS; with --verbose
                           also TYPE GROUP-EPOCH TARGET-ASSIGNMENT-EPOCH

Consumer groups of the KIP-848 protocol (type "consumer") are described with
ConsumerGroupDescribe: their members' epochs and current and target
assignments are shown; for classic groups those cells are "-". An assignment
is written topic(0,1,2),other(0).

"-" (empty in CSV, null in JSON) is a value that is unknown or does not
apply: CURRENT-OFFSET and LAG of a partition the group has not committed to,
CONSUMER-ID of a partition no member is assigned.

--verbose columns come after the default ones, so that a script reading
columns by position reads the same ones either way. With --output json every
view prints one object; --members and --state print the same full
description.

A group that cannot be described is reported on stderr; if others were
described, the exit code is 3.`,
		ValidArgsFunction: g.completeGroups,
		RunE: func(cmd *cobra.Command, groups []string) error {
			if err := groupArgs(groups, all, "--all"); err != nil {
				return err
			}
			if n := countTrue(offsets, members, state); n > 1 {
				return usagef("--offsets, --members and --state are views: choose one")
			}
			if verbose && !members && !state {
				return usagef("--verbose applies to --members and --state")
			}
			cl, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			defer cl.Close()
			if all {
				if groups, err = consumerGroups(cmd.Context(), g, cl); err != nil {
					return err
				}
			}
			if !members && !state {
				return describeOffsets(cmd.Context(), g, cl, groups)
			}
			described, err := inChunks(cmd.Context(), g, "describe groups", groups, func(ctx context.Context, chunk []string) (map[string]kafadmin.GroupDescription, error) {
				return cl.DescribeGroups(ctx, chunk...)
			})
			if described == nil {
				return err
			}
			addrs := coordinatorAddrs(cmd.Context(), g, cl, state || g.output == "json")
			printDescribed(g, groups, described, addrs, state, verbose)
			return partial(err, countOK(described, func(d kafadmin.GroupDescription) error { return d.Err }))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&all, "all", false, "every consumer group of the cluster")
	f.BoolVar(&offsets, "offsets", false, "view: offsets and lag per partition (the default)")
	f.BoolVar(&members, "members", false, "view: members")
	f.BoolVar(&state, "state", false, "view: state, coordinator and assignor")
	f.BoolVar(&verbose, "verbose", false, "more columns: member epochs and assignments (--members), group type and epochs (--state)")
	return cmd
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// countOK counts the results without an error.
func countOK[V any](m map[string]V, errOf func(V) error) int {
	n := 0
	for _, v := range m {
		if errOf(v) == nil {
			n++
		}
	}
	return n
}

// coordinatorAddrs maps broker ids to host:port, when want. The view is
// printed without addresses if listing the brokers fails.
func coordinatorAddrs(ctx context.Context, g *globals, cl *kafadmin.Client, want bool) map[int32]string {
	if !want {
		return nil
	}
	ctx, cancel := g.call(ctx)
	defer cancel()
	brokers, _ := cl.ListBrokers(ctx)
	out := make(map[int32]string, len(brokers))
	for _, b := range brokers {
		out[b.ID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
	}
	return out
}

// The JSON shapes are an interface: scripts parse them. Add fields, never
// rename or remove one.

type jsonDescribeOffsets struct {
	Group       string                `json:"group"`
	State       string                `json:"state"`
	Coordinator int32                 `json:"coordinator"`
	Partitions  []jsonDescribedOffset `json:"partitions"`
	Error       string                `json:"error,omitempty"`
}

type jsonDescribedOffset struct {
	Topic         string `json:"topic"`
	Partition     int32  `json:"partition"`
	CurrentOffset *int64 `json:"current_offset"`
	LogStart      *int64 `json:"log_start_offset"`
	LogEnd        *int64 `json:"log_end_offset"`
	Lag           *int64 `json:"lag"`
	ConsumerID    string `json:"consumer_id"`
	InstanceID    string `json:"instance_id"`
	Host          string `json:"host"`
	ClientID      string `json:"client_id"`
	Error         string `json:"error,omitempty"`
}

func describeOffsets(ctx context.Context, g *globals, cl *kafadmin.Client, groups []string) error {
	lags, err := inChunks(ctx, g, "describe groups", groups, func(ctx context.Context, chunk []string) (map[string]kafadmin.GroupLag, error) {
		return cl.Lag(ctx, chunk...)
	})
	if lags == nil {
		return err
	}
	keys := sortedKeys(groups, lags)
	if g.output == "json" {
		out := struct {
			Groups []jsonDescribeOffsets `json:"groups"`
		}{Groups: []jsonDescribeOffsets{}}
		for _, k := range keys {
			gl := lags[k]
			jg := jsonDescribeOffsets{Group: gl.Group, State: gl.State, Coordinator: gl.Coordinator, Partitions: []jsonDescribedOffset{}, Error: errString(gl.Err)}
			for _, p := range gl.Partitions {
				jg.Partitions = append(jg.Partitions, jsonDescribedOffset{
					Topic: p.Topic, Partition: p.Partition,
					CurrentOffset: known(p.Committed), LogStart: known(p.LogStart), LogEnd: known(p.LogEnd), Lag: known(p.Lag),
					ConsumerID: p.MemberID, InstanceID: p.InstanceID, Host: p.ClientHost, ClientID: p.ClientID,
					Error: errString(p.Err),
				})
			}
			out.Groups = append(out.Groups, jg)
		}
		writeJSON(g.stdout, out)
	} else {
		r := g.rows("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID")
		for _, k := range keys {
			for _, p := range lags[k].Partitions {
				r.add(k, p.Topic, p.Partition, num(p.Committed), num(p.LogEnd), num(p.Lag), orDash(p.MemberID), orDash(p.ClientHost), orDash(p.ClientID))
			}
		}
		r.flush()
	}
	return partial(err, countOK(lags, func(gl kafadmin.GroupLag) error { return gl.Err }))
}

type jsonDescribedGroup struct {
	Group              string       `json:"group"`
	Type               string       `json:"type,omitempty"`
	State              string       `json:"state,omitempty"`
	Coordinator        int32        `json:"coordinator"`
	CoordinatorAddress string       `json:"coordinator_address,omitempty"`
	ProtocolType       string       `json:"protocol_type,omitempty"`
	Protocol           string       `json:"protocol,omitempty"`
	GroupEpoch         *int32       `json:"group_epoch"`
	AssignmentEpoch    *int32       `json:"assignment_epoch"`
	Members            []jsonMember `json:"members"`
	Error              string       `json:"error,omitempty"`
}

type jsonMember struct {
	MemberID         string           `json:"member_id"`
	InstanceID       string           `json:"instance_id,omitempty"`
	ClientID         string           `json:"client_id"`
	Host             string           `json:"host"`
	RackID           string           `json:"rack_id,omitempty"`
	Topics           []string         `json:"topics,omitempty"`
	SubscribedRegex  string           `json:"subscribed_regex,omitempty"`
	MemberEpoch      *int32           `json:"member_epoch"`
	Assignment       []jsonAssignment `json:"assignment"`
	TargetAssignment []jsonAssignment `json:"target_assignment,omitempty"`
}

type jsonAssignment struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
}

func epoch(e int32) *int32 {
	if e < 0 {
		return nil
	}
	return &e
}

func jsonAssignments(a map[string][]int32) []jsonAssignment {
	out := []jsonAssignment{}
	for _, t := range slices.Sorted(maps.Keys(a)) {
		out = append(out, jsonAssignment{t, a[t]})
	}
	return out
}

func printDescribed(g *globals, asked []string, described map[string]kafadmin.GroupDescription, addrs map[int32]string, state, verbose bool) {
	keys := sortedKeys(asked, described)
	if g.output == "json" {
		out := struct {
			Groups []jsonDescribedGroup `json:"groups"`
		}{Groups: []jsonDescribedGroup{}}
		for _, k := range keys {
			d := described[k]
			jg := jsonDescribedGroup{
				Group: d.Group, Type: d.Type, State: d.State, Coordinator: d.Coordinator, CoordinatorAddress: addrs[d.Coordinator],
				ProtocolType: d.ProtocolType, Protocol: d.Protocol, GroupEpoch: epoch(d.GroupEpoch), AssignmentEpoch: epoch(d.AssignmentEpoch),
				Members: []jsonMember{}, Error: errString(d.Err),
			}
			if d.Err != nil {
				jg.GroupEpoch, jg.AssignmentEpoch = nil, nil
			}
			for _, m := range d.Members {
				jm := jsonMember{
					MemberID: m.MemberID, InstanceID: m.InstanceID, ClientID: m.ClientID, Host: m.ClientHost, RackID: m.RackID,
					Topics: m.Topics, SubscribedRegex: m.SubscribedRegex, MemberEpoch: epoch(m.MemberEpoch),
					Assignment: jsonAssignments(m.Assigned),
				}
				if m.Target != nil {
					jm.TargetAssignment = jsonAssignments(m.Target)
				}
				jg.Members = append(jg.Members, jm)
			}
			out.Groups = append(out.Groups, jg)
		}
		writeJSON(g.stdout, out)
		return
	}
	if state {
		header := []string{"GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"}
		if verbose {
			header = append(header, "TYPE", "GROUP-EPOCH", "TARGET-ASSIGNMENT-EPOCH")
		}
		r := g.rows(header...)
		for _, k := range keys {
			d := described[k]
			if d.Err != nil {
				continue
			}
			coord := fmt.Sprintf("(%d)", d.Coordinator)
			if a := addrs[d.Coordinator]; a != "" {
				coord = fmt.Sprintf("%s (%d)", a, d.Coordinator)
			}
			cells := []any{d.Group, coord, orDash(d.Protocol), d.State, len(d.Members)}
			if verbose {
				cells = append(cells, d.Type, num(int64(d.GroupEpoch)), num(int64(d.AssignmentEpoch)))
			}
			r.add(cells...)
		}
		r.flush()
		return
	}
	header := []string{"GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS"}
	if verbose {
		header = append(header, "CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT")
	}
	r := g.rows(header...)
	for _, k := range keys {
		d := described[k]
		if d.Err == nil && len(d.Members) == 0 && g.std.errTerminal {
			fmt.Fprintf(g.stderr, "Consumer group %q has no active members.\n", d.Group)
		}
		for _, m := range d.Members {
			cells := []any{d.Group, m.MemberID, orDash(m.InstanceID), m.ClientHost, m.ClientID, len(m.AssignedPartitions())}
			if verbose {
				target := any(nil)
				if m.Target != nil {
					target = orDash(formatAssignment(m.Target))
				}
				cells = append(cells, num(int64(m.MemberEpoch)), orDash(formatAssignment(m.Assigned)), num(int64(d.AssignmentEpoch)), target)
			}
			r.add(cells...)
		}
	}
	r.flush()
}

// formatAssignment writes an assignment as kafka-consumer-groups.sh does:
// topic(0,1,2),other(0), topics sorted.
func formatAssignment(a map[string][]int32) string {
	var b strings.Builder
	for i, t := range slices.Sorted(maps.Keys(a)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t)
		b.WriteByte('(')
		for j, p := range a[t] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(p)))
		}
		b.WriteByte(')')
	}
	return b.String()
}
