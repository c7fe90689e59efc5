package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

// reassignFlags are reassign's flags.
type reassignFlags struct {
	generate, execute, verify, cancel, list bool
	topicsFile, brokerList, planFile        string
	yes                                     bool
	throttle                                int64 // bytes/s; 0: none
	preserveThrottles                       bool
}

func newReassignCmd(g *globals) *cobra.Command {
	var f reassignFlags
	cmd := &cobra.Command{
		Use:   "reassign --generate|--execute|--verify|--cancel|--list",
		Short: "Move partitions between brokers: plan, execute, verify, cancel",
		Long: `Move partitions to other brokers, as kafka-reassign-partitions.sh does, with
the same JSON files. One of:

--generate --topics-to-move-json-file F --broker-list 1,2,3
    prints the current assignment of the topics in F
    ({"version":1,"topics":[{"topic":"orders"}]}) and a proposed one over the
    brokers listed, keeping each topic's replication factor: the partitions'
    preferred leaders go round the brokers, from topic to topic, and each
    partition's other replicas are the brokers after its leader, shifted by
    one more each time the leaders have gone round (Kafka's assignment,
    without its random start and without racks; the same on every run).
    Nothing is changed. Save the proposal to a file, edit it if need be, and
    pass it to --execute.

--execute --reassignment-json-file F
    starts moving the partitions of F, a plan in the format --generate prints:
      {"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[1,2,3]}]}
    ("log_dirs", if present, must be "any" for every replica). It prints the
    current assignment first: save it to roll back with --execute. It asks to
    confirm on a terminal and needs --yes off one. The controller copies the
    data in the background; --verify follows it. With --throttle BYTES, the
    copying is capped to that many bytes per second on each broker involved
    (set before the moves start); --verify removes the throttle.

--verify --reassignment-json-file F
    reports each partition of F as complete, in progress, or an error if no
    reassignment is in progress and its replicas differ from the plan. Once
    every partition is complete, it removes the replication throttles from
    F's topics and from every broker, unless --preserve-throttles.

--cancel --reassignment-json-file F
    cancels the reassignments in progress of F's partitions: each goes back
    to the replicas it had. It asks to confirm on a terminal and needs --yes
    off one. Partitions without a reassignment in progress are reported so.

--list
    lists every reassignment in progress, with the replicas being added and
    removed.

Replica lists are written 1,2,3. A partition that fails is reported on
stderr; if others succeeded, the exit code is 3.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			switch {
			case f.generate:
				return f.runGenerate(cmd, g)
			case f.list:
				return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error { return listReassignments(ctx, g, cl) })
			}
			plan, err := readPlanFile(f.planFile)
			if err != nil {
				return err
			}
			switch {
			case f.execute:
				return f.runExecute(cmd, g, plan)
			case f.verify:
				return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
					return verifyPlan(ctx, g, cl, plan, !f.preserveThrottles)
				})
			}
			return f.runCancel(cmd, g, plan)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.generate, "generate", false, "propose an assignment of --topics-to-move-json-file's topics over --broker-list")
	fl.BoolVar(&f.execute, "execute", false, "start the reassignment of --reassignment-json-file")
	fl.BoolVar(&f.verify, "verify", false, "report the progress of --reassignment-json-file's reassignment")
	fl.BoolVar(&f.cancel, "cancel", false, "cancel the reassignments in progress of --reassignment-json-file's partitions")
	fl.BoolVar(&f.list, "list", false, "list the reassignments in progress")
	fl.StringVar(&f.topicsFile, "topics-to-move-json-file", "", `with --generate: {"version":1,"topics":[{"topic":"t"}]}`)
	fl.StringVar(&f.brokerList, "broker-list", "", "with --generate: the brokers to assign the partitions to, e.g. 1,2,3")
	fl.StringVar(&f.planFile, "reassignment-json-file", "", `the plan: {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}`)
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask to confirm --execute or --cancel (needed off a terminal)")
	fl.Int64Var(&f.throttle, "throttle", 0, "with --execute: cap the replication of the moves to this many bytes per second on each broker involved")
	fl.BoolVar(&f.preserveThrottles, "preserve-throttles", false, "with --verify: keep the replication throttles once every partition is complete")
	return cmd
}

// check refuses a command line that cannot be run, before anything is
// sent.
func (f *reassignFlags) check() error {
	const modes = "--generate, --execute, --verify, --cancel or --list"
	switch countTrue(f.generate, f.execute, f.verify, f.cancel, f.list) {
	case 0:
		return usagef("say what to do: pass one of %s", modes)
	case 1:
	default:
		return usagef("pass only one of %s", modes)
	}
	switch {
	case f.throttle < 0:
		return usagef("--throttle %d: give a rate in bytes per second above 0", f.throttle)
	case f.throttle > 0 && !f.execute:
		return usagef("--throttle is for --execute")
	case f.preserveThrottles && !f.verify:
		return usagef("--preserve-throttles is for --verify")
	}
	if f.generate {
		if f.topicsFile == "" || f.brokerList == "" {
			return usagef("--generate needs --topics-to-move-json-file FILE and --broker-list 1,2,3")
		}
		if f.planFile != "" {
			return usagef("--reassignment-json-file is for --execute, --verify and --cancel, not --generate")
		}
		return nil
	}
	if f.topicsFile != "" || f.brokerList != "" {
		return usagef("--topics-to-move-json-file and --broker-list are for --generate")
	}
	if f.list {
		if f.planFile != "" {
			return usagef("--list lists every reassignment in progress: it takes no --reassignment-json-file")
		}
		return nil
	}
	if f.planFile == "" {
		return usagef("name the plan: --reassignment-json-file FILE")
	}
	if f.execute || f.cancel {
		return nil
	}
	if f.yes {
		return usagef("--yes is for --execute and --cancel")
	}
	return nil
}

// planFile is kafka-reassign-partitions.sh's reassignment JSON.
type planFile struct {
	Version    *int            `json:"version"`
	Partitions []planPartition `json:"partitions"`
}

type planPartition struct {
	Topic     string   `json:"topic"`
	Partition *int32   `json:"partition"`
	Replicas  []int32  `json:"replicas"`
	LogDirs   []string `json:"log_dirs,omitempty"`
}

// plan is a checked plan: each partition once, with its replicas.
type plan struct {
	path       string
	partitions []kafadmin.TopicPartition // in the file's order
	replicas   map[kafadmin.TopicPartition][]int32
}

// topics lists the plan's topics, each once, in the file's order.
func (p *plan) topics() []string {
	var topics []string
	for _, tp := range p.partitions {
		if !slices.Contains(topics, tp.Topic) {
			topics = append(topics, tp.Topic)
		}
	}
	return topics
}

// readPlanFile reads and checks a --reassignment-json-file.
func readPlanFile(path string) (*plan, error) {
	const flag = "--reassignment-json-file"
	var pf planFile
	if err := readJSONFile(flag, path, &pf); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return usagef("%s %s: %s", flag, path, fmt.Sprintf(format, args...))
	}
	if err := checkVersion(pf.Version); err != nil {
		return nil, bad("%v", err)
	}
	if len(pf.Partitions) == 0 {
		return nil, bad(`no partitions: want {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]},...]}`)
	}
	p := &plan{path: path, replicas: make(map[kafadmin.TopicPartition][]int32, len(pf.Partitions))}
	for i, pp := range pf.Partitions {
		tp, err := filePartition{pp.Topic, pp.Partition}.check(i)
		if err != nil {
			return nil, bad("%v", err)
		}
		if _, dup := p.replicas[tp]; dup {
			return nil, bad("partitions[%d]: %s is listed twice", i, tp)
		}
		if err := checkPlanReplicas(pp); err != nil {
			return nil, bad("partitions[%d] (%s): %v", i, tp, err)
		}
		p.partitions = append(p.partitions, tp)
		p.replicas[tp] = pp.Replicas
	}
	return p, nil
}

func checkVersion(v *int) error {
	if v != nil && *v != 1 {
		return fmt.Errorf(`"version" %d is not supported: want 1`, *v)
	}
	return nil
}

// checkPlanReplicas refuses a replica list the controller would refuse,
// and log dirs other than "any".
func checkPlanReplicas(pp planPartition) error {
	if len(pp.Replicas) == 0 {
		return errors.New(`"replicas" is missing or empty: name at least one broker`)
	}
	for i, id := range pp.Replicas {
		if id < 0 {
			return fmt.Errorf("replicas [%s]: broker id %d is negative", replicaList(pp.Replicas), id)
		}
		if slices.Contains(pp.Replicas[:i], id) {
			return fmt.Errorf("replicas [%s]: broker %d is listed twice", replicaList(pp.Replicas), id)
		}
	}
	if pp.LogDirs == nil {
		return nil
	}
	if len(pp.LogDirs) != len(pp.Replicas) {
		return fmt.Errorf(`"log_dirs" has %d entries for %d replicas: want one per replica`, len(pp.LogDirs), len(pp.Replicas))
	}
	for _, d := range pp.LogDirs {
		if d != "any" {
			return fmt.Errorf(`"log_dirs" names %q: only "any" is supported; leave log_dirs out or "any"`, d)
		}
	}
	return nil
}

// jsonPlan is a plan as kafka-reassign-partitions.sh writes it.
type jsonPlan struct {
	Version    int             `json:"version"`
	Partitions []planPartition `json:"partitions"`
}

func newJSONPlan(tps []kafadmin.TopicPartition, replicas map[kafadmin.TopicPartition][]int32) jsonPlan {
	out := jsonPlan{Version: 1, Partitions: []planPartition{}}
	for _, tp := range tps {
		p := tp.Partition
		rs := replicas[tp]
		dirs := make([]string, len(rs))
		for i := range dirs {
			dirs[i] = "any"
		}
		out.Partitions = append(out.Partitions, planPartition{Topic: tp.Topic, Partition: &p, Replicas: rs, LogDirs: dirs})
	}
	return out
}

func (p jsonPlan) String() string {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprintf("{\"error\":%q}", err.Error())
	}
	return string(b)
}

// topicsFile is --generate's --topics-to-move-json-file.
type topicsFile struct {
	Version *int `json:"version"`
	Topics  []struct {
		Topic string `json:"topic"`
	} `json:"topics"`
}

func readTopicsFile(path string) ([]string, error) {
	const flag = "--topics-to-move-json-file"
	var tf topicsFile
	if err := readJSONFile(flag, path, &tf); err != nil {
		return nil, err
	}
	if err := checkVersion(tf.Version); err != nil {
		return nil, usagef("%s %s: %v", flag, path, err)
	}
	if len(tf.Topics) == 0 {
		return nil, usagef(`%s %s: no topics: want {"version":1,"topics":[{"topic":"t"},...]}`, flag, path)
	}
	var out []string
	for i, t := range tf.Topics {
		if strings.TrimSpace(t.Topic) == "" {
			return nil, usagef(`%s %s: topics[%d]: "topic" is missing or empty`, flag, path, i)
		}
		if slices.Contains(out, t.Topic) {
			return nil, usagef("%s %s: topics[%d]: topic %q is listed twice", flag, path, i, t.Topic)
		}
		out = append(out, t.Topic)
	}
	return out, nil
}

func (f *reassignFlags) runGenerate(cmd *cobra.Command, g *globals) error {
	topics, err := readTopicsFile(f.topicsFile)
	if err != nil {
		return err
	}
	brokers, err := parseBrokerList("--broker-list", f.brokerList)
	if err != nil {
		return err
	}
	return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
		current, err := currentAssignment(ctx, cl, topics...)
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		if err := checkBrokersExist(ctx, cl, brokers); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		proposed, err := propose(topics, current, brokers)
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		printGenerated(g, current.partitions, current.replicas, proposed)
		return nil
	})
}

// assignment is the replicas of partitions, in topic then partition order.
type assignment struct {
	partitions []kafadmin.TopicPartition
	replicas   map[kafadmin.TopicPartition][]int32
}

// currentAssignment reads the replicas of every partition of topics, or of
// every topic when none are given, from fresh metadata; a topic that does
// not exist is an error.
func currentAssignment(ctx context.Context, cl *kafadmin.Client, topics ...string) (assignment, error) {
	listed, err := cl.ListTopics(ctx)
	if err != nil {
		return assignment{}, fmt.Errorf("listing the topics: %w", err)
	}
	a := assignment{replicas: make(map[kafadmin.TopicPartition][]int32)}
	byName := make(map[string]kafadmin.TopicInfo, len(listed))
	for _, ti := range listed {
		byName[ti.Name] = ti
	}
	for _, t := range topics {
		ti, ok := byName[t]
		if !ok {
			return assignment{}, fmt.Errorf("topic %q does not exist: check the name", t)
		}
		for _, pi := range ti.Partitions {
			tp := kafadmin.TopicPartition{Topic: t, Partition: pi.Partition}
			a.partitions = append(a.partitions, tp)
			a.replicas[tp] = pi.Replicas
		}
	}
	kafadmin.SortTopicPartitions(a.partitions)
	return a, nil
}

func checkBrokersExist(ctx context.Context, cl *kafadmin.Client, ids []int32) error {
	brokers, err := cl.ListBrokers(ctx)
	if err != nil {
		return fmt.Errorf("listing the brokers: %w", err)
	}
	known := make([]int32, len(brokers))
	for i, b := range brokers {
		known[i] = b.ID
	}
	for _, id := range ids {
		if !slices.Contains(known, id) {
			return fmt.Errorf("broker %d of --broker-list is not in the cluster (its brokers are %s): check the ids", id, replicaList(known))
		}
	}
	return nil
}

// propose assigns each topic's partitions over brokers with the topic's
// replication factor, as Kafka's rack-unaware assignment does, except that
// the round-robin of leaders goes on from topic to topic instead of
// starting each topic at a random broker: the proposal is the same on
// every run, and many small topics still spread their leaders.
func propose(topics []string, current assignment, brokers []int32) (map[kafadmin.TopicPartition][]int32, error) {
	n := len(brokers)
	out := make(map[kafadmin.TopicPartition][]int32, len(current.partitions))
	next := 0 // the broker of the next leader
	for _, t := range topics {
		var tps []kafadmin.TopicPartition
		rf := 0
		for _, tp := range current.partitions {
			if tp.Topic == t {
				tps = append(tps, tp)
				rf = max(rf, len(current.replicas[tp]))
			}
		}
		if rf > n {
			return nil, fmt.Errorf("topic %q has %d replicas a partition, more than the %s of --broker-list: name at least %d brokers", t, rf, plural(n, "broker"), rf)
		}
		for i, tp := range tps {
			out[tp] = spread(brokers, (next+i)%n, i/n, rf)
		}
		next = (next + len(tps)) % n
	}
	return out, nil
}

// spread is one partition's replicas: the leader brokers[first], then
// rf-1 followers after it, the first of them shift+1 brokers on (Kafka's
// replicaIndex), so that each round of leaders puts its followers
// elsewhere.
func spread(brokers []int32, first, shift, rf int) []int32 {
	n := len(brokers)
	out := []int32{brokers[first]}
	for j := range rf - 1 {
		out = append(out, brokers[(first+1+(shift+j)%(n-1))%n])
	}
	return out
}

type jsonGenerated struct {
	Current  jsonPlan `json:"current"`
	Proposed jsonPlan `json:"proposed"`
}

func printGenerated(g *globals, tps []kafadmin.TopicPartition, current, proposed map[kafadmin.TopicPartition][]int32) {
	switch g.output {
	case "json":
		writeJSON(g.stdout, jsonGenerated{newJSONPlan(tps, current), newJSONPlan(tps, proposed)})
	case "csv":
		rw := g.rows("TOPIC", "PARTITION", "CURRENT-REPLICAS", "PROPOSED-REPLICAS")
		for _, tp := range tps {
			rw.add(tp.Topic, tp.Partition, replicaList(current[tp]), replicaList(proposed[tp]))
		}
		rw.flush()
	default:
		fmt.Fprintf(g.stdout, "Current partition replica assignment\n%s\n\nProposed partition reassignment configuration\n%s\n",
			newJSONPlan(tps, current), newJSONPlan(tps, proposed))
	}
}

func (f *reassignFlags) runExecute(cmd *cobra.Command, g *globals, p *plan) error {
	const nothing = "nothing was reassigned"
	if err := g.requireConfirmable(f.yes, nothing); err != nil {
		return err
	}
	return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
		current, err := planCurrent(ctx, cl, p)
		if err != nil {
			return fmt.Errorf("execute: %w; %s", err, nothing)
		}
		if !f.yes {
			items := make([]string, len(p.partitions))
			for i, tp := range p.partitions {
				items[i] = fmt.Sprintf("%s: %s -> %s", tp, replicaList(current[tp]), replicaList(p.replicas[tp]))
			}
			if err := g.confirmChange(fmt.Sprintf("Reassign %s?", plural(len(items), "partition")), items, nothing); err != nil {
				return err
			}
		}
		if f.throttle > 0 {
			if _, err := cl.ThrottleReassignment(ctx, p.replicas, f.throttle); err != nil {
				return fmt.Errorf("execute: throttling the moves: %w; %s (clear any throttle set with --verify once you are done)", err, nothing)
			}
		}
		res, err := cl.AlterPartitionReassignments(ctx, p.replicas)
		if res == nil {
			return err
		}
		printStarted(g, p, current, res)
		return partial(err, len(res)-len(res.Failed()))
	})
}

// planCurrent reads the current replicas of a plan's partitions; one that
// does not exist is an error.
func planCurrent(ctx context.Context, cl *kafadmin.Client, p *plan) (map[kafadmin.TopicPartition][]int32, error) {
	a, err := currentAssignment(ctx, cl, p.topics()...)
	if err != nil {
		return nil, err
	}
	for _, tp := range p.partitions {
		if _, ok := a.replicas[tp]; !ok {
			return nil, fmt.Errorf("%s: partition %d of topic %q does not exist", p.path, tp.Partition, tp.Topic)
		}
	}
	return a.replicas, nil
}

type jsonPlanResult struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"`
	Started   bool    `json:"started"`
	Error     string  `json:"error,omitempty"`
}

func printStarted(g *globals, p *plan, current map[kafadmin.TopicPartition][]int32, res kafadmin.Results[kafadmin.TopicPartition, kafadmin.ReassignResult]) {
	rollback := newJSONPlan(p.partitions, current)
	if g.output == "json" {
		out := struct {
			Rollback   jsonPlan         `json:"rollback"`
			Partitions []jsonPlanResult `json:"partitions"`
		}{Rollback: rollback, Partitions: []jsonPlanResult{}}
		for _, tp := range p.partitions {
			r := res[tp]
			out.Partitions = append(out.Partitions, jsonPlanResult{tp.Topic, tp.Partition, p.replicas[tp], r.Err == nil, errString(r.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	if g.output == "table" {
		fmt.Fprintf(g.stdout, "Current partition replica assignment (save it to roll back with --execute)\n%s\n\n", rollback)
	}
	rw := g.rows("TOPIC", "PARTITION", "REPLICAS", "RESULT")
	for _, tp := range p.partitions {
		rw.add(tp.Topic, tp.Partition, replicaList(p.replicas[tp]), result(res[tp].Err, false, "started"))
	}
	rw.flush()
}

// Verify statuses.
const (
	statusComplete   = "complete"
	statusInProgress = "in progress"
	statusDiffers    = "differs"
)

type verified struct {
	tp       kafadmin.TopicPartition
	status   string
	replicas []int32 // as metadata has them
	moving   kafadmin.Reassignment
	err      error
}

func verifyPlan(ctx context.Context, g *globals, cl *kafadmin.Client, p *plan, clearThrottles bool) error {
	current, err := planCurrent(ctx, cl, p)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	moving, err := cl.ListPartitionReassignments(ctx, p.partitions...)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	var (
		out    []verified
		failed []*kafadmin.KeyError
	)
	for _, tp := range p.partitions {
		v := verified{tp: tp, replicas: current[tp]}
		m, inProgress := moving[tp]
		switch {
		case inProgress:
			v.status, v.moving = statusInProgress, m
		case slices.Equal(current[tp], p.replicas[tp]):
			v.status = statusComplete
		default:
			v.status = statusDiffers
			v.err = fmt.Errorf("no reassignment is in progress, but its replicas are [%s], not [%s] as planned", replicaList(current[tp]), replicaList(p.replicas[tp]))
			failed = append(failed, &kafadmin.KeyError{Op: "verify reassignment", Key: kafadmin.PartitionKey(tp), Broker: -1, Attempts: 1, Err: v.err})
		}
		out = append(out, v)
	}
	printVerified(g, p, out)
	complete := !slices.ContainsFunc(out, func(v verified) bool { return v.status != statusComplete })
	if complete && clearThrottles {
		if _, err := cl.ClearReassignmentThrottles(ctx, p.topics()...); err != nil {
			return fmt.Errorf("verify: every partition is complete, but removing the replication throttles failed: %w; run --verify again", err)
		}
		if g.output == "table" {
			fmt.Fprintln(g.stdout, "\nEvery partition is complete: the replication throttles were removed from the plan's topics and every broker.")
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return partial(&kafadmin.CallError{Op: "verify reassignment", Errors: failed, Keys: len(out)}, len(out)-len(failed))
}

type jsonVerified struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Status    string  `json:"status"`
	Replicas  []int32 `json:"replicas"`
	Target    []int32 `json:"target"`
	Adding    []int32 `json:"adding"`
	Removing  []int32 `json:"removing"`
	Error     string  `json:"error,omitempty"`
}

func printVerified(g *globals, p *plan, out []verified) {
	if g.output == "json" {
		js := struct {
			Partitions []jsonVerified `json:"partitions"`
		}{Partitions: []jsonVerified{}}
		for _, v := range out {
			replicas := v.replicas
			if v.status == statusInProgress {
				replicas = v.moving.Replicas
			}
			js.Partitions = append(js.Partitions, jsonVerified{v.tp.Topic, v.tp.Partition, strings.ReplaceAll(v.status, " ", "_"), orEmpty(replicas), p.replicas[v.tp], orEmpty(v.moving.Adding), orEmpty(v.moving.Removing), errString(v.err)})
		}
		writeJSON(g.stdout, js)
		return
	}
	rw := g.rows("TOPIC", "PARTITION", "STATUS", "REPLICAS", "TARGET")
	for _, v := range out {
		status := v.status
		switch {
		case v.err != nil:
			status = "error: " + v.err.Error()
		case v.status == statusInProgress:
			status = fmt.Sprintf("in progress (adding %s, removing %s)", orDashList(v.moving.Adding), orDashList(v.moving.Removing))
		}
		replicas := v.replicas
		if v.status == statusInProgress {
			replicas = v.moving.Replicas
		}
		rw.add(v.tp.Topic, v.tp.Partition, status, replicaList(replicas), replicaList(p.replicas[v.tp]))
	}
	rw.flush()
}

func orEmpty(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}

func orDashList(ids []int32) string {
	if len(ids) == 0 {
		return "-"
	}
	return replicaList(ids)
}

func (f *reassignFlags) runCancel(cmd *cobra.Command, g *globals, p *plan) error {
	const nothing = "nothing was canceled"
	if err := g.requireConfirmable(f.yes, nothing); err != nil {
		return err
	}
	return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
		if _, err := planCurrent(ctx, cl, p); err != nil {
			return fmt.Errorf("cancel: %w; %s", err, nothing)
		}
		moving, err := cl.ListPartitionReassignments(ctx, p.partitions...)
		if err != nil {
			return fmt.Errorf("cancel: %w; %s", err, nothing)
		}
		var inProgress []kafadmin.TopicPartition
		for _, tp := range p.partitions {
			if _, ok := moving[tp]; ok {
				inProgress = append(inProgress, tp)
			}
		}
		var res kafadmin.Results[kafadmin.TopicPartition, kafadmin.ReassignResult]
		if len(inProgress) > 0 {
			if !f.yes {
				if err := g.confirmChange(fmt.Sprintf("Cancel the reassignment of %s? Each goes back to its replicas before it.", plural(len(inProgress), "partition")),
					tpStrings(inProgress), nothing); err != nil {
					return err
				}
			}
			if res, err = cl.CancelPartitionReassignments(ctx, inProgress...); res == nil {
				return err
			}
		}
		printCanceled(g, p, res)
		return partial(err, len(p.partitions)-len(res.Failed()))
	})
}

type jsonCanceled struct {
	Topic      string `json:"topic"`
	Partition  int32  `json:"partition"`
	InProgress bool   `json:"in_progress"`
	Canceled   bool   `json:"canceled"`
	OnRetry    bool   `json:"canceled_on_retry,omitempty"`
	Error      string `json:"error,omitempty"`
}

func printCanceled(g *globals, p *plan, res kafadmin.Results[kafadmin.TopicPartition, kafadmin.ReassignResult]) {
	if g.output == "json" {
		out := struct {
			Partitions []jsonCanceled `json:"partitions"`
		}{Partitions: []jsonCanceled{}}
		for _, tp := range p.partitions {
			r, inProgress := res[tp]
			out.Partitions = append(out.Partitions, jsonCanceled{tp.Topic, tp.Partition, inProgress, inProgress && r.Err == nil, r.CanceledOnRetry, errString(r.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	rw := g.rows("TOPIC", "PARTITION", "RESULT")
	for _, tp := range p.partitions {
		r, inProgress := res[tp]
		cell := "no reassignment in progress"
		if inProgress {
			cell = result(r.Err, r.CanceledOnRetry, "canceled")
		}
		rw.add(tp.Topic, tp.Partition, cell)
	}
	rw.flush()
}

type jsonReassignment struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"`
	Adding    []int32 `json:"adding"`
	Removing  []int32 `json:"removing"`
}

func listReassignments(ctx context.Context, g *globals, cl *kafadmin.Client) error {
	moving, err := cl.ListPartitionReassignments(ctx)
	if err != nil {
		return err
	}
	tps := make([]kafadmin.TopicPartition, 0, len(moving))
	for tp := range moving {
		tps = append(tps, tp)
	}
	kafadmin.SortTopicPartitions(tps)
	if g.output == "json" {
		out := struct {
			Partitions []jsonReassignment `json:"partitions"`
		}{Partitions: []jsonReassignment{}}
		for _, tp := range tps {
			m := moving[tp]
			out.Partitions = append(out.Partitions, jsonReassignment{tp.Topic, tp.Partition, orEmpty(m.Replicas), orEmpty(m.Adding), orEmpty(m.Removing)})
		}
		writeJSON(g.stdout, out)
		return nil
	}
	rw := g.rows("TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING")
	for _, tp := range tps {
		m := moving[tp]
		rw.add(tp.Topic, tp.Partition, replicaList(m.Replicas), orDashList(m.Adding), orDashList(m.Removing))
	}
	rw.flush()
	return nil
}
