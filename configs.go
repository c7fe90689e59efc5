package kafadmin

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// ConfigResourceType is the kind of thing a config belongs to.
type ConfigResourceType int8

// Config resource types, with Kafka's numbers.
const (
	ConfigTopic         = ConfigResourceType(kmsg.ConfigResourceTypeTopic)
	ConfigBroker        = ConfigResourceType(kmsg.ConfigResourceTypeBroker)
	ConfigBrokerLogger  = ConfigResourceType(kmsg.ConfigResourceTypeBrokerLogger)
	ConfigClientMetrics = ConfigResourceType(16)
	ConfigGroup         = ConfigResourceType(32)
)

func (t ConfigResourceType) String() string {
	switch t {
	case ConfigTopic:
		return "topic"
	case ConfigBroker:
		return "broker"
	case ConfigBrokerLogger:
		return "broker logger"
	case ConfigClientMetrics:
		return "client metrics"
	case ConfigGroup:
		return "group"
	}
	return fmt.Sprintf("config resource type %d", int8(t))
}

// ConfigResource names what configs belong to: a topic, a broker (Name is
// its node id; "" for the cluster-wide default), a broker's loggers, a
// group, or a client-metrics subscription.
type ConfigResource struct {
	Type ConfigResourceType
	Name string
}

func (r ConfigResource) String() string {
	if r.Type == ConfigBroker && r.Name == "" {
		return "the brokers' default configs"
	}
	return fmt.Sprintf("%s %q", r.Type, r.Name)
}
