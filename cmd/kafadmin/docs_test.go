package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

const cliDocsPath = "../../docs/cli.md"

// cliDocs renders every command's help as one Markdown page, with cobra's
// generator, independent of the environment it runs in.
func cliDocs(t *testing.T) []byte {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "KAFADMIN_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("HOME", "/home/user")
	t.Setenv("XDG_CONFIG_HOME", "")
	root := newRootCmd(stdio{in: eofReader{}, out: io.Discard, err: io.Discard})
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd()
	var b bytes.Buffer
	b.WriteString("# kafadmin command reference\n\n" +
		"Generated from the commands with cobra's doc generator; `go test ./cmd/kafadmin -run TestCLIDocs -update` rewrites it,\n" +
		"and the test fails while it differs from the commands.\n\n")
	link := func(file string) string {
		return "#" + strings.ReplaceAll(strings.TrimSuffix(file, filepath.Ext(file)), "_", "-")
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c != root && (!c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand()) {
			return
		}
		if err := doc.GenMarkdownCustom(c, &b, link); err != nil {
			t.Fatal(err)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return b.Bytes()
}

// TestCLIDocs keeps docs/cli.md equal to the commands' help.
func TestCLIDocs(t *testing.T) {
	got := cliDocs(t)
	if *update {
		if err := os.WriteFile(cliDocsPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(cliDocsPath)
	if err != nil {
		t.Fatalf("%v: run go test ./cmd/kafadmin -run TestCLIDocs -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/cli.md is out of date: run go test ./cmd/kafadmin -run TestCLIDocs -update")
	}
}
