// Package kafkatest runs a multi-broker Kafka cluster inside the test process,
// with controls to make it fail the way real clusters do.
//
// kafadmin promises transparent failover: an admin operation must survive a
// broker that crashes, restarts, stops answering, loses its connections or
// hands its groups and partitions to another broker. Proving that needs a
// cluster whose brokers can be made to do all of that on cue, quickly and
// without containers. kafkatest builds one on franz-go's kfake, which speaks
// the Kafka protocol, and owns every broker's TCP listener so that it can
// also fail brokers below the protocol: refuse dials, reset or close
// connections, or swallow responses.
//
// # Starting a cluster
//
// In a test, New starts a cluster and closes it when the test ends:
//
//	c := kafkatest.New(t, kafkatest.Brokers(3), kafkatest.SeedTopic("orders", 6))
//	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...))
//
// Start does the same outside tests; call Close when done. Brokers listen on
// free 127.0.0.1 ports with node ids 0 to n-1, and the last one is the
// controller for the cluster's life. WithTLS and WithSASL secure the
// listeners; WithKfakeOptions passes anything else to kfake.
//
// # Faults
//
// Faults act on a broker by node id:
//
//   - ResetConnections and CloseConnections end live connections with an RST
//     or a FIN; new connections still work.
//   - StopBroker makes the broker's port refuse dials and resets its
//     connections, as if the process died; kfake does not notice, so
//     metadata keeps listing it. StartBroker brings it back on the same
//     port; RestartBroker and RollingRestart combine the two.
//   - SetBlackhole keeps connections open but discards every response.
//   - RemoveBroker takes a broker out of the cluster for good.
//   - MoveCoordinator, MoveCoordinatorsOff, MoveLeadersOff and ShuffleLeaders move group
//     coordinators and partition leaders, so clients meet NOT_COORDINATOR
//     and NOT_LEADER_OR_FOLLOWER.
//   - FailNext answers the next requests matching a kfake.Fault with an
//     error code.
//
// RequestCount and RequestCounts tell how many requests of each kind the
// cluster received, to check how often a client retried.
//
// # Seeding
//
// CreateTopic, Produce, CommitOffsets and JoinMember put topics, records,
// committed offsets and (silent, static) group members in place, so a test
// can start from the state it needs. JoinConsumerMember adds a KIP-848
// consumer group member, which the cluster keeps heartbeating until
// LeaveConsumerMember or Close.
package kafkatest
