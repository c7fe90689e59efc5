package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
)

// brokerKeys returns the keys of a call to brokers: the ids given
// (checked and sorted), or, when none are, every broker of fresh metadata,
// with every set.
func (c *Client) brokerKeys(ctx context.Context, op string, ids []int32) (keys []int32, every bool, err error) {
	for _, id := range ids {
		if id < 0 {
			return nil, false, fmt.Errorf("%s: broker id %d is negative: broker ids are 0 or more", op, id)
		}
	}
	if len(ids) > 0 {
		return slices.Compact(slices.Sorted(slices.Values(ids))), false, nil
	}
	resp, err := c.metadata(ctx, op, []string{})
	if err != nil {
		return nil, false, err
	}
	for _, b := range resp.Brokers {
		keys = append(keys, b.NodeID)
	}
	if len(keys) == 0 {
		return nil, false, fmt.Errorf("%s: the cluster's metadata lists no brokers", op)
	}
	slices.Sort(keys)
	return keys, true, nil
}

// explainBrokerGone says what to do about a broker the cluster's metadata
// does not list: one it never listed is most likely a wrong id; one it no
// longer lists is down (Kafka leaves a broker out while it is shut down or
// fenced) or has left the cluster.
func explainBrokerGone(id int32, err error) error {
	switch {
	case errors.Is(err, cluster.ErrBrokerUnknown):
		return fmt.Errorf("the cluster has no broker %d: check the node id (ListBrokers lists the brokers): %w", id, err)
	case errors.Is(err, cluster.ErrBrokerGone):
		return fmt.Errorf("broker %d is down or has left the cluster: %w", id, err)
	}
	return err
}

// brokerRoute sends a key to the broker it names.
func brokerRoute(id int32) driver.Route { return driver.Route{Kind: driver.ToBroker, Broker: id} }

// brokersRoute is brokerRoute for the keys of a call to brokers: with
// every, a broker that left the cluster fails at once, to be left out.
func brokersRoute(every bool) func(int32) driver.Route {
	return func(id int32) driver.Route { return driver.Route{Kind: driver.ToBroker, Broker: id, Every: every} }
}

// leaveOutGone drops, from a call to every broker, the brokers that left
// the cluster while it ran, and returns the brokers left.
func leaveOutGone(every bool, brokers []int32, failed map[int32]*KeyError) []int32 {
	if !every {
		return brokers
	}
	for id, ke := range failed {
		if errors.Is(ke, cluster.ErrBrokerGone) {
			delete(failed, id)
			brokers = slices.DeleteFunc(brokers, func(b int32) bool { return b == id })
		}
	}
	return brokers
}
