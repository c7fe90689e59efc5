package kafadmin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
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

// String names the type in errors, e.g. "topic".
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

// String names the resource in errors: `topic "orders"`, `broker 1`,
// `loggers of broker 1`, `the brokers' default configs`.
func (r ConfigResource) String() string {
	id, isID := r.brokerID()
	switch {
	case r.Type == ConfigBroker && r.Name == "":
		return "the brokers' default configs"
	case r.Type == ConfigBroker && isID:
		return fmt.Sprintf("broker %d", id)
	case r.Type == ConfigBrokerLogger && isID:
		return fmt.Sprintf("loggers of broker %d", id)
	case r.Type == ConfigClientMetrics:
		return fmt.Sprintf("client-metrics subscription %q", r.Name)
	}
	return fmt.Sprintf("%s %q", r.Type, r.Name)
}

// TopicResource is the configs of a topic.
func TopicResource(topic string) ConfigResource {
	return ConfigResource{Type: ConfigTopic, Name: topic}
}

// BrokerResource is the configs of one broker, by node id. Only that broker
// knows its static configs (its server.properties), so calls send it to
// that broker.
func BrokerResource(id int32) ConfigResource {
	return ConfigResource{Type: ConfigBroker, Name: strconv.Itoa(int(id))}
}

// BrokerDefaults is the cluster-wide default broker configs: dynamic
// configs set for every broker at once, which a broker's own dynamic
// configs override.
var BrokerDefaults = ConfigResource{Type: ConfigBroker}

// BrokerLoggerResource is the log levels of one broker's loggers (KIP-412),
// by node id.
func BrokerLoggerResource(id int32) ConfigResource {
	return ConfigResource{Type: ConfigBrokerLogger, Name: strconv.Itoa(int(id))}
}

// GroupResource is the configs of a group (KIP-848 consumer groups and
// share groups: session timeout, heartbeat interval...), Kafka 4.0 and
// later.
func GroupResource(group string) ConfigResource {
	return ConfigResource{Type: ConfigGroup, Name: group}
}

// ClientMetricsResource is a client-metrics subscription (KIP-714), by
// name, Kafka 3.7 and later.
func ClientMetricsResource(name string) ConfigResource {
	return ConfigResource{Type: ConfigClientMetrics, Name: name}
}

// check says what is wrong with a resource before anything is sent, so
// that a typo fails at once rather than with the broker's INVALID_REQUEST.
func (r ConfigResource) check() error {
	switch r.Type {
	case ConfigTopic, ConfigGroup, ConfigClientMetrics:
		if strings.TrimSpace(r.Name) == "" {
			what := map[ConfigResourceType]string{ConfigTopic: "topic", ConfigGroup: "group", ConfigClientMetrics: "client-metrics subscription"}[r.Type]
			return fmt.Errorf("a %s config resource has an empty name: name the %s", r.Type, what)
		}
	case ConfigBroker:
		if _, ok := r.brokerID(); r.Name != "" && !ok {
			return fmt.Errorf("broker config resource %q is not a node id: name a broker by its node id (e.g. \"1\"), or use BrokerDefaults for the cluster-wide default", r.Name)
		}
	case ConfigBrokerLogger:
		if _, ok := r.brokerID(); !ok {
			return fmt.Errorf("broker logger config resource %q is not a node id: name the broker by its node id (e.g. \"1\")", r.Name)
		}
	default:
		return fmt.Errorf("%w (name %q)", unknownType(r.Type), r.Name)
	}
	return nil
}

// known reports whether t is one of Kafka's resource types.
func (t ConfigResourceType) known() bool {
	switch t {
	case ConfigTopic, ConfigBroker, ConfigBrokerLogger, ConfigGroup, ConfigClientMetrics:
		return true
	}
	return false
}

func unknownType(t ConfigResourceType) error {
	return fmt.Errorf("unknown config resource type %d: want ConfigTopic, ConfigBroker, ConfigBrokerLogger, ConfigGroup or ConfigClientMetrics", int8(t))
}

// compare orders resources by type, then name; brokers by node id, after
// the brokers' defaults. -1, 0 or +1.
func (r ConfigResource) compare(o ConfigResource) int {
	if c := cmp.Compare(r.Type, o.Type); c != 0 {
		return c
	}
	a, aID := r.brokerID()
	b, bID := o.brokerID()
	if aID && bID {
		return cmp.Compare(a, b)
	}
	return strings.Compare(r.Name, o.Name)
}

// brokerID is the node id a broker or broker-logger resource names.
func (r ConfigResource) brokerID() (int32, bool) {
	if r.Type != ConfigBroker && r.Type != ConfigBrokerLogger {
		return 0, false
	}
	id, err := strconv.ParseInt(r.Name, 10, 32)
	if err != nil || id < 0 {
		return 0, false
	}
	return int32(id), true
}

// configRoute sends a broker's or its loggers' resource to that broker,
// the only one that knows its static configs and its log levels, and every
// other resource (topics, groups, client metrics, the brokers' defaults)
// to any broker: Kafka answers those from metadata every broker has, and
// forwards alterations to the controller.
func configRoute(r ConfigResource) driver.Route {
	if id, ok := r.brokerID(); ok {
		return driver.Route{Kind: driver.ToBroker, Broker: id}
	}
	return driver.Route{Kind: driver.ToAnyBroker}
}

// checkResources validates a call's resources and drops duplicates.
func checkResources(rs []ConfigResource) ([]ConfigResource, error) {
	if len(rs) == 0 {
		return nil, errors.New("no config resources given: name at least one (TopicResource, BrokerResource...)")
	}
	out := make([]ConfigResource, 0, len(rs))
	seen := make(map[ConfigResource]bool, len(rs))
	for _, r := range rs {
		if err := r.check(); err != nil {
			return nil, err
		}
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// BrokerResources lists a config resource of type t (ConfigBroker or
// ConfigBrokerLogger) for every broker of the cluster, by node id, from
// fresh metadata: describing them all describes each broker, asked of
// itself. BrokerDefaults is not among them.
func (c *Client) BrokerResources(ctx context.Context, t ConfigResourceType) ([]ConfigResource, error) {
	if t != ConfigBroker && t != ConfigBrokerLogger {
		return nil, fmt.Errorf("broker resources: %s is not a broker resource type: want ConfigBroker or ConfigBrokerLogger", t)
	}
	brokers, err := c.ListBrokers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ConfigResource, len(brokers))
	for i, b := range brokers {
		out[i] = ConfigResource{Type: t, Name: strconv.Itoa(int(b.ID))}
	}
	return out, nil
}

// ConfigSource is where a config's value comes from, most specific first:
// a value set for the resource itself overrides the brokers' defaults,
// which override a broker's configuration file, which overrides Kafka's
// default.
type ConfigSource int8

// Config sources, with Kafka's numbers.
const (
	ConfigSourceUnknown              ConfigSource = 0
	ConfigSourceDynamicTopic         ConfigSource = 1 // set on the topic
	ConfigSourceDynamicBroker        ConfigSource = 2 // set on the broker, at run time
	ConfigSourceDynamicDefaultBroker ConfigSource = 3 // set for every broker, at run time
	ConfigSourceStaticBroker         ConfigSource = 4 // the broker's configuration file
	ConfigSourceDefault              ConfigSource = 5 // Kafka's default
	ConfigSourceDynamicBrokerLogger  ConfigSource = 6 // a log level set at run time
	ConfigSourceDynamicClientMetrics ConfigSource = 7 // set on the client-metrics subscription
	ConfigSourceDynamicGroup         ConfigSource = 8 // set on the group
)

// String is the source's name as Kafka's tools print it, e.g.
// DYNAMIC_TOPIC_CONFIG.
func (s ConfigSource) String() string {
	switch s {
	case ConfigSourceDynamicTopic:
		return "DYNAMIC_TOPIC_CONFIG"
	case ConfigSourceDynamicBroker:
		return "DYNAMIC_BROKER_CONFIG"
	case ConfigSourceDynamicDefaultBroker:
		return "DYNAMIC_DEFAULT_BROKER_CONFIG"
	case ConfigSourceStaticBroker:
		return "STATIC_BROKER_CONFIG"
	case ConfigSourceDefault:
		return "DEFAULT_CONFIG"
	case ConfigSourceDynamicBrokerLogger:
		return "DYNAMIC_BROKER_LOGGER_CONFIG"
	case ConfigSourceDynamicClientMetrics:
		return "DYNAMIC_CLIENT_METRICS_CONFIG"
	case ConfigSourceDynamicGroup:
		return "DYNAMIC_GROUP_CONFIG"
	}
	return "UNKNOWN"
}

// ConfigType is a config's data type, as the broker declares it (Kafka 2.6
// and later; ConfigTypeUnknown before).
type ConfigType int8

// Config types, with Kafka's numbers.
const (
	ConfigTypeUnknown  ConfigType = 0
	ConfigTypeBoolean  ConfigType = 1
	ConfigTypeString   ConfigType = 2
	ConfigTypeInt      ConfigType = 3
	ConfigTypeShort    ConfigType = 4
	ConfigTypeLong     ConfigType = 5
	ConfigTypeDouble   ConfigType = 6
	ConfigTypeList     ConfigType = 7 // comma-separated; the only type ConfigAppend and ConfigSubtract apply to
	ConfigTypeClass    ConfigType = 8
	ConfigTypePassword ConfigType = 9
)

// String is the type's name as Kafka spells it, e.g. LIST.
func (t ConfigType) String() string { return kmsg.ConfigType(t).String() }

// ConfigEntry is one config of a resource.
type ConfigEntry struct {
	Name string
	// Value is nil for a sensitive config (a password, whose value brokers
	// never send) and for a config without a value.
	Value     *string
	Source    ConfigSource
	Sensitive bool
	// ReadOnly reports a config that cannot be altered at run time, only
	// in the broker's configuration file.
	ReadOnly bool
	Type     ConfigType
	// Documentation is the broker's description of the config, "" when it
	// sends none (before Kafka 2.6).
	Documentation string
	// Synonyms are the config's values from each source that sets it,
	// most specific first, which is what it falls back to when a value is
	// deleted: for a topic's retention.ms set on the topic, the topic's
	// value (Kafka lists the value in effect too), the broker's
	// log.retention.ms if set, and Kafka's default.
	Synonyms []ConfigSynonym
}

// ConfigSynonym is a value a config falls back to, under its own name
// (e.g. log.retention.ms for a topic's retention.ms) and source.
type ConfigSynonym struct {
	Name   string
	Value  *string
	Source ConfigSource
}

// ResourceConfigs is one resource's configs, as DescribeConfigs found them.
type ResourceConfigs struct {
	Resource ConfigResource
	Broker   int32         // the broker that answered; -1 if none did
	Configs  []ConfigEntry // sorted by name
	Err      error
}

func (r ResourceConfigs) err() error { return r.Err }

// Get returns the config named name.
func (r ResourceConfigs) Get(name string) (ConfigEntry, bool) {
	i, ok := slices.BinarySearchFunc(r.Configs, name, func(e ConfigEntry, name string) int { return strings.Compare(e.Name, name) })
	if !ok {
		return ConfigEntry{}, false
	}
	return r.Configs[i], true
}

// Overrides lists the configs set on the resource itself (a topic's own
// retention.ms, a broker's dynamic configs, the defaults set for every
// broker, a group's configs), leaving out what it inherits: what
// kafka-configs.sh --describe prints without --all. A broker logger's
// every level is listed, as that tool does.
func (r ResourceConfigs) Overrides() []ConfigEntry {
	var own ConfigSource
	switch r.Resource.Type {
	case ConfigTopic:
		own = ConfigSourceDynamicTopic
	case ConfigBroker:
		own = ConfigSourceDynamicBroker
		if r.Resource.Name == "" {
			own = ConfigSourceDynamicDefaultBroker
		}
	case ConfigClientMetrics:
		own = ConfigSourceDynamicClientMetrics
	case ConfigGroup:
		own = ConfigSourceDynamicGroup
	default:
		return slices.Clone(r.Configs)
	}
	var out []ConfigEntry
	for _, e := range r.Configs {
		if e.Source == own {
			out = append(out, e)
		}
	}
	return out
}

// unknownTopicFails makes a topic a config call's broker does not know fail
// at once: Kafka marks UNKNOWN_TOPIC_OR_PARTITION retriable (a leader may
// not know a new partition yet), but a config resource is answered from
// the broker's metadata, where a missing topic is a typo to report, not to
// retry until the deadline.
var unknownTopicFails = []driver.Exception{{
	Code:    kerr.UnknownTopicOrPartition,
	Outcome: driver.Fail,
	Why:     "the topic does not exist: retrying a typo until the deadline helps nobody",
}}

// DescribeConfigs describes the configs of resources (DescribeConfigs,
// with synonyms and documentation where the broker supports them): every
// config, with its value, source, type and the values it falls back to.
// A broker's resource (BrokerResource, BrokerLoggerResource) is asked of
// that broker, since only it knows its static configs; the rest of any
// broker, one request per broker for all its resources. The result holds
// every resource; one that failed carries its error (a topic that does not
// exist fails at once with UNKNOWN_TOPIC_OR_PARTITION). To describe every
// broker, pass BrokerResources' list.
func (c *Client) DescribeConfigs(ctx context.Context, resources ...ConfigResource) (Results[ConfigResource, ResourceConfigs], error) {
	rs, err := checkResources(resources)
	if err != nil {
		return nil, fmt.Errorf("describe configs: %w", err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	const op = "describe configs"
	done, failed := do(ctx, c, describeConfigsAPI(op), rs, ConfigKey)
	for r, ke := range failed {
		done[r] = ResourceConfigs{Resource: r, Broker: -1, Err: explainResourceBrokerGone(r, ke)}
	}
	return done, callError(op, len(rs), failed)
}

// describeConfigsAPI is DescribeConfigs: broker resources to their broker,
// the rest to any broker.
func describeConfigsAPI(op string) driver.API[ConfigResource, ResourceConfigs] {
	return driver.API[ConfigResource, ResourceConfigs]{
		Name:       op,
		Route:      configRoute,
		MaxVersion: 4,
		Exceptions: unknownTopicFails,
		Request: func(batch []driver.Attempt[ConfigResource]) kmsg.Request {
			req := kmsg.NewPtrDescribeConfigsRequest()
			req.IncludeSynonyms = true      // v1+
			req.IncludeDocumentation = true // v3+
			for _, a := range batch {
				rr := kmsg.NewDescribeConfigsRequestResource()
				rr.ResourceType = kmsg.ConfigResourceType(a.Key.Type)
				rr.ResourceName = a.Key.Name
				req.Resources = append(req.Resources, rr)
			}
			return req
		},
		Response: func(b *cluster.Broker, batch []driver.Attempt[ConfigResource], resp kmsg.Response) map[ConfigResource]driver.Answer[ResourceConfigs] {
			out := make(map[ConfigResource]driver.Answer[ResourceConfigs], len(batch))
			for _, rr := range resp.(*kmsg.DescribeConfigsResponse).Resources {
				r := ConfigResource{Type: ConfigResourceType(rr.ResourceType), Name: rr.ResourceName}
				out[r] = driver.Answer[ResourceConfigs]{
					Value: ResourceConfigs{Resource: r, Broker: b.ID, Configs: configEntries(rr.Configs)},
					Err:   configError(r, rr.ErrorCode, rr.ErrorMessage, nil),
				}
			}
			return out
		},
	}
}

// configEntries converts a resource's configs, sorted by name.
func configEntries(in []kmsg.DescribeConfigsResponseResourceConfig) []ConfigEntry {
	// Sorted through a permutation of indexes: sorting the entries
	// themselves moves structs holding pointers, each move a write
	// barrier while the collector runs.
	order := make([]int32, len(in))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(in[a].Name, in[b].Name) })
	out := make([]ConfigEntry, 0, len(in))
	for _, i := range order {
		c := &in[i]
		e := ConfigEntry{
			Name: c.Name, Value: c.Value, Source: ConfigSource(c.Source), Sensitive: c.IsSensitive,
			ReadOnly: c.ReadOnly, Type: ConfigType(c.ConfigType),
		}
		if e.Sensitive {
			e.Value = nil // whatever a broker sent, a sensitive value is never shown
		}
		if c.Documentation != nil {
			e.Documentation = *c.Documentation
		}
		if e.Source < 0 { // a v0 answer: only IsDefault says where it comes from
			e.Source = ConfigSourceUnknown
			if c.IsDefault {
				e.Source = ConfigSourceDefault
			}
		}
		for _, s := range c.ConfigSynonyms {
			syn := ConfigSynonym{Name: s.Name, Value: s.Value, Source: ConfigSource(s.Source)}
			if e.Sensitive {
				syn.Value = nil
			}
			e.Synonyms = append(e.Synonyms, syn)
		}
		out = append(out, e)
	}
	return out
}

// configError is a resource's error code as an error that names what went
// wrong and what to do. names are the configs a call changed, to point at
// the one a refusal is about.
func configError(r ConfigResource, code int16, msg *string, names []string) error {
	err := kafkaerr.New(code, msg)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kerr.UnknownTopicOrPartition) && r.Type == ConfigTopic:
		return kafkaerr.With(kerr.UnknownTopicOrPartition, fmt.Sprintf("topic %q does not exist: check the topic name", r.Name))
	case len(names) > 0 && (errors.Is(err, kerr.InvalidConfig) || errors.Is(err, kerr.InvalidRequest)):
		return fmt.Errorf("%s refused (%w): check the config's name and value against DescribeConfigs (names, types, read-only flags); a read-only config changes only in the broker's configuration file", refusedConfigs(names, msg), err)
	}
	return err
}

// refusedConfigs names the config a broker's refusal is about when its
// message names one of names, else every one of them.
func refusedConfigs(names []string, msg *string) string {
	if msg != nil {
		for _, n := range names {
			if strings.Contains(*msg, n) {
				return fmt.Sprintf("config %q", n)
			}
		}
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	if len(quoted) == 1 {
		return "config " + quoted[0]
	}
	return "configs " + strings.Join(quoted, ", ")
}

// explainResourceBrokerGone explains a broker resource's failure when its
// broker is not in the cluster's metadata.
func explainResourceBrokerGone(r ConfigResource, ke *KeyError) *KeyError {
	if id, ok := r.brokerID(); ok {
		ke.Err = explainBrokerGone(id, ke.Err)
	}
	return ke
}

// ConfigOp is what IncrementalAlterConfigs does to one config.
type ConfigOp int8

// Config operations, with Kafka's numbers.
const (
	ConfigSet      ConfigOp = 0 // set the value
	ConfigDelete   ConfigOp = 1 // remove the resource's own value: the config falls back to its default
	ConfigAppend   ConfigOp = 2 // add the value to a list config, unless it is there already
	ConfigSubtract ConfigOp = 3 // remove the value from a list config
)

// String names the op as the command line does: set, delete, append,
// subtract.
func (o ConfigOp) String() string {
	switch o {
	case ConfigSet:
		return "set"
	case ConfigDelete:
		return "delete"
	case ConfigAppend:
		return "append"
	case ConfigSubtract:
		return "subtract"
	}
	return fmt.Sprintf("config op %d", int8(o))
}

// ConfigChange is one change to one config of a resource.
type ConfigChange struct {
	Name  string
	Op    ConfigOp
	Value string // ignored by ConfigDelete
}

// SetConfig sets a config's value.
func SetConfig(name, value string) ConfigChange {
	return ConfigChange{Name: name, Op: ConfigSet, Value: value}
}

// DeleteConfig removes a config's value set on the resource, so that it
// falls back to its default.
func DeleteConfig(name string) ConfigChange { return ConfigChange{Name: name, Op: ConfigDelete} }

// AppendConfig adds value to a list config (e.g. cleanup.policy).
func AppendConfig(name, value string) ConfigChange {
	return ConfigChange{Name: name, Op: ConfigAppend, Value: value}
}

// SubtractConfig removes value from a list config.
func SubtractConfig(name, value string) ConfigChange {
	return ConfigChange{Name: name, Op: ConfigSubtract, Value: value}
}

// AlteredConfigs is what an alteration did to one resource.
type AlteredConfigs struct {
	Resource ConfigResource
	// ValidateOnly reports a call that only had the broker check the
	// changes (ValidateIncrementalAlterConfigs, ValidateReplaceConfigs):
	// nothing was changed, and a nil Err means the changes are valid.
	ValidateOnly bool
	Err          error
}

func (a AlteredConfigs) err() error { return a.Err }

// IncrementalAlterConfigs changes configs of resources
// (IncrementalAlterConfigs, Kafka 2.3): each change sets, deletes, appends
// to or subtracts from one config, and configs it does not name are left
// as they are. A broker's resource (BrokerResource, BrokerLoggerResource)
// is sent to that broker; the rest to any broker, which forwards them to
// the controller. Each resource's changes are applied together or not at
// all; resources are independent. The changes are idempotent, so a call
// is safe to repeat. The result holds every resource; a refused change (an
// unknown or read-only config, a bad value) fails its resource with an
// error naming the config.
func (c *Client) IncrementalAlterConfigs(ctx context.Context, changes map[ConfigResource][]ConfigChange) (Results[ConfigResource, AlteredConfigs], error) {
	return c.incrementalAlterConfigs(ctx, "alter configs", changes, false)
}

// ValidateIncrementalAlterConfigs has the brokers check changes as
// IncrementalAlterConfigs would make them, and changes nothing: a nil
// error means every change would be accepted.
func (c *Client) ValidateIncrementalAlterConfigs(ctx context.Context, changes map[ConfigResource][]ConfigChange) (Results[ConfigResource, AlteredConfigs], error) {
	return c.incrementalAlterConfigs(ctx, "validate config changes", changes, true)
}

func (c *Client) incrementalAlterConfigs(ctx context.Context, op string, changes map[ConfigResource][]ConfigChange, validateOnly bool) (Results[ConfigResource, AlteredConfigs], error) {
	rs, err := checkChanges(changes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return c.alterConfigs(ctx, alterCall{
		op: op, min: 0, max: 1, validateOnly: validateOnly, resources: rs,
		names: func(r ConfigResource) []string {
			names := make([]string, len(changes[r]))
			for i, ch := range changes[r] {
				names[i] = ch.Name
			}
			return names
		},
		request: func(batch []driver.Attempt[ConfigResource]) kmsg.Request {
			req := kmsg.NewPtrIncrementalAlterConfigsRequest()
			req.ValidateOnly = validateOnly
			for _, a := range batch {
				rr := kmsg.NewIncrementalAlterConfigsRequestResource()
				rr.ResourceType = kmsg.ConfigResourceType(a.Key.Type)
				rr.ResourceName = a.Key.Name
				for _, ch := range changes[a.Key] {
					rc := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
					rc.Name, rc.Op = ch.Name, kmsg.IncrementalAlterConfigOp(ch.Op)
					if ch.Op != ConfigDelete {
						rc.Value = kmsg.StringPtr(ch.Value)
					}
					rr.Configs = append(rr.Configs, rc)
				}
				req.Resources = append(req.Resources, rr)
			}
			return req
		},
		answers: func(resp kmsg.Response) []resourceAnswer {
			var out []resourceAnswer
			for _, rr := range resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
				out = append(out, resourceAnswer{ConfigResource{ConfigResourceType(rr.ResourceType), rr.ResourceName}, rr.ErrorCode, rr.ErrorMessage})
			}
			return out
		},
	})
}

// checkChanges validates what an incremental alteration is to change:
// every resource valid, with at least one change, each to a named config
// with a known op, and no config changed twice (Kafka refuses the whole
// resource for that).
func checkChanges(changes map[ConfigResource][]ConfigChange) ([]ConfigResource, error) {
	rs, err := checkResources(mapKeys(changes))
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		chs := changes[r]
		if len(chs) == 0 {
			return nil, fmt.Errorf("no changes given for %s: name at least one config to change", r)
		}
		seen := make(map[string]bool, len(chs))
		for _, ch := range chs {
			switch {
			case strings.TrimSpace(ch.Name) == "":
				return nil, fmt.Errorf("a config name to %s on %s is empty: name the config", ch.Op, r)
			case ch.Op < ConfigSet || ch.Op > ConfigSubtract:
				return nil, fmt.Errorf("config %q of %s: unknown %s: want ConfigSet, ConfigDelete, ConfigAppend or ConfigSubtract", ch.Name, r, ch.Op)
			case seen[ch.Name]:
				return nil, fmt.Errorf("config %q of %s is changed twice: make one change per config and resource", ch.Name, r)
			}
			seen[ch.Name] = true
		}
	}
	return rs, nil
}

// ReplaceConfigs replaces every dynamic config of resources with the given
// ones (Kafka's legacy AlterConfigs API), for brokers older than Kafka 2.3,
// which lack IncrementalAlterConfigs.
//
// Dangerous: a config set on a resource that configs does not name is
// removed, back to its default. Read the resource's overrides with
// DescribeConfigs first and pass them all, changed or not (a sensitive
// value, which DescribeConfigs does not return, must be passed again or
// it is lost), and note that a concurrent change made between the read
// and the write is undone. Prefer IncrementalAlterConfigs on any broker
// that has it. Only topics and brokers can be altered this way.
func (c *Client) ReplaceConfigs(ctx context.Context, configs map[ConfigResource]map[string]string) (Results[ConfigResource, AlteredConfigs], error) {
	return c.replaceConfigs(ctx, "replace configs", configs, false)
}

// ValidateReplaceConfigs has the brokers check configs as ReplaceConfigs
// would set them, and changes nothing.
func (c *Client) ValidateReplaceConfigs(ctx context.Context, configs map[ConfigResource]map[string]string) (Results[ConfigResource, AlteredConfigs], error) {
	return c.replaceConfigs(ctx, "validate replaced configs", configs, true)
}

func (c *Client) replaceConfigs(ctx context.Context, op string, configs map[ConfigResource]map[string]string, validateOnly bool) (Results[ConfigResource, AlteredConfigs], error) {
	rs, err := checkResources(mapKeys(configs))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, r := range rs {
		if r.Type != ConfigTopic && r.Type != ConfigBroker {
			return nil, fmt.Errorf("%s: %s: the legacy AlterConfigs API alters only topics and brokers: use IncrementalAlterConfigs", op, r)
		}
		for name := range configs[r] {
			if strings.TrimSpace(name) == "" {
				return nil, fmt.Errorf("%s: a config name of %s is empty: name every config", op, r)
			}
		}
	}
	return c.alterConfigs(ctx, alterCall{
		op: op, min: 0, max: 2, validateOnly: validateOnly, resources: rs,
		names: func(r ConfigResource) []string { return slices.Sorted(maps.Keys(configs[r])) },
		request: func(batch []driver.Attempt[ConfigResource]) kmsg.Request {
			req := kmsg.NewPtrAlterConfigsRequest()
			req.ValidateOnly = validateOnly
			for _, a := range batch {
				rr := kmsg.NewAlterConfigsRequestResource()
				rr.ResourceType = kmsg.ConfigResourceType(a.Key.Type)
				rr.ResourceName = a.Key.Name
				for _, name := range slices.Sorted(maps.Keys(configs[a.Key])) {
					rc := kmsg.NewAlterConfigsRequestResourceConfig()
					rc.Name, rc.Value = name, kmsg.StringPtr(configs[a.Key][name])
					rr.Configs = append(rr.Configs, rc)
				}
				req.Resources = append(req.Resources, rr)
			}
			return req
		},
		answers: func(resp kmsg.Response) []resourceAnswer {
			var out []resourceAnswer
			for _, rr := range resp.(*kmsg.AlterConfigsResponse).Resources {
				out = append(out, resourceAnswer{ConfigResource{ConfigResourceType(rr.ResourceType), rr.ResourceName}, rr.ErrorCode, rr.ErrorMessage})
			}
			return out
		},
	})
}

// alterCall is one of the two alteration APIs, described for alterConfigs.
type alterCall struct {
	op           string
	min, max     int16
	validateOnly bool
	resources    []ConfigResource
	names        func(ConfigResource) []string // the configs a resource's request changes
	request      func([]driver.Attempt[ConfigResource]) kmsg.Request
	answers      func(kmsg.Response) []resourceAnswer
}

// resourceAnswer is one resource's part of an alteration's answer.
type resourceAnswer struct {
	resource ConfigResource
	code     int16
	msg      *string
}

// alterConfigs runs an alteration: broker resources to their broker, the
// rest to any broker. Both alterations are idempotent (a set or delete
// repeated after a lost answer leaves the same state), so none of Kafka's
// answers to a repeat needs an exception beyond the unknown topic.
func (c *Client) alterConfigs(ctx context.Context, ac alterCall) (Results[ConfigResource, AlteredConfigs], error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	done, failed := do(ctx, c, driver.API[ConfigResource, AlteredConfigs]{
		Name:       ac.op,
		Route:      configRoute,
		MinVersion: ac.min,
		MaxVersion: ac.max,
		Exceptions: unknownTopicFails,
		Request:    ac.request,
		Response: func(_ *cluster.Broker, batch []driver.Attempt[ConfigResource], resp kmsg.Response) map[ConfigResource]driver.Answer[AlteredConfigs] {
			out := make(map[ConfigResource]driver.Answer[AlteredConfigs], len(batch))
			for _, a := range ac.answers(resp) {
				out[a.resource] = driver.Answer[AlteredConfigs]{
					Value: AlteredConfigs{Resource: a.resource, ValidateOnly: ac.validateOnly},
					Err:   configError(a.resource, a.code, a.msg, ac.names(a.resource)),
				}
			}
			return out
		},
	}, ac.resources, ConfigKey)
	for r, ke := range failed {
		done[r] = AlteredConfigs{Resource: r, ValidateOnly: ac.validateOnly, Err: explainResourceBrokerGone(r, ke)}
	}
	return done, callError(ac.op, len(ac.resources), failed)
}

// ListConfigResources lists the resources that have configs set, of the
// given types, or of every type the broker lists when none are given
// (ListConfigResources, KIP-1142). Listing topics, brokers, broker loggers
// or groups, or every type, needs Kafka 4.1; client-metrics subscriptions
// alone are listed by brokers that have ListClientMetricsResources (KRaft
// brokers of Kafka 3.7 and later). An older broker fails the call with an
// *UnsupportedVersionError.
func (c *Client) ListConfigResources(ctx context.Context, types ...ConfigResourceType) ([]ConfigResource, error) {
	const op = "list config resources"
	for _, t := range types {
		if !t.known() {
			return nil, fmt.Errorf("%s: %w", op, unknownType(t))
		}
	}
	minVersion, why := listConfigResourcesMin(types)
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	key := RequestKey("config resources")
	found, failed := do(ctx, c, driver.API[int, []ConfigResource]{
		Name:       op,
		Route:      func(int) driver.Route { return driver.Route{Kind: driver.ToAnyBroker} },
		MinVersion: minVersion,
		MaxVersion: 1,
		Request: func([]driver.Attempt[int]) kmsg.Request {
			req := kmsg.NewPtrListConfigResourcesRequest()
			for _, t := range types {
				req.ResourceTypes = append(req.ResourceTypes, int8(t))
			}
			return req
		},
		Response: func(_ *cluster.Broker, _ []driver.Attempt[int], resp kmsg.Response) map[int]driver.Answer[[]ConfigResource] {
			lr := resp.(*kmsg.ListConfigResourcesResponse)
			return map[int]driver.Answer[[]ConfigResource]{0: {Value: listedResources(lr), Err: listConfigResourcesError(lr, types)}}
		},
	}, []int{0}, func(int) Key { return key })
	if ke := failed[0]; ke != nil {
		var ue *UnsupportedVersionError
		if errors.As(ke, &ue) && why != "" {
			ue.Reason = why
		}
		return nil, ke
	}
	return found[0], nil
}

// listConfigResourcesMin is the first version that can list types, and
// why.
func listConfigResourcesMin(types []ConfigResourceType) (int16, string) {
	if len(types) > 0 && !slices.ContainsFunc(types, func(t ConfigResourceType) bool { return t != ConfigClientMetrics }) {
		return 0, ""
	}
	return 1, "listing config resources other than client-metrics subscriptions needs v1 (Kafka 4.1)"
}

// listedResources reads a ListConfigResources answer, sorted; v0 answers
// list client-metrics subscriptions without a type.
func listedResources(lr *kmsg.ListConfigResourcesResponse) []ConfigResource {
	out := make([]ConfigResource, 0, len(lr.ConfigResources))
	for _, r := range lr.ConfigResources {
		t := ConfigResourceType(r.Type)
		if lr.GetVersion() == 0 {
			t = ConfigClientMetrics
		}
		out = append(out, ConfigResource{Type: t, Name: r.Name})
	}
	slices.SortFunc(out, compareAny)
	return out
}

// listConfigResourcesError explains a broker that cannot list a type.
func listConfigResourcesError(lr *kmsg.ListConfigResourcesResponse, types []ConfigResourceType) error {
	err := kafkaerr.New(lr.ErrorCode, nil)
	if errors.Is(err, kerr.UnsupportedVersion) {
		return kafkaerr.With(kerr.UnsupportedVersion, fmt.Sprintf("the broker cannot list config resources of types %v: upgrade the broker, or list fewer types", types))
	}
	return err
}
