package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kafadmin/kafadmin"
)

// topicSelection is what --topic flags name: every partition of a topic
// (T), or some of them (T:0,2).
type topicSelection struct {
	topics     []string           // in the order given
	partitions map[string][]int32 // nil entry: every partition
}

// parseTopics reads --topic values of the form T or T:P[,P...].
func parseTopics(values []string) (topicSelection, error) {
	sel := topicSelection{partitions: make(map[string][]int32)}
	for _, v := range values {
		name, list, hasList := strings.Cut(v, ":")
		name = strings.TrimSpace(name)
		if name == "" {
			return sel, usagef("--topic %q: the topic name is empty: want TOPIC or TOPIC:PARTITION[,PARTITION...]", v)
		}
		ps, seen := sel.partitions[name]
		if !seen {
			sel.topics = append(sel.topics, name)
		}
		if !hasList {
			sel.partitions[name] = nil
			continue
		}
		if seen && ps == nil {
			continue // the whole topic was already selected
		}
		for _, f := range strings.Split(list, ",") {
			p, err := strconv.ParseInt(strings.TrimSpace(f), 10, 32)
			if err != nil || p < 0 {
				return sel, usagef("--topic %q: partition %q is not a partition number: want TOPIC:0,1,2", v, f)
			}
			if !slices.Contains(ps, int32(p)) {
				ps = append(ps, int32(p))
			}
		}
		slices.Sort(ps)
		sel.partitions[name] = ps
	}
	return sel, nil
}

func (s topicSelection) empty() bool { return len(s.topics) == 0 }

// has reports whether the selection covers tp; an empty selection covers
// everything.
func (s topicSelection) has(tp kafadmin.TopicPartition) bool {
	if s.empty() {
		return true
	}
	ps, ok := s.partitions[tp.Topic]
	return ok && (ps == nil || slices.Contains(ps, tp.Partition))
}

// hasTopic reports whether the selection covers some of topic.
func (s topicSelection) hasTopic(topic string) bool {
	_, ok := s.partitions[topic]
	return s.empty() || ok
}

// resolve lists the selected partitions, checking them against the
// cluster's topics: a topic or partition that does not exist is an error
// that names it.
func (s topicSelection) resolve(ctx context.Context, cl *kafadmin.Client) ([]kafadmin.TopicPartition, error) {
	topics, err := cl.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the topics: %w", err)
	}
	counts := make(map[string]int32, len(topics))
	for _, t := range topics {
		counts[t.Name] = int32(len(t.Partitions))
	}
	var out []kafadmin.TopicPartition
	for _, t := range s.topics {
		n, ok := counts[t]
		if !ok {
			return nil, fmt.Errorf("topic %q does not exist: check the name (kafadmin groups describe shows a group's topics)", t)
		}
		ps := s.partitions[t]
		if ps == nil {
			for p := range n {
				out = append(out, kafadmin.TopicPartition{Topic: t, Partition: p})
			}
			continue
		}
		for _, p := range ps {
			if p >= n {
				return nil, fmt.Errorf("topic %q has %d partitions (0 to %d): partition %d does not exist", t, n, n-1, p)
			}
			out = append(out, kafadmin.TopicPartition{Topic: t, Partition: p})
		}
	}
	return out, nil
}
