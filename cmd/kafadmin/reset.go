package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

// resetMode is where groups reset-offsets moves the offsets.
type resetMode string

// The modes, named by their flags.
const (
	resetToEarliest resetMode = "to-earliest"
	resetToLatest   resetMode = "to-latest"
	resetToCurrent  resetMode = "to-current"
	resetToOffset   resetMode = "to-offset"
	resetShiftBy    resetMode = "shift-by"
	resetToDatetime resetMode = "to-datetime"
	resetByDuration resetMode = "by-duration"
	resetFromFile   resetMode = "from-file"
	resetToGroup    resetMode = "to-group"
)

var resetModes = []resetMode{resetToEarliest, resetToLatest, resetToCurrent, resetToOffset, resetShiftBy, resetToDatetime, resetByDuration, resetFromFile, resetToGroup}

// resetFlags are the command's flags as given.
type resetFlags struct {
	allGroups, allTopics            bool
	topics                          []string
	toEarliest, toLatest, toCurrent bool
	toOffset, shiftBy               int64
	toDatetime, byDuration          string
	fromFile, toGroup               string
	execute, dryRun                 bool
	export                          string
}

// resetRequest is a validated command line.
type resetRequest struct {
	groups    []string // as named; empty with --all-groups, or to take them from a file
	allGroups bool
	topics    topicSelection
	allTopics bool
	mode      resetMode
	target    kafadmin.ResetTarget // --from-file's is built once the groups are known
	file      *resetFile
	toGroup   string
	execute   bool
	export    string
}

func newGroupsResetOffsetsCmd(g *globals) *cobra.Command {
	var f resetFlags
	cmd := &cobra.Command{
		Use:   "reset-offsets GROUP...|--all-groups --topic T[:P,P]...|--all-topics MODE",
		Short: "Reset groups' committed offsets: to the log start or end, an offset, a time, a file or another group",
		Long: `Reset consumer groups' committed offsets, as kafka-consumer-groups.sh
--reset-offsets does. Without --execute it is a dry run: it prints the plan
and commits nothing.

Which groups and partitions
  GROUP...           the groups to reset; --all-groups for every consumer
                     group of the cluster.
  --topic T          every partition of topic T; --topic T:0,2 only
                     partitions 0 and 2 (repeatable).
  --all-topics       every partition the group has a committed offset for;
                     with --to-group, every partition the other group has
                     one for.
  A group must be empty (no consumer running), or not exist yet: resetting
  then creates its offsets. A group with members is refused, naming them,
  in a dry run too, and nothing is committed for it; the other groups go
  ahead. Every topic and partition is checked first: one that does not
  exist is an error, and nothing is committed.

Where to (exactly one)
  --to-earliest      the log start offset: the oldest record still in the
                     log.
  --to-latest        the log end offset: only records produced from now on.
  --to-current       the committed offset, as it is. A partition without a
                     commit gets the log end offset, as in the Java tool.
                     With --export this saves a group's offsets to restore
                     later.
  --to-offset N      offset N (0 or more) on every partition.
  --shift-by N       the committed offset plus N (e.g. -100 to read the last
                     100 records again). A partition without a commit has
                     nothing to shift: as in the Java tool, that fails its
                     group.
  --to-datetime T    the first record whose timestamp is at or after T: RFC
                     3339 (2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00)
                     or Kafka's YYYY-MM-DDTHH:mm:SS.sss, in local time unless
                     a zone offset follows (+02:00, +0200, +02 or Z); the
                     fraction of a second is optional. A partition with no
                     record that recent gets its log end offset, with a
                     warning, as in the Java tool.
  --by-duration D    --to-datetime now minus D, D being a Go duration (90m,
                     1h30m) or ISO 8601's PnDTnHnMnS (PT15M, P1DT2H).
  --from-file F      the offsets in the CSV file F (below).
  --to-group G       group G's committed offsets for the selected
                     partitions. G must have a commit on each: a partition
                     it has none for is an error naming G, and nothing is
                     committed.

Clamping
  A new offset before a partition's log start or after its log end is set to
  the log start or end, with a warning on stderr naming the group, the
  partition, the offset asked for and the one used. --to-current keeps the
  committed offset even outside the log.

Dry run and --execute
  Both print GROUP TOPIC PARTITION CURRENT-OFFSET NEW-OFFSET per partition
  (CURRENT-OFFSET is "-", or empty in CSV, without a commit). With -o json:
  {"dry_run":true,"groups":[{"group":G,"partitions":[{"topic":T,
  "partition":P,"current_offset":N or null,"new_offset":N}],"error":E}]},
  "error" only for a group that failed. --dry-run says so explicitly.
  --execute commits each group's new offsets, all its partitions in one
  commit; the offsets of partitions not selected stay as they are.

CSV (--export, --from-file)
  One line per partition, no header, as the Java tool writes it:
  topic,partition,offset when one group is reset, group,topic,partition,offset
  when several are. --export F writes the plan to F before anything is
  committed (if it cannot be written, nothing is); --from-file F reads either
  form back: with the group column the file names the groups (GROUP
  arguments then pick some of them), without it the GROUP arguments name the
  groups to reset to it. --topic picks some of the file's partitions. A line
  that is malformed (wrong number of fields, a partition or offset that is
  not a number of 0 or more, a partition repeated) or names a topic or
  partition that does not exist is an error naming the file and the line,
  and nothing is committed. File offsets are clamped like the others.

Exit codes
  0 every group reset (or, in a dry run, planned); 1 an error, or every
  group failed; 2 usage error; 3 some groups failed (each on stderr) and
  the others were reset.`,
		ValidArgsFunction: g.completeGroups,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := f.request(cmd, args)
			if err != nil {
				return err
			}
			cl, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			defer cl.Close()
			r := &resetRun{g: g, cl: cl, ctx: cmd.Context(), req: req}
			return r.run()
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.allGroups, "all-groups", false, "reset every consumer group of the cluster")
	fl.StringArrayVar(&f.topics, "topic", nil, "`TOPIC` or TOPIC:PARTITION[,PARTITION...] to reset (repeatable)")
	fl.BoolVar(&f.allTopics, "all-topics", false, "reset every partition the group has committed offsets for")
	fl.BoolVar(&f.toEarliest, "to-earliest", false, "reset to the log start offset")
	fl.BoolVar(&f.toLatest, "to-latest", false, "reset to the log end offset")
	fl.BoolVar(&f.toCurrent, "to-current", false, "reset to the committed offset (the log end offset without a commit)")
	fl.Int64Var(&f.toOffset, "to-offset", 0, "reset to offset `N`")
	fl.Int64Var(&f.shiftBy, "shift-by", 0, "move the committed offset by `N` (negative: back)")
	fl.StringVar(&f.toDatetime, "to-datetime", "", "reset to the first record at or after a `time`: RFC 3339, or YYYY-MM-DDTHH:mm:SS.sss (local time unless a zone offset follows)")
	fl.StringVar(&f.byDuration, "by-duration", "", "reset to the first record at or after now minus a `duration`: 90m, 1h30m, PT15M, P1DT2H")
	fl.StringVar(&f.fromFile, "from-file", "", "reset to the offsets in a CSV `file`: topic,partition,offset or group,topic,partition,offset lines")
	fl.StringVar(&f.toGroup, "to-group", "", "reset to another `group`'s committed offsets")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the plan and commit nothing (the default)")
	fl.BoolVar(&f.execute, "execute", false, "commit the new offsets")
	fl.StringVar(&f.export, "export", "", "write the plan to a CSV `file` that --from-file reads back")
	cmd.RegisterFlagCompletionFunc("topic", g.completeTopics)
	cmd.RegisterFlagCompletionFunc("to-group", g.completeGroups)
	return cmd
}

// request validates the command line: every problem with it is a usage
// error, except a --from-file that cannot be read or is malformed.
func (f *resetFlags) request(cmd *cobra.Command, args []string) (*resetRequest, error) {
	// A switch counts when on (--to-earliest=false is off), a flag with a
	// value when given.
	switches := map[resetMode]bool{resetToEarliest: f.toEarliest, resetToLatest: f.toLatest, resetToCurrent: f.toCurrent}
	var modes []string
	for _, m := range resetModes {
		on, isSwitch := switches[m]
		if on || !isSwitch && cmd.Flags().Changed(string(m)) {
			modes = append(modes, "--"+string(m))
		}
	}
	all := "--to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N, --to-datetime T, --by-duration D, --from-file F or --to-group G"
	switch {
	case len(modes) == 0:
		return nil, usagef("say where to reset the offsets to: pass one of %s", all)
	case len(modes) > 1:
		return nil, usagef("%s: pass only one of %s", strings.Join(modes, " and "), all)
	case f.dryRun && f.execute:
		return nil, usagef("--dry-run and --execute: pass one (without either, it is a dry run)")
	}
	req := &resetRequest{
		groups:    unique(args),
		allGroups: f.allGroups,
		allTopics: f.allTopics,
		mode:      resetMode(strings.TrimPrefix(modes[0], "--")),
		toGroup:   f.toGroup,
		execute:   f.execute,
		export:    f.export,
	}
	if req.mode != resetFromFile {
		if err := groupArgs(req.groups, req.allGroups, "--all-groups"); err != nil {
			return nil, err
		}
	} else if req.allGroups && len(req.groups) > 0 {
		return nil, usagef("give groups or --all-groups, not both")
	}
	switch {
	case len(f.topics) > 0 && f.allTopics:
		return nil, usagef("give --topic or --all-topics, not both")
	case len(f.topics) == 0 && !f.allTopics && req.mode != resetFromFile:
		return nil, usagef("name the partitions to reset: --topic TOPIC or --topic TOPIC:PARTITION[,PARTITION...] (repeatable), or --all-topics")
	case cmd.Flags().Changed("export") && f.export == "":
		return nil, usagef("--export: name the file to write the plan to")
	}
	var err error
	if req.topics, err = parseTopics(f.topics); err != nil {
		return nil, err
	}
	switch req.mode {
	case resetToEarliest:
		req.target = kafadmin.ToEarliest()
	case resetToLatest:
		req.target = kafadmin.ToLatest()
	case resetToCurrent:
		req.target = kafadmin.ToCurrent()
	case resetToOffset:
		if f.toOffset < 0 {
			return nil, usagef("--to-offset %d: want an offset of 0 or more", f.toOffset)
		}
		req.target = kafadmin.ToOffset(f.toOffset)
	case resetShiftBy:
		req.target = kafadmin.ShiftBy(f.shiftBy)
	case resetToDatetime:
		at, err := parseDatetime(f.toDatetime)
		if err != nil {
			return nil, usagef("--to-datetime %q: %v", f.toDatetime, err)
		}
		req.target = kafadmin.ToTime(at)
	case resetByDuration:
		d, err := parseResetDuration(f.byDuration)
		if err != nil {
			return nil, usagef("--by-duration %q: %v", f.byDuration, err)
		}
		req.target = kafadmin.ByDuration(d)
	case resetToGroup:
		if f.toGroup == "" {
			return nil, usagef("--to-group: name the group whose offsets to copy")
		}
		if slices.Contains(req.groups, f.toGroup) {
			return nil, usagef("--to-group %q is also a group to reset: copy from another group", f.toGroup)
		}
		req.target = kafadmin.FromGroup(f.toGroup)
	case resetFromFile:
		if f.fromFile == "" {
			return nil, usagef("--from-file: name the CSV file to read")
		}
		if req.file, err = readResetFile(f.fromFile); err != nil {
			return nil, err
		}
		if !req.file.grouped && len(req.groups) == 0 && !req.allGroups {
			return nil, usagef("%s has no group column: name the groups to reset to it, or pass --all-groups", f.fromFile)
		}
		for _, grp := range req.groups {
			if req.file.grouped && !slices.Contains(req.file.groups, grp) {
				return nil, fmt.Errorf("%s has no offsets for group %q (its groups: %s); nothing was committed", f.fromFile, grp, strings.Join(quoteAll(req.file.groups), ", "))
			}
		}
	}
	return req, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// Layouts of --to-datetime with a zone: RFC 3339's, and Kafka's with the
// offset forms Java's XXX pattern reads. A fraction of a second may follow
// the seconds in every layout.
var datetimeZoned = []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05Z07"}

// datetimeLocal is Kafka's YYYY-MM-DDTHH:mm:SS.sss without a zone: local
// time, as the Java tool reads it.
const datetimeLocal = "2006-01-02T15:04:05"

// parseDatetime reads --to-datetime.
func parseDatetime(s string) (time.Time, error) {
	for _, layout := range datetimeZoned {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation(datetimeLocal, s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want RFC 3339 (2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00) or YYYY-MM-DDTHH:mm:SS.sss in local time, optionally followed by a zone offset (2024-05-01T12:00:00.000+0200)")
}

// isoDuration is ISO 8601's PnDTnHnMnS, the durations Java's Duration.parse
// reads: days, hours, minutes and seconds, the seconds with a fraction.
var isoDuration = regexp.MustCompile(`^[Pp](?:(\d+)[Dd])?(?:([Tt])(?:(\d+)[Hh])?(?:(\d+)[Mm])?(?:(\d+)(?:[.,](\d{1,9}))?[Ss])?)?$`)

// parseResetDuration reads --by-duration: a Go duration or ISO 8601's
// PnDTnHnMnS, 0 or more.
func parseResetDuration(s string) (time.Duration, error) {
	const want = "want a Go duration (90m, 1h30m) or ISO 8601's PnDTnHnMnS (PT15M, P1DT2H)"
	if !strings.HasPrefix(s, "P") && !strings.HasPrefix(s, "p") {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			return 0, errors.New(want)
		case d < 0:
			return 0, errors.New("want a duration of 0 or more: the offsets are those of now minus it")
		}
		return d, nil
	}
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s[1:] == "" || m[2] != "" && m[3] == "" && m[4] == "" && m[5] == "" {
		return 0, errors.New(want + "; ISO 8601 durations in weeks, months or years are not supported")
	}
	var total time.Duration
	for _, part := range []struct {
		i    int
		unit time.Duration
	}{{1, 24 * time.Hour}, {3, time.Hour}, {4, time.Minute}, {5, time.Second}} {
		i, unit := part.i, part.unit
		if m[i] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i], 10, 64)
		if err != nil || n > int64(math.MaxInt64/unit) || total > math.MaxInt64-time.Duration(n)*unit {
			return 0, errors.New("the duration is too long: at most about 292 years")
		}
		total += time.Duration(n) * unit
	}
	if m[6] != "" {
		frac, _ := strconv.ParseInt((m[6] + "00000000")[:9], 10, 64)
		if total > math.MaxInt64-time.Duration(frac) {
			return 0, errors.New("the duration is too long: at most about 292 years")
		}
		total += time.Duration(frac)
	}
	return total, nil
}

// resetFile is a --from-file plan.
type resetFile struct {
	path    string
	grouped bool     // group,topic,partition,offset lines
	groups  []string // of a grouped file, in the order they first appear
	rows    []resetFileRow
}

type resetFileRow struct {
	line   int
	group  string // "" unless grouped
	tp     kafadmin.TopicPartition
	offset int64
}

// readResetFile reads and checks a --from-file plan.
func readResetFile(path string) (*resetFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--from-file: %w; nothing was committed", err)
	}
	return parseResetFile(path, data)
}

// parseResetFile reads the CSV of a plan: header-less lines of
// topic,partition,offset or group,topic,partition,offset, all of one form.
// A first line naming the columns is skipped.
func parseResetFile(path string, data []byte) (*resetFile, error) {
	f := &resetFile{path: path}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	first := 0 // the line of the first record
	type key struct {
		group string
		tp    kafadmin.TopicPartition
	}
	seen := make(map[key]int)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s line %d: %v; nothing was committed", path, pe.Line, pe.Err)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w; nothing was committed", path, err)
		}
		line, _ := r.FieldPos(0)
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s line %d: %s; nothing was committed", path, line, fmt.Sprintf(format, args...))
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if first == 0 {
			if len(rec) != 3 && len(rec) != 4 {
				return nil, bad("%d fields: want topic,partition,offset or group,topic,partition,offset", len(rec))
			}
			first, f.grouped = line, len(rec) == 4
			if isResetHeader(rec) {
				continue
			}
		}
		if want := map[bool]int{false: 3, true: 4}[f.grouped]; len(rec) != want {
			return nil, bad("%d fields, but line %d has %d: every line must be topic,partition,offset, or every line group,topic,partition,offset", len(rec), first, want)
		}
		var row resetFileRow
		row.line = line
		if f.grouped {
			row.group, rec = rec[0], rec[1:]
			if row.group == "" {
				return nil, bad("the group is empty")
			}
		}
		row.tp.Topic = strings.TrimSpace(rec[0])
		if row.tp.Topic == "" {
			return nil, bad("the topic is empty")
		}
		p, err := strconv.ParseInt(strings.TrimSpace(rec[1]), 10, 32)
		if err != nil || p < 0 {
			return nil, bad("partition %q is not a partition number (0 or more)", rec[1])
		}
		row.tp.Partition = int32(p)
		if row.offset, err = strconv.ParseInt(strings.TrimSpace(rec[2]), 10, 64); err != nil || row.offset < 0 {
			return nil, bad("offset %q is not an offset (0 or more)", rec[2])
		}
		k := key{row.group, row.tp}
		if prev, dup := seen[k]; dup {
			return nil, bad("partition %d of topic %q appears again (first on line %d)", row.tp.Partition, row.tp.Topic, prev)
		}
		seen[k] = line
		if f.grouped && !slices.Contains(f.groups, row.group) {
			f.groups = append(f.groups, row.group)
		}
		f.rows = append(f.rows, row)
	}
	if len(f.rows) == 0 {
		return nil, fmt.Errorf("%s has no offsets: want lines of topic,partition,offset or group,topic,partition,offset; nothing was committed", path)
	}
	return f, nil
}

func isResetHeader(rec []string) bool {
	want := []string{"topic", "partition", "offset"}
	if len(rec) == 4 {
		want = append([]string{"group"}, want...)
	}
	for i, c := range rec {
		if !strings.EqualFold(strings.TrimSpace(c), want[i]) {
			return false
		}
	}
	return true
}

// offsets returns the file's offsets for each of groups, as
// kafadmin.FromOffsets takes them: a grouped file's own lines for each
// group, every line for each group otherwise.
func (f *resetFile) offsets(groups []string) map[string]map[kafadmin.TopicPartition]int64 {
	out := make(map[string]map[kafadmin.TopicPartition]int64, len(groups))
	for _, grp := range groups {
		byTP := make(map[kafadmin.TopicPartition]int64)
		for _, row := range f.rows {
			if row.group == "" || row.group == grp {
				byTP[row.tp] = row.offset
			}
		}
		out[grp] = byTP
	}
	return out
}

// line is the file's line for tp of group, 0 if none.
func (f *resetFile) line(group string, tp kafadmin.TopicPartition) int {
	for _, row := range f.rows {
		if (row.group == "" || row.group == group) && row.tp == tp {
			return row.line
		}
	}
	return 0
}

// resetRun is one run of groups reset-offsets.
type resetRun struct {
	g   *globals
	cl  *kafadmin.Client
	ctx context.Context
	req *resetRequest

	groups  []string               // the groups to reset, in order
	plan    kafadmin.ResetPlan     // every group's
	applied kafadmin.AppliedResets // with --execute, once committed
	err     error                  // the failed groups, as the library reported them
}

// call runs fn bounded by --timeout.
func (r *resetRun) call(fn func(context.Context) error) error {
	ctx, cancel := r.g.call(r.ctx)
	defer cancel()
	return fn(ctx)
}

func (r *resetRun) warnf(format string, args ...any) {
	fmt.Fprintf(r.g.stderr, "kafadmin: warning: "+format+"\n", args...)
}

// okGroups lists the groups whose plan succeeded, in order.
func (r *resetRun) okGroups() []string {
	var out []string
	for _, grp := range r.groups {
		if r.plan[grp].Err == nil {
			out = append(out, grp)
		}
	}
	return out
}

func (r *resetRun) run() error {
	if err := r.listGroups(); err != nil {
		return err
	}
	if err := r.makePlan(); err != nil {
		return err
	}
	r.warnEmpty()
	r.warnNoRecord()
	r.warnClamped()
	if len(r.okGroups()) > 0 {
		if err := r.export(); err != nil {
			return err
		}
		if err := r.commit(); err != nil {
			return err
		}
	}
	r.print()
	return r.result()
}

// listGroups settles the groups to reset: those named, those of the file,
// or every consumer group of the cluster.
func (r *resetRun) listGroups() error {
	switch {
	case len(r.req.groups) > 0:
		r.groups = r.req.groups
	case r.req.file != nil && r.req.file.grouped && !r.req.allGroups:
		r.groups = r.req.file.groups
	default:
		var listed []kafadmin.ListedGroup
		err := r.call(func(ctx context.Context) (err error) {
			listed, err = r.cl.ListGroups(ctx, kafadmin.GroupFilter{})
			return err
		})
		if err != nil {
			return fmt.Errorf("--all-groups: listing the groups: %w; nothing was committed", err)
		}
		for _, lg := range listed {
			if (lg.ProtocolType == "" || lg.ProtocolType == "consumer") && slices.Contains([]string{"", "classic", "consumer"}, lg.Type) && lg.Group != r.req.toGroup {
				r.groups = append(r.groups, lg.Group)
			}
		}
		if r.req.file != nil && r.req.file.grouped {
			r.groups = slices.DeleteFunc(r.groups, func(grp string) bool { return !slices.Contains(r.req.file.groups, grp) })
		}
		if len(r.groups) == 0 {
			return errors.New("--all-groups: the cluster has no consumer groups to reset")
		}
	}
	return nil
}

// spec is the reset the command line asks for.
func (r *resetRun) spec() kafadmin.ResetSpec {
	spec := kafadmin.ResetSpec{Target: r.req.target, AllCommitted: r.req.allTopics && r.req.file == nil}
	for _, t := range r.req.topics.topics {
		ps := r.req.topics.partitions[t]
		if ps == nil {
			spec.Topics = append(spec.Topics, t)
			continue
		}
		for _, p := range ps {
			spec.Partitions = append(spec.Partitions, kafadmin.TopicPartition{Topic: t, Partition: p})
		}
	}
	if r.req.file != nil {
		spec.Target = kafadmin.FromOffsets(r.req.file.offsets(r.groups))
	}
	return spec
}

// makePlan plans every group's reset. An error that concerns the whole
// command line ends the run, nothing committed; a group's own error fails
// only that group.
func (r *resetRun) makePlan() error {
	err := r.call(func(ctx context.Context) (err error) {
		r.plan, err = r.cl.PlanReset(ctx, r.spec(), r.groups...)
		return err
	})
	if r.plan == nil {
		return r.explain(err)
	}
	if err := r.checkFile(); err != nil {
		return err
	}
	r.err = err
	return nil
}

// explain says what was wrong with the command line, in its flags' terms.
func (r *resetRun) explain(err error) error {
	var (
		nce *kafadmin.NoCommitError
		upe *kafadmin.UnknownPartitionError
	)
	switch {
	case errors.As(err, &nce) && nce.Source && len(nce.Partitions) == 0:
		return fmt.Errorf("--to-group %q has no committed offsets to copy: check the group id; nothing was committed", nce.Group)
	case errors.As(err, &nce) && nce.Source:
		return fmt.Errorf("--to-group %q has no committed offset for %s: copy only the partitions it committed (kafadmin groups offsets %s lists them); nothing was committed", nce.Group, partitionList(nce.Partitions), nce.Group)
	case errors.As(err, &upe):
		return fmt.Errorf("--topic: %v; nothing was committed", upe)
	}
	return fmt.Errorf("%w; nothing was committed", err)
}

func partitionList(tps []kafadmin.TopicPartition) string {
	names := make([]string, len(tps))
	for i, tp := range tps {
		names[i] = tp.String()
	}
	return strings.Join(names, ", ")
}

// checkFile ends the run when a line of --from-file names a topic or
// partition that does not exist: the file is wrong, not the group.
func (r *resetRun) checkFile() error {
	if r.req.file == nil {
		return nil
	}
	for _, grp := range r.groups {
		var upe *kafadmin.UnknownPartitionError
		if errors.As(r.plan[grp].Err, &upe) {
			return fmt.Errorf("%s line %d: %v; nothing was committed", r.req.file.path, r.req.file.line(grp, upe.TopicPartition), upe)
		}
	}
	return nil
}

// warnEmpty warns of groups the selection leaves nothing to reset.
func (r *resetRun) warnEmpty() {
	for _, grp := range r.okGroups() {
		if len(r.plan[grp].Partitions) > 0 {
			continue
		}
		if r.req.file != nil {
			r.warnf("group %q: %s has no offsets for the selected topics: nothing to reset", grp, r.req.file.path)
		} else {
			r.warnf("group %q has no committed offsets: --all-topics selects nothing to reset", grp)
		}
	}
}

// warnNoRecord warns, once per partition, of partitions with no record as
// recent as --to-datetime or --by-duration.
func (r *resetRun) warnNoRecord() {
	var (
		at   time.Time
		tps  []kafadmin.TopicPartition
		ends = make(map[kafadmin.TopicPartition]int64)
	)
	for _, grp := range r.okGroups() {
		gr := r.plan[grp]
		for _, p := range gr.Partitions {
			if _, seen := ends[p.TopicPartition()]; p.NoRecordAtTime && !seen {
				at = gr.Time
				tps = append(tps, p.TopicPartition())
				ends[p.TopicPartition()] = p.LogEnd
			}
		}
	}
	kafadmin.SortTopicPartitions(tps)
	for _, tp := range tps {
		r.warnf("partition %d of topic %q has no record at or after %s: using its log end offset %d", tp.Partition, tp.Topic, at.Format(time.RFC3339Nano), ends[tp])
	}
}

// warnClamped warns of each new offset moved into the log.
func (r *resetRun) warnClamped() {
	for _, grp := range r.okGroups() {
		for _, p := range r.plan[grp].Partitions {
			switch {
			case !p.Clamped:
			case p.Asked < p.LogStart:
				r.warnf("group %q: partition %d of topic %q: offset %d is before the log start %d: using %d", grp, p.Partition, p.Topic, p.Asked, p.LogStart, p.Target)
			default:
				r.warnf("group %q: partition %d of topic %q: offset %d is after the log end %d: using %d", grp, p.Partition, p.Topic, p.Asked, p.LogEnd, p.Target)
			}
		}
	}
}

// export writes the plan as CSV; if that fails, nothing is committed.
func (r *resetRun) export() error {
	if r.req.export == "" {
		return nil
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	grouped := len(r.groups) > 1
	for _, grp := range r.okGroups() {
		for _, p := range r.plan[grp].Partitions {
			rec := []string{p.Topic, strconv.Itoa(int(p.Partition)), strconv.FormatInt(p.Target, 10)}
			if grouped {
				rec = append([]string{grp}, rec...)
			}
			w.Write(rec)
		}
	}
	w.Flush()
	if err := os.WriteFile(r.req.export, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--export: writing the plan: %w; nothing was committed", err)
	}
	return nil
}

// commit commits the plan, with --execute.
func (r *resetRun) commit() error {
	if !r.req.execute {
		if r.g.std.errTerminal {
			fmt.Fprintln(r.g.stderr, "kafadmin: dry run: nothing was committed; pass --execute to commit these offsets")
		}
		return nil
	}
	err := r.call(func(ctx context.Context) (err error) {
		r.applied, err = r.cl.ApplyReset(ctx, r.plan)
		return err
	})
	if r.applied == nil {
		return err
	}
	r.err = err
	return nil
}

// groupErr is why a group was not reset (or, in a dry run, planned).
func (r *resetRun) groupErr(grp string) error {
	if r.applied != nil {
		return r.applied[grp].Err
	}
	return r.plan[grp].Err
}

// rowsOf lists a group's partitions to print: its plan, or with --execute
// those committed.
func (r *resetRun) rowsOf(grp string) []kafadmin.PartitionReset {
	gr := r.plan[grp]
	if gr.Err != nil {
		return nil
	}
	a, applied := r.applied[grp]
	if !applied || a.Err == nil {
		return gr.Partitions
	}
	return slices.DeleteFunc(slices.Clone(gr.Partitions), func(p kafadmin.PartitionReset) bool {
		err, ok := a.Partitions[p.TopicPartition()]
		return !ok || err != nil
	})
}

// The JSON shape is an interface: scripts parse it. Add fields, never
// rename or remove one.

type jsonReset struct {
	DryRun bool             `json:"dry_run"`
	Groups []jsonResetGroup `json:"groups"`
}

type jsonResetGroup struct {
	Group      string               `json:"group"`
	Partitions []jsonResetPartition `json:"partitions"`
	Error      string               `json:"error,omitempty"`
}

type jsonResetPartition struct {
	Topic         string `json:"topic"`
	Partition     int32  `json:"partition"`
	CurrentOffset *int64 `json:"current_offset"`
	NewOffset     int64  `json:"new_offset"`
}

func (r *resetRun) print() {
	if r.g.output == "json" {
		out := jsonReset{DryRun: !r.req.execute, Groups: []jsonResetGroup{}}
		for _, grp := range r.groups {
			jg := jsonResetGroup{Group: grp, Partitions: []jsonResetPartition{}, Error: errString(r.groupErr(grp))}
			for _, p := range r.rowsOf(grp) {
				jg.Partitions = append(jg.Partitions, jsonResetPartition{p.Topic, p.Partition, known(p.Committed), p.Target})
			}
			out.Groups = append(out.Groups, jg)
		}
		writeJSON(r.g.stdout, out)
		return
	}
	t := r.g.rows("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET")
	for _, grp := range r.groups {
		for _, p := range r.rowsOf(grp) {
			t.add(grp, p.Topic, p.Partition, num(p.Committed), p.Target)
		}
	}
	t.flush()
}

// result is the run's error: the library's *kafadmin.CallError naming each
// failed group, so that each is printed on its own line and a run in which
// other groups succeeded exits 3.
func (r *resetRun) result() error {
	failed := 0
	for _, grp := range r.groups {
		if r.groupErr(grp) != nil {
			failed++
		}
	}
	return partial(r.err, len(r.groups)-failed)
}
