package cluster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/kafadmin/kafadmin/internal/conn"
)

// The broker registry: brokers by node id, the controller, and the choice
// of a broker for requests any broker can serve.

// upsertBroker records that node id is at host:port. A broker whose address
// changed is replaced, and its connections closed.
func (cl *Cluster) upsertBroker(id int32, host string, port int32) *Broker {
	nb := newBroker(cl, id, host, port)
	cl.mu.Lock()
	old := cl.brokers[id]
	if old != nil && old.Addr == nb.Addr {
		cl.mu.Unlock()
		return old
	}
	if cl.Closed() {
		nb.closed = true // Close has gathered the brokers already, or will
	}
	cl.brokers[id] = nb
	cl.seen[id] = true
	cl.mu.Unlock()
	if old != nil {
		old.close()
		cl.forgetBroker(old.ID)
	}
	return nb
}

// brokerUnreachable is called after a failed dial: the coordinators and the
// controller role cached for the broker are forgotten, and the broker list
// is due for a refresh.
func (cl *Cluster) brokerUnreachable(b *Broker) {
	if b.ID < 0 {
		return
	}
	cl.forgetBroker(b.ID)
	cl.mu.Lock()
	cl.brokersAt = time.Time{}
	cl.mu.Unlock()
}

func (cl *Cluster) forgetBroker(id int32) {
	cl.mu.Lock()
	if cl.controller == id {
		cl.controller = -1
	}
	cl.mu.Unlock()
	cl.coordMu.Lock()
	for _, e := range cl.coords {
		if e.node == id {
			e.valid = false
		}
	}
	cl.coordMu.Unlock()
}

// Broker returns the broker with node id. The broker list is refreshed
// first when it is stale (after a failed dial, or past its maximum age) or
// does not have the broker; a broker that left the cluster is then reported
// as gone.
func (cl *Cluster) Broker(ctx context.Context, id int32) (*Broker, error) {
	cl.mu.Lock()
	b := cl.brokers[id]
	fresh := !cl.brokersAt.IsZero() && time.Since(cl.brokersAt) < cl.cfg.metadataMaxAge()
	cl.mu.Unlock()
	if b != nil && fresh {
		return b, nil
	}
	f, err := cl.refreshBrokers(ctx)
	if err != nil {
		if b != nil {
			return b, nil // the dial will tell whether it is there
		}
		return nil, err
	}
	for _, mb := range f.resp.Brokers {
		if mb.NodeID == id {
			return cl.upsertBroker(id, mb.Host, mb.Port), nil
		}
	}
	if !cl.seenBroker(id) {
		return nil, &conn.Error{Node: id, Op: "look-up", Err: fmt.Errorf("the cluster's metadata does not list it: %w", ErrBrokerUnknown)}
	}
	return nil, &conn.Error{Node: id, Op: "look-up", Err: fmt.Errorf("the cluster's metadata no longer lists it: %w", ErrBrokerGone)}
}

// seenBroker reports whether metadata has ever listed node id.
func (cl *Cluster) seenBroker(id int32) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.seen[id]
}

func (cl *Cluster) knownBroker(id int32) *Broker {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.brokers[id]
}

// Brokers returns every broker of the cluster, by node id, from metadata at
// most maxAge old (the configured maximum age when maxAge is 0).
func (cl *Cluster) Brokers(ctx context.Context, maxAge time.Duration) ([]*Broker, error) {
	if maxAge <= 0 {
		maxAge = cl.cfg.metadataMaxAge()
	}
	cl.mu.Lock()
	fresh := !cl.brokersAt.IsZero() && time.Since(cl.brokersAt) < maxAge
	var out []*Broker
	if fresh {
		for _, b := range cl.brokers {
			out = append(out, b)
		}
	}
	cl.mu.Unlock()
	if !fresh {
		f, err := cl.refreshBrokers(ctx)
		if err != nil {
			return nil, err
		}
		for _, mb := range f.resp.Brokers {
			out = append(out, cl.upsertBroker(mb.NodeID, mb.Host, mb.Port))
		}
	}
	slices.SortFunc(out, func(a, b *Broker) int { return int(a.ID) - int(b.ID) })
	return out, nil
}

// BrokersNow returns every broker of the cluster, by node id, and the
// metadata of topics (none if none are given), from a Metadata request this
// call sends itself: unlike Brokers, it never shares a request already in
// flight, so the answer describes the cluster as it stood after the call
// began. Topics are never created by the request.
func (cl *Cluster) BrokersNow(ctx context.Context, topics ...string) ([]*Broker, map[string]*TopicMeta, error) {
	mr, metas, err := cl.MetadataNow(ctx, topics)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Broker, 0, len(mr.Brokers))
	for _, mb := range mr.Brokers {
		out = append(out, cl.upsertBroker(mb.NodeID, mb.Host, mb.Port))
	}
	slices.SortFunc(out, func(a, b *Broker) int { return int(a.ID) - int(b.ID) })
	return out, metas, nil
}

// Controller returns the controller broker.
func (cl *Cluster) Controller(ctx context.Context) (*Broker, error) {
	cl.mu.Lock()
	id, fresh := cl.controller, time.Since(cl.brokersAt) < cl.cfg.metadataMaxAge()
	cl.mu.Unlock()
	if id < 0 || !fresh {
		f, err := cl.refreshBrokers(ctx)
		if err != nil {
			return nil, err
		}
		id = f.resp.ControllerID
	}
	if id < 0 {
		return nil, errors.New("the cluster names no controller")
	}
	return cl.Broker(ctx, id)
}

// ForgetController drops the cached controller id, if it is id.
func (cl *Cluster) ForgetController(id int32) {
	cl.mu.Lock()
	if cl.controller == id {
		cl.controller = -1
	}
	cl.mu.Unlock()
}

// InvalidateBrokers makes the next broker look-up fetch metadata.
func (cl *Cluster) InvalidateBrokers() {
	cl.mu.Lock()
	cl.brokersAt = time.Time{}
	cl.mu.Unlock()
}

// AnyBroker picks a broker for a request that any broker can serve: one
// with a live connection if possible, never one whose last dial failed
// recently, nor one that is stalled (see StallAfter), unless every broker
// is. When no known broker is left, the
// bootstrap addresses are used (re-bootstrap). skip lists brokers already
// tried.
func (cl *Cluster) AnyBroker(skip ...*Broker) *Broker {
	now := time.Now()
	cl.mu.Lock()
	known := make([]*Broker, 0, len(cl.brokers))
	for _, b := range cl.brokers {
		known = append(known, b)
	}
	seeds := cl.seeds
	cl.mu.Unlock()

	usable := func(bs []*Broker, needConn bool) []*Broker {
		var out []*Broker
		for _, b := range bs {
			if slices.Contains(skip, b) || b.isDown(now) || b.stalled(now) || (needConn && !b.connected()) {
				continue
			}
			out = append(out, b)
		}
		return out
	}
	for _, pool := range [][]*Broker{usable(known, true), usable(known, false), usable(seeds, false)} {
		if len(pool) > 0 {
			return pool[rand.IntN(len(pool))]
		}
	}
	// Everything is down or tried: the broker back soonest.
	var best *Broker
	for _, b := range append(known, seeds...) {
		if slices.Contains(skip, b) {
			continue
		}
		if best == nil || downUntil(b).Before(downUntil(best)) {
			best = b
		}
	}
	return best
}

func downUntil(b *Broker) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.downUntil
}
