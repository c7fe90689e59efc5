package cluster

import (
	"context"
	"time"

	"github.com/kafadmin/kafadmin/internal/conn"
)

// flight is a look-up in progress that many callers can wait for.
type flight struct {
	done chan struct{}
	val  any
	err  error
}

// lookupTimeout bounds a shared look-up, which runs on the cluster's context
// rather than any one caller's.
func (cl *Cluster) lookupTimeout() time.Duration {
	c := cl.cfg.Conn
	return 2 * (orDefault(c.DialTimeout, conn.DefaultDialTimeout) + orDefault(c.RequestTimeout, conn.DefaultRequestTimeout))
}

// startFlight runs fn in the background under the cluster's context; finish
// runs before the flight's waiters wake.
// startFlight runs fn in the background under the cluster's context; finish
// runs before the flight's waiters wake. On a closing cluster the flight
// fails at once with ErrClosed.
func (cl *Cluster) startFlight(fn func(ctx context.Context) (any, error), finish func(*flight)) *flight {
	f := &flight{done: make(chan struct{})}
	started := cl.goBackground(func() {
		ctx, cancel := context.WithTimeout(cl.ctx, cl.lookupTimeout())
		f.val, f.err = fn(ctx)
		cancel()
		if cl.Closed() && f.err != nil {
			f.err = ErrClosed
		}
		finish(f)
		close(f.done)
	})
	if !started {
		f.err = ErrClosed
		close(f.done)
	}
	return f
}

func (f *flight) wait(ctx context.Context) (any, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
