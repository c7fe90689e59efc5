package kafadmin

import (
	"sync"
	"time"
)

// groupKindMaxAge bounds how long a group's kind, as ListGroups reported
// it, is trusted.
const groupKindMaxAge = 5 * time.Minute

// groupKinds remembers each group's kind (classic or consumer) as
// ListGroups last reported it (ListGroups v5, Kafka 3.8), so that
// describing the group, right after listing it as a lag monitor does,
// sends only the request of its kind: DescribeGroups for a classic group,
// ConsumerGroupDescribe for a KIP-848 one, instead of both. A group that
// answers that it is not of its remembered kind is forgotten and described
// with both, so a group that changed kind costs a round trip, never a wrong
// answer. Only ListGroups teaches it: a description does not, so that
// calls that never list are described as before.
type groupKinds struct {
	mu sync.Mutex
	m  map[string]groupKind
}

type groupKind struct {
	kind string
	at   time.Time
}

// learn records the kinds of the groups listed, replacing what was known
// of them.
func (k *groupKinds) learn(listed []ListedGroup) {
	now := time.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = make(map[string]groupKind, len(listed))
	}
	for g, e := range k.m {
		if now.Sub(e.at) > groupKindMaxAge {
			delete(k.m, g)
		}
	}
	for _, g := range listed {
		if g.Type == groupTypeClassic || g.Type == groupTypeConsumer {
			k.m[g.Group] = groupKind{g.Type, now}
		}
	}
}

// of is group's kind, "" when unknown or too old.
func (k *groupKinds) of(group string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.m[group]
	if !ok || time.Since(e.at) > groupKindMaxAge {
		return ""
	}
	return e.kind
}

// forget drops what is known of group's kind.
func (k *groupKinds) forget(group string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, group)
}
