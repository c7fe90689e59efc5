package realkafka

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Running reports whether a node's JVM runs (paused or not).
func (c *Cluster) Running(id int32) bool {
	n, err := c.node(id)
	if err != nil {
		return false
	}
	p := n.process()
	return p != nil && !p.exited()
}

// Paused reports whether a node's JVM is stopped by PauseNode.
func (c *Cluster) Paused(id int32) bool {
	n, err := c.node(id)
	if err != nil {
		return false
	}
	p := n.process()
	return p != nil && !p.exited() && p.isPaused()
}

// running returns n's live process, or an error saying the node is down.
func running(n *node) (*process, error) {
	p := n.process()
	if p == nil || p.exited() {
		return nil, fmt.Errorf("realkafka: node %d is not running", n.id)
	}
	return p, nil
}

// StopNode shuts a node down the way an operator does, with SIGTERM: a
// broker's controlled shutdown hands its partition leaderships (and with
// them its groups) to other brokers before it exits. If the JVM has not
// exited after StopTimeout (a broker waits for a controller quorum that is
// gone), it is killed. StopNode returns once the JVM has exited; stopping
// a node that is down does nothing.
func (c *Cluster) StopNode(ctx context.Context, id int32) error {
	n, err := c.node(id)
	if err != nil {
		return err
	}
	n.ops.Lock()
	defer n.ops.Unlock()
	p := n.process()
	if p == nil || p.exited() {
		return nil
	}
	begin := time.Now()
	done := make(chan bool, 1)
	go func() { done <- p.stop(c.cfg.stopTimeout) }()
	select {
	case killed := <-done:
		if killed {
			c.cfg.logf("realkafka: node %d did not shut down within %v of SIGTERM and was killed", id, c.cfg.stopTimeout)
		} else {
			c.cfg.logf("realkafka: node %d shut down in %v", id, time.Since(begin).Round(10*time.Millisecond))
		}
		c.awaitFollower(n, p)
		return nil
	case <-ctx.Done():
		p.kill()
		<-done
		c.awaitFollower(n, p)
		return fmt.Errorf("realkafka: stopping node %d: %w; it was killed", id, ctx.Err())
	}
}

// KillNode kills a node's JVM with SIGKILL, as a crash would: connections
// break, and the controller notices only when the broker's session times
// out (9 s), then fences it and moves its leaderships and groups. KillNode
// returns once the JVM is gone; killing a node that is down does nothing.
func (c *Cluster) KillNode(id int32) error {
	n, err := c.node(id)
	if err != nil {
		return err
	}
	n.ops.Lock()
	defer n.ops.Unlock()
	if p := n.process(); p != nil {
		p.kill()
		c.awaitFollower(n, p)
		c.cfg.logf("realkafka: node %d killed", id)
	}
	return nil
}

// awaitFollower waits until the watcher of p has taken the node's proxies
// down.
func (c *Cluster) awaitFollower(_ *node, p *process) {
	<-p.followed
}

// StartNode starts a node that is down, with the same node id, ports and
// data, and waits until it serves again: a broker is listed in metadata (the
// controller unfenced it) and its proxies serve; a controller runs. After a
// crash a broker is refused until its old session times out, so this takes
// at least that long. Starting a running node does nothing.
func (c *Cluster) StartNode(ctx context.Context, id int32) error {
	n, err := c.node(id)
	if err != nil {
		return err
	}
	n.ops.Lock()
	defer n.ops.Unlock()
	if p := n.process(); p != nil && !p.exited() {
		return nil
	}
	begin := time.Now()
	if err := c.launch(n); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.startTimeout)
	defer cancel()
	if err := c.waitServing(ctx, []*node{n}); err != nil {
		if errors.Is(err, errPortTaken) {
			return fmt.Errorf("realkafka: node %d cannot start on its own ports again: %w", id, err)
		}
		return err
	}
	c.cfg.logf("realkafka: node %d serving again in %v", id, time.Since(begin).Round(10*time.Millisecond))
	return nil
}

// RestartNode stops a node (SIGTERM, as StopNode), keeps it down for
// downtime, and starts it again (as StartNode). The node is started again
// even if ctx ends during the downtime.
func (c *Cluster) RestartNode(ctx context.Context, id int32, downtime time.Duration) error {
	return c.downFor(ctx, id, downtime, func() error { return c.StopNode(ctx, id) })
}

// KillAndRestartNode kills a node (SIGKILL, as KillNode), keeps it down for
// downtime and starts it again (as StartNode, which waits for the old
// session to time out).
func (c *Cluster) KillAndRestartNode(ctx context.Context, id int32, downtime time.Duration) error {
	return c.downFor(ctx, id, downtime, func() error { return c.KillNode(id) })
}

// downFor takes a node down with down, waits downtime and starts it again,
// even if ctx ends during the downtime.
func (c *Cluster) downFor(ctx context.Context, id int32, downtime time.Duration, down func() error) error {
	if err := down(); err != nil {
		return err
	}
	waitErr := sleepCtx(ctx, downtime)
	startCtx := ctx
	if waitErr != nil {
		var cancel context.CancelFunc
		startCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), c.cfg.startTimeout)
		defer cancel()
	}
	return errors.Join(waitErr, c.StartNode(startCtx, id))
}

// PauseNode stops a node's JVM with SIGSTOP: connections stay open and new
// ones are accepted (by the kernel), but nothing is answered, and a broker
// stops heartbeating, so the controller fences it after 9 s and moves its
// leaderships and groups. ResumeNode continues it.
func (c *Cluster) PauseNode(id int32) error {
	return c.signalNode(id, syscall.SIGSTOP, true, "paused")
}

// ResumeNode continues a JVM paused by PauseNode. A broker that was fenced
// meanwhile catches up and is unfenced by itself; WaitHealthy waits for
// that.
func (c *Cluster) ResumeNode(id int32) error {
	return c.signalNode(id, syscall.SIGCONT, false, "resumed")
}

// signalNode sends sig to a running node's JVM and records whether it is
// now paused.
func (c *Cluster) signalNode(id int32, sig syscall.Signal, paused bool, done string) error {
	n, err := c.node(id)
	if err != nil {
		return err
	}
	n.ops.Lock()
	defer n.ops.Unlock()
	p, err := running(n)
	if err != nil {
		return err
	}
	if err := p.signal(sig); err != nil {
		return fmt.Errorf("realkafka: sending %v to node %d: %w", sig, id, err)
	}
	p.setPaused(paused)
	c.cfg.logf("realkafka: node %d %s", id, done)
	return nil
}

// brokerNode returns the broker with id.
func (c *Cluster) brokerNode(id int32) (*node, error) {
	n, err := c.node(id)
	if err != nil {
		return nil, err
	}
	if !n.broker {
		return nil, fmt.Errorf("realkafka: node %d is a controller, which has no client connections", id)
	}
	return n, nil
}

// ResetConnections aborts every live client connection of a broker with a
// TCP RST at its proxy, so clients read "connection reset by peer", and
// returns how many it reset. The broker itself sees its end closed, and new
// connections work.
func (c *Cluster) ResetConnections(id int32) (int, error) {
	n, err := c.brokerNode(id)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, p := range n.proxies {
		total += p.ln.ResetConns()
	}
	return total, nil
}

// CloseConnections closes every live client connection of a broker with a
// FIN at its proxy, so clients read EOF, and returns how many it closed.
func (c *Cluster) CloseConnections(id int32) (int, error) {
	n, err := c.brokerNode(id)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, p := range n.proxies {
		total += p.ln.CloseConns()
	}
	return total, nil
}

// RefuseConnections makes a broker's client ports refuse dials, and resets
// its live client connections, while on is true; the broker itself runs on,
// keeps its leaderships and groups, and replicates as before.
func (c *Cluster) RefuseConnections(id int32, on bool) error {
	n, err := c.brokerNode(id)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range n.proxies {
		errs = append(errs, p.refuse(on))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("realkafka: refusing node %d's connections: %w", id, err)
	}
	return nil
}

// RollingRestart restarts every broker in id order the way an operator
// rolls a cluster: SIGTERM, downtime, start, and the next broker only once
// the restarted one serves and every partition is back in sync. It stops
// early with ctx's error, never leaving a broker down.
func (c *Cluster) RollingRestart(ctx context.Context, downtime time.Duration) error {
	for _, id := range c.BrokerIDs() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.RestartNode(ctx, id, downtime); err != nil {
			return err
		}
		if err := c.WaitHealthy(ctx); err != nil {
			return err
		}
	}
	return nil
}
