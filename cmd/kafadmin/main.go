// Command kafadmin administers Apache Kafka consumer groups from the shell:
// it lists and describes groups, shows their offsets and lag (once, or as a
// watch that survives broker restarts), and runs a demo of its failover on
// an embedded cluster.
//
// Exit codes: 0 success, 1 error, 2 usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kafadmin/kafadmin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError is a command line that cannot be run as given.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// execute runs the command line args and returns the exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "kafadmin: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'kafadmin --help' for usage.")
		return exitUsage
	}
	return exitError
}

// globals are the flags every command takes.
type globals struct {
	brokers string
	timeout time.Duration
	output  string
	stdout  io.Writer
	stderr  io.Writer
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "kafadmin",
		Short: "Administer Kafka consumer groups, through broker restarts",
		Long: `kafadmin lists and describes Kafka consumer groups, shows their committed
offsets and lag, and keeps working while brokers restart and group
coordinators move: a fault costs latency, not an error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			switch g.output {
			case "table", "json":
			default:
				return usagef("--output %q: want table or json", g.output)
			}
			if g.timeout <= 0 {
				return usagef("--timeout %v: want a positive duration, e.g. 30s", g.timeout)
			}
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.brokers, "brokers", os.Getenv("KAFADMIN_BROKERS"), "bootstrap brokers, host:port[,host:port...] (env KAFADMIN_BROKERS)")
	pf.DurationVar(&g.timeout, "timeout", kafadmin.DefaultCallTimeout, "deadline of each call to the cluster; a broker that does not answer a request within a third of it (at most 10s) is given up for another")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")

	root.AddCommand(newGroupsCmd(g), newDemoCmd(g))
	return root
}

// client connects to the cluster named by --brokers.
func (g *globals) client(ctx context.Context) (*kafadmin.Client, error) {
	if strings.TrimSpace(g.brokers) == "" {
		return nil, usagef("no brokers: pass --brokers host:port or set KAFADMIN_BROKERS")
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	return kafadmin.NewClient(ctx, kafadmin.WithBrokers(g.brokers), kafadmin.WithCallTimeout(g.timeout),
		kafadmin.WithRequestTimeout(requestTimeout(g.timeout)))
}

// requestTimeout leaves a call time to give up on a broker that stopped
// answering and retry elsewhere: a third of the call's deadline, at most
// the library's 10s.
func requestTimeout(call time.Duration) time.Duration {
	return max(min(call/3, 10*time.Second), 100*time.Millisecond)
}

// withClient runs one call to the cluster, bounded by --timeout, with a
// client that lives for the command.
func (g *globals) withClient(cmd *cobra.Command, call func(context.Context, *kafadmin.Client) error) error {
	cl, err := g.client(cmd.Context())
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := g.call(cmd.Context())
	defer cancel()
	return call(ctx, cl)
}

// call bounds one call to the cluster by --timeout.
func (g *globals) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, g.timeout)
}

// minArgs makes a missing argument a usage error.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("name at least %d %s", n, what)
		}
		return nil
	}
}
