package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func newClusterCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "The cluster: brokers, feature levels, the KRaft quorum, API versions",
		Long: `Describe the cluster and its brokers, its feature levels (and change them),
its KRaft controller quorum and the API versions each broker serves, as
kafka-cluster.sh, kafka-features.sh, kafka-metadata-quorum.sh and
kafka-broker-api-versions.sh do.`,
	}
	cmd.AddCommand(newClusterDescribeCmd(g), newClusterFeaturesCmd(g),
		newClusterUpdateFeaturesCmd(g, true), newClusterUpdateFeaturesCmd(g, false),
		newClusterQuorumCmd(g), newClusterAPIVersionsCmd(g))
	return parentOf(cmd)
}

func newClusterDescribeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "describe",
		Short: "Describe the cluster: its id, controller and brokers",
		Long: `Describe the cluster: one row per broker, CLUSTER-ID BROKER HOST PORT RACK
CONTROLLER FENCED. FENCED marks a broker the controller fenced (down, or
not caught up with the metadata): it serves no partitions; Kafka reports
fenced brokers from 3.7 on, and metadata leaves them out. On KRaft clusters
CONTROLLER marks the broker that forwards admin requests to the controller
quorum (kafadmin cluster quorum describes the quorum itself).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				desc, err := cl.DescribeCluster(ctx)
				if err != nil {
					return err
				}
				printCluster(g, desc)
				return nil
			})
		},
	}
}

// The JSON shapes are an interface: scripts parse them. Add fields, never
// rename or remove one.

type jsonBroker struct {
	Broker     int32   `json:"broker"`
	Host       string  `json:"host"`
	Port       int32   `json:"port"`
	Rack       *string `json:"rack"`
	Controller bool    `json:"controller"`
	Fenced     bool    `json:"fenced"`
}

func printCluster(g *globals, desc kafadmin.ClusterDescription) {
	if g.output == "json" {
		out := struct {
			ClusterID  string       `json:"cluster_id"`
			Controller *int64       `json:"controller"`
			Brokers    []jsonBroker `json:"brokers"`
		}{ClusterID: desc.ClusterID, Controller: known(int64(desc.Controller)), Brokers: []jsonBroker{}}
		for _, b := range desc.Brokers {
			jb := jsonBroker{Broker: b.ID, Host: b.Host, Port: b.Port, Controller: b.Controller, Fenced: b.Fenced}
			if b.Rack != "" {
				jb.Rack = &b.Rack
			}
			out.Brokers = append(out.Brokers, jb)
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("CLUSTER-ID", "BROKER", "HOST", "PORT", "RACK", "CONTROLLER", "FENCED")
	for _, b := range desc.Brokers {
		r.add(orDash(desc.ClusterID), b.ID, b.Host, b.Port, orDash(b.Rack), b.Controller, b.Fenced)
	}
	r.flush()
}

func newClusterFeaturesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "features",
		Short: "Describe the cluster's feature levels: supported and finalized",
		Long: `Describe the cluster's feature flags (KIP-584), as kafka-features.sh describe
does: FEATURE SUPPORTED-MIN SUPPORTED-MAX FINALIZED-LEVEL EPOCH, one row per
feature (metadata.version, kraft.version, group.version...). SUPPORTED-MIN
and SUPPORTED-MAX are the levels the answering broker's software supports;
FINALIZED-LEVEL is the level the cluster runs at ("-" for a feature not
enabled). EPOCH counts changes to the finalized levels.

upgrade-features and downgrade-features change the finalized levels.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				f, err := cl.DescribeFeatures(ctx)
				if err != nil {
					return err
				}
				printFeatures(g, f)
				return nil
			})
		},
	}
}

// finalizedLevel is a feature's finalized level, -1 when the feature is
// not enabled (Kafka lists only features above level 0).
func finalizedLevel(f kafadmin.Features, name string) int64 {
	if r, ok := f.Finalized[name]; ok {
		return int64(r.Max)
	}
	return -1
}

type jsonFeature struct {
	Feature        string `json:"feature"`
	SupportedMin   *int64 `json:"supported_min"`
	SupportedMax   *int64 `json:"supported_max"`
	FinalizedLevel *int64 `json:"finalized_level"`
}

func printFeatures(g *globals, f kafadmin.Features) {
	names := slices.Sorted(maps.Keys(f.Supported))
	for name := range f.Finalized {
		if _, ok := f.Supported[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	supported := func(name string) (lo, hi int64) {
		if r, ok := f.Supported[name]; ok {
			return int64(r.Min), int64(r.Max)
		}
		return -1, -1
	}
	if g.output == "json" {
		out := struct {
			Epoch    *int64        `json:"epoch"`
			Features []jsonFeature `json:"features"`
		}{Epoch: known(f.Epoch), Features: []jsonFeature{}}
		for _, name := range names {
			lo, hi := supported(name)
			out.Features = append(out.Features, jsonFeature{name, known(lo), known(hi), known(finalizedLevel(f, name))})
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("FEATURE", "SUPPORTED-MIN", "SUPPORTED-MAX", "FINALIZED-LEVEL", "EPOCH")
	for _, name := range names {
		lo, hi := supported(name)
		r.add(name, num(lo), num(hi), num(finalizedLevel(f, name)), num(f.Epoch))
	}
	r.flush()
}

// featureFlags are upgrade-features' and downgrade-features' flags.
type featureFlags struct {
	features    []string
	unsafe      bool
	dryRun, yes bool
}

func newClusterUpdateFeaturesCmd(g *globals, upgrade bool) *cobra.Command {
	var f featureFlags
	use, short, long := "upgrade-features", "Raise feature levels (metadata.version...)", `Raise finalized feature levels, as kafka-features.sh upgrade does, through
the controller: --feature NAME=LEVEL (repeatable), e.g. --feature
group.version=1. kafadmin cluster features lists the features, the levels
the brokers support and the levels in force.

Raising metadata.version cannot be undone without losing metadata unless a
safe downgrade is allowed from the new level: read Kafka's upgrade notes
first, and upgrade after every broker runs the new software.`
	if !upgrade {
		use, short, long = "downgrade-features", "Lower feature levels, or disable features", `Lower finalized feature levels, as kafka-features.sh downgrade does, through
the controller: --feature NAME=LEVEL (repeatable); level 0 disables the
feature. A downgrade that would lose metadata is refused unless --unsafe is
given, which allows it: the metadata the lower level cannot hold is lost.`
	}
	long += `

--dry-run has the controller check the changes and apply nothing: the result
is "valid", or its refusal. Otherwise the command asks to confirm on a
terminal, listing each feature's level before and after, and needs --yes off
one.

Output: FEATURE PREVIOUS LEVEL RESULT, PREVIOUS being the finalized level
before ("-" for a feature not enabled). A change refused is reported on
stderr; if others were made, the exit code is 3.`
	cmd := &cobra.Command{
		Use:   use + " --feature NAME=LEVEL... [--dry-run] [--yes]",
		Short: short,
		Long:  long,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			updates, err := f.check(upgrade)
			if err != nil {
				return err
			}
			return f.run(cmd, g, updates, upgrade)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.features, "feature", nil, "a feature and its new level: NAME=LEVEL, e.g. group.version=1 (repeatable)")
	if !upgrade {
		fl.BoolVar(&f.unsafe, "unsafe", false, "allow a downgrade that loses metadata")
	}
	fl.BoolVar(&f.dryRun, "dry-run", false, "have the controller check the changes, and apply nothing")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask to confirm (needed off a terminal)")
	cmd.RegisterFlagCompletionFunc("feature", g.completeFeatures)
	return cmd
}

// check reads --feature values into updates, each feature once, as usage
// errors.
func (f *featureFlags) check(upgrade bool) ([]kafadmin.FeatureUpdate, error) {
	if len(f.features) == 0 {
		return nil, usagef("name the features to change: --feature NAME=LEVEL (kafadmin cluster features lists them)")
	}
	typ := kafadmin.Upgrade
	switch {
	case !upgrade && f.unsafe:
		typ = kafadmin.UnsafeDowngrade
	case !upgrade:
		typ = kafadmin.SafeDowngrade
	}
	var out []kafadmin.FeatureUpdate
	for _, v := range f.features {
		name, lvl, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, usagef("--feature %q: want NAME=LEVEL, e.g. group.version=1", v)
		}
		level, err := strconv.ParseInt(strings.TrimSpace(lvl), 10, 16)
		if err != nil || level < 0 {
			return nil, usagef("--feature %q: level %q is not a level: want a number of 0 or more", v, lvl)
		}
		if upgrade && level == 0 {
			return nil, usagef("--feature %q: level 0 disables the feature: that is a downgrade, run downgrade-features", v)
		}
		if slices.ContainsFunc(out, func(u kafadmin.FeatureUpdate) bool { return u.Feature == name }) {
			return nil, usagef("--feature %q: feature %q is given twice: give each feature once", v, name)
		}
		out = append(out, kafadmin.FeatureUpdate{Feature: name, Level: int16(level), Type: typ})
	}
	return out, nil
}

func (f *featureFlags) run(cmd *cobra.Command, g *globals, updates []kafadmin.FeatureUpdate, upgrade bool) error {
	const nothing = "no feature was changed"
	if !f.dryRun {
		if err := g.requireConfirmable(f.yes, nothing); err != nil {
			return err
		}
	}
	cl, err := g.client(cmd.Context())
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := g.call(cmd.Context())
	before, err := cl.DescribeFeatures(ctx)
	cancel()
	if err != nil {
		return fmt.Errorf("reading the feature levels: %w; %s", err, nothing)
	}
	if !f.dryRun && !f.yes {
		items := make([]string, len(updates))
		for i, u := range updates {
			items[i] = fmt.Sprintf("%s: %s -> %d", u.Feature, levelString(finalizedLevel(before, u.Feature)), u.Level)
		}
		question := "Raise these feature levels?"
		switch {
		case !upgrade && f.unsafe:
			question = "Lower these feature levels, losing the metadata the lower levels cannot hold?"
		case !upgrade:
			question = "Lower these feature levels?"
		}
		if err := g.confirmChange(question, items, nothing); err != nil {
			return err
		}
	}
	ctx, cancel = g.call(cmd.Context())
	defer cancel()
	updated, err := cl.UpdateFeatures(ctx, f.dryRun, updates...)
	if updated == nil {
		return err
	}
	printUpdatedFeatures(g, updates, before, updated, f.dryRun, upgrade)
	return partial(err, len(updated)-len(updated.Failed()))
}

// levelString is a finalized level, "-" for a feature not enabled.
func levelString(level int64) string {
	if level < 0 {
		return "-"
	}
	return strconv.FormatInt(level, 10)
}

// upgradeType names a feature update's type as kafka-features.sh does.
func upgradeType(t kafadmin.FeatureUpgrade) string {
	switch t {
	case kafadmin.Upgrade:
		return "upgrade"
	case kafadmin.SafeDowngrade:
		return "safe_downgrade"
	case kafadmin.UnsafeDowngrade:
		return "unsafe_downgrade"
	}
	return strconv.Itoa(int(t))
}

type jsonUpdatedFeature struct {
	Feature  string `json:"feature"`
	Previous *int64 `json:"previous"`
	Level    int16  `json:"level"`
	Type     string `json:"type"`
	Updated  bool   `json:"updated"`
	Error    string `json:"error,omitempty"`
}

func printUpdatedFeatures(g *globals, updates []kafadmin.FeatureUpdate, before kafadmin.Features, updated kafadmin.Results[string, kafadmin.FeatureUpdated], dryRun, upgrade bool) {
	if g.output == "json" {
		out := struct {
			ValidateOnly bool                 `json:"validate_only"`
			Features     []jsonUpdatedFeature `json:"features"`
		}{ValidateOnly: dryRun, Features: []jsonUpdatedFeature{}}
		for _, u := range updates {
			res := updated[u.Feature]
			out.Features = append(out.Features, jsonUpdatedFeature{u.Feature, known(finalizedLevel(before, u.Feature)), u.Level, upgradeType(u.Type), res.Err == nil && !dryRun, errString(res.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	done := "upgraded"
	switch {
	case dryRun:
		done = "valid"
	case !upgrade:
		done = "downgraded"
	}
	r := g.rows("FEATURE", "PREVIOUS", "LEVEL", "RESULT")
	for _, u := range updates {
		r.add(u.Feature, num(finalizedLevel(before, u.Feature)), u.Level, result(updated[u.Feature].Err, false, done))
	}
	r.flush()
}

func newClusterQuorumCmd(g *globals) *cobra.Command {
	var status, replication bool
	cmd := &cobra.Command{
		Use:   "quorum [--status | --replication]",
		Short: "Describe the KRaft controller quorum: leader, voters, observers, lag",
		Long: `Describe the KRaft controller quorum, as kafka-metadata-quorum.sh describe
does (Kafka 3.3 and later, in KRaft mode).

With --status, the default, the quorum's status (kafka-metadata-quorum.sh
--status), one row: LEADER EPOCH HIGH-WATERMARK MAX-FOLLOWER-LAG
MAX-FOLLOWER-LAG-TIME VOTERS OBSERVERS. LEADER is the active controller;
MAX-FOLLOWER-LAG is the most metadata records a voter is behind it, and
MAX-FOLLOWER-LAG-TIME how long ago that voter last caught up with it.

With --replication, one row per replica of the metadata log
(kafka-metadata-quorum.sh --replication): NODE DIRECTORY-ID LOG-END-OFFSET
LAG LAST-FETCH LAST-CAUGHT-UP STATUS, STATUS being Leader, Follower (the
other voters) or Observer (the brokers). Times are how long ago in tables,
RFC 3339 in CSV and JSON.

--output json prints the status, the voters and the observers, whichever
is asked.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if status && replication {
				return usagef("give --status or --replication, not both")
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				q, err := cl.DescribeQuorum(ctx)
				var ue *kafadmin.UnsupportedVersionError
				if errors.As(err, &ue) {
					return fmt.Errorf("%w (the quorum is described by Kafka 3.3 and later, in KRaft mode)", err)
				}
				if err != nil {
					return err
				}
				printQuorum(g, q, replication, time.Now())
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "the quorum's status, one row (the default)")
	cmd.Flags().BoolVar(&replication, "replication", false, "one row per replica of the metadata log, with its lag")
	return cmd
}

// quorumStatus is the quorum's status as kafka-metadata-quorum.sh
// computes it: the voter furthest behind the leader, and how long ago it
// last caught up, by the leader's clock.
type quorumStatus struct {
	maxLag     int64
	maxLagTime time.Duration // -1 when unknown
}

func statusOf(q kafadmin.Quorum) quorumStatus {
	var leader, furthest *kafadmin.QuorumReplica
	for i := range q.Voters {
		v := &q.Voters[i]
		if v.ID == q.Leader {
			leader = v
		}
		if furthest == nil || v.Lag > furthest.Lag {
			furthest = v
		}
	}
	s := quorumStatus{maxLagTime: -1}
	if furthest == nil {
		return s
	}
	s.maxLag = furthest.Lag
	switch {
	case furthest == leader || furthest.Lag == 0:
		s.maxLagTime = 0
	case leader != nil && !leader.LastCaughtUp.IsZero() && !furthest.LastCaughtUp.IsZero():
		s.maxLagTime = max(leader.LastCaughtUp.Sub(furthest.LastCaughtUp), 0)
	}
	return s
}

func replicaIDs(rs []kafadmin.QuorumReplica) any {
	ids := make([]int32, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return idsCell(ids)
}

type jsonQuorumReplica struct {
	Node         int32   `json:"node"`
	DirectoryID  *string `json:"directory_id"`
	LogEndOffset int64   `json:"log_end_offset"`
	Lag          int64   `json:"lag"`
	LastFetch    *string `json:"last_fetch"`
	LastCaughtUp *string `json:"last_caught_up"`
}

func jsonQuorumReplicas(rs []kafadmin.QuorumReplica) []jsonQuorumReplica {
	out := make([]jsonQuorumReplica, 0, len(rs))
	for _, r := range rs {
		jr := jsonQuorumReplica{r.ID, nil, r.LogEndOffset, r.Lag, timeJSON(r.LastFetch), timeJSON(r.LastCaughtUp)}
		if r.DirectoryID != "" {
			jr.DirectoryID = &r.DirectoryID
		}
		out = append(out, jr)
	}
	return out
}

// timeJSON is t in RFC 3339 with milliseconds, nil when unknown.
func timeJSON(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	return &s
}

// timeCell is a time for a table, as how long before now; for CSV, RFC
// 3339.
func (g *globals) timeCell(t, now time.Time) any {
	switch {
	case t.IsZero():
		return nil
	case g.output == "csv":
		return *timeJSON(t)
	}
	return fmt.Sprintf("%v ago", max(now.Sub(t), 0).Round(time.Millisecond))
}

func replicaStatus(q kafadmin.Quorum, r kafadmin.QuorumReplica, voter bool) string {
	switch {
	case voter && r.ID == q.Leader:
		return "Leader"
	case voter:
		return "Follower"
	}
	return "Observer"
}

func printQuorum(g *globals, q kafadmin.Quorum, replication bool, now time.Time) {
	st := statusOf(q)
	if g.output == "json" {
		out := struct {
			Leader             int32               `json:"leader"`
			LeaderEpoch        int32               `json:"leader_epoch"`
			HighWatermark      int64               `json:"high_watermark"`
			MaxFollowerLag     int64               `json:"max_follower_lag"`
			MaxFollowerLagTime *int64              `json:"max_follower_lag_ms"`
			Voters             []jsonQuorumReplica `json:"voters"`
			Observers          []jsonQuorumReplica `json:"observers"`
		}{Leader: q.Leader, LeaderEpoch: q.LeaderEpoch, HighWatermark: q.HighWatermark, MaxFollowerLag: st.maxLag,
			Voters: jsonQuorumReplicas(q.Voters), Observers: jsonQuorumReplicas(q.Observers)}
		if st.maxLagTime >= 0 {
			out.MaxFollowerLagTime = known(st.maxLagTime.Milliseconds())
		}
		writeJSON(g.stdout, out)
		return
	}
	if !replication {
		lagTime := any(nil)
		if st.maxLagTime >= 0 {
			lagTime = st.maxLagTime.Round(time.Millisecond).String()
		}
		r := g.rows("LEADER", "EPOCH", "HIGH-WATERMARK", "MAX-FOLLOWER-LAG", "MAX-FOLLOWER-LAG-TIME", "VOTERS", "OBSERVERS")
		r.add(q.Leader, q.LeaderEpoch, q.HighWatermark, st.maxLag, lagTime, replicaIDs(q.Voters), replicaIDs(q.Observers))
		r.flush()
		return
	}
	r := g.rows("NODE", "DIRECTORY-ID", "LOG-END-OFFSET", "LAG", "LAST-FETCH", "LAST-CAUGHT-UP", "STATUS")
	for i, rp := range slices.Concat(q.Voters, q.Observers) {
		r.add(rp.ID, orDash(rp.DirectoryID), rp.LogEndOffset, rp.Lag, g.timeCell(rp.LastFetch, now), g.timeCell(rp.LastCaughtUp, now), replicaStatus(q, rp, i < len(q.Voters)))
	}
	r.flush()
}

func newClusterAPIVersionsCmd(g *globals) *cobra.Command {
	var brokerList string
	cmd := &cobra.Command{
		Use:   "api-versions [--broker 1,2]",
		Short: "List the API versions each broker serves",
		Long: `List the versions of each Kafka API that each broker serves, as
kafka-broker-api-versions.sh does: one row per broker and API, BROKER API
KEY MIN MAX. Brokers of a cluster being upgraded serve different versions.

--broker names the brokers to ask (default every broker). A named broker
that is down is waited for within --timeout; asking every broker, a broker
that leaves the cluster meanwhile is left out. A broker that cannot be asked
is reported on stderr; if others answered, the exit code is 3.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var brokers []int32
			if cmd.Flags().Changed("broker") {
				var err error
				if brokers, err = parseBrokerList("--broker", brokerList); err != nil {
					return err
				}
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				versions, err := cl.BrokerAPIVersions(ctx, brokers...)
				if versions == nil {
					return err
				}
				printAPIVersions(g, versions)
				return partial(err, len(versions)-len(versions.Failed()))
			})
		},
	}
	cmd.Flags().StringVar(&brokerList, "broker", "", "the brokers to ask, e.g. 1,2 (default every broker)")
	cmd.RegisterFlagCompletionFunc("broker", g.completeBrokers)
	return cmd
}

type jsonBrokerAPIs struct {
	Broker int32          `json:"broker"`
	APIs   []jsonAPIRange `json:"apis"`
	Error  string         `json:"error,omitempty"`
}

type jsonAPIRange struct {
	Key  int16  `json:"key"`
	Name string `json:"name"`
	Min  int16  `json:"min"`
	Max  int16  `json:"max"`
}

func printAPIVersions(g *globals, versions kafadmin.Results[int32, kafadmin.APIVersions]) {
	if g.output == "json" {
		out := struct {
			Brokers []jsonBrokerAPIs `json:"brokers"`
		}{Brokers: []jsonBrokerAPIs{}}
		for _, v := range versions.Sorted() {
			jb := jsonBrokerAPIs{Broker: v.Broker, APIs: []jsonAPIRange{}, Error: errString(v.Err)}
			for _, a := range v.APIs {
				jb.APIs = append(jb.APIs, jsonAPIRange{a.Key, a.Name, a.Min, a.Max})
			}
			out.Brokers = append(out.Brokers, jb)
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("BROKER", "API", "KEY", "MIN", "MAX")
	for _, v := range versions.Sorted() {
		for _, a := range v.APIs {
			r.add(v.Broker, orDash(a.Name), a.Key, a.Min, a.Max)
		}
	}
	r.flush()
}
