package kafkatest

import (
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kfake"
)

// maxRehashes bounds how many times the coordinator helpers rehash before
// giving up. kfake places a group at hash(generation, group) mod brokers, so
// each rehash is a fresh draw: missing a given broker of three even a
// thousand times in a row does not happen in practice.
const maxRehashes = 10000

// Coordinator returns the node coordinating a group (or transactional id), or
// -1 if the cluster is closed.
func (c *Cluster) Coordinator(group string) int32 {
	coordinator := int32(-1)
	_ = c.onLoop(func(kf *kfake.Cluster) { coordinator = kf.CoordinatorFor(group) })
	return coordinator
}

// MoveCoordinator makes node to coordinate group and returns it. With to < 0
// the group moves to any running broker other than its current coordinator,
// which is returned. to may be a stopped broker, to model a coordinator that
// crashed. A group already on to stays put.
//
// kfake cannot move one group alone: it rehashes every group and
// transactional id at once, so other groups usually move too, and their old
// coordinators answer NOT_COORDINATOR until clients look them up again.
// Group state (members, offsets) moves with the group.
func (c *Cluster) MoveCoordinator(group string, to int32) (int32, error) {
	if to >= 0 {
		if err := c.moveCoordinatorTo(group, to); err != nil {
			return -1, err
		}
		return to, nil
	}
	return c.moveCoordinatorAway(group)
}

func (c *Cluster) moveCoordinatorTo(group string, to int32) error {
	if _, err := c.broker(to); err != nil {
		return err
	}
	reached, err := c.rehashUntil(func(kf *kfake.Cluster) bool { return kf.CoordinatorFor(group) == to })
	if err != nil {
		return err
	}
	if !reached {
		return fmt.Errorf("kafkatest: group %q did not land on node %d in %d coordinator rehashes; check that node %d is still in the cluster", group, to, maxRehashes, to)
	}
	return nil
}

func (c *Cluster) moveCoordinatorAway(group string) (int32, error) {
	from := c.Coordinator(group)
	targets := slices.DeleteFunc(c.runningNodes(), func(id int32) bool { return id == from })
	if len(targets) == 0 {
		return -1, fmt.Errorf("kafkatest: cannot move group %q off node %d: no other broker is running; start one first", group, from)
	}
	landed := int32(-1)
	reached, err := c.rehashUntil(func(kf *kfake.Cluster) bool {
		landed = kf.CoordinatorFor(group)
		return slices.Contains(targets, landed)
	})
	if err != nil {
		return -1, err
	}
	if !reached {
		return -1, fmt.Errorf("kafkatest: group %q did not move off node %d in %d coordinator rehashes", group, from, maxRehashes)
	}
	return landed, nil
}

// MoveCoordinatorsOff rehashes coordinators until node coordinates none of
// the groups. Like MoveCoordinator it moves other groups as well, and the
// groups may land on a stopped broker.
func (c *Cluster) MoveCoordinatorsOff(node int32, groups ...string) error {
	if _, err := c.broker(node); err != nil {
		return err
	}
	if len(groups) == 0 {
		return nil
	}
	if others := len(c.NodeIDs()) - 1; others == 0 {
		return fmt.Errorf("kafkatest: cannot move groups off node %d: it is the only broker", node)
	}
	reached, err := c.rehashUntil(func(kf *kfake.Cluster) bool {
		return !slices.ContainsFunc(groups, func(g string) bool { return kf.CoordinatorFor(g) == node })
	})
	if err != nil {
		return err
	}
	if !reached {
		return fmt.Errorf("kafkatest: %d groups did not all move off node %d in %d coordinator rehashes; move fewer groups at once", len(groups), node, maxRehashes)
	}
	return nil
}

// rehashUntil rehashes coordinators until done reports true, at most
// maxRehashes times, and reports whether done was reached.
func (c *Cluster) rehashUntil(done func(kf *kfake.Cluster) bool) (bool, error) {
	var reached bool
	err := c.onLoop(func(kf *kfake.Cluster) {
		for range maxRehashes {
			if reached = done(kf); reached {
				return
			}
			kf.RehashCoordinators()
		}
		reached = done(kf)
	})
	return reached, err
}
