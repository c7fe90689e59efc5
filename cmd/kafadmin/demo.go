package main

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin/internal/demo"
)

func newDemoCmd(g *globals) *cobra.Command {
	var cfg demo.Config
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch lag while brokers fail, on an embedded or a real Kafka cluster, and count failed calls",
		Long: `demo starts an embedded 3-broker Kafka cluster, creates topics with records
and two groups with committed offsets, and prints the groups' lag every
second with one long-lived client while it injects, announcing each: a reset
of the coordinator's connections, a coordinator move, a coordinator restart,
an error-code burst and a rolling restart of every broker. It ends with a
summary and exits non-zero if any call failed or returned a wrong lag.

With --kafka it runs on a real Apache Kafka cluster instead: 3 brokers in
KRaft mode, one JVM each, started from Kafka's jars (Java 17+ and Maven
needed; the first run downloads the jars). The faults are then a real
cluster's: a reset of the coordinator's connections, a coordinator moved by
handing over its partition's leadership, a SIGTERM (controlled shutdown) and
restart, a SIGKILL and restart, a 5-second SIGSTOP, and a rolling restart.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Out = g.stdout
			_, err := demo.Run(cmd.Context(), cfg)
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&cfg.Duration, "duration", 0, "how long to run, the faults spread over it (default 45s, 90s with --kafka)")
	cmd.Flags().BoolVar(&cfg.Kafka, "kafka", false, "run on a real Apache Kafka cluster (needs Java 17+ and Maven)")
	cmd.Flags().DurationVar(&cfg.Interval, "interval", time.Second, "time between lag calls")
	return cmd
}
