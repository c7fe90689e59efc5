// Command sarama144 runs the failover scenarios of the bench module against
// Sarama v1.44.0, the version of the original bug report, and prints its
// results as JSON on stdout for the bench program. Its go.mod pins Sarama
// with a replace directive, since the bench module it imports requires the
// latest.
//
// With -serve it runs no scenario: it connects Sarama v1.44.0 to the
// brokers given and serves package remote's JSON-lines protocol on its
// standard input and output (each line a call for groups the bench program
// names), until its input closes. The real-Kafka table runs it so, one
// process per client, with the faults injected by the bench program.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/IBM/sarama"

	"github.com/kafadmin/kafadmin/bench/internal/harness"
	"github.com/kafadmin/kafadmin/bench/internal/remote"
	"github.com/kafadmin/kafadmin/bench/internal/saramaadmin"
)

// output is what the bench program reads.
type output struct {
	Version string         `json:"version"`
	Cells   []harness.Cell `json:"cells"`
}

func main() {
	opts := harness.DefaultOptions
	flag.DurationVar(&opts.Tail, "tail", opts.Tail, "how long the loops run after each fault ends")
	scenario := flag.String("scenario", "", "run only the scenarios whose name contains this")
	serve := flag.String("serve", "", "connect to these brokers (comma-separated) and serve calls as JSON lines instead of running the scenarios")
	flag.Parse()
	if *serve != "" {
		if err := serveCalls(strings.Split(*serve, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "sarama144:", err)
			os.Exit(1)
		}
		return
	}

	client := harness.Client{Name: "sarama v1.44.0", Connect: saramaadmin.Factory(saramaadmin.Config, blocks)}
	progress := func(c harness.Cell) {
		fmt.Fprintf(os.Stderr, "bench: failover: %s, %s: %d failed, %d wrong of %d calls\n", c.Scenario, c.Client, c.Failed, c.Wrong, c.Calls)
	}
	cells := harness.Run(context.Background(), harness.Select(*scenario), []harness.Client{client}, opts, progress)
	if err := json.NewEncoder(os.Stdout).Encode(output{Version: saramaVersion(), Cells: cells}); err != nil {
		fmt.Fprintln(os.Stderr, "sarama144:", err)
		os.Exit(1)
	}
}

// serveCalls connects to brokers and serves calls on stdin and stdout until
// stdin closes. A client that cannot connect is said in the hello line.
func serveCalls(brokers []string) error {
	admin, err := saramaadmin.New(brokers, saramaadmin.Config(), blocks)
	if err != nil {
		return json.NewEncoder(os.Stdout).Encode(remote.Hello{Error: err.Error()})
	}
	defer admin.Close()
	return remote.Serve(os.Stdin, os.Stdout, admin, saramaVersion())
}

// blocks reads an OffsetFetch response of Sarama v1.44.0, which keeps its
// offsets in Blocks whatever the version.
func blocks(resp *sarama.OffsetFetchResponse) (map[string]map[int32]*sarama.OffsetFetchResponseBlock, sarama.KError) {
	return resp.Blocks, resp.Err
}

// saramaVersion is the Sarama version this program was built with.
func saramaVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, m := range info.Deps {
		if m.Path == "github.com/IBM/sarama" {
			if m.Replace != nil {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return "unknown"
}
