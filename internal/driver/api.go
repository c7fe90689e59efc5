package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
)

// API is one Kafka API described as data: where each key goes, how the
// keys bound for one broker become one request, how the answer becomes
// each key's value or error, and the API's exceptions to the failover
// rules. Do runs it; everything about failover stays in the driver, and an
// operation is only the mapping of its arguments and results.
type API[K comparable, V any] struct {
	// Name is what a call does, e.g. "create topics".
	Name string
	// Route says where a key must be sent.
	Route func(K) Route
	// Describe names a key in errors and events, e.g. `topic "t"`.
	Describe func(K) string
	// MinVersion and MaxVersion bound the request's version; the highest
	// the broker supports is sent.
	MinVersion, MaxVersion int16
	// Request builds one request for the keys bound for one broker.
	Request func(batch []Attempt[K]) kmsg.Request
	// Response reads the answer: each key of the batch to its value or
	// its error (a Kafka code as a *kerr.Error, wrapped as needed). A key
	// left out of the map fails, saying the broker left it out.
	Response func(b *cluster.Broker, batch []Attempt[K], resp kmsg.Response) map[K]Answer[V]
	// Exceptions are the API's departures from Rules.
	Exceptions []Exception
	// MaxBatch caps the keys of one request (0: no cap).
	MaxBatch int
	// ServerWait is the timeout the request carries, for requests the
	// broker holds by design (CreateTopics, DeleteRecords...).
	ServerWait time.Duration
}

// Answer is one key's part of a response.
type Answer[V any] struct {
	Value V
	Err   error
}

// Do runs api over keys until every key is done or failed, or ctx ends,
// and returns the values of the keys that are done and the failures of
// the others. A key done by an exception (an error that says an earlier
// attempt did the work) keeps the value Response gave it.
func Do[K comparable, V any](ctx context.Context, cl *cluster.Cluster, backoff Backoff, api API[K, V], keys []K) (map[K]V, map[K]*Failure) {
	var (
		mu     sync.Mutex
		values = make(map[K]V, len(keys))
	)
	send := func(ctx context.Context, b *cluster.Broker, batch []Attempt[K]) (map[K]Result, error) {
		resp, err := b.Request(ctx, api.Request(batch), api.MinVersion, api.MaxVersion)
		if err != nil {
			return nil, err
		}
		answers := api.Response(b, batch, resp)
		out := make(map[K]Result, len(batch))
		mu.Lock()
		defer mu.Unlock()
		for _, a := range batch {
			ans, ok := answers[a.Key]
			if !ok {
				ans.Err = fmt.Errorf("%s left %s out of its answer", b, api.Describe(a.Key))
			}
			res := Classify(api.Route(a.Key).Kind, ans.Err, a.MaybeApplied, api.Exceptions)
			// A broker that times a held change out goes on applying
			// it: the retry must read its answer in that light.
			res.MaybeApplied = api.ServerWait > 0 && errors.Is(ans.Err, kerr.RequestTimedOut)
			if res.Outcome == Done {
				values[a.Key] = ans.Value
			}
			out[a.Key] = res
		}
		return out, nil
	}
	call := Call[K]{Name: api.Name, Keys: keys, Route: api.Route, Describe: api.Describe, Send: send, MaxBatch: api.MaxBatch, ServerWait: api.ServerWait}
	failures := Run(ctx, cl, backoff, call)
	return values, failures
}
