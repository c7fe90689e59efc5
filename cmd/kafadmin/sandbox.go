package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin/internal/demo"
)

func newSandboxCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "sandbox",
		Short: "Run an embedded Kafka cluster with topics and groups, to try the commands on",
		Long: `sandbox starts the embedded 3-broker cluster the demo uses, on loopback
ports, with topics holding records and consumer groups whose committed
offsets lag behind them, a topic with configs of its own and a consumer
group with a live member, and runs until Ctrl-C (or SIGTERM). Its
data lives in memory and is gone when it stops.

It prints on stdout the line that points kafadmin at it,

  export KAFADMIN_BROKERS=127.0.0.1:PORT,127.0.0.1:PORT,127.0.0.1:PORT

and, as shell comments, what the cluster holds and commands to try: run the
export line in another shell, then any kafadmin command. The embedded
brokers speak the Kafka protocol but are not Apache Kafka: they have no
KRaft quorum to describe, and keep every replica in sync.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			fmt.Fprintln(g.stderr, "kafadmin: starting the sandbox: an embedded 3-broker cluster")
			sb, err := demo.StartSandbox(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil // interrupted while starting
				}
				return err
			}
			defer sb.Close()
			printSandbox(g, sb)
			<-ctx.Done()
			fmt.Fprintln(g.stderr, "kafadmin: stopping the sandbox")
			return nil
		},
	}
}

// sandboxExamples are commands to try on the sandbox's data.
var sandboxExamples = []string{
	"kafadmin topics list",
	"kafadmin topics describe orders",
	"kafadmin topics describe --topics-with-overrides",
	"kafadmin groups list",
	"kafadmin groups lag --all",
	"kafadmin groups describe inventory-app --members",
	"kafadmin configs describe --entity-type topics --entity-name inventory",
	"kafadmin cluster describe",
	"kafadmin topics create clicks --partitions 3 --replication-factor 2",
	"kafadmin groups reset-offsets orders-app --topic orders --to-earliest",
}

// printSandbox writes the export line first, then comments, so that the
// whole of stdout is shell a script may source.
func printSandbox(g *globals, sb *demo.Sandbox) {
	var b strings.Builder
	fmt.Fprintf(&b, "export KAFADMIN_BROKERS=%s\n", strings.Join(sb.Addrs(), ","))
	b.WriteString("# An embedded 3-broker Kafka cluster runs until Ctrl-C, in memory. Its topics:\n")
	for _, t := range sb.Topics {
		fmt.Fprintf(&b, "#   %s\n", t)
	}
	b.WriteString("# Its consumer groups:\n")
	for _, gr := range sb.Groups {
		fmt.Fprintf(&b, "#   %s\n", gr)
	}
	b.WriteString("# In another shell, run the export line above, then for instance:\n")
	for _, ex := range sandboxExamples {
		fmt.Fprintf(&b, "#   %s\n", ex)
	}
	fmt.Fprint(g.stdout, b.String())
}
