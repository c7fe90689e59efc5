package kafadmin

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Results is a call's answer by key: every key the call was asked about,
// each with its value, which carries the key's error (nil when it
// succeeded). Calls over many keys return it, whatever their area, so that
// results read alike: index it as a map, range over Sorted, ask Err.
type Results[K comparable, V result] map[K]V

// result is a value of Results: it says its key's error.
type result interface{ err() error }

// Keys lists the keys, sorted (topics and groups by name, partitions by
// topic then number, brokers by id).
func (r Results[K, V]) Keys() []K {
	keys := make([]K, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareAny)
	return keys
}

// Sorted lists the values in the order of Keys.
func (r Results[K, V]) Sorted() []V {
	keys := r.Keys()
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = r[k]
	}
	return out
}

// Err is key's error: nil when it succeeded, and an error saying so when
// the call was not asked about it.
func (r Results[K, V]) Err(key K) error {
	v, ok := r[key]
	if !ok {
		return fmt.Errorf("%v is not among the call's keys", key)
	}
	return v.err()
}

// Failed lists the keys that failed, sorted.
func (r Results[K, V]) Failed() []K {
	var out []K
	for _, k := range r.Keys() {
		if r[k].err() != nil {
			out = append(out, k)
		}
	}
	return out
}

// compareAny orders keys of the types calls use.
func compareAny[K comparable](a, b K) int {
	switch x := any(a).(type) {
	case string:
		return strings.Compare(x, any(b).(string))
	case int32:
		return cmp.Compare(x, any(b).(int32))
	case TopicPartition:
		return compareTP(x, any(b).(TopicPartition))
	case ConfigResource:
		return x.compare(any(b).(ConfigResource))
	case Key:
		return x.Compare(any(b).(Key))
	case Replica:
		y := any(b).(Replica)
		return cmp.Or(compareTP(x.Partition, y.Partition), cmp.Compare(x.Broker, y.Broker))
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func (g GroupOffsets) err() error       { return g.Err }
func (d GroupDescription) err() error   { return d.Err }
func (d DeleteGroupResult) err() error  { return d.Err }
func (r RemoveMemberResult) err() error { return r.Err }
func (c Coordinator) err() error        { return c.Err }
func (l GroupLag) err() error           { return l.Err }
func (o ListedOffset) err() error       { return o.Err }
