package kafkatest

import (
	"maps"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// requestCounter counts the requests the cluster handles, by API key.
type requestCounter struct {
	mu     sync.Mutex
	counts map[kmsg.Key]int
}

// observe is a kfake control function that counts the request and leaves it
// to the next control or to the cluster.
func (rc *requestCounter) observe(req kmsg.Request) (kmsg.Response, error, bool) { //nolint:revive // kfake's control signature
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.counts == nil {
		rc.counts = make(map[kmsg.Key]int)
	}
	rc.counts[kmsg.Key(req.Key())]++
	return nil, nil, false
}

func (rc *requestCounter) count(key kmsg.Key) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.counts[key]
}

func (rc *requestCounter) snapshot() map[kmsg.Key]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	snapshot := maps.Clone(rc.counts)
	if snapshot == nil {
		snapshot = make(map[kmsg.Key]int)
	}
	return snapshot
}

func (rc *requestCounter) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	clear(rc.counts)
}

// RequestCount returns how many requests with the key the cluster has
// received since Start or the last ResetRequestCounts, across all brokers.
//
// Every request is counted before kfake handles it, so a request is counted
// by the time its response arrives, faulted requests included. A request
// answered by a control installed with kfake's ControlKey for its specific key
// is not counted: such controls run before the counter.
// The cluster's own clients (Produce, CommitOffsets, JoinMember) send
// requests too, and so does every client's connection setup (ApiVersions,
// SASL).
func (c *Cluster) RequestCount(key kmsg.Key) int { return c.counts.count(key) }

// RequestCounts returns a copy of every non-zero request count, by key.
func (c *Cluster) RequestCounts() map[kmsg.Key]int { return c.counts.snapshot() }

// ResetRequestCounts sets every request count back to zero.
func (c *Cluster) ResetRequestCounts() { c.counts.reset() }
