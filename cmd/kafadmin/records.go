package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func newTopicsDeleteRecordsCmd(g *globals) *cobra.Command {
	var (
		file   string
		topics []string
		yes    bool
	)
	cmd := &cobra.Command{
		Use:   "delete-records (--offset-json-file F | --topic T:P=OFFSET...) [--yes]",
		Short: "Delete partitions' records before an offset",
		Long: `Delete the records of partitions before an offset, as
kafka-delete-records.sh does: each partition's log start moves up to the
offset, and the records before it can no longer be read. An offset of -1
deletes every record (up to the log end). Deleting up to an offset already
passed changes nothing.

The partitions and offsets: --topic T:P=OFFSET (repeatable), e.g. --topic
orders:0=1500, or --offset-json-file F, a file as kafka-delete-records.sh
reads it:

  {"partitions": [{"topic": "orders", "partition": 0, "offset": 1500}, ...],
   "version": 1}

Every partition is checked against the cluster first: one that does not
exist is an error and nothing is deleted. On a terminal the command asks to
confirm, listing the partitions; off a terminal it needs --yes.

Output: TOPIC PARTITION OFFSET LOG-START RESULT, LOG-START being the
partition's log start afterwards. A partition that fails (an offset past its
log end) is reported on stderr; if others succeeded, the exit code is 3.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			before, order, err := readRecordOffsets(file, topics)
			if err != nil {
				return err
			}
			const nothing = "nothing was deleted"
			if err := g.requireConfirmable(yes, nothing); err != nil {
				return err
			}
			cl, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx, cancel := g.call(cmd.Context())
			err = checkPartitionsExist(ctx, cl, order)
			cancel()
			if err != nil {
				return fmt.Errorf("delete records: %w; %s", err, nothing)
			}
			if !yes {
				items := make([]string, len(order))
				for i, tp := range order {
					items[i] = fmt.Sprintf("%s: %s", tp, beforeWhat(before[tp]))
				}
				if err := g.confirmChange(fmt.Sprintf("Delete the records of %s? They cannot be read again.", plural(len(order), "partition")), items, nothing); err != nil {
					return err
				}
			}
			ctx, cancel = g.call(cmd.Context())
			defer cancel()
			deleted, err := cl.DeleteRecords(ctx, before)
			if deleted == nil {
				return err
			}
			printDeletedRecords(g, order, before, deleted)
			return partial(err, len(deleted)-len(deleted.Failed()))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&file, "offset-json-file", "", `a JSON file: {"partitions":[{"topic":"t","partition":0,"offset":5}],"version":1}`)
	fl.StringArrayVar(&topics, "topic", nil, "a partition and the offset to delete before: TOPIC:PARTITION=OFFSET, -1 for every record (repeatable)")
	fl.BoolVarP(&yes, "yes", "y", false, "do not ask to confirm (needed off a terminal)")
	cmd.RegisterFlagCompletionFunc("topic", g.completeTopics)
	return cmd
}

// beforeWhat says what deleting before offset deletes.
func beforeWhat(offset int64) string {
	if offset < 0 {
		return "every record"
	}
	return fmt.Sprintf("the records before offset %d", offset)
}

// recordsFile is kafka-delete-records.sh's --offset-json-file.
type recordsFile struct {
	Version    *int `json:"version"`
	Partitions []struct {
		Topic     string `json:"topic"`
		Partition *int32 `json:"partition"`
		Offset    *int64 `json:"offset"`
	} `json:"partitions"`
}

// readRecordOffsets reads the partitions and offsets of the JSON file and
// the --topic flags, each partition once, sorted: usage errors name the
// flag (and the file) and what is wrong.
func readRecordOffsets(path string, flags []string) (map[kafadmin.TopicPartition]int64, []kafadmin.TopicPartition, error) {
	if path == "" && len(flags) == 0 {
		return nil, nil, usagef("name the partitions and offsets: --topic TOPIC:PARTITION=OFFSET, or --offset-json-file FILE")
	}
	before := map[kafadmin.TopicPartition]int64{}
	var order []kafadmin.TopicPartition
	add := func(tp kafadmin.TopicPartition, offset int64, where string) error {
		if _, dup := before[tp]; dup {
			return usagef("%s: %s is given twice: give each partition once", where, tp)
		}
		before[tp] = offset
		order = append(order, tp)
		return nil
	}
	if path != "" {
		const flag = "--offset-json-file"
		var rf recordsFile
		if err := readJSONFile(flag, path, &rf); err != nil {
			return nil, nil, err
		}
		if err := checkVersion(rf.Version); err != nil {
			return nil, nil, usagef("%s %s: %v", flag, path, err)
		}
		if len(rf.Partitions) == 0 {
			return nil, nil, usagef(`%s %s: no partitions: want {"partitions":[{"topic":"t","partition":0,"offset":5},...],"version":1}`, flag, path)
		}
		for i, p := range rf.Partitions {
			tp, err := filePartition{p.Topic, p.Partition}.check(i)
			if err != nil {
				return nil, nil, usagef("%s %s: %v", flag, path, err)
			}
			switch err := kafadmin.CheckTopicName(tp.Topic); {
			case err != nil:
				return nil, nil, usagef("%s %s: partitions[%d]: %v", flag, path, i, err)
			case p.Offset == nil:
				return nil, nil, usagef(`%s %s: partitions[%d] (%s): "offset" is missing`, flag, path, i, tp)
			case *p.Offset < -1:
				return nil, nil, usagef("%s %s: partitions[%d] (%s): offset %d: want an offset of 0 or more, or -1 for every record", flag, path, i, tp, *p.Offset)
			}
			if err := add(tp, *p.Offset, fmt.Sprintf("%s %s: partitions[%d]", flag, path, i)); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, v := range flags {
		tp, offset, err := parsePartitionOffset(v)
		if err != nil {
			return nil, nil, err
		}
		if err := add(tp, offset, fmt.Sprintf("--topic %q", v)); err != nil {
			return nil, nil, err
		}
	}
	kafadmin.SortTopicPartitions(order)
	return before, order, nil
}

// parsePartitionOffset reads --topic TOPIC:PARTITION=OFFSET.
func parsePartitionOffset(v string) (kafadmin.TopicPartition, int64, error) {
	bad := func(why string) error {
		return usagef("--topic %q: %s: want TOPIC:PARTITION=OFFSET, e.g. orders:0=1500 (-1 for every record)", v, why)
	}
	where, off, ok := strings.Cut(v, "=")
	if !ok {
		return kafadmin.TopicPartition{}, 0, bad("no offset")
	}
	topic, part, ok := strings.Cut(where, ":")
	if !ok {
		return kafadmin.TopicPartition{}, 0, bad("no partition")
	}
	if err := kafadmin.CheckTopicName(topic); err != nil {
		return kafadmin.TopicPartition{}, 0, usagef("--topic %q: %v", v, err)
	}
	p, err := strconv.ParseInt(strings.TrimSpace(part), 10, 32)
	if err != nil || p < 0 {
		return kafadmin.TopicPartition{}, 0, bad(fmt.Sprintf("%q is not a partition number", part))
	}
	offset, err := strconv.ParseInt(strings.TrimSpace(off), 10, 64)
	if err != nil || offset < -1 {
		return kafadmin.TopicPartition{}, 0, bad(fmt.Sprintf("%q is not an offset of 0 or more, or -1", off))
	}
	return kafadmin.TopicPartition{Topic: topic, Partition: int32(p)}, offset, nil
}

// checkPartitionsExist checks partitions against fresh metadata: a topic
// or partition that does not exist is an error that names it.
func checkPartitionsExist(ctx context.Context, cl *kafadmin.Client, tps []kafadmin.TopicPartition) error {
	topics, err := listTopics(ctx, cl, false)
	if err != nil {
		return err
	}
	counts := make(map[string]int32, len(topics))
	for _, t := range topics {
		counts[t.Name] = int32(len(t.Partitions))
	}
	for _, tp := range tps {
		n, ok := counts[tp.Topic]
		switch {
		case !ok:
			return fmt.Errorf("topic %q does not exist: check the name (kafadmin topics list lists the topics)", tp.Topic)
		case tp.Partition >= n:
			return fmt.Errorf("topic %q has %d partitions (0 to %d): partition %d does not exist", tp.Topic, n, n-1, tp.Partition)
		}
	}
	return nil
}

type jsonDeletedRecords struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	LogStart  *int64 `json:"log_start"`
	Deleted   bool   `json:"deleted"`
	Error     string `json:"error,omitempty"`
}

func printDeletedRecords(g *globals, order []kafadmin.TopicPartition, before map[kafadmin.TopicPartition]int64, deleted kafadmin.Results[kafadmin.TopicPartition, kafadmin.DeletedRecords]) {
	if g.output == "json" {
		out := struct {
			Partitions []jsonDeletedRecords `json:"partitions"`
		}{Partitions: []jsonDeletedRecords{}}
		for _, tp := range order {
			d := deleted[tp]
			out.Partitions = append(out.Partitions, jsonDeletedRecords{tp.Topic, tp.Partition, before[tp], known(d.LogStart), d.Err == nil, errString(d.Err)})
		}
		writeJSON(g.stdout, out)
		return
	}
	r := g.rows("TOPIC", "PARTITION", "OFFSET", "LOG-START", "RESULT")
	for _, tp := range order {
		d := deleted[tp]
		r.add(tp.Topic, tp.Partition, before[tp], num(d.LogStart), result(d.Err, false, "deleted"))
	}
	r.flush()
}
