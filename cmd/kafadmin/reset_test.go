package main

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/kafkatest"
)

// resetSeed commits offsets (topic → partition → offset) for a group.
func resetSeed(t *testing.T, kc *kafkatest.Cluster, group string, offsets map[string]map[int32]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := kc.CommitOffsets(ctx, group, offsets); err != nil {
		t.Fatal(err)
	}
}

// resetFileAt writes content to a file in dir and returns its path.
func resetFileAt(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// resetJSON is the JSON of groups reset-offsets.
type resetJSON struct {
	DryRun *bool `json:"dry_run"`
	Groups []struct {
		Group      string `json:"group"`
		Error      string `json:"error"`
		Partitions []struct {
			Topic         string `json:"topic"`
			Partition     int32  `json:"partition"`
			CurrentOffset *int64 `json:"current_offset"`
			NewOffset     int64  `json:"new_offset"`
		} `json:"partitions"`
	} `json:"groups"`
}

func parseResetJSON(t *testing.T, out string) resetJSON {
	t.Helper()
	var r resetJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.DryRun == nil {
		t.Fatalf("not the reset JSON (%v): %s", err, out)
	}
	return r
}

// TestResetOffsetsModes resets a group with each mode, with --execute, and
// reads the committed offsets back. Topic orders has 3 partitions of 10
// records; group g is committed at 4 on each.
func TestResetOffsetsModes(t *testing.T) {
	kc := cluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	dir := t.TempDir()
	at5 := map[string]map[int32]int64{"orders": {0: 5, 1: 5, 2: 5}}
	for _, tc := range []struct {
		name string
		seed map[string]map[int32]int64 // nil: the group has no commits
		args []string
		want map[string]int64
	}{
		{"to-earliest", at5, []string{"--topic", "orders", "--to-earliest"}, map[string]int64{"orders/0": 0, "orders/1": 0, "orders/2": 0}},
		{"to-latest on some partitions", at5, []string{"--topic", "orders:0,2", "--to-latest"}, map[string]int64{"orders/0": 10, "orders/1": 5, "orders/2": 10}},
		{"to-current, log end without a commit", map[string]map[int32]int64{"orders": {0: 3}}, []string{"--topic", "orders", "--to-current"}, map[string]int64{"orders/0": 3, "orders/1": 10, "orders/2": 10}},
		{"to-offset", at5, []string{"--topic", "orders", "--to-offset", "7"}, map[string]int64{"orders/0": 7, "orders/1": 7, "orders/2": 7}},
		{"to-offset of a new group", nil, []string{"--topic", "orders:1", "--to-offset", "2"}, map[string]int64{"orders/1": 2}},
		{"shift-by back", at5, []string{"--all-topics", "--shift-by", "-2"}, map[string]int64{"orders/0": 3, "orders/1": 3, "orders/2": 3}},
		{"shift-by forward, committed partitions only", map[string]map[int32]int64{"orders": {0: 1, 1: 2}}, []string{"--all-topics", "--shift-by", "+3"}, map[string]int64{"orders/0": 4, "orders/1": 5}},
		{"to-group", nil, []string{"--topic", "orders:0,1", "--to-group", "g"}, map[string]int64{"orders/0": 4, "orders/1": 4}},
		{"to-group all topics", at5, []string{"--all-topics", "--to-group", "g"}, map[string]int64{"orders/0": 4, "orders/1": 4, "orders/2": 4}},
		{"from-file", at5, []string{"--from-file", resetFileAt(t, dir, "plan.csv", "orders,0,1\n\norders,2,8\n")}, map[string]int64{"orders/0": 1, "orders/1": 5, "orders/2": 8}},
		{"from-file with a header, some topics", at5, []string{"--topic", "orders:2", "--from-file", resetFileAt(t, dir, "header.csv", "topic,partition,offset\norders,0,1\norders,2,6\n")}, map[string]int64{"orders/0": 5, "orders/1": 5, "orders/2": 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			group := "m-" + strings.NewReplacer(" ", "-", ",", "").Replace(tc.name)
			if tc.seed != nil {
				resetSeed(t, kc, group, tc.seed)
			}
			args := append([]string{"groups", "reset-offsets", group, "--execute"}, tc.args...)
			out, errOut, code := runBin(t, env, "", args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q, stdout %q", args, code, errOut, out)
			}
			if got := committed(t, cl, group); !maps.Equal(got, tc.want) {
				t.Fatalf("%v: committed %v, want %v\n%s", args, got, tc.want, out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if !strings.HasPrefix(lines[0], "GROUP") || !strings.Contains(lines[0], "CURRENT-OFFSET") || !strings.Contains(lines[0], "NEW-OFFSET") {
				t.Fatalf("table:\n%s", out)
			}
		})
	}

	// --execute with -o json says it was not a dry run.
	out, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "g", "--topic", "orders:1", "--to-offset", "6", "--execute", "-o", "json")
	r := parseResetJSON(t, out)
	if code != 0 || errOut != "" || *r.DryRun || len(r.Groups) != 1 || len(r.Groups[0].Partitions) != 1 ||
		*r.Groups[0].Partitions[0].CurrentOffset != 4 || r.Groups[0].Partitions[0].NewOffset != 6 {
		t.Fatalf("exit %d, stderr %q, json %s", code, errOut, out)
	}
	if got := committed(t, cl, "g"); got["orders/1"] != 6 || got["orders/0"] != 4 {
		t.Fatalf("g committed %v after resetting orders/1 to 6", got)
	}
}

// TestResetOffsetsDryRun checks that without --execute, and with
// --dry-run, nothing is committed, and that the plan is printed.
func TestResetOffsetsDryRun(t *testing.T) {
	kc := cluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, args := range [][]string{
		{"groups", "reset-offsets", "g", "--topic", "orders", "--to-earliest"},
		{"groups", "reset-offsets", "g", "--topic", "orders", "--to-earliest", "--dry-run"},
		{"groups", "reset-offsets", "g", "--all-topics", "--shift-by", "3", "-o", "json"},
		{"groups", "reset-offsets", "g", "fresh", "--topic", "orders", "--to-latest", "-o", "json"},
		{"groups", "reset-offsets", "fresh", "--topic", "orders:0", "--to-offset", "1", "--dry-run", "-o", "csv"},
	} {
		out, errOut, code := runBin(t, env, "", args...)
		if code != 0 || errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		if slices.Contains(args, "json") {
			if r := parseResetJSON(t, out); !*r.DryRun {
				t.Fatalf("%v: dry_run false: %s", args, out)
			}
		}
		if got := committed(t, cl, "g"); !maps.Equal(got, map[string]int64{"orders/0": 4, "orders/1": 4, "orders/2": 4}) {
			t.Fatalf("%v: a dry run changed g's offsets to %v", args, got)
		}
		if groupExists(t, cl, "fresh") {
			t.Fatalf("%v: a dry run created group fresh", args)
		}
	}
	out, _, _ := runBin(t, env, "", "groups", "reset-offsets", "g", "--all-topics", "--shift-by", "3", "-o", "json")
	r := parseResetJSON(t, out)
	if len(r.Groups) != 1 || len(r.Groups[0].Partitions) != 3 || r.Groups[0].Partitions[2].NewOffset != 7 || *r.Groups[0].Partitions[2].CurrentOffset != 4 {
		t.Fatalf("plan: %s", out)
	}
}

// TestResetOffsetsGolden compares the plan's table, CSV and JSON, and the
// JSON of --execute, with testdata. Group fresh has no commits, so its
// current offsets are unknown.
func TestResetOffsetsGolden(t *testing.T) {
	kc := goldenCluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	plan := []string{"groups", "reset-offsets", "g", "fresh", "--topic", "orders", "--topic", "payments:1", "--to-offset", "6"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"reset-dry-run", plan},
		{"reset-dry-run-csv", append(slices.Clone(plan), "-o", "csv")},
		{"reset-dry-run-json", append(slices.Clone(plan), "-o", "json")},
		{"reset-execute-json", []string{"groups", "reset-offsets", "fresh", "--topic", "payments", "--to-earliest", "--execute", "-o", "json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBin(t, env, "", tc.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
			}
			golden(t, tc.name, normalize(out))
		})
	}
}

// TestResetOffsetsExportFromFile exports plans, checks the files, and
// resets from them: the result is the plan, exactly.
func TestResetOffsetsExportFromFile(t *testing.T) {
	kc := cluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	dir := t.TempDir()

	// One group: topic,partition,offset.
	one := filepath.Join(dir, "one.csv")
	planned, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "g", "--topic", "orders", "--shift-by", "-1", "--export", one)
	if code != 0 || errOut != "" {
		t.Fatalf("export: exit %d, stderr %q", code, errOut)
	}
	if b, err := os.ReadFile(one); err != nil || string(b) != "orders,0,3\norders,1,3\norders,2,3\n" {
		t.Fatalf("exported %q (%v)", b, err)
	}
	if got := committed(t, cl, "g"); got["orders/0"] != 4 {
		t.Fatalf("a dry run with --export committed %v", got)
	}
	done, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "g", "--from-file", one, "--execute")
	if code != 0 || errOut != "" || done != planned {
		t.Fatalf("from-file: exit %d, stderr %q\n%s\nplanned\n%s", code, errOut, done, planned)
	}
	if got := committed(t, cl, "g"); !maps.Equal(got, map[string]int64{"orders/0": 3, "orders/1": 3, "orders/2": 3}) {
		t.Fatalf("after --from-file: %v", got)
	}

	// Several groups: group,topic,partition,offset; --from-file takes the
	// groups from the file.
	resetSeed(t, kc, "h", map[string]map[int32]int64{"orders": {0: 1}})
	several := filepath.Join(dir, "several.csv")
	if _, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "g", "h", "--all-topics", "--to-latest", "--export", several); code != 0 || errOut != "" {
		t.Fatalf("export: exit %d, stderr %q", code, errOut)
	}
	if b, err := os.ReadFile(several); err != nil || string(b) != "g,orders,0,10\ng,orders,1,10\ng,orders,2,10\nh,orders,0,10\n" {
		t.Fatalf("exported %q (%v)", b, err)
	}
	out, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "--from-file", several, "--execute", "-o", "json")
	if r := parseResetJSON(t, out); code != 0 || errOut != "" || len(r.Groups) != 2 || r.Groups[0].Group != "g" || r.Groups[1].Group != "h" {
		t.Fatalf("from-file: exit %d, stderr %q, %s", code, errOut, out)
	}
	if got := committed(t, cl, "g"); !maps.Equal(got, map[string]int64{"orders/0": 10, "orders/1": 10, "orders/2": 10}) {
		t.Fatalf("g after --from-file: %v", got)
	}
	if got := committed(t, cl, "h"); !maps.Equal(got, map[string]int64{"orders/0": 10}) {
		t.Fatalf("h after --from-file: %v", got)
	}

	// A group named with a grouped file takes only its own lines.
	resetSeed(t, kc, "h", map[string]map[int32]int64{"orders": {0: 2}})
	if _, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "h", "--from-file", several, "--execute"); code != 0 || errOut != "" {
		t.Fatalf("from-file for h: exit %d, stderr %q", code, errOut)
	}
	if got := committed(t, cl, "h"); !maps.Equal(got, map[string]int64{"orders/0": 10}) {
		t.Fatalf("h after --from-file: %v", got)
	}
}

// produceAt writes n records with timestamp ts to each partition of topic.
func produceAt(t *testing.T, kc *kafkatest.Cluster, topic string, partitions int32, n int, ts time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Addrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var records []*kgo.Record
	for p := range partitions {
		for range n {
			records = append(records, &kgo.Record{Topic: topic, Partition: p, Timestamp: ts, Value: []byte("v")})
		}
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// TestResetOffsetsByTime resets to times between two batches of records,
// the first stamped 3 hours ago (offsets 0 to 4), the second an hour ago
// (offsets 5 to 9).
func TestResetOffsetsByTime(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("events", 2))
	cl := adminClient(t, kc)
	now := time.Now()
	produceAt(t, kc, "events", 2, 5, now.Add(-3*time.Hour))
	produceAt(t, kc, "events", 2, 5, now.Add(-time.Hour))
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	// The binary runs in Kolkata's time (+05:30), so that local time is not
	// UTC: a zone-less time read as UTC would land after every record.
	inKolkata := append(slices.Clone(env), "TZ=Asia/Kolkata")
	twoHoursAgo := now.Add(-2 * time.Hour)
	for _, tc := range []struct {
		env      []string
		mode     []string
		want     int64
		warnings int
	}{
		{env, []string{"--to-datetime", twoHoursAgo.UTC().Format(time.RFC3339)}, 5, 0},
		{env, []string{"--to-datetime", twoHoursAgo.In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano)}, 5, 0},
		{inKolkata, []string{"--to-datetime", twoHoursAgo.In(kolkata).Format("2006-01-02T15:04:05.000")}, 5, 0},
		{inKolkata, []string{"--to-datetime", twoHoursAgo.In(kolkata).Format("2006-01-02T15:04:05")}, 5, 0},
		{env, []string{"--to-datetime", twoHoursAgo.In(kolkata).Format("2006-01-02T15:04:05.000-0700")}, 5, 0},
		{env, []string{"--to-datetime", now.Add(-4 * time.Hour).In(time.FixedZone("", -5*3600)).Format("2006-01-02T15:04:05.000-07")}, 0, 0},
		{env, []string{"--to-datetime", now.Add(time.Hour).UTC().Format(time.RFC3339)}, 10, 2},
		{env, []string{"--by-duration", "PT2H"}, 5, 0},
		{env, []string{"--by-duration", "90m"}, 5, 0},
		{env, []string{"--by-duration", "P1D"}, 0, 0},
		{env, []string{"--by-duration", "P0DT3H59M30.5S"}, 0, 0},
		{env, []string{"--by-duration", "PT30M"}, 10, 2},
	} {
		resetSeed(t, kc, "t", map[string]map[int32]int64{"events": {0: 3, 1: 3}})
		args := append([]string{"groups", "reset-offsets", "t", "--topic", "events", "--execute"}, tc.mode...)
		out, errOut, code := runBin(t, tc.env, "", args...)
		if code != 0 || strings.Count(errOut, "using its log end offset 10") != tc.warnings || tc.warnings == 0 && errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q, stdout %q", tc.mode, code, errOut, out)
		}
		if got := committed(t, cl, "t"); got["events/0"] != tc.want || got["events/1"] != tc.want {
			t.Fatalf("%v: committed %v, want %d on each partition\n%s", tc.mode, got, tc.want, out)
		}
	}
}

// deleteRecords moves a partition's log start to offset.
func deleteRecords(t *testing.T, kc *kafkatest.Cluster, topic string, partition int32, offset int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = partition, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10000
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				t.Fatalf("deleting records of %s/%d: %v", topic, partition, err)
			}
		}
	}
}

// TestResetOffsetsClamp asks for offsets outside the log: each is clamped
// to the log start or end, with a warning naming both offsets.
func TestResetOffsetsClamp(t *testing.T) {
	kc := cluster(t)
	cl := adminClient(t, kc)
	deleteRecords(t, kc, "orders", 1, 3)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, tc := range []struct {
		args     []string
		want     map[string]int64
		warnings []string
	}{
		{[]string{"--topic", "orders", "--to-offset", "100"}, map[string]int64{"orders/0": 10, "orders/1": 10, "orders/2": 10}, []string{
			`group "c": partition 0 of topic "orders": offset 100 is after the log end 10: using 10`,
			`group "c": partition 1 of topic "orders": offset 100 is after the log end 10: using 10`,
			`group "c": partition 2 of topic "orders": offset 100 is after the log end 10: using 10`,
		}},
		{[]string{"--topic", "orders:1", "--to-offset", "1"}, map[string]int64{"orders/0": 4, "orders/1": 3, "orders/2": 4}, []string{
			`group "c": partition 1 of topic "orders": offset 1 is before the log start 3: using 3`,
		}},
		{[]string{"--all-topics", "--shift-by", "-50"}, map[string]int64{"orders/0": 0, "orders/1": 3, "orders/2": 0}, []string{
			`group "c": partition 0 of topic "orders": offset -46 is before the log start 0: using 0`,
			`group "c": partition 1 of topic "orders": offset -46 is before the log start 3: using 3`,
			`group "c": partition 2 of topic "orders": offset -46 is before the log start 0: using 0`,
		}},
		{[]string{"--topic", "orders:1", "--to-earliest"}, map[string]int64{"orders/0": 4, "orders/1": 3, "orders/2": 4}, nil},
		{[]string{"--topic", "orders", "--from-file", resetFileAt(t, t.TempDir(), "far.csv", "orders,0,11\norders,1,0\n")}, map[string]int64{"orders/0": 10, "orders/1": 3, "orders/2": 4}, []string{
			`group "c": partition 0 of topic "orders": offset 11 is after the log end 10: using 10`,
			`group "c": partition 1 of topic "orders": offset 0 is before the log start 3: using 3`,
		}},
	} {
		resetSeed(t, kc, "c", map[string]map[int32]int64{"orders": {0: 4, 1: 4, 2: 4}})
		args := append([]string{"groups", "reset-offsets", "c", "--execute"}, tc.args...)
		_, errOut, code := runBin(t, env, "", args...)
		var warnings []string
		for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
			if l != "" {
				warnings = append(warnings, strings.TrimPrefix(l, "kafadmin: warning: "))
			}
		}
		if code != 0 || !slices.Equal(warnings, tc.warnings) {
			t.Fatalf("%v: exit %d, warnings\n%s\nwant\n%s", tc.args, code, strings.Join(warnings, "\n"), strings.Join(tc.warnings, "\n"))
		}
		if got := committed(t, cl, "c"); !maps.Equal(got, tc.want) {
			t.Fatalf("%v: committed %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestResetOffsetsGroupNotEmpty resets three groups, one with a member:
// that one is refused, naming the member, and the other two are reset;
// exit 3. Alone, the group with members fails with exit 1.
func TestResetOffsetsGroupNotEmpty(t *testing.T) {
	kc := cluster(t)
	cl := adminClient(t, kc)
	resetSeed(t, kc, "h", map[string]map[int32]int64{"orders": {2: 7}})
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	out, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "g", "live", "h", "--topic", "orders", "--to-earliest", "--execute")
	if code != 3 || !strings.Contains(errOut, `group "live" is not empty`) || !strings.Contains(errOut, "inst-1 (client app") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(out, "live") || strings.Count(out, "\n") != 7 {
		t.Fatalf("table:\n%s", out)
	}
	zero := map[string]int64{"orders/0": 0, "orders/1": 0, "orders/2": 0}
	for _, group := range []string{"g", "h"} {
		if got := committed(t, cl, group); !maps.Equal(got, zero) {
			t.Fatalf("%s: committed %v, want %v", group, got, zero)
		}
	}
	if got := committed(t, cl, "live"); len(got) != 0 {
		t.Fatalf("live, which has a member, got commits %v", got)
	}

	out, errOut, code = runBin(t, env, "", "groups", "reset-offsets", "live", "g", "--all-topics", "--to-latest", "--execute", "-o", "json")
	r := parseResetJSON(t, out)
	if code != 3 || len(r.Groups) != 2 || r.Groups[0].Group != "live" || !strings.Contains(r.Groups[0].Error, "inst-1") ||
		len(r.Groups[0].Partitions) != 0 || r.Groups[1].Error != "" || len(r.Groups[1].Partitions) != 3 {
		t.Fatalf("exit %d, stderr %q, json %s", code, errOut, out)
	}

	_, errOut, code = runBin(t, env, "", "groups", "reset-offsets", "live", "--topic", "orders", "--to-earliest", "--execute")
	if code != 1 || !strings.Contains(errOut, `group "live" is not empty (state Stable, 1 member(s): inst-1 (client app`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}

	// --all-groups: every group of the cluster, live refused.
	out, errOut, code = runBin(t, env, "", "groups", "reset-offsets", "--all-groups", "--topic", "orders:1", "--to-offset", "8", "--execute")
	if code != 3 || !strings.Contains(errOut, `group "live" is not empty`) || !strings.Contains(out, "g ") || !strings.Contains(out, "h ") {
		t.Fatalf("--all-groups: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
	for _, group := range []string{"g", "h"} {
		if got := committed(t, cl, group); got["orders/1"] != 8 {
			t.Fatalf("--all-groups: %s committed %v", group, got)
		}
	}
	if got := committed(t, cl, "live"); len(got) != 0 {
		t.Fatalf("--all-groups: live got commits %v", got)
	}
}

// TestResetOffsetsConsumerResumes resets a group and then consumes in it
// with a franz-go consumer: it starts at the new offsets.
func TestResetOffsetsConsumerResumes(t *testing.T) {
	kc := cluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	plan := resetFileAt(t, t.TempDir(), "plan.csv", "orders,0,2\norders,1,5\norders,2,9\n")
	if _, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "g", "--from-file", plan, "--execute"); code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	consumer, err := kgo.NewClient(
		kgo.SeedBrokers(kc.Addrs()...),
		kgo.ConsumerGroup("g"),
		kgo.ConsumeTopics("orders"),
		kgo.DisableAutoCommit(),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	first := map[int32]int64{}
	for len(first) < 3 {
		fetches := consumer.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("the consumer fetched from %d partitions in 2 minutes: %v", len(first), first)
		}
		fetches.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		fetches.EachRecord(func(rec *kgo.Record) {
			if _, ok := first[rec.Partition]; !ok {
				first[rec.Partition] = rec.Offset
			}
		})
	}
	if want := map[int32]int64{0: 2, 1: 5, 2: 9}; !maps.Equal(first, want) {
		t.Fatalf("the consumer started at %v, want %v", first, want)
	}
}

// TestResetOffsetsThroughCoordinatorRestart resets while the group's
// coordinator restarts, and while it is down for longer: each reset
// succeeds with nothing on stderr.
func TestResetOffsetsThroughCoordinatorRestart(t *testing.T) {
	kc := cluster(t)
	cl := adminClient(t, kc)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for i, fault := range []func(coord int32) error{
		func(coord int32) error { return kc.RestartBroker(context.Background(), coord, time.Second) },
		func(coord int32) error {
			if err := kc.StopBroker(coord); err != nil {
				return err
			}
			time.Sleep(2 * time.Second)
			return kc.StartBroker(coord)
		},
		func(coord int32) error {
			if _, err := kc.ResetConnections(coord); err != nil {
				return err
			}
			_, err := kc.MoveCoordinator("g", -1)
			return err
		},
	} {
		coord := kc.Coordinator("g")
		faulted := make(chan error, 1)
		go func() { faulted <- fault(coord) }()
		time.Sleep(100 * time.Millisecond) // the fault is under way when the command starts
		offset := int64(i + 1)
		out, errOut, code := runBin(t, env, "", "groups", "reset-offsets", "g", "--topic", "orders", "--to-offset", strconv.FormatInt(offset, 10), "--execute")
		if err := <-faulted; err != nil {
			t.Fatal(err)
		}
		if code != 0 || errOut != "" {
			t.Fatalf("fault %d on broker %d: exit %d, stderr %q, stdout %q", i, coord, code, errOut, out)
		}
		want := map[string]int64{"orders/0": offset, "orders/1": offset, "orders/2": offset}
		if got := committed(t, cl, "g"); !maps.Equal(got, want) {
			t.Fatalf("fault %d: committed %v, want %v", i, got, want)
		}
	}
}

// TestResetOffsetsBadInput runs bad command lines and files: each exits
// with its code and message, and nothing is committed.
func TestResetOffsetsBadInput(t *testing.T) {
	kc := cluster(t)
	cl := adminClient(t, kc)
	resetSeed(t, kc, "h", map[string]map[int32]int64{"orders": {0: 7}})
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	dir := t.TempDir()
	file := func(name, content string) string { return resetFileAt(t, dir, name, content) }
	reset := []string{"groups", "reset-offsets"}
	for _, tc := range []struct {
		args  []string
		code  int
		wants []string
	}{
		{[]string{"g", "--topic", "orders", "--to-earliest", "--execute", "--nope"}, 2, []string{"unknown flag: --nope"}},
		{[]string{"g", "--topic", "orders", "--to-earliest", "--to-offset", "3", "--execute"}, 2, []string{"--to-earliest and --to-offset: pass only one of"}},
		{[]string{"g", "--topic", "orders", "--execute"}, 2, []string{"say where to reset the offsets to: pass one of --to-earliest"}},
		{[]string{"g", "--to-earliest", "--execute"}, 2, []string{"name the partitions to reset: --topic TOPIC"}},
		{[]string{"g", "--topic", "orders", "--all-topics", "--to-earliest", "--execute"}, 2, []string{"give --topic or --all-topics, not both"}},
		{[]string{"--topic", "orders", "--to-earliest", "--execute"}, 2, []string{"name at least one group, or pass --all-groups"}},
		{[]string{"g", "--all-groups", "--topic", "orders", "--to-earliest", "--execute"}, 2, []string{"give groups or --all-groups, not both"}},
		{[]string{"g", "--topic", "orders", "--to-offset", "-1", "--execute"}, 2, []string{"--to-offset -1: want an offset of 0 or more"}},
		{[]string{"g", "--topic", "orders", "--to-earliest", "--execute", "--dry-run"}, 2, []string{"--dry-run and --execute"}},
		{[]string{"g", "--topic", "orders", "--to-datetime", "yesterday", "--execute"}, 2, []string{`--to-datetime "yesterday": want RFC 3339`}},
		{[]string{"g", "--topic", "orders", "--by-duration", "P1W", "--execute"}, 2, []string{`--by-duration "P1W"`, "weeks"}},
		{[]string{"g", "--topic", "orders", "--by-duration", "-5m", "--execute"}, 2, []string{`--by-duration "-5m": want a duration of 0 or more`}},
		{[]string{"g", "--topic", "orders", "--to-group", "g", "--execute"}, 2, []string{`--to-group "g" is also a group to reset`}},
		{[]string{"--from-file", file("nogroup.csv", "orders,0,1\n"), "--execute"}, 2, []string{"has no group column: name the groups"}},
		{[]string{"g", "--from-file", file("bad-partition.csv", "orders,0,1\norders,1,2\norders,x,3\n"), "--execute"}, 1, []string{"bad-partition.csv line 3: partition \"x\" is not a partition number"}},
		{[]string{"g", "--from-file", file("bad-fields.csv", "orders,0,1\ng,orders,1,2\n"), "--execute"}, 1, []string{"bad-fields.csv line 2: 4 fields, but line 1 has 3"}},
		{[]string{"g", "--from-file", file("bad-offset.csv", "orders,0,-5\n"), "--execute"}, 1, []string{"bad-offset.csv line 1: offset \"-5\" is not an offset"}},
		{[]string{"g", "--from-file", file("too-few.csv", "\n\norders,0\n"), "--execute"}, 1, []string{"too-few.csv line 3: 2 fields: want topic,partition,offset"}},
		{[]string{"g", "--from-file", file("repeated.csv", "orders,0,1\norders,1,1\norders,0,2\n"), "--execute"}, 1, []string{"repeated.csv line 3: partition 0 of topic \"orders\" appears again (first on line 1)"}},
		{[]string{"g", "--from-file", file("quote.csv", "orders,0,1\n\"orders,1,2\n"), "--execute"}, 1, []string{"quote.csv line 2"}},
		{[]string{"g", "--from-file", file("empty.csv", "\n"), "--execute"}, 1, []string{"empty.csv has no offsets"}},
		{[]string{"g", "--from-file", file("unknown-topic.csv", "orders,0,1\nnope,0,1\n"), "--execute"}, 1, []string{`unknown-topic.csv line 2: topic "nope" does not exist`}},
		{[]string{"g", "--from-file", file("unknown-partition.csv", "orders,0,1\norders,3,1\n"), "--execute"}, 1, []string{`unknown-partition.csv line 2: topic "orders" has 3 partitions (0 to 2): partition 3 does not exist`}},
		{[]string{"fresh", "--from-file", file("other-group.csv", "g,orders,0,1\n"), "--execute"}, 1, []string{`has no offsets for group "fresh"`}},
		{[]string{"g", "--from-file", filepath.Join(dir, "missing.csv"), "--execute"}, 1, []string{"missing.csv: no such file or directory"}},
		{[]string{"g", "--topic", "nope", "--to-earliest", "--execute"}, 1, []string{`topic "nope" does not exist`}},
		{[]string{"g", "--topic", "orders:1,7", "--to-earliest", "--execute"}, 1, []string{`topic "orders" has 3 partitions (0 to 2): partition 7 does not exist`}},
		{[]string{"live", "--topic", "orders", "--to-earliest", "--execute"}, 1, []string{`group "live" is not empty`, "inst-1 (client app"}},
		{[]string{"fresh", "--topic", "orders", "--to-group", "nobody", "--execute"}, 1, []string{`--to-group "nobody" has no committed offsets`}},
		{[]string{"fresh", "--topic", "orders", "--to-group", "h", "--execute"}, 1, []string{`--to-group "h" has no committed offset for orders/1, orders/2`}},
		{[]string{"fresh", "--topic", "orders", "--shift-by", "1", "--execute"}, 1, []string{`group "fresh"`, "no committed offset to shift on orders/0, orders/1, orders/2"}},
		{[]string{"g", "--topic", "orders", "--to-earliest", "--execute", "--export", filepath.Join(dir, "no-such-dir", "plan.csv")}, 1, []string{"--export: writing the plan", "nothing was committed"}},
	} {
		args := append(slices.Clone(reset), tc.args...)
		out, errOut, code := runBin(t, env, "", args...)
		if code != tc.code {
			t.Fatalf("%v: exit %d, want %d; stderr %q, stdout %q", tc.args, code, tc.code, errOut, out)
		}
		for _, want := range tc.wants {
			if !strings.Contains(errOut, want) {
				t.Fatalf("%v: stderr %q lacks %q", tc.args, errOut, want)
			}
		}
		if got := committed(t, cl, "g"); !maps.Equal(got, map[string]int64{"orders/0": 4, "orders/1": 4, "orders/2": 4}) {
			t.Fatalf("%v: g's offsets changed to %v", tc.args, got)
		}
		if got := committed(t, cl, "live"); len(got) != 0 {
			t.Fatalf("%v: live got commits %v", tc.args, got)
		}
		if groupExists(t, cl, "fresh") {
			t.Fatalf("%v: group fresh was created", tc.args)
		}
	}
}

// TestResetOffsetsCompletion completes groups, topics and --to-group.
func TestResetOffsetsCompletion(t *testing.T) {
	kc := cluster(t)
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"groups", "reset-offsets", ""}, []string{"g", "live"}},
		{[]string{"groups", "reset-offsets", "g", ""}, []string{"live"}},
		{[]string{"groups", "reset-offsets", "g", "--topic", "o"}, []string{"orders"}},
		{[]string{"groups", "reset-offsets", "fresh", "--to-group", "l"}, []string{"live"}},
	} {
		got, code := completions(t, env, tc.args...)
		if code != 0 || !slices.Equal(got, tc.want) {
			t.Fatalf("%v: exit %d, completions %q, want %q", tc.args, code, got, tc.want)
		}
	}
}

// TestResetOffsetsParse checks the readers of --to-datetime, --by-duration
// and --from-file on their own.
func TestResetOffsetsParse(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT15M": 15 * time.Minute, "P1DT2H": 26 * time.Hour, "P2D": 48 * time.Hour, "pt1.5s": 1500 * time.Millisecond,
		"PT1H30M5S": time.Hour + 30*time.Minute + 5*time.Second, "90m": 90 * time.Minute, "1h30m": 90 * time.Minute, "0s": 0,
	} {
		if got, err := parseResetDuration(in); err != nil || got != want {
			t.Fatalf("duration %q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P", "PT", "P1DT", "P1W", "P1M", "P1Y", "PT-5M", "-PT5M", "-5m", "5", "P99999999999D"} {
		if d, err := parseResetDuration(in); err == nil {
			t.Fatalf("duration %q: %v, want an error", in, d)
		}
	}

	noon := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-05-01T12:00:00Z":           noon,
		"2024-05-01T14:00:00+02:00":      noon,
		"2024-05-01T14:00:00.000+0200":   noon,
		"2024-05-01T07:00:00.000-05":     noon,
		"2024-05-01T12:00:00.250Z":       noon.Add(250 * time.Millisecond),
		"2024-05-01T12:00:00.000":        time.Date(2024, 5, 1, 12, 0, 0, 0, time.Local),
		"2024-05-01T12:00:00":            time.Date(2024, 5, 1, 12, 0, 0, 0, time.Local),
		"2024-05-01T12:00:00.123456789Z": noon.Add(123456789),
	} {
		if got, err := parseDatetime(in); err != nil || !got.Equal(want) {
			t.Fatalf("datetime %q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2024-05-01", "2024-05-01T12:00", "2024-05-01 12:00:00", "12:00:00", "2024-13-01T12:00:00"} {
		if got, err := parseDatetime(in); err == nil {
			t.Fatalf("datetime %q: %v, want an error", in, got)
		}
	}

	f, err := parseResetFile("plan.csv", []byte("\ufeffgroup,topic,partition,offset\n\"a,b\",orders,0,1\n  \nc, orders , 2 , 30\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !f.grouped || !slices.Equal(f.groups, []string{"a,b", "c"}) || len(f.rows) != 2 || f.rows[1].line != 4 ||
		f.rows[1].tp.Topic != "orders" || f.rows[1].tp.Partition != 2 || f.rows[1].offset != 30 {
		t.Fatalf("parsed %+v", f)
	}
}
