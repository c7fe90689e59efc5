package main

import "github.com/spf13/cobra"

func newGroupsResetOffsetsCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "reset-offsets", Hidden: true, RunE: func(*cobra.Command, []string) error { return usagef("not available") }}
}
