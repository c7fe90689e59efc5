package kafadmin_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// TestListedKindsSaveARequest checks that groups listed with their kind
// are described with the request of their kind alone, and that a group
// whose kind changed since is still described right.
func TestListedKindsSaveARequest(t *testing.T) {
	kc := seeded(t)
	ctx := testContext(t)
	member, err := kc.JoinConsumerMember(ctx, kafkatest.ConsumerMember{Group: "kip848", ClientID: "c848", Topics: []string{"orders"}})
	must(t, err)
	cl := newClient(t, kc)
	listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
	must(t, err)
	if len(listed) != 2 {
		t.Fatalf("listed %+v", listed)
	}

	for _, tc := range []struct {
		group, kind string
		sent        kmsg.Key
		notSent     kmsg.Key
	}{
		{"g", "classic", kmsg.DescribeGroups, kmsg.ConsumerGroupDescribe},
		{"kip848", "consumer", kmsg.ConsumerGroupDescribe, kmsg.DescribeGroups},
	} {
		kc.ResetRequestCounts()
		d, err := cl.DescribeGroups(ctx, tc.group)
		must(t, err)
		if d[tc.group].Type != tc.kind {
			t.Fatalf("described %s as %+v", tc.group, d[tc.group])
		}
		if counts := kc.RequestCounts(); counts[tc.sent] != 1 || counts[tc.notSent] != 0 {
			t.Fatalf("describing the %s group %s sent %d %s and %d %s, want 1 and 0", tc.kind, tc.group,
				counts[tc.sent], kmsg.NameForKey(int16(tc.sent)), counts[tc.notSent], kmsg.NameForKey(int16(tc.notSent)))
		}
	}

	// kip848 becomes a classic group: its remembered kind is wrong.
	must(t, kc.LeaveConsumerMember(ctx, "kip848", member))
	_, err = cl.DeleteGroups(ctx, "kip848")
	must(t, err)
	commitAll(t, kc, "kip848", "orders", 4, 2)
	d, err := cl.DescribeGroups(ctx, "kip848")
	must(t, err)
	if d["kip848"].Type != "classic" || d["kip848"].State != "Empty" {
		t.Fatalf("kip848, classic since it was listed, described as %+v", d["kip848"])
	}
}
