// Command kafadmin administers Apache Kafka from the shell: consumer groups
// (list, describe and delete them, show their offsets and lag, once or as a
// watch that survives broker restarts, reset their offsets), topics,
// configs, partitions and the cluster itself. It runs a demo of its
// failover on an embedded cluster, and a sandbox cluster to try it on.
//
// Exit codes: 0 success, 1 error, 2 usage error, 3 partial failure (some of
// the groups, topics, partitions or brokers failed; each failure is printed
// on stderr).
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
	"golang.org/x/term"

	"github.com/kafadmin/kafadmin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], stdio{
		in: os.Stdin, out: os.Stdout, err: os.Stderr,
		inTerminal:  term.IsTerminal(int(os.Stdin.Fd())),
		outTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		errTerminal: term.IsTerminal(int(os.Stderr.Fd())),
	})
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitUsage   = 2
	exitPartial = 3
)

// stdio is the command's standard streams and whether each is a terminal:
// confirmations are asked only on a terminal, progress is shown only on
// one.
type stdio struct {
	in                                   io.Reader
	out, err                             io.Writer
	inTerminal, outTerminal, errTerminal bool
}

// usageError is a command line that cannot be run as given.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// partialError is a run in which some groups (or partitions) succeeded and
// others failed: their results were printed, the failures are listed on
// stderr, and the exit code is 3.
type partialError struct{ err error }

func (e partialError) Error() string { return e.err.Error() }
func (e partialError) Unwrap() error { return e.err }

// partial makes err a partialError when it is a *kafadmin.CallError and
// some keys of the call succeeded.
func partial(err error, succeeded int) error {
	var ce *kafadmin.CallError
	if err != nil && succeeded > 0 && errors.As(err, &ce) {
		return partialError{err}
	}
	return err
}

// execute runs the command line args and returns the exit code.
func execute(ctx context.Context, args []string, std stdio) int {
	if std.in == nil {
		std.in = eofReader{}
	}
	root := newRootCmd(std)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var (
		ue usageError
		pe partialError
		ce *kafadmin.CallError
	)
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(std.err, "kafadmin: %v\n", err)
		fmt.Fprintln(std.err, "Run 'kafadmin --help' for usage.")
		return exitUsage
	case bareCallError(err, &ce) && len(ce.Errors) > 1:
		// One line per failure, so that a script can read them.
		for _, ke := range ce.Errors {
			fmt.Fprintf(std.err, "kafadmin: %v\n", ke)
		}
	default:
		fmt.Fprintf(std.err, "kafadmin: %v\n", err)
	}
	if errors.As(err, &pe) {
		return exitPartial
	}
	return exitError
}

// bareCallError finds a *kafadmin.CallError that is err itself, or the
// error of a partialError: one that no other error wraps with context.
func bareCallError(err error, ce **kafadmin.CallError) bool {
	var pe partialError
	if errors.As(err, &pe) {
		err = pe.err
	}
	c, ok := err.(*kafadmin.CallError)
	*ce = c
	return ok
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// globals are the flags every command takes, and the streams.
type globals struct {
	conn    connection
	timeout time.Duration
	output  string
	std     stdio
	stdout  io.Writer
	stderr  io.Writer
}

func newRootCmd(std stdio) *cobra.Command {
	g := &globals{std: std, stdout: std.out, stderr: std.err}
	root := &cobra.Command{
		Use:   "kafadmin",
		Short: "Administer Kafka groups, topics and clusters, through broker restarts",
		Long: `kafadmin lists, describes and deletes Kafka consumer groups, shows their
committed offsets and lag and resets them; it manages topics, configs,
partitions and the cluster's brokers and features; and it keeps working
while brokers restart and group coordinators move: a fault costs latency,
not an error. kafadmin sandbox runs a cluster to try it on.

Exit codes: 0 success, 1 error, 2 usage error, 3 partial failure (some of
the groups, topics, partitions or brokers failed; each failure is printed on
stderr).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			switch g.output {
			case "table", "json", "csv":
			default:
				return usagef("--output %q: want table, json or csv", g.output)
			}
			if g.timeout <= 0 {
				return usagef("--timeout %v: want a positive duration, e.g. 30s", g.timeout)
			}
			return nil
		},
	}
	root.SetOut(std.out)
	root.SetErr(std.err)
	root.SetIn(std.in)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	g.conn.addFlags(pf)
	pf.DurationVar(&g.timeout, "timeout", kafadmin.DefaultCallTimeout, "deadline of each call to the cluster; a broker that does not answer a request within a third of it (at most 10s) is given up for another")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table, json or csv")

	root.RegisterFlagCompletionFunc("cluster", g.completeClusters)
	root.RegisterFlagCompletionFunc("sasl-mechanism", cobra.FixedCompletions([]cobra.Completion{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}, cobra.ShellCompDirectiveNoFileComp))
	root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]cobra.Completion{"table", "json", "csv"}, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(newGroupsCmd(g), newTopicsCmd(g), newConfigsCmd(g), newPartitionsCmd(g), newClusterCmd(g), newDemoCmd(g), newSandboxCmd(g))
	return parentOf(root)
}

// client connects to the cluster the connection settings name.
func (g *globals) client(ctx context.Context) (*kafadmin.Client, error) {
	opts, err := g.conn.options(g.stderr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	opts = append(opts, kafadmin.WithCallTimeout(g.timeout), kafadmin.WithRequestTimeout(requestTimeout(g.timeout)))
	return kafadmin.NewClient(ctx, opts...)
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

// groupNames takes one or more group ids, none empty.
func groupNames(_ *cobra.Command, args []string) error {
	if len(args) == 0 {
		return usagef("name at least one group")
	}
	return checkGroupIDs(args)
}

// exactGroup takes exactly one group id.
func exactGroup(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usagef("name exactly one group (got %d arguments)", len(args))
	}
	return checkGroupIDs(args)
}

func checkGroupIDs(groups []string) error {
	for i, g := range groups {
		if strings.TrimSpace(g) == "" {
			return usagef("group argument %d is empty: group ids are not empty", i+1)
		}
	}
	return nil
}

// noArgs refuses arguments, as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%q takes no arguments (got %q)", cmd.CommandPath(), args[0])
	}
	return nil
}

// parentOf makes cmd a command that only holds subcommands: alone it shows
// its help; an argument that is no subcommand is a usage error, with the
// subcommands it may have meant.
func parentOf(cmd *cobra.Command) *cobra.Command {
	cmd.SuggestionsMinimumDistance = 2
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(": did you mean %s?", strings.Join(s, " or "))
		}
		return usageError{errors.New(msg)}
	}
	cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	return cmd
}
