package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

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

type jsonDescribedGroup struct {
	Group        string       `json:"group"`
	State        string       `json:"state,omitempty"`
	Coordinator  int32        `json:"coordinator"`
	ProtocolType string       `json:"protocol_type,omitempty"`
	Protocol     string       `json:"protocol,omitempty"`
	Members      []jsonMember `json:"members"`
	Error        string       `json:"error,omitempty"`
}

type jsonMember struct {
	MemberID   string           `json:"member_id"`
	InstanceID string           `json:"instance_id,omitempty"`
	ClientID   string           `json:"client_id"`
	Host       string           `json:"host"`
	Topics     []string         `json:"topics,omitempty"`
	Assignment []jsonAssignment `json:"assignment"`
}

type jsonAssignment struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
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

type jsonLagReport struct {
	Time   string         `json:"time"`
	Groups []jsonGroupLag `json:"groups"`
}

type jsonGroupLag struct {
	Group       string             `json:"group"`
	State       string             `json:"state"`
	Coordinator int32              `json:"coordinator"`
	TotalLag    int64              `json:"total_lag"`
	TopicLag    map[string]int64   `json:"topic_lag"`
	Partitions  []jsonPartitionLag `json:"partitions"`
	Error       string             `json:"error,omitempty"`
}

// jsonPartitionLag uses null for what is unknown: committed and lag when
// the group has no commit, the log offsets when they could not be listed.
type jsonPartitionLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed *int64 `json:"committed"`
	LogStart  *int64 `json:"log_start"`
	LogEnd    *int64 `json:"log_end"`
	Lag       *int64 `json:"lag"`
	Error     string `json:"error,omitempty"`
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
	tw *tabwriter.Writer
	cw *csv.Writer
}

func (g *globals) rows(header ...string) *rows {
	r := &rows{}
	if g.output == "csv" {
		r.cw = csv.NewWriter(g.stdout)
	} else {
		r.tw = tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
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

func printDescribed(g *globals, asked []string, described map[string]kafadmin.GroupDescription) {
	keys := sortedKeys(asked, described)
	if g.output == "json" {
		out := struct {
			Groups []jsonDescribedGroup `json:"groups"`
		}{}
		for _, k := range keys {
			d := described[k]
			jg := jsonDescribedGroup{Group: d.Group, State: d.State, Coordinator: d.Coordinator, ProtocolType: d.ProtocolType, Protocol: d.Protocol, Members: []jsonMember{}, Error: errString(d.Err)}
			for _, m := range d.Members {
				jm := jsonMember{MemberID: m.MemberID, InstanceID: m.InstanceID, ClientID: m.ClientID, Host: m.ClientHost, Topics: m.Topics, Assignment: []jsonAssignment{}}
				topics := make([]string, 0, len(m.Assigned))
				for t := range m.Assigned {
					topics = append(topics, t)
				}
				sort.Strings(topics)
				for _, t := range topics {
					jm.Assignment = append(jm.Assignment, jsonAssignment{t, m.Assigned[t]})
				}
				jg.Members = append(jg.Members, jm)
			}
			out.Groups = append(out.Groups, jg)
		}
		writeJSON(g.stdout, out)
		return
	}
	tw := g.rows("GROUP", "STATE", "COORDINATOR", "PROTOCOL", "MEMBER-ID", "INSTANCE-ID", "CLIENT-ID", "HOST", "ASSIGNMENT")
	for _, k := range keys {
		d := described[k]
		if d.Err != nil {
			continue
		}
		if len(d.Members) == 0 {
			tw.add(d.Group, d.State, d.Coordinator, orDash(d.Protocol), "-", "-", "-", "-", "-")
		}
		for _, m := range d.Members {
			tw.add(d.Group, d.State, d.Coordinator, orDash(d.Protocol), m.MemberID, orDash(m.InstanceID), m.ClientID, m.ClientHost, orDash(formatAssignment(m.AssignedPartitions())))
		}
	}
	tw.flush()
}

// formatAssignment writes partitions as topic:0,1,2 groups.
func formatAssignment(tps []kafadmin.TopicPartition) string {
	var parts []string
	for i := 0; i < len(tps); {
		j := i
		var ps []string
		for ; j < len(tps) && tps[j].Topic == tps[i].Topic; j++ {
			ps = append(ps, strconv.Itoa(int(tps[j].Partition)))
		}
		parts = append(parts, tps[i].Topic+":"+strings.Join(ps, ","))
		i = j
	}
	return strings.Join(parts, " ")
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

func printLag(g *globals, at time.Time, lags map[string]kafadmin.GroupLag) {
	sorted := kafadmin.SortedLags(lags)
	if g.output == "json" {
		out := jsonLagReport{Time: at.UTC().Format(time.RFC3339Nano), Groups: []jsonGroupLag{}}
		for _, gl := range sorted {
			jg := jsonGroupLag{Group: gl.Group, State: gl.State, Coordinator: gl.Coordinator, TotalLag: gl.TotalLag, TopicLag: gl.TopicLag, Partitions: []jsonPartitionLag{}, Error: errString(gl.Err)}
			for _, p := range gl.Partitions {
				jg.Partitions = append(jg.Partitions, jsonPartitionLag{
					Topic: p.Topic, Partition: p.Partition,
					Committed: known(p.Committed), LogStart: known(p.LogStart), LogEnd: known(p.LogEnd), Lag: known(p.Lag),
					Error: errString(p.Err),
				})
			}
			out.Groups = append(out.Groups, jg)
		}
		writeJSON(g.stdout, out)
		return
	}
	tw := g.rows("GROUP", "TOPIC", "PARTITION", "COMMITTED", "LOG-START", "LOG-END", "LAG", "CLIENT-ID", "HOST")
	for _, gl := range sorted {
		if gl.Err != nil && len(gl.Partitions) == 0 {
			continue
		}
		for _, p := range gl.Partitions {
			tw.add(gl.Group, p.Topic, p.Partition, num(p.Committed), num(p.LogStart), num(p.LogEnd), num(p.Lag), orDash(p.ClientID), orDash(p.ClientHost))
		}
		tw.add(gl.Group, "TOTAL", "", "", "", "", gl.TotalLag, "", "")
	}
	tw.flush()
}
