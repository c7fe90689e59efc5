// Package clusterproc runs the throughput benchmarks' embedded Kafka cluster
// in a child process, so that the allocations measured in the benchmark's
// own process are the client's alone, not the brokers'.
//
// The child is the benchmark binary itself, started again with environment
// variables that make ServeIfChild take over: it starts a kafkatest cluster,
// seeds it, prints its addresses and then answers commands on its standard
// input (reset the request counts, read them, delete topics) until that
// closes.
package clusterproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/bench/internal/seed"
	"github.com/kafadmin/kafadmin/kafkatest"
)

const (
	envGroups = "KAFADMIN_BENCH_CLUSTER_GROUPS"
	envTopics = "KAFADMIN_BENCH_CLUSTER_TOPICS"
)

// The seeded data: topic Topic with Partitions partitions spread over 3
// brokers, Records records in each, and every group committed at Committed
// on every partition. Each group's lag is therefore Partitions ×
// (Records − Committed).
const (
	Topic      = "bench"
	Partitions = 32
	Records    = 100
	Committed  = 50
	GroupLag   = Partitions * (Records - Committed)
)

// The seeded topics of a Spec with Topics: TopicPartitions partitions each,
// no records, and the dynamic config TopicConfig set to TopicConfigValue
// on every one, so that a description can be checked against it.
const (
	TopicPartitions  = 32
	TopicConfig      = "retention.ms"
	TopicConfigValue = "86400000"
)

// GroupName is the name of the i-th seeded group.
func GroupName(i int) string { return "bench-" + strconv.Itoa(i) }

// TopicName is the name of the i-th seeded topic of a Spec with Topics.
func TopicName(i int) string { return fmt.Sprintf("bench-topic-%04d", i) }

// Spec is what a cluster is seeded with besides topic Topic and its
// records: Groups groups committed on Topic, and Topics more topics.
type Spec struct {
	Groups int
	Topics int
}

// String describes the spec in progress lines and errors: "1000 groups",
// "1000 topics".
func (s Spec) String() string {
	switch {
	case s.Topics == 0:
		return fmt.Sprintf("%d groups", s.Groups)
	case s.Groups == 0:
		return fmt.Sprintf("%d topics", s.Topics)
	}
	return fmt.Sprintf("%d groups and %d topics", s.Groups, s.Topics)
}

// hello is the child's first line.
type hello struct {
	Addrs []string `json:"addrs"`
	Err   string   `json:"err,omitempty"`
}

// ServeIfChild serves the cluster and exits if this process was started by
// Start; otherwise it returns at once. Call it first thing in main and in
// TestMain.
func ServeIfChild() {
	groups, ok := os.LookupEnv(envGroups)
	if !ok {
		return
	}
	if err := serve(groups, os.Getenv(envTopics), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "clusterproc:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serve(groupsArg, topicsArg string, in io.Reader, out io.Writer) error {
	var spec Spec
	var err error
	if spec.Groups, err = strconv.Atoi(groupsArg); err != nil || spec.Groups < 0 {
		return fmt.Errorf("%s=%q: want a number of groups", envGroups, groupsArg)
	}
	if topicsArg != "" {
		if spec.Topics, err = strconv.Atoi(topicsArg); err != nil || spec.Topics < 0 {
			return fmt.Errorf("%s=%q: want a number of topics", envTopics, topicsArg)
		}
	}
	enc := json.NewEncoder(out)
	kc, err := startCluster(spec)
	if err != nil {
		_ = enc.Encode(hello{Err: err.Error()})
		return err
	}
	defer kc.Close()
	if err := enc.Encode(hello{Addrs: kc.Addrs()}); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		cmd, args, _ := strings.Cut(sc.Text(), " ")
		switch cmd {
		case "delete":
			err = deleteTopics(kc, strings.Fields(args))
			if err == nil {
				err = enc.Encode(map[string]int{})
			}
		case "reset":
			kc.ResetRequestCounts()
			err = enc.Encode(map[string]int{})
		case "counts":
			counts := map[string]int{}
			for k, n := range kc.RequestCounts() {
				counts[kmsg.NameForKey(int16(k))] = n
			}
			err = enc.Encode(counts)
		default:
			err = fmt.Errorf("unknown command %q", cmd)
		}
		if err != nil {
			return err
		}
	}
	return sc.Err()
}

// deleteTopics deletes topics straight in kfake, which the request counts
// do not see.
func deleteTopics(kc *kafkatest.Cluster, topics []string) error {
	for _, t := range topics {
		if err := kc.Kfake().DeleteTopic(t); err != nil {
			return fmt.Errorf("deleting topic %q: %w", t, err)
		}
	}
	return nil
}

// startCluster starts the cluster and writes the benchmark's data.
func startCluster(spec Spec) (*kafkatest.Cluster, error) {
	groups := spec.Groups
	kc, err := kafkatest.Start(kafkatest.SeedTopic(Topic, Partitions))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	commits := map[int32]int64{}
	for p := range int32(Partitions) {
		if err := kc.Produce(ctx, Topic, p, Records); err != nil {
			kc.Close()
			return nil, err
		}
		commits[p] = Committed
	}
	committer, err := seed.NewCommitter(kc)
	if err != nil {
		kc.Close()
		return nil, err
	}
	defer committer.Close()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan int)
	)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				if err := committer.Commit(ctx, GroupName(i), Topic, commits); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range groups {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		kc.Close()
		return nil, fmt.Errorf("committing the offsets of %d groups: %w", groups, err)
	}
	configs := map[string]string{TopicConfig: TopicConfigValue}
	for i := range spec.Topics {
		// Straight in kfake, as kafkatest's CreateTopic does, with a
		// config of the topic's own.
		if err := kc.Kfake().CreateTopic(TopicName(i), TopicPartitions, configs); err != nil {
			kc.Close()
			return nil, fmt.Errorf("creating topic %s: %w", TopicName(i), err)
		}
	}
	return kc, nil
}

// Remote is a cluster served by a child process.
type Remote struct {
	// Addrs are the brokers' addresses.
	Addrs []string
	// Groups are the seeded groups' names.
	Groups []string
	// Topics are the names of the seeded topics of the spec's Topics
	// (topic Topic is not among them).
	Topics []string

	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	mu  sync.Mutex
}

// Start starts a child process serving a cluster seeded as spec says.
func Start(spec Spec) (*Remote, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("clusterproc: finding this program to start the cluster: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envGroups+"="+strconv.Itoa(spec.Groups), envTopics+"="+strconv.Itoa(spec.Topics))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("clusterproc: %w", err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("clusterproc: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("clusterproc: starting the cluster process: %w", err)
	}
	r := &Remote{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	var h hello
	if err := r.readJSON(&h); err != nil {
		r.Close()
		return nil, fmt.Errorf("clusterproc: starting a cluster with %v: %w", spec, err)
	}
	if h.Err != "" {
		r.Close()
		return nil, fmt.Errorf("clusterproc: starting a cluster with %v: %s", spec, h.Err)
	}
	r.Addrs = h.Addrs
	r.Groups = make([]string, spec.Groups)
	for i := range r.Groups {
		r.Groups[i] = GroupName(i)
	}
	r.Topics = make([]string, spec.Topics)
	for i := range r.Topics {
		r.Topics[i] = TopicName(i)
	}
	return r, nil
}

func (r *Remote) readJSON(v any) error {
	line, err := r.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("reading the cluster process's answer: %w", err)
	}
	return json.Unmarshal(line, v)
}

func (r *Remote) command(cmd string, v any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	name, _, _ := strings.Cut(cmd, " ")
	if _, err := io.WriteString(r.in, cmd+"\n"); err != nil {
		return fmt.Errorf("clusterproc: sending %q: %w", name, err)
	}
	if err := r.readJSON(v); err != nil {
		return fmt.Errorf("clusterproc: %s: %w", name, err)
	}
	return nil
}

// ResetCounts sets the cluster's request counts back to zero.
func (r *Remote) ResetCounts() error {
	var ignored map[string]int
	return r.command("reset", &ignored)
}

// Counts returns the requests the cluster received since the last
// ResetCounts, by API name (e.g. "OffsetFetch").
func (r *Remote) Counts() (map[string]int, error) {
	var counts map[string]int
	err := r.command("counts", &counts)
	return counts, err
}

// DeleteTopics deletes topics straight in the cluster, unseen by the
// request counts and by any fault.
func (r *Remote) DeleteTopics(topics []string) error {
	if len(topics) == 0 {
		return nil
	}
	var ignored map[string]int
	return r.command("delete "+strings.Join(topics, " "), &ignored)
}

// Close stops the child process and its cluster.
func (r *Remote) Close() error {
	r.in.Close()
	return r.cmd.Wait()
}
