package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/kafadmin/kafadmin"
)

// progressChunk is how many groups a run over many groups handles per call
// when it shows progress.
const progressChunk = 100

// inChunks runs call over keys. When stderr is a terminal and there are
// more than progressChunk keys, it runs them progressChunk at a time, each
// chunk under its own --timeout, and shows "what: done/total" on stderr
// (erased at the end); otherwise it makes one call, whose answer is faster
// than progress could show. The failures of every chunk are merged into
// one *kafadmin.CallError.
func inChunks[V any](ctx context.Context, g *globals, what string, keys []string, call func(context.Context, []string) (map[string]V, error)) (map[string]V, error) {
	if len(keys) == 0 {
		return map[string]V{}, nil
	}
	if !g.std.errTerminal || len(keys) <= progressChunk {
		ctx, cancel := g.call(ctx)
		defer cancel()
		return call(ctx, keys)
	}
	out := make(map[string]V, len(keys))
	merged := &kafadmin.CallError{Op: what, Keys: len(keys)}
	defer fmt.Fprint(g.stderr, "\r\033[K")
	for chunk := range slices.Chunk(keys, progressChunk) {
		fmt.Fprintf(g.stderr, "\r%s: %d/%d groups", what, len(out), len(keys))
		cctx, cancel := g.call(ctx)
		got, err := call(cctx, chunk)
		cancel()
		maps.Copy(out, got)
		var ce *kafadmin.CallError
		switch {
		case err == nil:
		case errors.As(err, &ce):
			merged.Errors = append(merged.Errors, ce.Errors...)
		default:
			if len(merged.Errors) > 0 {
				err = errors.Join(err, merged)
			}
			return out, err
		}
	}
	if len(merged.Errors) == 0 {
		return out, nil
	}
	slices.SortFunc(merged.Errors, func(a, b *kafadmin.KeyError) int { return a.Key.Compare(b.Key) })
	return out, merged
}

// consumerGroups lists the cluster's consumer groups, for --all.
func consumerGroups(ctx context.Context, g *globals, cl *kafadmin.Client) ([]string, error) {
	ctx, cancel := g.call(ctx)
	defer cancel()
	listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil {
		return nil, fmt.Errorf("listing the groups: %w", err)
	}
	var out []string
	for _, lg := range listed {
		if lg.ProtocolType == "consumer" || lg.ProtocolType == "" && lg.Type != "share" && lg.Type != "streams" {
			out = append(out, lg.Group)
		}
	}
	return out, nil
}

// groupArgs checks GROUP... against --all: exactly one of the two.
func groupArgs(groups []string, all bool, allFlag string) error {
	switch {
	case all && len(groups) > 0:
		return usagef("give groups or %s, not both", allFlag)
	case !all && len(groups) == 0:
		return usagef("name at least one group, or pass %s", allFlag)
	}
	return checkGroupIDs(groups)
}
