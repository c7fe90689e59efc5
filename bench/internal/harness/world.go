package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/kafadmin/kafadmin/bench/internal/seed"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// newWorld starts a 3-broker cluster seeded as kafadmin's failover matrix
// seeds its own: topics orders (6 partitions, 20 records each) and payments
// (3 partitions, 10 records each); g-main committed at 5 on every orders
// partition; g-b, g-c and g-d at 2, 3 and 4 on every payments partition;
// g-del at 1 on orders/0; and g-members with one static member assigned
// every orders partition. Commits carry an empty metadata string (see
// package seed).
//
// Groups are then placed as every scenario needs them: none on the
// controller (so that the broker removed for good is never the controller),
// g-members on g-main's coordinator (so that a fault on that broker hits
// every operation of the loops), and the four groups of the many-group fetch
// spread over both other brokers.
func newWorld(ctx context.Context) (*kafkatest.Cluster, error) {
	kc, err := kafkatest.Start(kafkatest.SeedTopic("orders", ordersParts), kafkatest.SeedTopic("payments", paymentsParts))
	if err != nil {
		return nil, err
	}
	if err := seedWorld(ctx, kc); err != nil {
		kc.Close()
		return nil, fmt.Errorf("seeding the cluster: %w", err)
	}
	if err := placeGroups(kc); err != nil {
		kc.Close()
		return nil, err
	}
	return kc, nil
}

func seedWorld(ctx context.Context, kc *kafkatest.Cluster) error {
	committer, err := seed.NewCommitter(kc)
	if err != nil {
		return err
	}
	defer committer.Close()
	commitAll := func(group, topic string, partitions int32, offset int64) error {
		offsets := map[int32]int64{}
		for p := range partitions {
			offsets[p] = offset
		}
		return committer.Commit(ctx, group, topic, offsets)
	}
	var errs []error
	for p := range int32(ordersParts) {
		errs = append(errs, kc.Produce(ctx, "orders", p, ordersRecords))
	}
	for p := range int32(paymentsParts) {
		errs = append(errs, kc.Produce(ctx, "payments", p, paymentRecords))
	}
	errs = append(errs, commitAll("g-main", "orders", ordersParts, mainCommitted))
	for i, g := range manyGroups[1:] {
		errs = append(errs, commitAll(g, "payments", paymentsParts, int64(2+i)))
	}
	errs = append(errs, commitAll("g-del", "orders", 1, 1))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	_, err = kc.JoinMember(ctx, kafkatest.Member{Group: "g-members", InstanceID: memberID, ClientID: memberClient, Topics: []string{"orders"}})
	return err
}

// placeGroups rehashes the coordinators until the groups sit as newWorld
// describes.
func placeGroups(kc *kafkatest.Cluster) error {
	for range 200 {
		if err := kc.MoveCoordinatorsOff(kc.Controller(), allGroups...); err != nil {
			return err
		}
		coords := map[int32]bool{}
		for _, g := range manyGroups {
			coords[kc.Coordinator(g)] = true
		}
		if len(coords) >= 2 && kc.Coordinator("g-members") == kc.Coordinator("g-main") {
			return nil
		}
		if _, err := kc.MoveCoordinator("g-main", kc.Controller()); err != nil {
			return err
		}
	}
	return errors.New("could not place the groups: g-members with g-main, the four groups over two brokers, none on the controller")
}
