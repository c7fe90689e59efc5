package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ResetConnections aborts every live client connection of a broker with a
// TCP RST, so clients see "connection reset by peer", and returns how many it
// reset. The broker keeps accepting new connections.
func (c *Cluster) ResetConnections(node int32) (int, error) {
	l, err := c.broker(node)
	if err != nil {
		return 0, err
	}
	return l.ResetConns(), nil
}

// CloseConnections closes every live client connection of a broker with a
// FIN, so clients read EOF, and returns how many it closed. The broker keeps
// accepting new connections.
func (c *Cluster) CloseConnections(node int32) (int, error) {
	l, err := c.broker(node)
	if err != nil {
		return 0, err
	}
	return l.CloseConns(), nil
}

// StopBroker takes a broker down as if its process crashed: its port refuses
// new connections and its live connections are reset. kfake does not notice,
// so metadata still lists the broker, partitions it leads stay with it and
// groups it coordinates stay with it, as in a cluster that has not yet
// noticed the crash. Stopping a stopped broker does nothing.
func (c *Cluster) StopBroker(node int32) error {
	l, err := c.broker(node)
	if err != nil {
		return err
	}
	if err := l.Stop(); err != nil {
		return fmt.Errorf("kafkatest: stopping node %d: %w", node, err)
	}
	return nil
}

// StartBroker brings a stopped broker back on the same port with the same
// node id and state. Starting a running broker does nothing.
func (c *Cluster) StartBroker(node int32) error {
	l, err := c.broker(node)
	if err != nil {
		return err
	}
	if err := l.Start(); err != nil {
		return fmt.Errorf("kafkatest: starting node %d: %w", node, err)
	}
	return nil
}

// RestartBroker stops a broker, waits for downtime or until ctx is done, and
// starts it again. The broker is running again whenever this returns after
// stopping it; if ctx ended the downtime early, ctx's error is returned.
func (c *Cluster) RestartBroker(ctx context.Context, node int32, downtime time.Duration) error {
	if err := c.StopBroker(node); err != nil {
		return err
	}
	waitErr := sleep(ctx, downtime)
	if err := c.StartBroker(node); err != nil {
		return errors.Join(waitErr, err)
	}
	return waitErr
}

// RollingRestart restarts every running broker in node order, the way an
// operator rolls a cluster: it stops the broker, waits downtime, starts it,
// moves every group coordinator and partition leader (as leadership moves
// after a restart), and waits pause before the next broker. It stops early
// with ctx's error, never leaving a broker stopped.
func (c *Cluster) RollingRestart(ctx context.Context, downtime, pause time.Duration) error {
	for _, node := range c.runningNodes() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.RestartBroker(ctx, node, downtime); err != nil {
			return err
		}
		c.kf.RehashCoordinators()
		c.ShuffleLeaders()
		if err := sleep(ctx, pause); err != nil {
			return err
		}
	}
	return nil
}

// RemoveBroker removes a broker for good: its port refuses connections, its
// live connections are reset, and kfake drops it from metadata. kfake then
// gives every partition (not only the removed broker's) a random leader among
// the remaining brokers, and since a group's coordinator depends on the number
// of brokers, most groups move too. The controller cannot be removed: kfake
// fixes it at creation, and without it CreateTopics answers NOT_CONTROLLER
// for good.
func (c *Cluster) RemoveBroker(node int32) error {
	c.removeMu.Lock()
	defer c.removeMu.Unlock()
	if _, err := c.broker(node); err != nil {
		return err
	}
	if node == c.controller {
		return fmt.Errorf("kafkatest: cannot remove node %d: it is the controller, which kfake pins for the cluster's life; stop and start it instead", node)
	}
	var err error
	if lerr := c.onLoop(func(kf *kfake.Cluster) { err = kf.RemoveNode(node) }); lerr != nil {
		return lerr
	}
	if err != nil {
		return fmt.Errorf("kafkatest: removing node %d: %w", node, err)
	}
	c.mu.Lock()
	c.removed[node] = true
	c.mu.Unlock()
	return nil
}

// SetBlackhole makes a broker accept connections and read requests but never
// answer: everything it would write, on existing and new connections, is
// discarded until it is turned off. Turning it off resets the connections
// that lost responses, since their byte streams no longer line up with what
// clients sent; clients recover on a new connection.
func (c *Cluster) SetBlackhole(node int32, on bool) error {
	l, err := c.broker(node)
	if err != nil {
		return err
	}
	l.SetBlackhole(on)
	return nil
}

// Blackholed reports whether the broker is black-holed; false for an unknown
// node.
func (c *Cluster) Blackholed(node int32) bool {
	l, err := c.broker(node)
	return err == nil && l.Blackholed()
}

// ShuffleLeaders gives every partition a random new leader among the brokers
// that have not been removed (stopped ones included) and bumps its leader
// epoch.
func (c *Cluster) ShuffleLeaders() {
	_ = c.onLoop(func(kf *kfake.Cluster) { kf.ShufflePartitionLeaders() })
}

// Leader returns the node leading a partition, or -1 if the partition does
// not exist or the cluster is closed.
func (c *Cluster) Leader(topic string, partition int32) int32 {
	leader := int32(-1)
	_ = c.onLoop(func(kf *kfake.Cluster) { leader = kf.LeaderFor(topic, partition) })
	return leader
}

// FailNext installs a kfake fault: the next f.Count requests that match f
// (by API key, node, group, topic, ...) are answered with f.Err instead of
// being handled. A Count of 0 means one request and -1 every request until
// the handle's Remove; a nil Err means UNKNOWN_SERVER_ERROR. Use the handle to
// wait for the hits or remove the fault.
func (c *Cluster) FailNext(f kfake.Fault) *kfake.FaultHandle {
	return c.kf.Fault(f)
}

// sleep waits for d or until ctx is done, returning ctx's error in that case.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// MoveLeadersOff hands the leadership of every partition of topics that node
// leads to the running brokers, in turn, bumping each moved partition's
// leader epoch, as Kafka's controller does when a broker dies. kfake keeps a
// stopped or black-holed broker's leaderships otherwise.
func (c *Cluster) MoveLeadersOff(node int32, topics ...string) error {
	if _, err := c.broker(node); err != nil {
		return err
	}
	targets := slices.DeleteFunc(c.runningNodes(), func(id int32) bool { return id == node })
	if len(targets) == 0 {
		return fmt.Errorf("kafkatest: cannot move leaders off node %d: no other broker is running; start one first", node)
	}
	var moveErr error
	err := c.onLoop(func(kf *kfake.Cluster) {
		next := 0
		for _, t := range topics {
			infos := kf.PartitionInfos(t)
			if infos == nil {
				moveErr = fmt.Errorf("kafkatest: topic %q does not exist", t)
				return
			}
			for _, p := range infos {
				if p.Leader != node {
					continue
				}
				if moveErr = kf.MoveTopicPartition(t, p.Partition, targets[next%len(targets)]); moveErr != nil {
					return
				}
				next++
			}
		}
	})
	return cmpErr(err, moveErr)
}

func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}

// HoldNext makes the broker that receives the next request of key hold it
// for d before handling it, as a broker holds a CreateTopics until the
// topic is created or its timeout passes, or as a slow broker does. It
// returns a channel closed once the request is held, and a function that
// ends the hold at once (Close ends it too). Other requests, on other
// connections, are served meanwhile.
func (c *Cluster) HoldNext(key kmsg.Key, d time.Duration) (held <-chan struct{}, release func()) {
	h, done := make(chan struct{}), make(chan struct{})
	var heldOnce, doneOnce sync.Once
	release = func() { doneOnce.Do(func() { close(done) }) }
	c.holds.add(release)
	c.kf.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.kf.DropControl()
		heldOnce.Do(func() { close(h) })
		c.kf.SleepControl(func() {
			timer := time.NewTimer(d)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-done:
			}
		})
		return nil, nil, false // then handled as usual
	})
	return h, release
}

// holds are the releases of HoldNext's holds.
type holds struct {
	mu       sync.Mutex
	releases []func()
}

func (h *holds) add(release func()) {
	h.mu.Lock()
	h.releases = append(h.releases, release)
	h.mu.Unlock()
}

func (h *holds) releaseAll() {
	h.mu.Lock()
	rs := h.releases
	h.releases = nil
	h.mu.Unlock()
	for _, r := range rs {
		r()
	}
}
