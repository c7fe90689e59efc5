package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kafadmin/kafadmin/bench/internal/harness"
)

// failoverClientNames are the failover table's columns, in order.
var failoverClientNames = []string{nameKafadmin, nameKadm, nameSarama, nameSarama144}

// lagTargetRatio is the largest kafadmin/kadm wall-time ratio the lag
// target allows.
const lagTargetRatio = 0.8

// report is everything a run measured.
type report struct {
	failover   []harness.Cell
	throughput []measurement
}

func (r *report) cell(scenario, client string) (harness.Cell, bool) {
	for _, c := range r.failover {
		if c.Scenario == scenario && c.Client == client {
			return c, true
		}
	}
	return harness.Cell{}, false
}

func (r *report) measurement(workload string, size int, client string) (measurement, bool) {
	for _, m := range r.throughput {
		if m.Workload == workload && m.Size == size && m.Client == client {
			return m, true
		}
	}
	return measurement{}, false
}

// failoverTable writes the failover table in Markdown.
func (r *report) failoverTable(w io.Writer) {
	fmt.Fprintln(w, "Each cell: calls failed / calls wrong (nil error, wrong result) of the calls made · recovery: from the fault until the first success after which the operation no longer failed, the longest over the operations · slowest call. `never`: an operation was still failing when the run ended.")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| scenario | outage | %s |\n", strings.Join(failoverClientNames, " | "))
	fmt.Fprintf(w, "|---|---|%s\n", strings.Repeat("---|", len(failoverClientNames)))
	totals := map[string][2]int{}
	for _, sc := range harness.Scenarios {
		if !slices.ContainsFunc(r.failover, func(c harness.Cell) bool { return c.Scenario == sc.Name }) {
			continue
		}
		outage := "-"
		var cols []string
		for _, client := range failoverClientNames {
			c, ok := r.cell(sc.Name, client)
			if !ok {
				cols = append(cols, "not run")
				continue
			}
			if c.OutageMs > 0 {
				outage = formatMs(c.OutageMs)
			}
			cols = append(cols, formatCell(c))
			if c.Err == "" {
				t := totals[client]
				totals[client] = [2]int{t[0] + c.Failed, t[1] + c.Wrong}
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", sc.Name, outage, strings.Join(cols, " | "))
	}
	var cols []string
	for _, client := range failoverClientNames {
		t, ok := totals[client]
		if !ok {
			cols = append(cols, "not run")
			continue
		}
		cols = append(cols, fmt.Sprintf("**%d / %d**", t[0], t[1]))
	}
	fmt.Fprintf(w, "| **total failed / wrong** | | %s |\n", strings.Join(cols, " | "))
}

func formatCell(c harness.Cell) string {
	if c.Err != "" {
		return "error: " + strings.ReplaceAll(c.Err, "|", "/")
	}
	recovery := "never"
	if c.RecoveryMs >= 0 {
		recovery = formatMs(c.RecoveryMs)
	}
	failed := fmt.Sprint(c.Failed)
	if c.Failed > 0 || c.Wrong > 0 {
		failed = "**" + failed
		return fmt.Sprintf("%s / %d** of %d · %s · %s", failed, c.Wrong, c.Calls, recovery, formatMs(c.SlowestMs))
	}
	return fmt.Sprintf("%s / %d of %d · %s · %s", failed, c.Wrong, c.Calls, recovery, formatMs(c.SlowestMs))
}

// firstErrors lists the first failure and wrong result of each cell.
func (r *report) firstErrors(w io.Writer) {
	for _, c := range r.failover {
		if c.FirstError == "" && c.FirstWrong == "" && c.Err == "" {
			continue
		}
		var parts []string
		if c.Err != "" {
			parts = append(parts, "could not run: "+c.Err)
		}
		if c.FirstError != "" {
			parts = append(parts, "first failure: `"+oneLine(c.FirstError)+"`")
		}
		if c.FirstWrong != "" {
			parts = append(parts, "first wrong result: `"+oneLine(c.FirstWrong)+"`")
		}
		fmt.Fprintf(w, "- %s, %s: %s\n", c.Client, c.Scenario, strings.Join(parts, "; "))
	}
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "`", "'")
}

// throughputTable writes the measurements of one workload in Markdown.
func (r *report) throughputTable(w io.Writer, workload string) {
	fmt.Fprintf(w, "| %s | client | wall (median) | ×kadm | requests | round trips | allocs | ×kadm | bytes | ×kadm |\n", workloadUnit[workload])
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, m := range r.throughput {
		if m.Workload != workload {
			continue
		}
		if m.Err != "" {
			fmt.Fprintf(w, "| %s | %s | error: %s | | | | | | | |\n", formatCount(uint64(m.Size)), m.Client, strings.ReplaceAll(m.Err, "|", "/"))
			continue
		}
		kadmM, _ := r.measurement(workload, m.Size, nameKadm)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |\n",
			formatCount(uint64(m.Size)), m.Client, formatMs(m.WallMs), ratio(m.WallMs, kadmM.WallMs),
			formatRequests(m.Requests), m.RoundTrips,
			formatCount(m.Allocs), ratio(float64(m.Allocs), float64(kadmM.Allocs)),
			formatBytes(m.Bytes), ratio(float64(m.Bytes), float64(kadmM.Bytes)))
	}
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func formatRequests(counts map[string]int) string {
	total := 0
	var parts []string
	for _, api := range slices.Sorted(maps.Keys(counts)) {
		total += counts[api]
		parts = append(parts, fmt.Sprintf("%s %d", api, counts[api]))
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

func formatMs(ms float64) string {
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms >= 10:
		return fmt.Sprintf("%.0f ms", ms)
	default:
		return fmt.Sprintf("%.1f ms", ms)
	}
}

func formatCount(n uint64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func formatBytes(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// targets writes which of kafadmin's targets the run met.
func (r *report) targets(w io.Writer) {
	var failedCells, slowCells []string
	ran := 0
	for _, c := range r.failover {
		if c.Client != nameKafadmin {
			continue
		}
		ran++
		if c.Err != "" || c.Failed > 0 || c.Wrong > 0 {
			failedCells = append(failedCells, fmt.Sprintf("%s (%d failed, %d wrong)", c.Scenario, c.Failed, c.Wrong))
		}
		if c.Err == "" && !c.MeetsTarget() && c.Failed == 0 && c.Wrong == 0 {
			slowCells = append(slowCells, fmt.Sprintf("%s (recovery %s, outage %s)", c.Scenario, formatRecovery(c.RecoveryMs), formatMs(c.OutageMs)))
		}
	}
	if ran > 0 {
		fmt.Fprintf(w, "- 0 failed and 0 wrong calls in every scenario: %s\n", metOrList(failedCells))
		fmt.Fprintf(w, "- recovery within the outage + %v of the fault: %s\n", harness.RecoveryAllowance, metOrList(slowCells))
	}
	r.constantRoundTrips(w, workloadLag, lagSizes)
	k, ok1 := r.measurement(workloadLag, 1000, nameKafadmin)
	a, ok2 := r.measurement(workloadLag, 1000, nameKadm)
	if ok1 && ok2 && k.Err == "" && a.Err == "" {
		wall := k.WallMs / a.WallMs
		fmt.Fprintf(w, "- lag of 1,000 groups in at most %.1f× kadm's wall time: %s (%.2f×: %s against %s)\n", lagTargetRatio, metOrMissed(wall <= lagTargetRatio), wall, formatMs(k.WallMs), formatMs(a.WallMs))
		allocs := float64(k.Allocs) / float64(a.Allocs)
		fmt.Fprintf(w, "- lag of 1,000 groups in at most kadm's allocations: %s (%.2f×: %s against %s; bytes %.2f×)\n", metOrMissed(allocs <= 1), allocs, formatCount(k.Allocs), formatCount(a.Allocs), float64(k.Bytes)/float64(a.Bytes))
	}
	r.constantRoundTrips(w, workloadDescribeTopics, topicSizes)
	r.constantRoundTrips(w, workloadDescribeConfigs, topicSizes)
	if m, ok := r.measurement(workloadCreateTopics, createTopicsCount, nameKafadmin); ok && m.Err == "" {
		n := m.Requests["CreateTopics"]
		fmt.Fprintf(w, "- %s topics created in 1 CreateTopics request: %s (%d)\n", formatCount(createTopicsCount), metOrMissed(n == 1), n)
	}
}

// constantRoundTrips writes whether kafadmin's round trips for workload
// stay the same over sizes.
func (r *report) constantRoundTrips(w io.Writer, workload string, sizes []int) {
	var rts []string
	grows := false
	first := -1
	for _, n := range sizes {
		m, ok := r.measurement(workload, n, nameKafadmin)
		if !ok || m.Err != "" {
			continue
		}
		rts = append(rts, fmt.Sprintf("%d at %s %s", m.RoundTrips, formatCount(uint64(n)), workloadUnit[workload]))
		if first < 0 {
			first = m.RoundTrips
		} else if m.RoundTrips > first {
			grows = true
		}
	}
	if len(rts) > 0 {
		fmt.Fprintf(w, "- %s round trips that do not grow with the %s: %s (%s)\n", workload, workloadUnit[workload], metOrMissed(!grows), strings.Join(rts, ", "))
	}
}

func formatRecovery(ms float64) string {
	if ms < 0 {
		return "never"
	}
	return formatMs(ms)
}

func metOrList(missed []string) string {
	if len(missed) == 0 {
		return "met"
	}
	return "missed: " + strings.Join(missed, "; ")
}

func metOrMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

// kafadminFailed sums kafadmin's failed calls over the scenarios.
func (r *report) kafadminFailed() int {
	n := 0
	for _, c := range r.failover {
		if c.Client == nameKafadmin {
			n += c.Failed
		}
	}
	return n
}

// kafadminNotRun counts kafadmin's failover cells and throughput
// measurements that could not be made (the cluster did not start, a fault
// could not be injected), which its failed calls do not count.
func (r *report) kafadminNotRun() int {
	n := 0
	for _, c := range r.failover {
		if c.Client == nameKafadmin && c.Err != "" {
			n++
		}
	}
	for _, m := range r.throughput {
		if m.Client == nameKafadmin && m.Err != "" {
			n++
		}
	}
	return n
}

// lagRatio is kafadmin's wall time over kadm's for the lag of 1,000 groups,
// or -1 if either was not measured.
func (r *report) lagRatio() float64 {
	k, ok1 := r.measurement(workloadLag, 1000, nameKafadmin)
	a, ok2 := r.measurement(workloadLag, 1000, nameKadm)
	if !ok1 || !ok2 || k.Err != "" || a.Err != "" || a.WallMs == 0 {
		return -1
	}
	return k.WallMs / a.WallMs
}
