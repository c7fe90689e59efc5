package cluster

import "time"

// Observer hears what the client does underneath its calls. Its methods are
// called synchronously from the goroutine doing the work, so they must be
// quick and must not block.
type Observer interface {
	// BrokerConnected follows every dial, successful (err nil) or not.
	BrokerConnected(node int32, addr string, took time.Duration, err error)
	// BrokerDisconnected follows the death of a connection that was up.
	BrokerDisconnected(node int32, addr string, cause error)
	// RequestDone follows every request written to a broker.
	RequestDone(node int32, key int16, version int16, took time.Duration, err error)
	// CoordinatorMoved follows a coordinator look-up that found a key on a
	// different broker than before.
	CoordinatorMoved(kind CoordKind, key string, from, to int32)
	// Retry follows every attempt of a call's key that will be retried.
	Retry(op, key string, node int32, attempt int, backoff time.Duration, cause error)
}

// NopObserver ignores everything.
type NopObserver struct{}

// BrokerConnected does nothing.
func (NopObserver) BrokerConnected(int32, string, time.Duration, error) {}

// BrokerDisconnected does nothing.
func (NopObserver) BrokerDisconnected(int32, string, error) {}

// RequestDone does nothing.
func (NopObserver) RequestDone(int32, int16, int16, time.Duration, error) {}

// CoordinatorMoved does nothing.
func (NopObserver) CoordinatorMoved(CoordKind, string, int32, int32) {}

// Retry does nothing.
func (NopObserver) Retry(string, string, int32, int, time.Duration, error) {}
