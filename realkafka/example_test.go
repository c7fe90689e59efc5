package realkafka_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kafadmin/kafadmin/realkafka"
)

// A program (or a test, with realkafka.New(t) in place of Start and the
// deferred Close) starts a real cluster, seeds it, kills a group's
// coordinator with SIGKILL and waits for the cluster to move the group.
// The example is compiled, not run: it needs Java and Maven.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rk, err := realkafka.Start(ctx, realkafka.Brokers(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rk.Close()

	if err := rk.CreateTopic(ctx, "orders", 3); err != nil {
		fmt.Println(err)
		return
	}
	if err := rk.CommitOffsets(ctx, "billing", map[string]map[int32]int64{"orders": {0: 0}}); err != nil {
		fmt.Println(err)
		return
	}
	crashed, err := rk.Coordinator(ctx, "billing")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := rk.KillNode(crashed); err != nil {
		fmt.Println(err)
		return
	}
	// The controller fences the broker once its 9 s session times out,
	// and the group's partition gets another leader.
	for {
		moved, err := rk.Coordinator(ctx, "billing")
		if err == nil && moved != crashed {
			fmt.Println("billing moved from broker", crashed, "to broker", moved)
			break
		}
		if ctx.Err() != nil {
			fmt.Println(ctx.Err())
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Clients connect to rk.Addrs(); the broker comes back on its port.
	if err := rk.StartNode(ctx, crashed); err != nil {
		fmt.Println(err)
	}
}
