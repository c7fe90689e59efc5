package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func newLogDirsCmd(g *globals) *cobra.Command {
	var (
		brokerList string
		topics     []string
		replicas   bool
	)
	cmd := &cobra.Command{
		Use:   "log-dirs [--broker-list 1,2] [--topic-list T,U] [--replicas]",
		Short: "Describe brokers' log directories: space, errors, replicas",
		Long: `Describe the log directories of brokers, as kafka-log-dirs.sh --describe
does: each broker is asked for its own. A broker that is down is waited for
within --timeout while the cluster's metadata lists it; one it does not list
(Kafka drops a broker that was shut down) is an error.

--broker-list names the brokers (default every broker); --topic-list lists
only the replicas of those topics (every directory is still listed); a topic
that does not exist is an error.

The table has one row per directory: BROKER DIR REPLICAS SIZE USABLE TOTAL
ERROR, sizes in bytes (USABLE and TOTAL are "-" from brokers before Kafka
3.3; ERROR is set for a directory that is offline). --replicas prints one row
per replica instead: BROKER DIR TOPIC PARTITION SIZE OFFSET-LAG FUTURE (a
future replica is one being moved into the directory).

With --output json the output is kafka-log-dirs.sh's, with each directory's
totalBytes and usableBytes added:

  {"version":1,"brokers":[{"broker":1,"logDirs":[{"logDir":"/var/kafka",
   "error":null,"totalBytes":..,"usableBytes":..,"partitions":[{"partition":
   "orders-0","size":1024,"offsetLag":0,"isFuture":false}]}]}]}

A broker that cannot be described is reported on stderr (and in JSON with
an "error"); if others were described, the exit code is 3.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var brokers []int32
			if cmd.Flags().Changed("broker-list") {
				var err error
				if brokers, err = parseBrokerList("--broker-list", brokerList); err != nil {
					return err
				}
			}
			sel, err := topicList(topics)
			if err != nil {
				return err
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				var tps []kafadmin.TopicPartition
				if !sel.empty() {
					if tps, err = sel.resolve(ctx, cl); err != nil {
						return fmt.Errorf("describe log dirs: %w", err)
					}
				}
				described, err := cl.DescribeLogDirs(ctx, brokers, tps...)
				if described == nil {
					return err
				}
				printLogDirs(g, described, replicas)
				return partial(err, len(described)-len(described.Failed()))
			})
		},
	}
	cmd.Flags().StringVar(&brokerList, "broker-list", "", "brokers to describe, e.g. 1,2,3 (default every broker)")
	cmd.Flags().StringSliceVar(&topics, "topic-list", nil, "list only the replicas of these topics, e.g. orders,payments")
	cmd.Flags().BoolVar(&replicas, "replicas", false, "one row per replica instead of one per directory")
	cmd.RegisterFlagCompletionFunc("topic-list", g.completeTopics)
	return cmd
}

// topicList reads --topic-list: whole topics, none empty.
func topicList(topics []string) (topicSelection, error) {
	sel := topicSelection{partitions: make(map[string][]int32)}
	for _, t := range topics {
		t = strings.TrimSpace(t)
		if t == "" {
			return sel, usagef("--topic-list: a topic name is empty: want names separated by commas")
		}
		if _, ok := sel.partitions[t]; !ok {
			sel.topics = append(sel.topics, t)
			sel.partitions[t] = nil
		}
	}
	return sel, nil
}

// The JSON of kafka-log-dirs.sh, field for field, plus each directory's
// space.
type jsonLogDirs struct {
	Version int                 `json:"version"`
	Brokers []jsonBrokerLogDirs `json:"brokers"`
}

type jsonBrokerLogDirs struct {
	Broker  int32        `json:"broker"`
	LogDirs []jsonLogDir `json:"logDirs"`
	Error   string       `json:"error,omitempty"`
}

type jsonLogDir struct {
	LogDir      string              `json:"logDir"`
	Error       *string             `json:"error"`
	TotalBytes  *int64              `json:"totalBytes"`
	UsableBytes *int64              `json:"usableBytes"`
	Partitions  []jsonLogDirReplica `json:"partitions"`
}

type jsonLogDirReplica struct {
	Partition string `json:"partition"` // topic-partition, as kafka-log-dirs.sh writes it
	Size      int64  `json:"size"`
	OffsetLag int64  `json:"offsetLag"`
	IsFuture  bool   `json:"isFuture"`
}

func printLogDirs(g *globals, described kafadmin.Results[int32, kafadmin.BrokerLogDirs], replicas bool) {
	switch {
	case g.output == "json":
		printLogDirsJSON(g, described)
	case replicas:
		printLogDirReplicas(g, described)
	default:
		printLogDirSummary(g, described)
	}
}

func printLogDirsJSON(g *globals, described kafadmin.Results[int32, kafadmin.BrokerLogDirs]) {
	out := jsonLogDirs{Version: 1, Brokers: []jsonBrokerLogDirs{}}
	for _, b := range described.Sorted() {
		jb := jsonBrokerLogDirs{Broker: b.Broker, LogDirs: []jsonLogDir{}, Error: errString(b.Err)}
		for _, d := range b.Dirs {
			jd := jsonLogDir{LogDir: d.Path, TotalBytes: known(d.TotalBytes), UsableBytes: known(d.UsableBytes), Partitions: []jsonLogDirReplica{}}
			if d.Err != nil {
				msg := errString(d.Err)
				jd.Error = &msg
			}
			for _, r := range d.Replicas {
				jd.Partitions = append(jd.Partitions, jsonLogDirReplica{fmt.Sprintf("%s-%d", r.Partition.Topic, r.Partition.Partition), r.Size, r.OffsetLag, r.Future})
			}
			jb.LogDirs = append(jb.LogDirs, jd)
		}
		out.Brokers = append(out.Brokers, jb)
	}
	writeJSON(g.stdout, out)
}

func printLogDirSummary(g *globals, described kafadmin.Results[int32, kafadmin.BrokerLogDirs]) {
	rw := g.rows("BROKER", "DIR", "REPLICAS", "SIZE", "USABLE", "TOTAL", "ERROR")
	for _, b := range described.Sorted() {
		if b.Err != nil {
			rw.add(b.Broker, nil, nil, nil, nil, nil, errString(b.Err))
			continue
		}
		for _, d := range b.Dirs {
			var size int64
			for _, r := range d.Replicas {
				size += r.Size
			}
			var errCell any
			if d.Err != nil {
				errCell = errString(d.Err)
			}
			rw.add(b.Broker, d.Path, len(d.Replicas), size, num(d.UsableBytes), num(d.TotalBytes), errCell)
		}
	}
	rw.flush()
}

func printLogDirReplicas(g *globals, described kafadmin.Results[int32, kafadmin.BrokerLogDirs]) {
	rw := g.rows("BROKER", "DIR", "TOPIC", "PARTITION", "SIZE", "OFFSET-LAG", "FUTURE")
	for _, b := range described.Sorted() {
		for _, d := range b.Dirs {
			for _, r := range d.Replicas {
				rw.add(b.Broker, d.Path, r.Partition.Topic, r.Partition.Partition, r.Size, r.OffsetLag, r.Future)
			}
		}
	}
	rw.flush()
}
