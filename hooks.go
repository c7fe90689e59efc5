package kafadmin

import (
	"context"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
)

// Hook is a value implementing one or more of BrokerConnectHook,
// BrokerDisconnectHook, RequestHook, RetryHook and CoordinatorMovedHook,
// given to WithHooks. Metrics are built on hooks. Hooks are called
// synchronously from the goroutine doing the work: they must be quick, must
// not block, and must be safe for concurrent use.
type Hook any

// BrokerConnectHook hears every dial to a broker.
type BrokerConnectHook interface {
	OnBrokerConnect(BrokerConnectEvent)
}

// BrokerDisconnectHook hears every connection that dies.
type BrokerDisconnectHook interface {
	OnBrokerDisconnect(BrokerDisconnectEvent)
}

// RequestHook hears every request handed to a broker connection, answered
// or failed.
type RequestHook interface {
	OnRequest(RequestEvent)
}

// RetryHook hears every failed attempt that will be retried.
type RetryHook interface {
	OnRetry(RetryEvent)
}

// CoordinatorMovedHook hears a coordinator look-up that found a group (or
// transactional id) on a different broker than before.
type CoordinatorMovedHook interface {
	OnCoordinatorMoved(CoordinatorMovedEvent)
}

// BrokerConnectEvent is a dial: Err is nil when it succeeded.
type BrokerConnectEvent struct {
	Broker int32 // node id; negative for a bootstrap address
	Addr   string
	Took   time.Duration
	Err    error
}

// BrokerDisconnectEvent is a connection that died, and why (an idle
// connection closed by the client is a normal cause).
type BrokerDisconnectEvent struct {
	Broker int32
	Addr   string
	Cause  error
}

// RequestEvent is one request and its response (or failure).
type RequestEvent struct {
	Broker  int32
	API     string // e.g. "OffsetFetch"
	Key     int16  // the API key
	Version int16
	Latency time.Duration
	Err     error // a connection failure; Kafka error codes are in the response, not here
}

// RetryEvent is an attempt that failed and will be retried after Backoff.
type RetryEvent struct {
	Op      string // e.g. "describe groups"
	Key     string // e.g. `group "orders"`
	Broker  int32  // the broker of the last send; -1 before any send
	Attempt int
	Backoff time.Duration
	Cause   error
}

// CoordinatorMovedEvent is a coordinator found on a new broker.
type CoordinatorMovedEvent struct {
	Kind     string // "group" or "transaction"
	Key      string
	From, To int32
}

func isHook(h Hook) bool {
	switch h.(type) {
	case BrokerConnectHook, BrokerDisconnectHook, RequestHook, RetryHook, CoordinatorMovedHook:
		return true
	}
	return false
}

// observer turns the cluster's events into hook calls and log records.
type observer struct {
	log        *slog.Logger
	connect    []BrokerConnectHook
	disconnect []BrokerDisconnectHook
	request    []RequestHook
	retry      []RetryHook
	moved      []CoordinatorMovedHook
}

func newObserver(log *slog.Logger, hooks []Hook) cluster.Observer {
	o := &observer{log: log}
	for _, h := range hooks {
		if x, ok := h.(BrokerConnectHook); ok {
			o.connect = append(o.connect, x)
		}
		if x, ok := h.(BrokerDisconnectHook); ok {
			o.disconnect = append(o.disconnect, x)
		}
		if x, ok := h.(RequestHook); ok {
			o.request = append(o.request, x)
		}
		if x, ok := h.(RetryHook); ok {
			o.retry = append(o.retry, x)
		}
		if x, ok := h.(CoordinatorMovedHook); ok {
			o.moved = append(o.moved, x)
		}
	}
	return o
}

func (o *observer) logAt(level slog.Level, msg string, attrs ...slog.Attr) {
	if o.log != nil {
		o.log.LogAttrs(context.Background(), level, msg, attrs...)
	}
}

func (o *observer) BrokerConnected(node int32, addr string, took time.Duration, err error) {
	ev := BrokerConnectEvent{Broker: node, Addr: addr, Took: took, Err: err}
	for _, h := range o.connect {
		h.OnBrokerConnect(ev)
	}
	if err != nil {
		o.logAt(slog.LevelInfo, "kafadmin: broker dial failed", slog.Int("broker", int(node)), slog.String("addr", addr), slog.Any("err", err))
		return
	}
	o.logAt(slog.LevelDebug, "kafadmin: broker connected", slog.Int("broker", int(node)), slog.String("addr", addr), slog.Duration("took", took))
}

func (o *observer) BrokerDisconnected(node int32, addr string, cause error) {
	ev := BrokerDisconnectEvent{Broker: node, Addr: addr, Cause: cause}
	for _, h := range o.disconnect {
		h.OnBrokerDisconnect(ev)
	}
	o.logAt(slog.LevelDebug, "kafadmin: broker disconnected", slog.Int("broker", int(node)), slog.String("addr", addr), slog.Any("cause", cause))
}

func (o *observer) RequestDone(node int32, key, version int16, took time.Duration, err error) {
	if len(o.request) == 0 {
		return
	}
	ev := RequestEvent{Broker: node, API: kmsg.NameForKey(key), Key: key, Version: version, Latency: took, Err: err}
	for _, h := range o.request {
		h.OnRequest(ev)
	}
}

func (o *observer) CoordinatorMoved(kind cluster.CoordKind, key string, from, to int32) {
	ev := CoordinatorMovedEvent{Kind: kind.String(), Key: key, From: from, To: to}
	for _, h := range o.moved {
		h.OnCoordinatorMoved(ev)
	}
	o.logAt(slog.LevelInfo, "kafadmin: coordinator moved", slog.String("kind", ev.Kind), slog.String("key", key), slog.Int("from", int(from)), slog.Int("to", int(to)))
}

func (o *observer) Retry(op, key string, node int32, attempt int, backoff time.Duration, cause error) {
	ev := RetryEvent{Op: op, Key: key, Broker: node, Attempt: attempt, Backoff: backoff, Cause: cause}
	for _, h := range o.retry {
		h.OnRetry(ev)
	}
	o.logAt(slog.LevelDebug, "kafadmin: retrying", slog.String("op", op), slog.String("key", key), slog.Int("broker", int(node)), slog.Int("attempt", attempt), slog.Duration("backoff", backoff), slog.Any("cause", cause))
}
