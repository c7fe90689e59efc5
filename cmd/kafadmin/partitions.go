package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func newPartitionsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "partitions",
		Short: "Partitions: leader elections, log dirs, reassignments",
	}
	cmd.AddCommand(newElectLeadersCmd(g), newLogDirsCmd(g), newReassignCmd(g))
	return parentOf(cmd)
}

// electFlags are elect-leaders' flags.
type electFlags struct {
	electionType string
	topic        string
	partitionArg []string
	partitions   []int32
	all          bool
	file         string
	yes          bool
}

func newElectLeadersCmd(g *globals) *cobra.Command {
	var f electFlags
	cmd := &cobra.Command{
		Use:   "elect-leaders --election-type preferred|unclean (--topic T [--partition P]...|--all-topic-partitions|--path-to-json-file F)",
		Short: "Elect partition leaders: preferred replicas, or unclean",
		Long: `Run leader elections, as kafka-leader-election.sh does, asking the controller.

--election-type preferred makes each partition's preferred replica (the first
of its replicas) its leader, if it is alive and in sync: run it after brokers
restarted, or after a reassignment reordered the replicas. A partition already
led by its preferred replica is reported "already the preferred leader".

--election-type unclean gives a partition without a leader one of its live
replicas even if it is not in sync, losing the records that replica lacks. It
asks to confirm on a terminal and needs --yes off one. A partition that has a
leader is reported "already has a leader".

The partitions: --topic T for every partition of T, with --partition P
(repeatable) for some of them; --all-topic-partitions for every partition of
the cluster; or --path-to-json-file F, a file as kafka-leader-election.sh
reads it:

  {"partitions": [{"topic": "orders", "partition": 0}, ...]}

Every partition is checked against the cluster first: one that does not exist
is an error and nothing is elected. A partition whose election fails is
reported on stderr; if others succeeded, the exit code is 3.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			how, fromFile, err := f.check()
			if err != nil {
				return err
			}
			if how == kafadmin.UncleanElection && !f.yes {
				if err := g.confirmChange("Run an unclean leader election? A partition may lose the records its new leader lacks.",
					f.describePartitions(fromFile), "nothing was elected"); err != nil {
					return err
				}
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				tps, err := f.resolve(ctx, cl, fromFile)
				if err != nil {
					return fmt.Errorf("elect leaders: %w; nothing was elected", err)
				}
				res, err := cl.ElectLeaders(ctx, how, tps...)
				if res == nil {
					return err
				}
				printElections(g, how, res)
				return partial(err, len(res)-len(res.Failed()))
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.electionType, "election-type", "", "preferred or unclean (required)")
	fl.StringVar(&f.topic, "topic", "", "the topic whose partitions to elect leaders for")
	fl.StringSliceVar(&f.partitionArg, "partition", nil, "a partition of --topic (repeatable, or comma-separated; default every partition)")
	fl.BoolVar(&f.all, "all-topic-partitions", false, "elect leaders for every partition of the cluster")
	fl.StringVar(&f.file, "path-to-json-file", "", `a JSON file of partitions: {"partitions":[{"topic":"t","partition":0}]}`)
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask to confirm an unclean election (needed off a terminal)")
	cmd.RegisterFlagCompletionFunc("election-type", cobra.FixedCompletions([]cobra.Completion{"preferred", "unclean"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("topic", g.completeTopics)
	return cmd
}

// check reads the flags, and the JSON file if one is named, before
// anything is sent.
func (f *electFlags) check() (kafadmin.ElectionType, []kafadmin.TopicPartition, error) {
	if f.electionType == "" {
		return 0, nil, usagef("--election-type: name the election to run, preferred or unclean")
	}
	how, err := kafadmin.ParseElectionType(f.electionType)
	if err != nil {
		return 0, nil, usagef("--election-type %q: want preferred or unclean", f.electionType)
	}
	if err := f.readPartitions(); err != nil {
		return 0, nil, err
	}
	const sources = "--topic, --all-topic-partitions or --path-to-json-file"
	switch n := countTrue(f.topic != "", f.all, f.file != ""); {
	case n == 0 && len(f.partitions) > 0:
		return 0, nil, usagef("--partition needs --topic: name the topic of the partitions")
	case n == 0:
		return 0, nil, usagef("name the partitions to elect leaders for: pass one of %s", sources)
	case n > 1:
		return 0, nil, usagef("pass only one of %s", sources)
	case len(f.partitions) > 0 && f.topic == "":
		return 0, nil, usagef("--partition needs --topic, not %s", map[bool]string{true: "--all-topic-partitions", false: "--path-to-json-file"}[f.all])
	}
	if f.topic != "" && strings.TrimSpace(f.topic) == "" {
		return 0, nil, usagef("--topic is empty: name a topic")
	}
	if f.file == "" {
		return how, nil, nil
	}
	tps, err := readElectionFile(f.file)
	return how, tps, err
}

// readPartitions reads --partition's numbers.
func (f *electFlags) readPartitions() error {
	f.partitions = nil
	for _, a := range f.partitionArg {
		p, err := strconv.ParseInt(strings.TrimSpace(a), 10, 32)
		switch {
		case err != nil:
			return usagef("--partition %q: not a partition number: want 0, 1, 2...", a)
		case p < 0:
			return usagef("--partition %d: partitions are numbered from 0", p)
		}
		f.partitions = append(f.partitions, int32(p))
	}
	return nil
}

// describePartitions names the partitions for a confirmation.
func (f *electFlags) describePartitions(fromFile []kafadmin.TopicPartition) []string {
	switch {
	case f.all:
		return []string{"every partition of the cluster"}
	case fromFile != nil:
		return tpStrings(fromFile)
	case len(f.partitions) == 0:
		return []string{"every partition of topic " + f.topic}
	}
	out := make([]string, len(f.partitions))
	for i, p := range f.partitions {
		out[i] = kafadmin.TopicPartition{Topic: f.topic, Partition: p}.String()
	}
	return out
}

// resolve lists the partitions to elect leaders for; none means every
// partition of the cluster.
func (f *electFlags) resolve(ctx context.Context, cl *kafadmin.Client, fromFile []kafadmin.TopicPartition) ([]kafadmin.TopicPartition, error) {
	switch {
	case f.all:
		return nil, nil
	case fromFile != nil:
		return fromFile, nil
	}
	sel := topicSelection{topics: []string{f.topic}, partitions: map[string][]int32{f.topic: nil}}
	if len(f.partitions) > 0 {
		ps := slices.Compact(slices.Sorted(slices.Values(f.partitions)))
		sel.partitions[f.topic] = ps
	}
	return sel.resolve(ctx, cl)
}

// electionFile is kafka-leader-election.sh's --path-to-json-file.
type electionFile struct {
	Partitions []filePartition `json:"partitions"`
}

type filePartition struct {
	Topic     string `json:"topic"`
	Partition *int32 `json:"partition"`
}

// readElectionFile reads and checks a file of partitions: each names its
// topic and partition, once.
func readElectionFile(path string) ([]kafadmin.TopicPartition, error) {
	const flag = "--path-to-json-file"
	var ef electionFile
	if err := readJSONFile(flag, path, &ef); err != nil {
		return nil, err
	}
	if len(ef.Partitions) == 0 {
		return nil, usagef(`%s %s: no partitions: want {"partitions":[{"topic":"t","partition":0},...]}`, flag, path)
	}
	out := make([]kafadmin.TopicPartition, 0, len(ef.Partitions))
	for i, fp := range ef.Partitions {
		tp, err := fp.check(i)
		if err != nil {
			return nil, usagef("%s %s: %v", flag, path, err)
		}
		if slices.Contains(out, tp) {
			return nil, usagef("%s %s: partitions[%d]: %s is listed twice", flag, path, i, tp)
		}
		out = append(out, tp)
	}
	return out, nil
}

// check reads the i-th partition of a file.
func (fp filePartition) check(i int) (kafadmin.TopicPartition, error) {
	switch {
	case strings.TrimSpace(fp.Topic) == "":
		return kafadmin.TopicPartition{}, fmt.Errorf(`partitions[%d]: "topic" is missing or empty`, i)
	case fp.Partition == nil:
		return kafadmin.TopicPartition{}, fmt.Errorf(`partitions[%d] (topic %q): "partition" is missing`, i, fp.Topic)
	case *fp.Partition < 0:
		return kafadmin.TopicPartition{}, fmt.Errorf("partitions[%d] (topic %q): partition %d is negative: partitions are numbered from 0", i, fp.Topic, *fp.Partition)
	}
	return kafadmin.TopicPartition{Topic: fp.Topic, Partition: *fp.Partition}, nil
}

// readJSONFile decodes the JSON file a flag names into v. Unknown fields
// are refused, so that a misspelled key is not silently ignored. Errors
// are usage errors naming the flag, the file and where it is wrong.
func readJSONFile(flag, path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return usagef("%s: %v", flag, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return usagef("%s %s: %s", flag, path, jsonProblem(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return usagef("%s %s: more follows the JSON object: want one object", flag, path)
	}
	return nil
}

// jsonProblem says what is wrong with a JSON file, and where.
func jsonProblem(data []byte, err error) string {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return "the file is empty: want a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early: an object or list is not closed"
	case errors.As(err, &se):
		return fmt.Sprintf("%s: not valid JSON: %v", position(data, se.Offset), se)
	case errors.As(err, &te) && te.Field == "":
		return fmt.Sprintf("want a JSON object, not %s", te.Value)
	case errors.As(err, &te):
		return fmt.Sprintf("%s: %q is %s, want %s", position(data, te.Offset), te.Field, te.Value, jsonKind(te.Type.String()))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// position is the line and column of the byte before offset: encoding/json
// reports an error's offset after the byte (or value) that is wrong.
func position(data []byte, offset int64) string {
	offset = min(max(offset-1, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// jsonKind names a Go type as the JSON a file must hold.
func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.Contains(goType, "int"):
		return "a number"
	case goType == "string":
		return "a string"
	}
	return "an object"
}

// requireConfirmable refuses, before anything is sent, a change that
// would need a confirmation nobody can give: off a terminal, without
// --yes.
func (g *globals) requireConfirmable(yes bool, nothing string) error {
	if !yes && !g.std.inTerminal {
		return usagef("not changing the cluster without confirmation: stdin is not a terminal, so pass --yes (%s)", nothing)
	}
	return nil
}

// confirmChange asks on the terminal before a change to the cluster; off
// a terminal it fails, asking for --yes. nothing says what was left
// undone, e.g. "nothing was reassigned".
func (g *globals) confirmChange(question string, items []string, nothing string) error {
	if err := g.requireConfirmable(false, nothing); err != nil {
		return err
	}
	const shown = 20
	lines := items
	if len(items) > shown {
		lines = append(slices.Clone(items[:shown]), fmt.Sprintf("and %d more", len(items)-shown))
	}
	fmt.Fprintf(g.stderr, "%s\n  %s\n[y/N] ", question, strings.Join(lines, "\n  "))
	answer, err := bufio.NewReader(g.std.in).ReadString('\n')
	if err != nil && answer == "" {
		return fmt.Errorf("no answer to the confirmation: %s", nothing)
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return fmt.Errorf("not confirmed: %s", nothing)
}

func tpStrings(tps []kafadmin.TopicPartition) []string {
	out := make([]string, len(tps))
	for i, tp := range tps {
		out[i] = tp.String()
	}
	return out
}

// parseBrokerList reads a comma-separated list of broker ids, as
// --broker-list takes it; duplicates are dropped and the ids sorted.
func parseBrokerList(flag, list string) ([]int32, error) {
	var out []int32
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		id, err := strconv.ParseInt(f, 10, 32)
		if err != nil || id < 0 {
			return nil, usagef("%s %q: %q is not a broker id: want ids of 0 or more separated by commas, e.g. 1,2,3", flag, list, f)
		}
		out = append(out, int32(id))
	}
	return slices.Compact(slices.Sorted(slices.Values(out))), nil
}

// replicaList writes broker ids as the Kafka tools do: 1,2,3.
func replicaList(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}

type jsonElection struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Elected   bool   `json:"elected"`
	NotNeeded bool   `json:"not_needed"`
	Error     string `json:"error,omitempty"`
}

func printElections(g *globals, how kafadmin.ElectionType, res kafadmin.Results[kafadmin.TopicPartition, kafadmin.ElectionResult]) {
	if g.output == "json" {
		out := struct {
			ElectionType string         `json:"election_type"`
			Partitions   []jsonElection `json:"partitions"`
		}{ElectionType: how.String(), Partitions: []jsonElection{}}
		for _, r := range res.Sorted() {
			out.Partitions = append(out.Partitions, jsonElection{r.Partition.Topic, r.Partition.Partition, r.Err == nil && !r.NotNeeded, r.NotNeeded, errString(r.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	rw := g.rows("TOPIC", "PARTITION", "RESULT")
	for _, r := range res.Sorted() {
		result := r.String()
		if r.Err != nil {
			result = "error: " + errString(r.Err)
		}
		rw.add(r.Partition.Topic, r.Partition.Partition, result)
	}
	rw.flush()
}
