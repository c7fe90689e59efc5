package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kafadmin/kafadmin/internal/cluster"
)

// ResetTarget is where a reset moves a group's offsets. Build one with
// ToEarliest, ToLatest, ToCurrent, ToOffset, ShiftBy, ToTime, ByDuration,
// FromGroup or FromOffsets; the zero value names no target and PlanReset
// refuses it.
type ResetTarget struct {
	kind    resetKind
	offset  int64                               // ToOffset, ShiftBy
	at      time.Time                           // ToTime
	ago     time.Duration                       // ByDuration
	group   string                              // FromGroup
	offsets map[string]map[TopicPartition]int64 // FromOffsets
}

type resetKind int

const (
	resetNone resetKind = iota
	resetEarliest
	resetLatest
	resetCurrent
	resetOffset
	resetShift
	resetTime
	resetDuration
	resetFromGroup
	resetFromOffsets
)

// ToEarliest moves offsets to the log start: the group reads again every
// record still in the log.
func ToEarliest() ResetTarget { return ResetTarget{kind: resetEarliest} }

// ToLatest moves offsets to the log end: the group skips every record
// produced so far and reads only new ones.
func ToLatest() ResetTarget { return ResetTarget{kind: resetLatest} }

// ToCurrent keeps the committed offsets as they are, and gives a partition
// without a commit its log end offset, as Kafka's kafka-consumer-groups.sh
// does. It pins a group's position, e.g. to save it and restore it later
// with FromOffsets; it is never clamped.
func ToCurrent() ResetTarget { return ResetTarget{kind: resetCurrent} }

// ToOffset moves every selected partition to offset n (0 or more), clamped
// into the partition's log.
func ToOffset(n int64) ResetTarget { return ResetTarget{kind: resetOffset, offset: n} }

// ShiftBy moves the committed offsets by n: back when n is negative, to read
// records again, forward to skip some. A partition without a commit has
// nothing to shift, so it fails its group with a *NoCommitError.
func ShiftBy(n int64) ResetTarget { return ResetTarget{kind: resetShift, offset: n} }

// ToTime moves offsets to the first record whose timestamp is at or after
// t, to replay from a known moment. A partition with no record that recent
// gets its log end offset (PartitionReset.NoRecordAtTime says so); a time
// before 1970 is the log start.
func ToTime(t time.Time) ResetTarget { return ResetTarget{kind: resetTime, at: t} }

// ByDuration is ToTime of d (0 or more) before now: ResetSpec.Now, or the
// time PlanReset is called when Now is zero. GroupReset.Time is the time it
// resolved to.
func ByDuration(d time.Duration) ResetTarget { return ResetTarget{kind: resetDuration, ago: d} }

// FromGroup copies group's committed offsets, to start a new group where an
// existing one is. The source must have a commit on every selected
// partition, else PlanReset fails with a *NoCommitError; with AllCommitted
// the partitions are those the source has commits for.
func FromGroup(group string) ResetTarget { return ResetTarget{kind: resetFromGroup, group: group} }

// FromOffsets sets the given offsets: group → partition → offset, such as a
// plan saved earlier. Each group's partitions are its own entries, narrowed
// to ResetSpec's Topics and Partitions when those are set; a group without
// entries has nothing to reset. The offsets are clamped like the others.
func FromOffsets(offsets map[string]map[TopicPartition]int64) ResetTarget {
	return ResetTarget{kind: resetFromOffsets, offsets: offsets}
}

// ResetSpec describes a reset: where the offsets go, and on which
// partitions. Topics and Partitions may be given together (their union is
// selected); AllCommitted is the alternative to both.
type ResetSpec struct {
	Target ResetTarget
	// Topics selects every partition of these topics.
	Topics []string
	// Partitions selects these partitions.
	Partitions []TopicPartition
	// AllCommitted selects every partition the group has a committed
	// offset for; with FromGroup, every partition the source group has
	// one for. It does not apply to FromOffsets, whose entries are the
	// partitions.
	AllCommitted bool
	// Now is the time ByDuration counts back from; zero means the time
	// PlanReset is called. Tests fix it.
	Now time.Time
}

// ResetPlan is PlanReset's answer: every group asked for, by group id.
type ResetPlan = Results[string, GroupReset]

// GroupReset is one group's plan.
type GroupReset struct {
	Group string
	// Partitions are the partitions to reset, sorted by topic and
	// partition; empty when the selection names none for this group, or
	// when the group failed.
	Partitions []PartitionReset
	// Time is the time ToTime or ByDuration looked the offsets up at; zero
	// for the other targets.
	Time time.Time
	// Err is why the group cannot be reset: a *GroupNotEmptyError naming
	// its members, an *UnknownPartitionError, a *NoCommitError, or a
	// failure to read the cluster.
	Err error
}

// Offsets returns the group's new offsets, as CommitOffsets takes them.
func (g GroupReset) Offsets() map[TopicPartition]int64 {
	out := make(map[TopicPartition]int64, len(g.Partitions))
	for _, p := range g.Partitions {
		out[p.TopicPartition()] = p.Target
	}
	return out
}

// PartitionReset is one partition of a group's plan: where it is, where it
// goes, and the log around it.
type PartitionReset struct {
	Topic     string
	Partition int32
	// Committed is the group's committed offset; -1 without a commit.
	Committed int64
	LogStart  int64 // the first offset still in the log
	LogEnd    int64 // the offset the next record will get
	// Target is the offset to commit.
	Target int64
	// Asked is the offset the target named. It equals Target unless
	// Clamped: an offset before the log start or after the log end would
	// make the consumer fall back on its auto.offset.reset, so it is moved
	// to the nearest end of the log.
	Asked   int64
	Clamped bool
	// NoRecordAtTime reports, for ToTime and ByDuration, that no record of
	// the partition is that recent: Target is the log end offset.
	NoRecordAtTime bool
}

// HasCommit reports whether the group has a commit for the partition.
func (p PartitionReset) HasCommit() bool { return p.Committed >= 0 }

// TopicPartition names the partition.
func (p PartitionReset) TopicPartition() TopicPartition { return TopicPartition{p.Topic, p.Partition} }

// AppliedResets is ApplyReset's answer: every group of the plan, by group
// id.
type AppliedResets = Results[string, AppliedReset]

// AppliedReset is what ApplyReset did for one group.
type AppliedReset struct {
	Group string
	// Partitions maps each partition of the group's plan to nil once its
	// offset is committed, or to why it is not.
	Partitions map[TopicPartition]error
	// Err is why the group was not (entirely) reset: its plan's error, or
	// the commit's.
	Err error
}

// UnknownPartitionError is a partition a reset names that the cluster does
// not have: its topic does not exist, or has fewer partitions. It unwraps
// to UNKNOWN_TOPIC_OR_PARTITION.
type UnknownPartitionError struct {
	TopicPartition TopicPartition
	// PartitionCount is how many partitions the topic has; -1 when the
	// topic does not exist.
	PartitionCount int
}

func (e *UnknownPartitionError) Error() string {
	tp := e.TopicPartition
	if e.PartitionCount < 0 {
		return fmt.Sprintf("topic %q does not exist: check the topic name", tp.Topic)
	}
	return fmt.Sprintf("topic %q has %d partitions (0 to %d): partition %d does not exist", tp.Topic, e.PartitionCount, e.PartitionCount-1, tp.Partition)
}

// Unwrap returns UNKNOWN_TOPIC_OR_PARTITION.
func (e *UnknownPartitionError) Unwrap() error { return kerr.UnknownTopicOrPartition }

// NoCommitError is a reset that needs a group's committed offsets where the
// group has none: ShiftBy shifts the group's own, FromGroup copies its
// source's.
type NoCommitError struct {
	Group string
	// Partitions are those without a commit, sorted; empty when the group
	// has no committed offsets at all.
	Partitions []TopicPartition
	// Source reports that Group is FromGroup's source, not a group being
	// reset.
	Source bool
}

func (e *NoCommitError) Error() string {
	names := make([]string, len(e.Partitions))
	for i, tp := range e.Partitions {
		names[i] = tp.String()
	}
	list := strings.Join(names, ", ")
	switch {
	case !e.Source:
		return fmt.Sprintf("group %q has no committed offset to shift on %s: reset those partitions to another target first (e.g. the log start), or leave them out", e.Group, list)
	case len(e.Partitions) == 0:
		return fmt.Sprintf("group %q has no committed offsets to copy: check the group id", e.Group)
	}
	return fmt.Sprintf("group %q has no committed offset to copy on %s: select only the partitions it has committed", e.Group, list)
}

// PlanReset plans resetting groups' committed offsets as spec says, and
// commits nothing: ApplyReset commits the plan. Reviewing the plan first
// (or printing it as a dry run) is how an operator avoids moving a
// production group somewhere unintended.
//
// For each group and selected partition the plan holds the committed
// offset, the log start and end, and the target, clamped into the log.
// A group with members is refused with a *GroupNotEmptyError naming them,
// since its consumers would overwrite the new offsets (and the coordinator
// refuses the commit anyway); a group that does not exist is planned, and
// committing creates it.
//
// A selected topic or partition that does not exist, and a FromGroup source
// without the needed commits, fail the whole call with no plan: the spec is
// wrong for every group. Otherwise the plan holds
// every group, each failed one with its Err, and the error is then a
// *CallError naming each.
func (c *Client) PlanReset(ctx context.Context, spec ResetSpec, groups ...string) (ResetPlan, error) {
	groups, err := checkReset(spec, groups)
	if err != nil {
		return nil, fmt.Errorf("plan reset: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	p := newResetPlanner(c, spec, groups)
	if err := p.run(ctx); err != nil {
		return nil, fmt.Errorf("plan reset: %w", err)
	}
	return p.result()
}

// checkReset validates a spec and the groups before anything is sent.
func checkReset(spec ResetSpec, groups []string) ([]string, error) {
	groups, err := checkGroups(groups)
	if err != nil {
		return nil, err
	}
	if err := checkTarget(spec.Target, groups); err != nil {
		return nil, err
	}
	return groups, checkSelection(spec)
}

func checkTarget(t ResetTarget, groups []string) error {
	switch t.kind {
	case resetNone:
		return errors.New("no target: set ResetSpec.Target, e.g. to ToEarliest()")
	case resetOffset:
		if t.offset < 0 {
			return fmt.Errorf("ToOffset(%d): offsets start at 0", t.offset)
		}
	case resetDuration:
		if t.ago < 0 {
			return fmt.Errorf("ByDuration(%v): want a duration of 0 or more, counted back from now", t.ago)
		}
	case resetFromGroup:
		if t.group == "" {
			return errors.New("FromGroup: the source group id is empty: name the group whose offsets to copy")
		}
		if slices.Contains(groups, t.group) {
			return fmt.Errorf("FromGroup(%q): the source is also a group to reset: copy from another group", t.group)
		}
	case resetFromOffsets:
		return checkGivenOffsets(t.offsets)
	}
	return nil
}

func checkGivenOffsets(offsets map[string]map[TopicPartition]int64) error {
	for g, byTP := range offsets {
		for tp, off := range byTP {
			if _, err := checkTopicPartitions([]TopicPartition{tp}); err != nil {
				return fmt.Errorf("FromOffsets, group %q: %w", g, err)
			}
			if off < 0 {
				return fmt.Errorf("FromOffsets, group %q: offset %d for %s is negative: offsets start at 0", g, off, describeTP(tp))
			}
		}
	}
	return nil
}

func checkSelection(spec ResetSpec) error {
	explicit := len(spec.Topics) > 0 || len(spec.Partitions) > 0
	switch {
	case spec.AllCommitted && spec.Target.kind == resetFromOffsets:
		return errors.New("AllCommitted does not apply to FromOffsets: its entries are the partitions; narrow them with Topics or Partitions")
	case spec.AllCommitted && explicit:
		return errors.New("AllCommitted and Topics or Partitions: select the partitions one way")
	case !spec.AllCommitted && !explicit && spec.Target.kind != resetFromOffsets:
		return errors.New("no partitions selected: set Topics, Partitions or AllCommitted")
	}
	if slices.Contains(spec.Topics, "") {
		return errors.New("a topic name is empty: topic names must be non-empty")
	}
	if len(spec.Partitions) > 0 {
		_, err := checkTopicPartitions(spec.Partitions)
		return err
	}
	return nil
}

// resetPlanner is one PlanReset call.
type resetPlanner struct {
	c      *Client
	spec   ResetSpec
	groups []string
	at     time.Time // ToTime's time, or ByDuration's resolved

	topics     map[string]*cluster.TopicMeta
	selected   []TopicPartition // Topics and Partitions, sorted
	isSelected map[TopicPartition]bool
	committed  map[string]GroupOffsets // the groups' and the source's
	parts      map[string][]TopicPartition
	logStart   map[TopicPartition]ListedOffset
	logEnd     map[TopicPartition]ListedOffset
	atTime     map[TopicPartition]ListedOffset
	failed     map[string]error
	planned    map[string][]PartitionReset
}

func newResetPlanner(c *Client, spec ResetSpec, groups []string) *resetPlanner {
	p := &resetPlanner{
		c: c, spec: spec, groups: groups,
		topics:     make(map[string]*cluster.TopicMeta),
		isSelected: make(map[TopicPartition]bool),
		parts:      make(map[string][]TopicPartition, len(groups)),
		failed:     make(map[string]error),
		planned:    make(map[string][]PartitionReset, len(groups)),
	}
	switch spec.Target.kind {
	case resetTime:
		p.at = spec.Target.at
	case resetDuration:
		now := spec.Now
		if now.IsZero() {
			now = time.Now()
		}
		p.at = now.Add(-spec.Target.ago)
	}
	return p
}

// run plans every group; its error fails the whole call.
func (p *resetPlanner) run(ctx context.Context) error {
	steps := []func(context.Context) error{p.checkSelected, p.checkGiven, p.readGroups, p.checkSource, p.choosePartitions, p.listLogOffsets}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
		if len(p.okGroups()) == 0 {
			return nil
		}
	}
	for _, g := range p.okGroups() {
		p.planGroup(g)
	}
	return nil
}

// fail records why a group cannot be reset; the other groups go on.
func (p *resetPlanner) fail(group string, err error) {
	if _, ok := p.failed[group]; !ok {
		p.failed[group] = err
	}
}

func (p *resetPlanner) okGroups() []string {
	out := make([]string, 0, len(p.groups))
	for _, g := range p.groups {
		if _, ok := p.failed[g]; !ok {
			out = append(out, g)
		}
	}
	return out
}

// loadTopics fetches fresh metadata for the topics not loaded yet.
func (p *resetPlanner) loadTopics(ctx context.Context, topics []string) error {
	var missing []string
	for _, t := range topics {
		if _, ok := p.topics[t]; !ok && !slices.Contains(missing, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	metas, err := p.c.cl.Topics(ctx, missing, time.Nanosecond)
	if err != nil {
		return fmt.Errorf("reading the topics' metadata: %w", err)
	}
	maps.Copy(p.topics, metas)
	return nil
}

// topic returns a loaded topic's metadata, or why it cannot be reset.
func (p *resetPlanner) topic(name string) (*cluster.TopicMeta, error) {
	tm := p.topics[name]
	switch {
	case tm == nil || errors.Is(tm.Err, kerr.UnknownTopicOrPartition):
		return nil, &UnknownPartitionError{TopicPartition: TopicPartition{Topic: name}, PartitionCount: -1}
	case tm.Err != nil:
		return nil, fmt.Errorf("topic %q: %w", name, tm.Err)
	}
	return tm, nil
}

// exists fails, naming tp, unless its topic and partition exist.
func (p *resetPlanner) exists(tp TopicPartition) error {
	tm, err := p.topic(tp.Topic)
	if err != nil {
		var upe *UnknownPartitionError
		if errors.As(err, &upe) {
			upe.TopicPartition = tp
		}
		return err
	}
	if _, ok := tm.Partition(tp.Partition); !ok {
		return &UnknownPartitionError{TopicPartition: tp, PartitionCount: len(tm.Partitions)}
	}
	return nil
}

// checkSelected expands Topics into their partitions and checks that every
// selected partition exists: one that does not fails the call.
func (p *resetPlanner) checkSelected(ctx context.Context) error {
	topics := slices.Clone(p.spec.Topics)
	for _, tp := range p.spec.Partitions {
		topics = append(topics, tp.Topic)
	}
	if err := p.loadTopics(ctx, topics); err != nil {
		return err
	}
	add := func(tp TopicPartition) {
		if !p.isSelected[tp] {
			p.isSelected[tp] = true
			p.selected = append(p.selected, tp)
		}
	}
	for _, t := range p.spec.Topics {
		tm, err := p.topic(t)
		if err != nil {
			return err
		}
		for _, pm := range tm.Partitions {
			add(TopicPartition{t, pm.Partition})
		}
	}
	for _, tp := range p.spec.Partitions {
		if err := p.exists(tp); err != nil {
			return err
		}
		add(tp)
	}
	SortTopicPartitions(p.selected)
	return nil
}

// checkGiven checks that FromOffsets' partitions exist: a group with one
// that does not fails.
func (p *resetPlanner) checkGiven(ctx context.Context) error {
	given := p.spec.Target.offsets
	var topics []string
	for _, g := range p.groups {
		for tp := range given[g] {
			topics = append(topics, tp.Topic)
		}
	}
	if err := p.loadTopics(ctx, topics); err != nil {
		return err
	}
	for _, g := range p.groups {
		tps := slices.Collect(maps.Keys(given[g]))
		SortTopicPartitions(tps)
		for _, tp := range tps {
			if err := p.exists(tp); err != nil {
				p.fail(g, err)
				break
			}
		}
	}
	return nil
}

// readGroups describes the groups, to refuse those with members, and
// fetches their committed offsets and the source group's, at once.
func (p *resetPlanner) readGroups(ctx context.Context) error {
	groups := p.okGroups()
	fetch := groups
	if src := p.source(); src != "" {
		fetch = append(slices.Clone(groups), src)
	}
	var (
		wg        sync.WaitGroup
		described map[string]GroupDescription
	)
	wg.Add(2)
	go func() { defer wg.Done(); described, _ = p.c.describeGroups(ctx, groups) }()
	go func() { defer wg.Done(); p.committed, _ = p.c.fetchOffsets(ctx, fetch) }()
	wg.Wait()
	for _, g := range groups {
		if err := checkEmpty(g, described[g]); err != nil {
			p.fail(g, err)
			continue
		}
		if err := p.commitsOf(g); err != nil {
			p.fail(g, err)
		}
	}
	if src := p.source(); src != "" {
		if err := p.commitsOf(src); err != nil {
			return fmt.Errorf("fetching the committed offsets of group %q, the source of the offsets: %w", src, err)
		}
	}
	return nil
}

// byTime reports whether the targets are looked up by time.
func (p *resetPlanner) byTime() bool {
	k := p.spec.Target.kind
	return k == resetTime || k == resetDuration
}

// source is FromGroup's group, or "".
func (p *resetPlanner) source() string {
	if p.spec.Target.kind == resetFromGroup {
		return p.spec.Target.group
	}
	return ""
}

// checkEmpty refuses a group with members. A group that does not exist is
// fine: resetting it creates its offsets.
func checkEmpty(group string, d GroupDescription) error {
	switch {
	case errors.Is(d.Err, kerr.GroupIDNotFound):
		return nil
	case d.Err != nil:
		return d.Err
	case len(d.Members) > 0 || d.State != "" && d.State != "Empty" && d.State != "Dead":
		return &GroupNotEmptyError{Group: group, State: d.State, Members: d.Members}
	}
	return nil
}

// commitsOf settles a group's fetched commits: a group that does not exist
// has none.
func (p *resetPlanner) commitsOf(group string) error {
	o := p.committed[group]
	switch {
	case errors.Is(o.Err, kerr.GroupIDNotFound):
		p.committed[group] = GroupOffsets{Group: group, Coordinator: -1}
		return nil
	case o.Err != nil:
		return o.Err
	}
	return nil
}

// checkSource fails the call unless FromGroup's source has a commit on
// every selected partition.
func (p *resetPlanner) checkSource(context.Context) error {
	src := p.source()
	if src == "" {
		return nil
	}
	from := p.committed[src]
	if len(from.Offsets) == 0 {
		return &NoCommitError{Group: src, Source: true}
	}
	var missing []TopicPartition
	for _, tp := range p.selected {
		if !from.has(tp) {
			missing = append(missing, tp)
		}
	}
	if len(missing) > 0 {
		return &NoCommitError{Group: src, Partitions: missing, Source: true}
	}
	return nil
}

// choosePartitions settles each group's partitions. Those taken from
// commits are checked against the cluster: a commit can outlive its topic.
func (p *resetPlanner) choosePartitions(ctx context.Context) error {
	for _, g := range p.okGroups() {
		p.parts[g] = p.partitionsOf(g)
	}
	if !p.spec.AllCommitted {
		return nil
	}
	var topics []string
	for _, tps := range p.parts {
		for _, tp := range tps {
			topics = append(topics, tp.Topic)
		}
	}
	if err := p.loadTopics(ctx, topics); err != nil {
		return err
	}
	for _, g := range p.okGroups() {
		if err := p.checkCommitted(g); err != nil {
			p.fail(g, err)
		}
	}
	return nil
}

// partitionsOf lists a group's partitions to reset, sorted.
func (p *resetPlanner) partitionsOf(group string) []TopicPartition {
	switch {
	case p.spec.Target.kind == resetFromOffsets:
		var out []TopicPartition
		for tp := range p.spec.Target.offsets[group] {
			if len(p.selected) == 0 || p.isSelected[tp] {
				out = append(out, tp)
			}
		}
		SortTopicPartitions(out)
		return out
	case p.spec.AllCommitted:
		from := group
		if src := p.source(); src != "" {
			from = src
		}
		return p.committed[from].Partitions()
	}
	return p.selected
}

// checkCommitted fails a group whose partitions, taken from commits,
// include one that no longer exists.
func (p *resetPlanner) checkCommitted(group string) error {
	from := group
	if src := p.source(); src != "" {
		from = src
	}
	for _, tp := range p.parts[group] {
		if err := p.exists(tp); err != nil {
			return fmt.Errorf("group %q has a committed offset for %s, but %w: select the partitions to reset with Topics or Partitions", from, describeTP(tp), err)
		}
	}
	return nil
}

// listLogOffsets lists the log start and end offsets of every partition to
// reset, and for ToTime and ByDuration the offsets at the time, at once.
func (p *resetPlanner) listLogOffsets(ctx context.Context) error {
	var all []TopicPartition
	seen := make(map[TopicPartition]bool)
	for _, g := range p.okGroups() {
		for _, tp := range p.parts[g] {
			if !seen[tp] {
				seen[tp] = true
				all = append(all, tp)
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	var wg sync.WaitGroup
	list := func(spec OffsetSpec, into *map[TopicPartition]ListedOffset) {
		wg.Add(1)
		go func() { defer wg.Done(); *into, _ = p.c.listOffsets(ctx, spec, all) }()
	}
	list(Earliest(), &p.logStart)
	list(Latest(), &p.logEnd)
	if p.byTime() {
		list(atTimeSpec(p.at), &p.atTime)
	}
	wg.Wait()
	return nil
}

// atTimeSpec looks offsets up at t. Kafka's timestamps start in 1970 and
// negative ones name other lookups (-1 is the log end), so a time before
// 1970 looks up the log start: every record is at or after it.
func atTimeSpec(t time.Time) OffsetSpec {
	if t.UnixMilli() < 0 {
		return Earliest()
	}
	return AtTime(t)
}

// planGroup computes one group's targets.
func (p *resetPlanner) planGroup(group string) {
	var (
		rows     []PartitionReset
		noCommit []TopicPartition
	)
	for _, tp := range p.parts[group] {
		r, err := p.partitionReset(group, tp)
		if err != nil {
			p.fail(group, err)
			return
		}
		if !p.aim(group, &r) {
			noCommit = append(noCommit, tp)
			continue
		}
		rows = append(rows, r)
	}
	if len(noCommit) > 0 {
		p.fail(group, &NoCommitError{Group: group, Partitions: noCommit})
		return
	}
	p.planned[group] = rows
}

// partitionReset lays out one partition: its commit and its log.
func (p *resetPlanner) partitionReset(group string, tp TopicPartition) (PartitionReset, error) {
	r := PartitionReset{Topic: tp.Topic, Partition: tp.Partition, Committed: -1}
	if co, ok := p.committed[group].Offsets[tp]; ok {
		r.Committed = co.Offset
	}
	var err error
	if r.LogStart, err = listed(p.logStart, tp); err != nil {
		return r, fmt.Errorf("listing the log start offset of %s: %w", describeTP(tp), err)
	}
	if r.LogEnd, err = listed(p.logEnd, tp); err != nil {
		return r, fmt.Errorf("listing the log end offset of %s: %w", describeTP(tp), err)
	}
	if _, err := listed(p.atTime, tp); p.byTime() && err != nil {
		return r, fmt.Errorf("listing the offset of %s at %s: %w", describeTP(tp), p.at.Format(time.RFC3339Nano), err)
	}
	return r, nil
}

// listed returns a partition's offset from one of the listings, or why it
// is unknown.
func listed(from map[TopicPartition]ListedOffset, tp TopicPartition) (int64, error) {
	lo, ok := from[tp]
	switch {
	case !ok:
		return -1, errors.New("no offset was listed for the partition")
	case lo.Err != nil:
		return -1, lo.Err
	}
	return lo.Offset, nil
}

// aim sets a partition's target, clamped into the log unless the target is
// ToCurrent. It reports false for ShiftBy on a partition without a commit.
func (p *resetPlanner) aim(group string, r *PartitionReset) bool {
	t, tp := p.spec.Target, r.TopicPartition()
	clamp := true
	switch t.kind {
	case resetEarliest:
		r.Asked = r.LogStart
	case resetLatest:
		r.Asked = r.LogEnd
	case resetCurrent:
		r.Asked, clamp = r.Committed, false
		if !r.HasCommit() {
			r.Asked = r.LogEnd
		}
	case resetOffset:
		r.Asked = t.offset
	case resetShift:
		if !r.HasCommit() {
			return false
		}
		r.Asked = shift(r.Committed, t.offset)
	case resetTime, resetDuration:
		r.Asked = p.atTime[tp].Offset
		if r.Asked < 0 {
			r.Asked, r.NoRecordAtTime = r.LogEnd, true
		}
	case resetFromGroup:
		r.Asked = p.committed[t.group].Offsets[tp].Offset
	case resetFromOffsets:
		r.Asked = t.offsets[group][tp]
	}
	r.Target = r.Asked
	if clamp {
		r.Target = min(max(r.Asked, r.LogStart), r.LogEnd)
		r.Clamped = r.Target != r.Asked
	}
	return true
}

// shift is offset+by, saturated at the int64 bounds.
func shift(offset, by int64) int64 {
	switch {
	case by > 0 && offset > math.MaxInt64-by:
		return math.MaxInt64
	case by < 0 && offset < math.MinInt64-by:
		return math.MinInt64
	}
	return offset + by
}

// result builds the plan: every group, the failed ones with their error.
func (p *resetPlanner) result() (ResetPlan, error) {
	plan := make(ResetPlan, len(p.groups))
	failed := make(map[string]*KeyError)
	for _, g := range p.groups {
		gr := GroupReset{Group: g, Time: p.at}
		if err, ok := p.failed[g]; ok {
			ke := groupKeyError("plan reset", g, err)
			gr.Err, failed[g] = ke, ke
		} else {
			gr.Partitions = p.planned[g]
		}
		plan[g] = gr
	}
	return plan, callError("plan reset", len(p.groups), failed)
}

// ApplyReset commits a plan: each group's targets in one commit
// (CommitOffsets), groups in parallel. The offsets of partitions outside
// the plan stay as they are. A group whose plan failed, or that has nothing
// to reset, is not committed; a group that gained members since it was
// planned is refused with a *GroupNotEmptyError.
//
// The result holds every group of the plan, each failed one with its Err
// (its plan's error, or its commit's), and the error is then a *CallError
// naming each.
func (c *Client) ApplyReset(ctx context.Context, plan ResetPlan) (AppliedResets, error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	done := newResults[string, AppliedReset](len(plan))
	var (
		wg  sync.WaitGroup
		sem = make(chan struct{}, applyParallel)
	)
	for g, gr := range plan {
		if gr.Err != nil || len(gr.Partitions) == 0 {
			done.set(g, AppliedReset{Group: g, Partitions: map[TopicPartition]error{}, Err: gr.Err})
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			done.set(g, c.applyGroup(ctx, g, gr))
		}()
	}
	wg.Wait()
	failed := make(map[string]*KeyError)
	for g, a := range done.m {
		if a.Err == nil {
			continue
		}
		ke := groupKeyError("apply reset", g, a.Err)
		a.Err = ke
		done.m[g] = a
		failed[g] = ke
	}
	return done.m, callError("apply reset", len(plan), failed)
}

// applyParallel bounds the groups ApplyReset commits at once, so that a
// plan of thousands of groups does not open thousands of requests.
const applyParallel = 16

// applyGroup commits one group's plan.
func (c *Client) applyGroup(ctx context.Context, group string, gr GroupReset) AppliedReset {
	offsets := gr.Offsets()
	parts, err := c.CommitOffsets(ctx, group, offsets)
	if parts == nil {
		parts = make(map[TopicPartition]error, len(offsets))
		for tp := range offsets {
			parts[tp] = err
		}
	}
	return AppliedReset{Group: group, Partitions: parts, Err: err}
}

// groupKeyError is why one group of a reset failed: err itself when it is
// already that group's KeyError (from describing the group, or fetching or
// committing its offsets), else err keyed by the group.
func groupKeyError(op, group string, err error) *KeyError {
	if ke, ok := err.(*KeyError); ok {
		return ke
	}
	return keyError(op, GroupKey(group), -1, err)
}

func (g GroupReset) err() error   { return g.Err }
func (a AppliedReset) err() error { return a.Err }
