package kafkatest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kafadmin/kafadmin/kafkatest"
)

// A test starts a cluster, seeds it, fails a broker and checks that the
// client under test rides it out. In a test, kafkatest.New(t, ...) replaces
// Start and the deferred Close.
func Example() {
	c, err := kafkatest.Start(kafkatest.Brokers(3), kafkatest.SeedTopic("orders", 3))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Produce(ctx, "orders", 0, 10); err != nil {
		fmt.Println(err)
		return
	}
	if err := c.CommitOffsets(ctx, "billing", map[string]map[int32]int64{"orders": {0: 4}}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("nodes:", c.NodeIDs(), "controller:", c.Controller())

	// The coordinator of "billing" crashes: clients must find the new one.
	crashed := c.Coordinator("billing")
	if err := c.StopBroker(crashed); err != nil {
		fmt.Println(err)
		return
	}
	moved, err := c.MoveCoordinator("billing", -1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("old coordinator running:", c.Running(crashed))
	fmt.Println("new coordinator differs:", moved != crashed)

	// ... run the client under test against c.BootstrapServers() ...

	if err := c.StartBroker(crashed); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("old coordinator running:", c.Running(crashed))
	// Output:
	// nodes: [0 1 2] controller: 2
	// old coordinator running: false
	// new coordinator differs: true
	// old coordinator running: true
}
