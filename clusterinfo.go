package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// one runs a call that is one request to one route (a filter-shaped or
// cluster-wide request): read turns the answer into the call's value or
// the error the failover rules classify.
func one[V any](ctx context.Context, c *Client, op string, kind driver.RouteKind, lo, hi int16, exceptions []driver.Exception, build func() kmsg.Request, read func(*cluster.Broker, kmsg.Response) (V, error)) (V, error) {
	values, failed := do(ctx, c, driver.API[int, V]{
		Name:       op,
		Route:      func(int) driver.Route { return driver.Route{Kind: kind} },
		MinVersion: lo,
		MaxVersion: hi,
		Request:    func([]driver.Attempt[int]) kmsg.Request { return build() },
		Exceptions: exceptions,
		Response: func(b *cluster.Broker, _ []driver.Attempt[int], resp kmsg.Response) map[int]driver.Answer[V] {
			v, err := read(b, resp)
			return map[int]driver.Answer[V]{0: {Value: v, Err: err}}
		},
	}, []int{0}, func(int) Key { return RequestKey(op) })
	if ke := failed[0]; ke != nil {
		var zero V
		return zero, ke
	}
	return values[0], nil
}

// ClusterDescription is the cluster as DescribeCluster reports it.
type ClusterDescription struct {
	ClusterID  string
	Controller int32 // -1 when none is known; in KRaft, a broker chosen to forward admin requests
	Brokers    []BrokerInfo
}

// DescribeCluster describes the cluster: its id, its controller and its
// brokers with their racks and whether they are fenced (DescribeCluster,
// Kafka 2.8; fenced brokers, which metadata leaves out, from Kafka 3.7).
// Brokers without the API are described from metadata.
func (c *Client) DescribeCluster(ctx context.Context) (ClusterDescription, error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return ClusterDescription{}, err
	}
	defer cancel()
	desc, err := one(ctx, c, "describe cluster", driver.ToAnyBroker, 0, 2, nil, func() kmsg.Request {
		req := kmsg.NewPtrDescribeClusterRequest()
		req.IncludeFencedBrokers = true
		return req
	}, func(_ *cluster.Broker, resp kmsg.Response) (ClusterDescription, error) {
		r := resp.(*kmsg.DescribeClusterResponse)
		if err := kafkaerr.New(r.ErrorCode, r.ErrorMessage); err != nil {
			return ClusterDescription{}, err
		}
		d := ClusterDescription{ClusterID: r.ClusterID, Controller: r.ControllerID}
		for _, b := range r.Brokers {
			bi := BrokerInfo{ID: b.NodeID, Host: b.Host, Port: b.Port, Fenced: b.IsFenced, Controller: b.NodeID == r.ControllerID}
			if b.Rack != nil {
				bi.Rack = *b.Rack
			}
			d.Brokers = append(d.Brokers, bi)
		}
		slices.SortFunc(d.Brokers, func(a, b BrokerInfo) int { return int(a.ID) - int(b.ID) })
		return d, nil
	})
	var ue *UnsupportedVersionError
	if !errors.As(err, &ue) {
		return desc, err
	}
	resp, err := c.metadata(ctx, "describe cluster", []string{})
	if err != nil {
		return ClusterDescription{}, err
	}
	d := ClusterDescription{Controller: resp.ControllerID, Brokers: brokerInfos(resp)}
	if resp.ClusterID != nil {
		d.ClusterID = *resp.ClusterID
	}
	return d, nil
}

// APIVersions is what one broker serves: each API with its version range,
// and the software it runs where it says (a Kafka broker does not).
type APIVersions struct {
	Broker int32
	APIs   []APIVersionRange // sorted by key
	Err    error
}

func (v APIVersions) err() error { return v.Err }

// APIVersionRange is the versions of one API a broker serves.
type APIVersionRange struct {
	Key      int16
	Name     string // e.g. "OffsetFetch"
	Min, Max int16
}

// BrokerAPIVersions asks every broker (or the brokers given) which API
// versions it serves, as kafka-broker-api-versions.sh does: brokers of a
// cluster being upgraded serve different versions. A broker that is down
// is waited for within the deadline; asked of every broker, a broker that
// leaves the cluster meanwhile is left out of the result.
func (c *Client) BrokerAPIVersions(ctx context.Context, brokers ...int32) (Results[int32, APIVersions], error) {
	const op = "broker api versions"
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	ids, every, err := c.brokerKeys(ctx, op, brokers)
	if err != nil {
		return nil, err
	}
	done, failed := do(ctx, c, driver.API[int32, APIVersions]{
		Name: op,
		Route: func(id int32) driver.Route {
			return driver.Route{Kind: driver.ToBroker, Broker: id, Every: len(brokers) == 0}
		},
		MaxVersion: 3,
		Request: func([]driver.Attempt[int32]) kmsg.Request {
			req := kmsg.NewPtrApiVersionsRequest()
			req.ClientSoftwareName, req.ClientSoftwareVersion = "kafadmin", Version
			return req
		},
		Response: func(b *cluster.Broker, _ []driver.Attempt[int32], resp kmsg.Response) map[int32]driver.Answer[APIVersions] {
			r := resp.(*kmsg.ApiVersionsResponse)
			v := APIVersions{Broker: b.ID}
			for _, k := range r.ApiKeys {
				v.APIs = append(v.APIs, APIVersionRange{Key: k.ApiKey, Name: kmsg.NameForKey(k.ApiKey), Min: k.MinVersion, Max: k.MaxVersion})
			}
			slices.SortFunc(v.APIs, func(a, b APIVersionRange) int { return int(a.Key) - int(b.Key) })
			return map[int32]driver.Answer[APIVersions]{b.ID: {Value: v, Err: kafkaerr.New(r.ErrorCode, nil)}}
		},
	}, ids, BrokerKey)
	ids = leaveOutGone(every, ids, failed)
	for id, ke := range failed {
		done[id] = APIVersions{Broker: id, Err: ke}
	}
	return done, callError(op, len(ids), failed)
}

// FeatureRange is a feature's range of levels.
type FeatureRange struct {
	Min, Max int16
}

// Features are the cluster's feature flags (KIP-584): the levels the
// answering broker supports, and the levels finalized for the cluster
// (e.g. metadata.version, group.version, kraft.version).
type Features struct {
	Supported map[string]FeatureRange
	Finalized map[string]FeatureRange
	// Epoch counts changes to the finalized features; -1 when unknown.
	Epoch int64
}

// DescribeFeatures returns the cluster's features, from any broker's
// ApiVersions answer.
func (c *Client) DescribeFeatures(ctx context.Context) (Features, error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return Features{}, err
	}
	defer cancel()
	return one(ctx, c, "describe features", driver.ToAnyBroker, 3, 4, nil, func() kmsg.Request {
		req := kmsg.NewPtrApiVersionsRequest()
		req.ClientSoftwareName, req.ClientSoftwareVersion = "kafadmin", Version
		return req
	}, func(_ *cluster.Broker, resp kmsg.Response) (Features, error) {
		r := resp.(*kmsg.ApiVersionsResponse)
		f := Features{Supported: map[string]FeatureRange{}, Finalized: map[string]FeatureRange{}, Epoch: r.FinalizedFeaturesEpoch}
		for _, s := range r.SupportedFeatures {
			f.Supported[s.Name] = FeatureRange{s.MinVersion, s.MaxVersion}
		}
		for _, s := range r.FinalizedFeatures {
			f.Finalized[s.Name] = FeatureRange{s.MinVersionLevel, s.MaxVersionLevel}
		}
		return f, kafkaerr.New(r.ErrorCode, nil)
	})
}

// FeatureUpgrade says how UpdateFeatures may change a feature's level.
type FeatureUpgrade int8

// Feature upgrade types, as Kafka numbers them.
const (
	Upgrade         FeatureUpgrade = 1 // raise the level
	SafeDowngrade   FeatureUpgrade = 2 // lower it, where no metadata is lost
	UnsafeDowngrade FeatureUpgrade = 3 // lower it even if metadata is lost
)

// FeatureUpdate sets a finalized feature's level; level 0 removes the
// feature (a downgrade).
type FeatureUpdate struct {
	Feature string
	Level   int16
	Type    FeatureUpgrade
}

// FeatureUpdated is what became of one feature in UpdateFeatures.
type FeatureUpdated struct {
	Feature string
	Err     error
}

func (f FeatureUpdated) err() error { return f.Err }

// UpdateFeatures changes finalized feature levels (kafka-features.sh
// upgrade and downgrade), through the controller; with validateOnly the
// controller only checks the change. A change of the metadata version
// cannot be undone without losing metadata unless a safe downgrade is
// allowed: read Kafka's upgrade notes first.
func (c *Client) UpdateFeatures(ctx context.Context, validateOnly bool, updates ...FeatureUpdate) (Results[string, FeatureUpdated], error) {
	const op = "update features"
	byName := make(map[string]FeatureUpdate, len(updates))
	for _, u := range updates {
		switch {
		case u.Feature == "":
			return nil, fmt.Errorf("%s: a feature name is empty: name each feature (DescribeFeatures lists them)", op)
		case u.Level < 0:
			return nil, fmt.Errorf("%s: feature %q: level %d: levels are 0 (removed) or more", op, u.Feature, u.Level)
		case u.Type < Upgrade || u.Type > UnsafeDowngrade:
			return nil, fmt.Errorf("%s: feature %q: say whether it is an upgrade, a safe downgrade or an unsafe downgrade", op, u.Feature)
		}
		if _, dup := byName[u.Feature]; dup {
			return nil, fmt.Errorf("%s: feature %q is given twice", op, u.Feature)
		}
		byName[u.Feature] = u
	}
	if len(byName) == 0 {
		return nil, fmt.Errorf("%s: no features given: name each feature and its level", op)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	names := slices.Sorted(maps.Keys(byName))
	timeout := serverTimeout(ctx)
	done, failed := do(ctx, c, driver.API[string, FeatureUpdated]{
		Name:       op,
		Route:      controllerRoute[string],
		MinVersion: updateFeaturesMinVersion(validateOnly, updates),
		MaxVersion: 1,
		ServerWait: timeout,
		Request: func(batch []driver.Attempt[string]) kmsg.Request {
			req := kmsg.NewPtrUpdateFeaturesRequest()
			req.TimeoutMillis = int32(timeout / time.Millisecond)
			req.ValidateOnly = validateOnly
			for _, a := range batch {
				u := byName[a.Key]
				fu := kmsg.NewUpdateFeaturesRequestFeatureUpdate()
				fu.Feature, fu.MaxVersionLevel, fu.UpgradeType = u.Feature, u.Level, int8(u.Type)
				fu.AllowDowngrade = u.Type != Upgrade
				req.FeatureUpdates = append(req.FeatureUpdates, fu)
			}
			return req
		},
		Response: func(_ *cluster.Broker, batch []driver.Attempt[string], resp kmsg.Response) map[string]driver.Answer[FeatureUpdated] {
			r := resp.(*kmsg.UpdateFeaturesResponse)
			top := kafkaerr.New(r.ErrorCode, r.ErrorMessage)
			out := make(map[string]driver.Answer[FeatureUpdated], len(batch))
			for _, a := range batch {
				out[a.Key] = driver.Answer[FeatureUpdated]{Value: FeatureUpdated{Feature: a.Key}, Err: top}
			}
			for _, res := range r.Results {
				out[res.Feature] = driver.Answer[FeatureUpdated]{Value: FeatureUpdated{Feature: res.Feature}, Err: cmpErr(top, kafkaerr.New(res.ErrorCode, res.ErrorMessage))}
			}
			return out
		},
	}, names, func(f string) Key { return RequestKey("feature " + f) })
	for f, ke := range failed {
		done[f] = FeatureUpdated{Feature: f, Err: ke}
	}
	return done, callError(op, len(names), failed)
}

// updateFeaturesMinVersion is v1 (Kafka 3.3) when the call needs what v0
// lacks, a validation or an unsafe downgrade, so that an older broker
// refuses the call rather than applying it as something else.
func updateFeaturesMinVersion(validateOnly bool, updates []FeatureUpdate) int16 {
	if validateOnly || slices.ContainsFunc(updates, func(u FeatureUpdate) bool { return u.Type == UnsafeDowngrade }) {
		return 1
	}
	return 0
}

// Quorum is the KRaft controller quorum as DescribeQuorum reports it.
type Quorum struct {
	Leader        int32 // the active controller
	LeaderEpoch   int32
	HighWatermark int64
	Voters        []QuorumReplica
	Observers     []QuorumReplica // brokers replicating the metadata log
}

// QuorumReplica is one replica of the metadata log. Lag is the leader's
// log end less this replica's.
type QuorumReplica struct {
	ID            int32
	DirectoryID   string // hex; "" before KIP-853
	LogEndOffset  int64
	Lag           int64
	LastFetch     time.Time // zero when unknown
	LastCaughtUp  time.Time // zero when unknown
	LastFetchedMS int64     // LastFetch as Kafka gives it, -1 when unknown
	// Listeners are where the replica serves the quorum, as a dynamic
	// quorum (KIP-853, DescribeQuorum v2) reports them for voters; nil
	// otherwise.
	Listeners []RaftListener
}

// RaftListener is one endpoint a controller serves the quorum on.
type RaftListener struct {
	Name string // the listener's name, e.g. CONTROLLER
	Host string
	Port uint16
}

// DescribeQuorum describes the KRaft quorum (kafka-metadata-quorum.sh
// describe --status and --replication): the active controller, the voters
// and the observers, and how far each lags. Any broker forwards it to the
// controllers.
func (c *Client) DescribeQuorum(ctx context.Context) (Quorum, error) {
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return Quorum{}, err
	}
	defer cancel()
	return one(ctx, c, "describe quorum", driver.ToAnyBroker, 0, 2, nil, func() kmsg.Request {
		req := kmsg.NewPtrDescribeQuorumRequest()
		rt := kmsg.NewDescribeQuorumRequestTopic()
		rt.Topic = "__cluster_metadata"
		rt.Partitions = append(rt.Partitions, kmsg.NewDescribeQuorumRequestTopicPartition())
		req.Topics = append(req.Topics, rt)
		return req
	}, func(_ *cluster.Broker, resp kmsg.Response) (Quorum, error) {
		r := resp.(*kmsg.DescribeQuorumResponse)
		if err := kafkaerr.New(r.ErrorCode, r.ErrorMessage); err != nil {
			return Quorum{}, err
		}
		if len(r.Topics) != 1 || len(r.Topics[0].Partitions) != 1 {
			return Quorum{}, errors.New("the answer describes no metadata partition")
		}
		p := r.Topics[0].Partitions[0]
		if err := kafkaerr.New(p.ErrorCode, p.ErrorMessage); err != nil {
			return Quorum{}, err
		}
		q := Quorum{Leader: p.LeaderID, LeaderEpoch: p.LeaderEpoch, HighWatermark: p.HighWatermark}
		leaderEnd := p.HighWatermark
		for _, v := range p.CurrentVoters {
			if v.ReplicaID == p.LeaderID {
				leaderEnd = v.LogEndOffset
			}
		}
		q.Voters = quorumReplicas(p.CurrentVoters, leaderEnd)
		q.Observers = quorumReplicas(p.Observers, leaderEnd)
		for _, n := range r.Nodes {
			for i := range q.Voters {
				if v := &q.Voters[i]; v.ID == n.NodeID {
					for _, l := range n.Listeners {
						v.Listeners = append(v.Listeners, RaftListener{Name: l.Name, Host: l.Host, Port: l.Port})
					}
				}
			}
		}
		return q, nil
	})
}

func quorumReplicas(in []kmsg.DescribeQuorumResponseTopicPartitionReplicaState, leaderEnd int64) []QuorumReplica {
	out := make([]QuorumReplica, 0, len(in))
	for _, r := range in {
		qr := QuorumReplica{ID: r.ReplicaID, DirectoryID: topicID(r.ReplicaDirectoryID), LogEndOffset: r.LogEndOffset, Lag: max(leaderEnd-r.LogEndOffset, 0), LastFetchedMS: r.LastFetchTimestamp}
		if r.LastFetchTimestamp > 0 {
			qr.LastFetch = time.UnixMilli(r.LastFetchTimestamp)
		}
		if r.LastCaughtUpTimestamp > 0 {
			qr.LastCaughtUp = time.UnixMilli(r.LastCaughtUpTimestamp)
		}
		out = append(out, qr)
	}
	slices.SortFunc(out, func(a, b QuorumReplica) int { return int(a.ID) - int(b.ID) })
	return out
}

// UnregisterBroker removes a broker that was taken out of the cluster for
// good from the controller's registrations (KIP-500's
// kafka-cluster.sh unregister), so that its id no longer counts. Unregister
// only a broker that is shut down and will not come back with its data.
func (c *Client) UnregisterBroker(ctx context.Context, id int32) error {
	if id < 0 {
		return fmt.Errorf("unregister broker: broker id %d is negative: broker ids are 0 or more", id)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = one(ctx, c, fmt.Sprintf("unregister broker %d", id), driver.ToAnyBroker, 0, 0, []driver.Exception{
		{Code: kerr.BrokerIDNotRegistered, OnlyMaybeApplied: true, Outcome: driver.Done, Why: "unregistered by the call's own attempt whose answer was lost"},
	}, func() kmsg.Request {
		req := kmsg.NewPtrUnregisterBrokerRequest()
		req.BrokerID = id
		return req
	}, func(_ *cluster.Broker, resp kmsg.Response) (struct{}, error) {
		r := resp.(*kmsg.UnregisterBrokerResponse)
		err := kafkaerr.New(r.ErrorCode, r.ErrorMessage)
		if errors.Is(err, kerr.BrokerIDNotRegistered) {
			err = kafkaerr.With(kerr.BrokerIDNotRegistered, fmt.Sprintf("broker %d is not registered: check the id (DescribeCluster lists the brokers)", id))
		}
		return struct{}{}, err
	})
	return err
}

// RaftVoter names a controller of the KRaft quorum: its node id and the
// id of its metadata log directory (hex, as DescribeQuorum reports it),
// and, to add it, the listeners it serves the quorum on.
type RaftVoter struct {
	ID          int32
	DirectoryID string
	Listeners   []RaftListener // needed by AddRaftVoter only
}

// AddRaftVoter makes a controller that replicates the metadata log as an
// observer a voter of a dynamic KRaft quorum (KIP-853, Kafka 3.9 and
// later; kafka-metadata-quorum.sh add-controller). The controller must be
// running and caught up; v names it by id, metadata directory id and the
// listeners it serves the quorum on (those of its controller.listener.names).
// A static quorum refuses it. Kafka answers once the new voter set is
// committed. A retry after a lost answer that finds the controller already
// a voter reports success.
func (c *Client) AddRaftVoter(ctx context.Context, v RaftVoter) error {
	op := fmt.Sprintf("add raft voter %d", v.ID)
	dir, err := parseDirectoryID(v.DirectoryID)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if len(v.Listeners) == 0 {
		return fmt.Errorf("%s: no listeners: give the listeners the controller serves the quorum on (name, host and port of each of its controller.listener.names)", op)
	}
	for _, l := range v.Listeners {
		if l.Name == "" || l.Host == "" || l.Port == 0 {
			return fmt.Errorf("%s: listener %+v lacks a name, host or port: give all three", op, l)
		}
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	clusterID, err := c.clusterID(ctx, op)
	if err != nil {
		return err
	}
	_, failed := do(ctx, c, driver.API[int, struct{}]{
		Name:       op,
		Route:      func(int) driver.Route { return driver.Route{Kind: driver.ToAnyBroker} },
		MinVersion: 0,
		MaxVersion: 1,
		ServerWait: raftVoterWait,
		Exceptions: []driver.Exception{
			{Code: kerr.DuplicateVoter, OnlyMaybeApplied: true, Outcome: driver.Done, Why: "added by the call's own attempt whose answer was lost"},
		},
		Request: func([]driver.Attempt[int]) kmsg.Request {
			req := kmsg.NewPtrAddRaftVoterRequest()
			req.ClusterID = kmsg.StringPtr(clusterID)
			req.TimeoutMillis = int32(raftVoterWait.Milliseconds())
			req.VoterID, req.VoterDirectoryID = v.ID, dir
			req.AckWhenCommitted = true
			for _, l := range v.Listeners {
				req.Listeners = append(req.Listeners, kmsg.AddRaftVoterRequestListener{Name: l.Name, Host: l.Host, Port: l.Port})
			}
			return req
		},
		Response: func(_ *cluster.Broker, _ []driver.Attempt[int], resp kmsg.Response) map[int]driver.Answer[struct{}] {
			r := resp.(*kmsg.AddRaftVoterResponse)
			return map[int]driver.Answer[struct{}]{0: {Err: kafkaerr.New(r.ErrorCode, r.ErrorMessage)}}
		},
	}, []int{0}, func(int) Key { return RequestKey(op) })
	if ke := failed[0]; ke != nil {
		return ke
	}
	return nil
}

// raftVoterWait is how long the controller may take to commit a new voter
// set before it answers REQUEST_TIMED_OUT.
const raftVoterWait = 30 * time.Second

// RemoveRaftVoter removes a controller from a dynamic KRaft quorum
// (KIP-853, Kafka 3.9 and later; kafka-metadata-quorum.sh
// remove-controller). A static quorum (controller.quorum.voters) refuses
// it.
func (c *Client) RemoveRaftVoter(ctx context.Context, v RaftVoter) error {
	dir, err := parseDirectoryID(v.DirectoryID)
	if err != nil {
		return fmt.Errorf("remove raft voter %d: %w", v.ID, err)
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	clusterID, err := c.clusterID(ctx, fmt.Sprintf("remove raft voter %d", v.ID))
	if err != nil {
		return err
	}
	_, err = one(ctx, c, fmt.Sprintf("remove raft voter %d", v.ID), driver.ToAnyBroker, 0, 0, []driver.Exception{
		{Code: kerr.VoterNotFound, OnlyMaybeApplied: true, Outcome: driver.Done, Why: "removed by the call's own attempt whose answer was lost"},
	}, func() kmsg.Request {
		req := kmsg.NewPtrRemoveRaftVoterRequest()
		req.ClusterID = kmsg.StringPtr(clusterID)
		req.VoterID, req.VoterDirectoryID = v.ID, dir
		return req
	}, func(_ *cluster.Broker, resp kmsg.Response) (struct{}, error) {
		r := resp.(*kmsg.RemoveRaftVoterResponse)
		return struct{}{}, kafkaerr.New(r.ErrorCode, r.ErrorMessage)
	})
	return err
}

// clusterID reads the cluster's id, which voter changes must carry.
func (c *Client) clusterID(ctx context.Context, op string) (string, error) {
	desc, err := c.DescribeCluster(ctx)
	if err != nil {
		return "", fmt.Errorf("%s: reading the cluster id: %w", op, err)
	}
	return desc.ClusterID, nil
}

func parseDirectoryID(s string) ([16]byte, error) {
	var id [16]byte
	if s == "" {
		return id, errors.New("no directory id: give the voter's directory id as DescribeQuorum reports it")
	}
	b, err := hexDecode16(s)
	if err != nil {
		return id, fmt.Errorf("directory id %q is not 32 hex digits: give it as DescribeQuorum reports it", s)
	}
	return b, nil
}
