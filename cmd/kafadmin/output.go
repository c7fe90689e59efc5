package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kafadmin/kafadmin"
)

// The JSON shapes below are an interface: scripts parse them. Add fields,
// never rename or remove one.

type jsonListedGroup struct {
	Group        string `json:"group"`
	State        string `json:"state"`
	Type         string `json:"type"`
	ProtocolType string `json:"protocol_type"`
	Coordinator  int32  `json:"coordinator"`
}

type jsonGroupOffsets struct {
	Group       string       `json:"group"`
	Coordinator int32        `json:"coordinator"`
	Offsets     []jsonOffset `json:"offsets"`
	Error       string       `json:"error,omitempty"`
}

type jsonOffset struct {
	Topic       string `json:"topic"`
	Partition   int32  `json:"partition"`
	Offset      int64  `json:"offset"`
	LeaderEpoch int32  `json:"leader_epoch"`
	Metadata    string `json:"metadata,omitempty"`
}

func known(v int64) *int64 {
	if v < 0 {
		return nil
	}
	return &v
}

func writeJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintf(w, "{\"error\":%q}\n", err.Error())
		return
	}
	w.Write(append(b, '\n'))
}

// rows writes a result as rows: aligned columns for --output table, RFC
// 4180 CSV with a header line for --output csv. A nil cell is unknown or
// not applicable: "-" in a table, empty in CSV.
type rows struct {
	out io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
	cw  *csv.Writer
}

func (g *globals) rows(header ...string) *rows {
	r := &rows{out: g.stdout}
	if g.output == "csv" {
		r.cw = csv.NewWriter(g.stdout)
	} else {
		r.tw = tabwriter.NewWriter(&r.buf, 0, 4, 2, ' ', 0)
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = h
	}
	r.add(cells...)
	return r
}

func (r *rows) add(cells ...any) {
	s := make([]string, len(cells))
	for i, c := range cells {
		switch {
		case c == nil && r.cw != nil:
		case c == nil:
			s[i] = "-"
		default:
			s[i] = fmt.Sprint(c)
		}
	}
	if r.cw != nil {
		r.cw.Write(s)
		return
	}
	fmt.Fprintln(r.tw, strings.Join(s, "\t"))
}

func (r *rows) flush() {
	if r.cw != nil {
		r.cw.Flush()
		return
	}
	r.tw.Flush()
	for line := range strings.Lines(r.buf.String()) {
		io.WriteString(r.out, strings.TrimRight(line, " \n")+"\n")
	}
	r.buf.Reset()
}

// orDash is s, or unknown when s is empty.
func orDash(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// num is v, or unknown when v is negative.
func num(v int64) any {
	if v < 0 {
		return nil
	}
	return v
}

func printListedGroups(g *globals, groups []kafadmin.ListedGroup) {
	if g.output == "json" {
		out := struct {
			Groups []jsonListedGroup `json:"groups"`
		}{Groups: []jsonListedGroup{}}
		for _, lg := range groups {
			out.Groups = append(out.Groups, jsonListedGroup{lg.Group, lg.State, lg.Type, lg.ProtocolType, lg.Coordinator})
		}
		writeJSON(g.stdout, out)
		return
	}
	tw := g.rows("GROUP", "STATE", "TYPE", "PROTOCOL-TYPE", "COORDINATOR")
	for _, lg := range groups {
		tw.add(lg.Group, orDash(lg.State), orDash(lg.Type), orDash(lg.ProtocolType), lg.Coordinator)
	}
	tw.flush()
}

func printOffsets(g *globals, asked []string, fetched map[string]kafadmin.GroupOffsets) {
	keys := sortedKeys(asked, fetched)
	if g.output == "json" {
		out := struct {
			Groups []jsonGroupOffsets `json:"groups"`
		}{}
		for _, k := range keys {
			o := fetched[k]
			jg := jsonGroupOffsets{Group: o.Group, Coordinator: o.Coordinator, Offsets: []jsonOffset{}, Error: errString(o.Err)}
			for _, tp := range o.Partitions() {
				co := o.Offsets[tp]
				jg.Offsets = append(jg.Offsets, jsonOffset{tp.Topic, tp.Partition, co.Offset, co.LeaderEpoch, co.Metadata})
			}
			out.Groups = append(out.Groups, jg)
		}
		writeJSON(g.stdout, out)
		return
	}
	tw := g.rows("GROUP", "TOPIC", "PARTITION", "OFFSET", "LEADER-EPOCH", "METADATA")
	for _, k := range keys {
		o := fetched[k]
		for _, tp := range o.Partitions() {
			co := o.Offsets[tp]
			tw.add(o.Group, tp.Topic, tp.Partition, co.Offset, num(int64(co.LeaderEpoch)), orDash(co.Metadata))
		}
	}
	tw.flush()
}
