package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/conn"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// ListGroups lists the cluster's groups, asking every broker for the groups
// it coordinates, all at once. A round in which some broker had to be asked
// again (it restarted, or its connection broke), in which the brokers or the
// leaders of the group coordinators' partitions changed, or in which a
// broker had not yet taken up a partition it leads, may have missed a group
// moving between brokers, so ListGroups then runs another round, answering
// with the first undisturbed one (after at most listGroupsRounds disturbed
// rounds, the last one). A group reported by two brokers is listed once.
// The result is sorted by group id. A broker that left the cluster during
// the call is skipped: its groups moved to the others.
func (c *Client) ListGroups(ctx context.Context, filter GroupFilter) ([]ListedGroup, error) {
	states, types, err := filter.canonical()
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	backoff := c.backoff()
	disturbedRounds, waits := 0, 0
	for round := 1; ; round++ {
		r := c.listGroupsRound(ctx, states, types, round > 1)
		switch {
		case r.err != nil:
			return r.listed, r.err
		case r.disturbed:
			if disturbedRounds++; disturbedRounds == listGroupsRounds {
				return r.listed, &CallError{Op: "list groups", Keys: 1, Errors: []*KeyError{{
					Op: "list groups", Key: RequestKey("every broker"), Broker: -1, Attempts: round,
					Err: fmt.Errorf("brokers kept failing or changing through %d rounds, so the list may lack groups that moved between brokers: list again once the cluster settles", disturbedRounds),
				}}}
			}
		case r.loading != nil:
			// A coordinator that has not taken up its partition yet
			// does so within moments: wait, as for any retriable
			// answer, until the deadline.
			waits++
			if err := sleepCtx(ctx, backoff(waits)); err != nil {
				return r.listed, &CallError{Op: "list groups", Keys: 1, Errors: []*KeyError{{
					Op: "list groups", Key: RequestKey("every broker"), Broker: r.loading.broker, Attempts: round,
					Err: fmt.Errorf("broker %d had not taken up partition %d of %s, whose groups it coordinates, by the deadline, so the list would lack them: %w (last answer: %w)",
						r.loading.broker, r.loading.partition, offsetsTopic, err, r.loading.err),
				}}}
			}
		case !r.confirmed:
			// The first round read the coordinators' partitions
			// alongside; the next checks the ones new to this client.
		default:
			c.kinds.learn(r.listed)
			return r.listed, nil
		}
	}
}

// listGroupsRounds bounds the disturbed rounds of ListGroups in a cluster
// that keeps changing.
const listGroupsRounds = 5

// offsetsTopic holds every group; the leader of a group's partition of it
// is the group's coordinator.
const offsetsTopic = "__consumer_offsets"

// roundResult is what one ListGroups round found.
type roundResult struct {
	listed []ListedGroup
	err    error
	// disturbed reports a broker asked more than once, or brokers or
	// coordinators' partition leaders that changed during the round.
	disturbed bool
	// loading names a partition whose leader had not taken it up yet.
	loading *notActive
	// confirmed reports that every coordinators' partition was known
	// active on its leader when the leader listed its groups.
	confirmed bool
}

// notActive is a coordinators' partition whose leader does not coordinate
// its groups yet.
type notActive struct {
	broker, partition int32
	err               error
}

// groupsView is what metadata says of where groups live: the brokers, and
// the leader of each partition of __consumer_offsets with its epoch.
type groupsView struct {
	ids     []int32
	leaders map[int32]cluster.PartitionMeta // nil when metadata did not describe the topic
}

func (v groupsView) sameAs(o groupsView) bool {
	return slices.Equal(v.ids, o.ids) && mapsEqual(v.leaders, o.leaders)
}

func mapsEqual(a, b map[int32]cluster.PartitionMeta) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// viewNow reads a groupsView from a Metadata request of its own.
func (c *Client) viewNow(ctx context.Context) (groupsView, error) {
	brokers, topics, err := c.cl.BrokersNow(ctx, offsetsTopic)
	if err != nil {
		return groupsView{}, err
	}
	v := groupsView{ids: nodeIDs(brokers)}
	// A cluster that does not describe the topic (an embedded test
	// cluster, or a principal without Describe on it) leaves nothing to
	// check: the brokers' lists are taken as they are.
	if tm := topics[offsetsTopic]; tm != nil && tm.Err == nil && len(tm.Partitions) > 0 {
		v.leaders = make(map[int32]cluster.PartitionMeta, len(tm.Partitions))
		for _, p := range tm.Partitions {
			v.leaders[p.Partition] = p
		}
	}
	return v, nil
}

// activeCoordinators remembers the partitions of __consumer_offsets known to
// be coordinated by their leader, with the leader and epoch at which they
// were. A Kafka broker that has just become a partition's leader lists
// none of its groups until its group coordinator has taken the partition up
// (Kafka answers NOT_COORDINATOR for it inside ListGroups, and drops it
// from the answer), so a list taken then lacks the partition's groups
// without an error. The first list after a partition's leadership changes
// therefore asks its new leader, just before the ListGroups on the same
// connection (which Kafka answers in order), whether it coordinates a group
// of the partition.
type activeCoordinators struct {
	mu     sync.Mutex
	active map[int32]cluster.PartitionMeta
}

// unconfirmed returns the partitions of v, by leader, not known active at
// their current leader and epoch.
func (a *activeCoordinators) unconfirmed(v groupsView) map[int32][]int32 {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[int32][]int32{}
	for p, pm := range v.leaders {
		if known, ok := a.active[p]; !ok || known != pm {
			out[pm.Leader] = append(out[pm.Leader], p)
		}
	}
	return out
}

// confirm records v's partitions as active, forgetting any other.
func (a *activeCoordinators) confirm(v groupsView) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.active = v.leaders
}

// probeGroup returns a group id whose coordinator is the leader of
// partition p of __consumer_offsets with n partitions: Kafka places group g
// on partition abs(g.hashCode()) % n, with Java's String.hashCode.
func probeGroup(p int32, n int) string {
	for k := 0; ; k++ {
		g := "kafadmin-probe-" + strconv.Itoa(k)
		if cluster.GroupPartition(g, n) == p {
			return g
		}
	}
}

// probeActive asks broker b whether it coordinates the groups of
// partitions: one DescribeGroups of a group id on each. NOT_COORDINATOR,
// COORDINATOR_LOAD_IN_PROGRESS and COORDINATOR_NOT_AVAILABLE say it does
// not yet; any other answer (a group not found, a refusal to describe) says
// nothing against it.
func probeActive(ctx context.Context, b *cluster.Broker, partitions []int32, n int) (*notActive, error) {
	req := kmsg.NewPtrDescribeGroupsRequest()
	byGroup := make(map[string]int32, len(partitions))
	for _, p := range partitions {
		g := probeGroup(p, n)
		req.Groups = append(req.Groups, g)
		byGroup[g] = p
	}
	resp, err := b.Request(ctx, req, 0, 5)
	if err != nil {
		return nil, err
	}
	for _, g := range resp.(*kmsg.DescribeGroupsResponse).Groups {
		err := kerr.ErrorForCode(g.ErrorCode)
		if errors.Is(err, kerr.NotCoordinator) || errors.Is(err, kerr.CoordinatorLoadInProgress) || errors.Is(err, kerr.CoordinatorNotAvailable) {
			return &notActive{broker: b.ID, partition: byGroup[g.Group], err: err}, nil
		}
	}
	return nil, nil
}

// listGroupsRound asks every broker once and reports whether the round was
// disturbed: a broker was asked more than once, or the brokers asked, or
// the leaders of __consumer_offsets, are not those of fresh metadata, read
// while the round runs and again after it.
//
// The first round asks the brokers the client already knows, and reads
// fresh metadata at the same time instead of first: when the two agree, as
// they do but for a cluster that changed since the client last looked, the
// round costs one round trip fewer; when they differ, the round is
// abandoned at once (a broker that left may not even answer a dial) and
// the next round, like every later one, starts from fresh metadata. Either
// way every broker named by metadata read after the round began, and by
// metadata read after it ended, was asked. Later rounds also check, before
// a broker lists its groups, that it coordinates the partitions it leads
// that are new to this client.
func (c *Client) listGroupsRound(ctx context.Context, states, types []string, fresh bool) roundResult {
	var (
		before groupsView
		ids    []int32
		err    error
	)
	if fresh {
		before, err = c.viewNow(ctx)
		ids = before.ids
	} else {
		ids, err = c.brokerIDs(ctx)
	}
	if err != nil {
		return roundResult{err: fmt.Errorf("list groups: %w", err)}
	}
	var probes map[int32][]int32
	if fresh {
		probes = c.coordinators.unconfirmed(before)
	}
	roundCtx, cancelRound := context.WithCancel(ctx)
	defer cancelRound()
	var (
		stale atomic.Bool
		check sync.WaitGroup
	)
	if !fresh {
		check.Go(func() {
			now, err := c.viewNow(roundCtx)
			if err != nil {
				before.ids = nil // unknown: the check after the round decides
				return
			}
			before = now
			if !slices.Equal(now.ids, ids) {
				stale.Store(true)
				cancelRound()
			}
		})
	}

	var (
		disturbed atomic.Bool
		loadingMu sync.Mutex
		loading   *notActive
	)
	found := newResults[int32, []ListedGroup](len(ids))
	failed := run(roundCtx, c, driver.Call[int32]{
		Name:  "list groups",
		Keys:  ids,
		Route: func(id int32) driver.Route { return driver.Route{Kind: driver.ToBroker, Broker: id, Every: true} },
		Send: func(ctx context.Context, b *cluster.Broker, batch []driver.Attempt[int32]) (map[int32]driver.Result, error) {
			if batch[0].N > 1 {
				disturbed.Store(true)
			}
			if ps := probes[b.ID]; len(ps) > 0 {
				na, err := probeActive(ctx, b, ps, len(before.leaders))
				if err != nil {
					return nil, err
				}
				if na != nil {
					loadingMu.Lock()
					loading = na
					loadingMu.Unlock()
				}
			}
			req := kmsg.NewPtrListGroupsRequest()
			req.StatesFilter = states
			req.TypesFilter = types
			resp, err := b.Request(ctx, req, listGroupsMinVersion(states, types), 5)
			var ue *conn.UnsupportedVersionError
			if errors.As(err, &ue) {
				ue.Reason = "filtering groups by state needs v4 (Kafka 2.6), by type v5 (Kafka 3.8)"
			}
			if err != nil {
				return nil, err
			}
			lr := resp.(*kmsg.ListGroupsResponse)
			res := driver.ForCode(driver.ToBroker, kafkaerr.New(lr.ErrorCode, nil))
			if res.Outcome == driver.Done {
				gs := make([]ListedGroup, 0, len(lr.Groups))
				for _, g := range lr.Groups {
					lg := ListedGroup{Group: g.Group, State: g.GroupState, Type: g.GroupType, ProtocolType: g.ProtocolType, Coordinator: b.ID}
					if matches(lg, states, types) {
						gs = append(gs, lg)
					}
				}
				found.set(b.ID, gs)
			}
			return map[int32]driver.Result{batch[0].Key: res}, nil
		},
	}, BrokerKey)
	check.Wait()
	if stale.Load() {
		return roundResult{disturbed: true}
	}
	for id, ke := range failed {
		if errors.Is(ke.Err, cluster.ErrBrokerGone) {
			delete(failed, id)
			disturbed.Store(true)
		}
	}
	after, err := c.viewNow(ctx)
	if err == nil && !after.sameAs(before) {
		disturbed.Store(true)
	}
	r := roundResult{listed: c.mergeListed(found.m), disturbed: disturbed.Load(), loading: loading, err: callError("list groups", len(ids), failed)}
	switch {
	case r.err != nil || r.disturbed || r.loading != nil || err != nil:
	case fresh:
		// Every partition was active when its leader listed its groups:
		// the ones probed just now, and the others before.
		c.coordinators.confirm(before)
		r.confirmed = true
	default:
		r.confirmed = len(c.coordinators.unconfirmed(before)) == 0
	}
	return r
}

// brokerIDs lists the brokers' node ids, ascending, from metadata no older
// than the configured maximum age.
func (c *Client) brokerIDs(ctx context.Context) ([]int32, error) {
	brokers, err := c.cl.Brokers(ctx, 0)
	return nodeIDs(brokers), err
}

func nodeIDs(brokers []*cluster.Broker) []int32 {
	ids := make([]int32, len(brokers))
	for i, b := range brokers {
		ids[i] = b.ID
	}
	return ids
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
