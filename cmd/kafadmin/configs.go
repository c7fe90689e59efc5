package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kafadmin/kafadmin"
)

func newConfigsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "configs",
		Short: "Configs of topics, brokers, broker loggers, groups and client-metrics subscriptions: describe, alter",
		Long: `Describe and alter configs as kafka-configs.sh does, with its entity model:
--entity-type topics, brokers, broker-loggers, groups or client-metrics, and
--entity-name (a topic, a broker's node id, a group...) or, for brokers,
--entity-default (the defaults every broker inherits).

A broker's own configs (and its loggers) are asked of that broker, the only
one that knows its static configuration; everything else of any broker.`,
	}
	cmd.AddCommand(newConfigsDescribeCmd(g), newConfigsAlterCmd(g))
	return parentOf(cmd)
}

// entityType is an --entity-type value and the resource type it selects.
type entityType struct {
	name string
	typ  kafadmin.ConfigResourceType
}

// entityTypes are the --entity-type values, in the order help text lists
// them.
var entityTypes = []entityType{
	{"topics", kafadmin.ConfigTopic},
	{"brokers", kafadmin.ConfigBroker},
	{"broker-loggers", kafadmin.ConfigBrokerLogger},
	{"groups", kafadmin.ConfigGroup},
	{"client-metrics", kafadmin.ConfigClientMetrics},
}

func entityTypeNames() []string {
	out := make([]string, len(entityTypes))
	for i, et := range entityTypes {
		out[i] = et.name
	}
	return out
}

func entityTypeName(t kafadmin.ConfigResourceType) string {
	for _, et := range entityTypes {
		if et.typ == t {
			return et.name
		}
	}
	return t.String()
}

// entity is what --entity-type, --entity-name and --entity-default select.
type entity struct {
	typeName string
	name     string
	isDef    bool
	typ      kafadmin.ConfigResourceType
}

func (e *entity) addFlags(cmd *cobra.Command, g *globals) {
	f := cmd.Flags()
	f.StringVar(&e.typeName, "entity-type", "", "what the configs belong to: "+strings.Join(entityTypeNames(), ", "))
	f.StringVar(&e.name, "entity-name", "", "the topic, broker node id, group or client-metrics subscription")
	f.BoolVar(&e.isDef, "entity-default", false, "brokers: the cluster-wide defaults every broker inherits")
	cmd.RegisterFlagCompletionFunc("entity-type", cobra.FixedCompletions(entityTypeNames(), cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("entity-name", g.completeEntityNames)
}

// check reads the flags, as usage errors: needName asks for exactly one
// of --entity-name and --entity-default.
func (e *entity) check(flags *pflag.FlagSet, needName bool) error {
	if e.typeName == "" {
		return usagef("name what the configs belong to with --entity-type: %s", strings.Join(entityTypeNames(), ", "))
	}
	i := slices.IndexFunc(entityTypes, func(et entityType) bool { return et.name == e.typeName })
	if i < 0 {
		return usagef("--entity-type %q: want %s", e.typeName, strings.Join(entityTypeNames(), ", "))
	}
	e.typ = entityTypes[i].typ
	named := flags.Changed("entity-name")
	switch {
	case named && e.isDef:
		return usagef("give --entity-name or --entity-default, not both")
	case e.isDef && e.typ != kafadmin.ConfigBroker:
		return usagef("--entity-default applies to --entity-type brokers only")
	case needName && !named && !e.isDef && e.typ == kafadmin.ConfigBroker:
		return usagef("name the broker with --entity-name NODE-ID, or pass --entity-default for the cluster-wide defaults")
	case needName && !named && !e.isDef:
		return usagef("name the entity with --entity-name")
	case named && strings.TrimSpace(e.name) == "":
		return usagef("--entity-name is empty: name the %s", strings.TrimSuffix(e.typeName, "s"))
	}
	if named && (e.typ == kafadmin.ConfigBroker || e.typ == kafadmin.ConfigBrokerLogger) {
		if id, err := strconv.ParseInt(e.name, 10, 32); err != nil || id < 0 {
			return usagef("--entity-name %q: %s are named by node id, e.g. 1", e.name, e.typeName)
		}
	}
	return nil
}

// resources lists the resources the entity selects: the one named, or
// every one of its type, as kafka-configs.sh --describe does without
// --entity-name (every broker and the brokers' defaults for brokers).
func (e *entity) resources(ctx context.Context, cl *kafadmin.Client) ([]kafadmin.ConfigResource, error) {
	switch {
	case e.isDef:
		return []kafadmin.ConfigResource{kafadmin.BrokerDefaults}, nil
	case e.name != "":
		return []kafadmin.ConfigResource{{Type: e.typ, Name: e.name}}, nil
	}
	switch e.typ {
	case kafadmin.ConfigTopic:
		return allTopics(ctx, cl)
	case kafadmin.ConfigBroker:
		rs, err := cl.BrokerResources(ctx, e.typ)
		return append(rs, kafadmin.BrokerDefaults), err
	case kafadmin.ConfigBrokerLogger:
		return cl.BrokerResources(ctx, e.typ)
	case kafadmin.ConfigGroup:
		return allGroups(ctx, cl)
	}
	rs, err := cl.ListConfigResources(ctx, e.typ)
	if err != nil {
		return nil, fmt.Errorf("listing the client-metrics subscriptions: %w", err)
	}
	return rs, nil
}

func allTopics(ctx context.Context, cl *kafadmin.Client) ([]kafadmin.ConfigResource, error) {
	topics, err := cl.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the topics: %w", err)
	}
	out := make([]kafadmin.ConfigResource, 0, len(topics))
	for _, t := range topics {
		out = append(out, kafadmin.TopicResource(t.Name))
	}
	return out, nil
}

// allGroups is every group the cluster lists, and every group with
// configs set (a group may have configs before it has members), where the
// brokers can list those (Kafka 4.1).
func allGroups(ctx context.Context, cl *kafadmin.Client) ([]kafadmin.ConfigResource, error) {
	listed, err := cl.ListGroups(ctx, kafadmin.GroupFilter{})
	if err != nil {
		return nil, fmt.Errorf("listing the groups: %w", err)
	}
	var out []kafadmin.ConfigResource
	for _, lg := range listed {
		out = append(out, kafadmin.GroupResource(lg.Group))
	}
	configured, err := cl.ListConfigResources(ctx, kafadmin.ConfigGroup)
	var ue *kafadmin.UnsupportedVersionError
	if err != nil && !errors.As(err, &ue) {
		return nil, fmt.Errorf("listing the groups with configs: %w", err)
	}
	for _, r := range configured {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b kafadmin.ConfigResource) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func newConfigsDescribeCmd(g *globals) *cobra.Command {
	var (
		e            entity
		all, verbose bool
	)
	cmd := &cobra.Command{
		Use:   "describe --entity-type TYPE [--entity-name NAME | --entity-default] [--all]",
		Short: "Describe configs: the ones set on an entity, or all of them",
		Long: `Describe the configs of an entity, or of every entity of a type when
--entity-name is not given: every topic, every broker and the brokers'
defaults, every broker's loggers, every group, every client-metrics
subscription.

Without --all, only the configs set on the entity itself are shown (a
topic's own retention.ms, a broker's dynamic configs), as kafka-configs.sh
does; --all shows every config, with where its value comes from.

Columns: ENTITY-TYPE ENTITY-NAME CONFIG VALUE SOURCE; with --verbose also
TYPE READ-ONLY SENSITIVE SYNONYMS, after them. SOURCE is Kafka's:
DYNAMIC_TOPIC_CONFIG, DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG,
STATIC_BROKER_CONFIG, DEFAULT_CONFIG... SYNONYMS lists the values a config
falls back to, most specific first, as SOURCE:name=value. The VALUE of a
sensitive config (a password) is never sent by brokers: "-" (empty in CSV,
null in JSON). The brokers' defaults are named <default> in tables and ""
in JSON. --output json prints every field, documentation included.

An entity that cannot be described (a topic that does not exist) is
reported on stderr; if others were described, the exit code is 3.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := e.check(cmd.Flags(), false); err != nil {
				return err
			}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				rs, err := e.resources(ctx, cl)
				if err != nil {
					return err
				}
				if len(rs) == 0 {
					printConfigs(g, nil, all, verbose)
					return nil
				}
				described, err := cl.DescribeConfigs(ctx, rs...)
				if described == nil {
					return err
				}
				printConfigs(g, described.Sorted(), all, verbose)
				return partial(err, len(described)-len(described.Failed()))
			})
		},
	}
	e.addFlags(cmd, g)
	f := cmd.Flags()
	f.BoolVar(&all, "all", false, "every config, not only those set on the entity")
	f.BoolVar(&verbose, "verbose", false, "more columns: TYPE READ-ONLY SENSITIVE SYNONYMS")
	return cmd
}

// The JSON shapes are an interface: scripts parse them. Add fields, never
// rename or remove one.

type jsonResourceConfigs struct {
	EntityType string            `json:"entity_type"`
	EntityName string            `json:"entity_name"`
	Configs    []jsonConfigEntry `json:"configs"`
	Error      string            `json:"error,omitempty"`
}

type jsonConfigEntry struct {
	Name          string              `json:"name"`
	Value         *string             `json:"value"`
	Source        string              `json:"source"`
	Type          string              `json:"type"`
	ReadOnly      bool                `json:"read_only"`
	Sensitive     bool                `json:"sensitive"`
	Documentation *string             `json:"documentation"`
	Synonyms      []jsonConfigSynonym `json:"synonyms"`
}

type jsonConfigSynonym struct {
	Name   string  `json:"name"`
	Value  *string `json:"value"`
	Source string  `json:"source"`
}

// shown is what describe prints of a resource: its overrides, or with
// --all every config.
func shown(rc kafadmin.ResourceConfigs, all bool) []kafadmin.ConfigEntry {
	if all {
		return rc.Configs
	}
	return rc.Overrides()
}

func printConfigs(g *globals, described []kafadmin.ResourceConfigs, all, verbose bool) {
	if g.output == "json" {
		out := struct {
			Resources []jsonResourceConfigs `json:"resources"`
		}{Resources: []jsonResourceConfigs{}}
		for _, rc := range described {
			jr := jsonResourceConfigs{EntityType: entityTypeName(rc.Resource.Type), EntityName: rc.Resource.Name, Configs: []jsonConfigEntry{}, Error: errString(rc.Err)}
			for _, e := range shown(rc, all) {
				jr.Configs = append(jr.Configs, jsonEntry(e))
			}
			out.Resources = append(out.Resources, jr)
		}
		writeJSON(g.stdout, out)
		return
	}
	header := []string{"ENTITY-TYPE", "ENTITY-NAME", "CONFIG", "VALUE", "SOURCE"}
	if verbose {
		header = append(header, "TYPE", "READ-ONLY", "SENSITIVE", "SYNONYMS")
	}
	r := g.rows(header...)
	for _, rc := range described {
		for _, e := range shown(rc, all) {
			cells := []any{entityTypeName(rc.Resource.Type), entityName(rc.Resource), e.Name, orNil(e.Value), e.Source}
			if verbose {
				cells = append(cells, e.Type, e.ReadOnly, e.Sensitive, orDash(synonyms(e.Synonyms)))
			}
			r.add(cells...)
		}
	}
	r.flush()
}

func jsonEntry(e kafadmin.ConfigEntry) jsonConfigEntry {
	je := jsonConfigEntry{
		Name: e.Name, Value: e.Value, Source: e.Source.String(), Type: e.Type.String(),
		ReadOnly: e.ReadOnly, Sensitive: e.Sensitive, Synonyms: []jsonConfigSynonym{},
	}
	if e.Documentation != "" {
		je.Documentation = &e.Documentation
	}
	for _, s := range e.Synonyms {
		je.Synonyms = append(je.Synonyms, jsonConfigSynonym{s.Name, s.Value, s.Source.String()})
	}
	return je
}

// entityName is a resource's ENTITY-NAME cell.
func entityName(r kafadmin.ConfigResource) string {
	if r == kafadmin.BrokerDefaults {
		return "<default>"
	}
	return r.Name
}

// orNil is *v, or unknown when v is nil.
func orNil(v *string) any {
	if v == nil {
		return nil
	}
	return *v
}

// synonyms is a SYNONYMS cell: SOURCE:name=value,...
func synonyms(ss []kafadmin.ConfigSynonym) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		v := "null"
		if s.Value != nil {
			v = *s.Value
		}
		parts[i] = fmt.Sprintf("%s:%s=%s", s.Source, s.Name, v)
	}
	return strings.Join(parts, ",")
}

func newConfigsAlterCmd(g *globals) *cobra.Command {
	var (
		e                       entity
		add, appends, subtracts []string
		deletes                 []string
		validateOnly            bool
	)
	cmd := &cobra.Command{
		Use:   "alter --entity-type TYPE (--entity-name NAME | --entity-default) [--add-config K=V,...] [--delete-config K,...]",
		Short: "Set, delete, append to or subtract from an entity's configs",
		Long: `Alter an entity's configs with IncrementalAlterConfigs (Kafka 2.3): configs
not named are left as they are.

  --add-config K=V,K2=V2        set configs; a value with commas goes in
                                brackets: cleanup.policy=[compact,delete]
  --delete-config K,K2          remove values set on the entity: the configs
                                fall back to their defaults
  --append-config K=V           add V to a list config, unless it is there
  --subtract-config K=V         remove V from a list config

Each flag may be repeated. A config may be changed once per command. The
changes are applied together or not at all.

--validate-only has the broker check the changes and apply nothing: the
result is "valid", or the broker's refusal.

Output: one row per change, ENTITY-TYPE ENTITY-NAME CONFIG OP VALUE RESULT,
RESULT being "altered", "valid" (--validate-only) or the error. A refused
change (an unknown or read-only config, a bad value) exits 1.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := e.check(cmd.Flags(), true); err != nil {
				return err
			}
			changes, err := parseChanges(add, deletes, appends, subtracts)
			if err != nil {
				return err
			}
			r := kafadmin.ConfigResource{Type: e.typ, Name: e.name}
			all := map[kafadmin.ConfigResource][]kafadmin.ConfigChange{r: changes}
			return g.withClient(cmd, func(ctx context.Context, cl *kafadmin.Client) error {
				alter := cl.IncrementalAlterConfigs
				if validateOnly {
					alter = cl.ValidateIncrementalAlterConfigs
				}
				altered, err := alter(ctx, all)
				if altered == nil {
					return err
				}
				printAltered(g, r, changes, altered[r])
				return partial(err, len(altered)-len(altered.Failed()))
			})
		},
	}
	e.addFlags(cmd, g)
	f := cmd.Flags()
	f.StringArrayVar(&add, "add-config", nil, "configs to set: K=V,K2=[V1,V2] (repeatable)")
	f.StringSliceVar(&deletes, "delete-config", nil, "configs to delete: K,K2 (repeatable)")
	f.StringArrayVar(&appends, "append-config", nil, "values to add to list configs: K=V,K2=[V1,V2] (repeatable)")
	f.StringArrayVar(&subtracts, "subtract-config", nil, "values to remove from list configs: K=V (repeatable)")
	f.BoolVar(&validateOnly, "validate-only", false, "have the broker check the changes, and apply nothing")
	return cmd
}

// parseChanges reads the alter flags into changes, refusing a config
// changed twice, ordered by op (set, delete, append, subtract) and then as
// given.
func parseChanges(add, deletes, appends, subtracts []string) ([]kafadmin.ConfigChange, error) {
	var out []kafadmin.ConfigChange
	for _, set := range []struct {
		flag   string
		values []string
		op     kafadmin.ConfigOp
	}{{"--add-config", add, kafadmin.ConfigSet}, {"--append-config", appends, kafadmin.ConfigAppend}, {"--subtract-config", subtracts, kafadmin.ConfigSubtract}} {
		for _, v := range set.values {
			pairs, err := parseConfigPairs(set.flag, v)
			if err != nil {
				return nil, err
			}
			for _, p := range pairs {
				out = append(out, kafadmin.ConfigChange{Name: p[0], Op: set.op, Value: p[1]})
			}
		}
	}
	for _, d := range deletes {
		name := strings.TrimSpace(d)
		if name == "" {
			return nil, usagef("--delete-config: a config name is empty: want K,K2")
		}
		out = append(out, kafadmin.DeleteConfig(name))
	}
	if len(out) == 0 {
		return nil, usagef("name a change: --add-config, --delete-config, --append-config or --subtract-config")
	}
	seen := map[string]kafadmin.ConfigOp{}
	for _, ch := range out {
		if op, ok := seen[ch.Name]; ok {
			return nil, usagef("config %q is changed twice (%s and %s): change each config once", ch.Name, op, ch.Op)
		}
		seen[ch.Name] = ch.Op
	}
	slices.SortStableFunc(out, func(a, b kafadmin.ConfigChange) int { return int(a.Op) - int(b.Op) })
	return out, nil
}

// parseConfigPairs reads K=V,K2=[V1,V2] as kafka-configs.sh does: commas
// inside brackets belong to the value, and the brackets are dropped.
func parseConfigPairs(flag, s string) ([][2]string, error) {
	var out [][2]string
	for _, item := range splitOutsideBrackets(s) {
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, usagef("%s %q: want K=V,K2=V2, with a value that has commas in brackets: K=[V1,V2]", flag, s)
		}
		if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
			v = v[1 : len(v)-1]
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// splitOutsideBrackets splits s at the commas that are not inside [...].
func splitOutsideBrackets(s string) []string {
	var (
		out   []string
		depth int
		start int
	)
	for i, c := range s {
		switch c {
		case '[':
			depth++
		case ']':
			depth = max(depth-1, 0)
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

type jsonAltered struct {
	EntityType   string       `json:"entity_type"`
	EntityName   string       `json:"entity_name"`
	Changes      []jsonChange `json:"changes"`
	ValidateOnly bool         `json:"validate_only"`
	Altered      bool         `json:"altered"`
	Error        string       `json:"error,omitempty"`
}

type jsonChange struct {
	Config string  `json:"config"`
	Op     string  `json:"op"`
	Value  *string `json:"value"`
}

func printAltered(g *globals, r kafadmin.ConfigResource, changes []kafadmin.ConfigChange, res kafadmin.AlteredConfigs) {
	if g.output == "json" {
		out := struct {
			Resources []jsonAltered `json:"resources"`
		}{Resources: []jsonAltered{{
			EntityType: entityTypeName(r.Type), EntityName: r.Name, Changes: []jsonChange{},
			ValidateOnly: res.ValidateOnly, Altered: res.Err == nil && !res.ValidateOnly, Error: errString(res.Err),
		}}}
		for _, ch := range changes {
			out.Resources[0].Changes = append(out.Resources[0].Changes, jsonChange{ch.Name, ch.Op.String(), changeValue(ch)})
		}
		writeJSON(g.stdout, out)
		return
	}
	done := "altered"
	if res.ValidateOnly {
		done = "valid"
	}
	rows := g.rows("ENTITY-TYPE", "ENTITY-NAME", "CONFIG", "OP", "VALUE", "RESULT")
	for _, ch := range changes {
		rows.add(entityTypeName(r.Type), entityName(r), ch.Name, ch.Op, orNil(changeValue(ch)), result(res.Err, false, done))
	}
	rows.flush()
}

// changeValue is a change's value; a delete has none.
func changeValue(ch kafadmin.ConfigChange) *string {
	if ch.Op == kafadmin.ConfigDelete {
		return nil
	}
	return &ch.Value
}
