// Package kafadmin administers Apache Kafka clusters (consumer groups, their
// offsets and lag, topics and brokers) and keeps working while the cluster
// changes under it.
//
// # Why
//
// Admin clients that cache a consumer group's coordinator tend to fail,
// sometimes until the process restarts, once that broker restarts or the
// coordinator moves: "connection reset by peer", "broken pipe",
// NOT_COORDINATOR. Lag monitors run for months against clusters that are
// rolled every week, so for them that is not an edge case. A kafadmin Client
// turns a broker restart, a moved coordinator, a new controller or a new
// partition leader into latency, never into an error, within the deadline
// of the caller's context.
//
// # Using it
//
//	cl, err := kafadmin.NewClient(ctx, kafadmin.WithBrokers("kafka-1:9092", "kafka-2:9092"))
//	if err != nil {
//		return err
//	}
//	defer cl.Close()
//	lags, err := cl.Lag(ctx, "orders-consumer")
//
// A Client is safe for concurrent use and is meant to live as long as the
// program: it keeps a connection per broker (and one more for requests the
// broker holds, such as CreateTopics) and caches metadata and
// coordinators across calls. Every method takes a context; a context with no
// deadline gets the call timeout (WithCallTimeout, 30 s by default).
//
// Calls over many keys (groups, partitions) batch them per broker, run the
// brokers in parallel, and return every key: each result carries its own
// Err, and the returned error is a *CallError, naming each failed key with a
// *KeyError, whenever any key failed. No failure hides inside a result with
// a nil error. Errors a broker answered with unwrap to franz-go's
// *kerr.Error: errors.Is(err, kerr.GroupIDNotFound), or ErrorCode(err).
//
// # Failover
//
// Inside a call's deadline, retries are unlimited but backed off,
// exponentially from 20 ms to 200 ms with ±20 % jitter, look-ups included:
//
//   - A connection error (reset, broken pipe, EOF, refused, or a request
//     unanswered within the request timeout) closes the connection; the next
//     request to that broker dials anew, and every key that was sent there
//     is looked up again, since its coordinator or leader may have moved. A
//     failed dial also forgets every coordinator, and the controller,
//     cached for that broker.
//   - NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE send a group back to
//     look-up; COORDINATOR_LOAD_IN_PROGRESS retries it on the same broker.
//     NOT_LEADER_OR_FOLLOWER and the like send a partition back to look-up.
//   - When no known broker can be reached, the bootstrap addresses are used
//     again.
//
// A call fails only when a key meets an error retrying cannot cure (the
// group does not exist, it is not empty, an authorization failure) or the
// deadline passes; the error then names the key, the broker, the last cause
// and the number of attempts.
//
// Limits: a call cannot outlast its deadline, so an outage longer than the
// deadline fails the call (the next call starts afresh). ListGroups asks
// every broker at once and asks again when a broker failed or the brokers
// changed during the round, since a group moving between brokers may then
// have been missed; in a cluster that keeps changing through five rounds it
// returns what it found with an error saying so. Operations that are
// not idempotent (DeleteGroups, RemoveMembers, CreateTopics, DeleteTopics,
// CreatePartitions) may be retried after a connection failure; their results
// say when a retry found the work already done (GoneOnRetry, OnRetry).
//
// # Observing
//
// WithLogger logs connections, retries and coordinator moves to a
// log/slog logger; WithHooks calls hooks on the same events and on every
// request, for metrics.
//
// # Command line
//
// Command kafadmin (cmd/kafadmin) does the same from the shell, for groups,
// topics, configs, partitions and the cluster; kafadmin sandbox starts an
// embedded cluster with data to try it on.
//
// # Testing
//
// Package kafkatest starts an embedded multi-broker cluster on loopback with
// controls to inject the faults above, for kafadmin's own tests and for
// yours.
package kafadmin
