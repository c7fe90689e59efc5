// Package realkafka runs a real Apache Kafka cluster (KRaft, one JVM per
// node, on loopback) from Go, with controls to make it fail: for tests,
// benchmarks and demos that must see Kafka's own failure behaviour, without
// Docker.
//
// kafadmin promises that admin calls keep working while brokers restart
// and coordinators and leaders move. An embedded fake broker (see
// kafkatest) proves the client's side of that quickly, but Kafka fails in
// its own ways: a SIGKILLed broker keeps its partitions and groups until
// the controller's session for it times out, and its restart is refused
// until then; a SIGTERMed one hands them over in a controlled shutdown; a
// new group coordinator answers COORDINATOR_LOAD_IN_PROGRESS while it
// loads, and leaves the groups it has not taken up yet out of ListGroups; a
// paused broker accepts connections and answers nothing. This package lets
// a Go test produce each of these on cue.
//
// # Starting a cluster
//
//	rk := realkafka.New(t)                // 3 brokers, also the controller quorum
//	rk := realkafka.Shared(t)             // one cluster for every test of the binary
//	rk, err := realkafka.Start(ctx, opts...) // outside tests; Close it
//
// The first start of a Kafka version resolves its jars with Maven into a
// cache (see EnvCache), which needs Java 17+ and Maven on the machine and
// Maven Central (or a mirror) reachable; Available says whether they are
// there, and New and Shared skip a test without them (or fail it when $CI is
// true). Storage is formatted with Kafka's own tool, every node gets free
// ports, and Start returns once metadata lists every broker, the consumer
// offsets topic exists with every replica in sync, and every broker answers
// through its proxy.
//
// # Faults
//
// Clients reach each broker through a fault proxy, which the broker
// advertises: ResetConnections and CloseConnections end the live client
// connections with an RST or a FIN, and RefuseConnections makes the port
// refuse dials, while the broker itself runs on. Nodes are controlled with
// signals: StopNode (SIGTERM, a controlled shutdown), KillNode (SIGKILL),
// PauseNode and ResumeNode (SIGSTOP, SIGCONT), StartNode (the same node id,
// ports and data), RestartNode, KillAndRestartNode and RollingRestart.
// MoveLeader and MoveCoordinator move a partition's leadership and, with
// the leadership of its __consumer_offsets partition, a group's
// coordinator; Coordinator, Leader and ActiveController say where things
// are; WaitHealthy waits until the cluster is whole again.
//
// # Settings
//
// The brokers run with Kafka's defaults except where a test cluster needs
// otherwise (props.go says why for each): three partitions per internal
// topic, so that a group's coordinator (the leader of partition
// abs(hash(group)) % 3) can be placed; heartbeats every 500 ms; followers
// out of sync after 5 s; no automatic leader rebalancing; no initial
// rebalance delay; small thread pools and heaps. The broker session timeout
// stays Kafka's 9 s. BrokerConfig overrides any property.
//
// # Cleaning up
//
// Close kills every JVM and removes the cluster's directory. Every JVM is
// its own process group, started with the parent-death signal set to
// SIGKILL, and a shell started beside them removes the directory when the
// process that started the cluster ends, even by SIGKILL: a test binary that
// dies leaves nothing behind.
package realkafka
