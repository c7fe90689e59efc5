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
		Short: "Watch lag on an embedded cluster while brokers fail, and count failed calls",
		Long: `demo starts an embedded 3-broker Kafka cluster, creates topics with records
and two groups with committed offsets, and prints the groups' lag every
second with one long-lived client while it injects, announcing each: a reset
of the coordinator's connections, a coordinator move, a coordinator restart,
an error-code burst and a rolling restart of every broker. It ends with a
summary and exits non-zero if any call failed or returned a wrong lag.`,
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
	cmd.Flags().DurationVar(&cfg.Duration, "duration", 45*time.Second, "how long to run; the faults are spread over it")
	cmd.Flags().DurationVar(&cfg.Interval, "interval", time.Second, "time between lag calls")
	return cmd
}
