package kafadmin

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafadmin/kafadmin/internal/cluster"
	"github.com/kafadmin/kafadmin/internal/driver"
	"github.com/kafadmin/kafadmin/internal/kafkaerr"
)

// Request sends any Kafka request through the client's routes and
// failover, so that an API kafadmin does not wrap yet is still one call
// away, and returns the response. It is routed by its type:
//
//   - requests for group coordinators (kmsg.GroupCoordinatorRequest) go to
//     the coordinator of their group; DescribeGroups, DeleteGroups,
//     ConsumerGroupDescribe and OffsetFetch with many groups are split by
//     coordinator and their answers merged into one response;
//   - requests for transaction coordinators likewise (DescribeTransactions
//     split by transactional id);
//   - ListOffsets, DeleteRecords, OffsetForLeaderEpoch and
//     DescribeProducers are split by partition leader and merged;
//   - requests for the controller (kmsg.AdminRequest) go to the controller;
//   - every other request goes to any broker.
//
// A connection error, and an error code that says the key's broker moved
// (NOT_COORDINATOR, NOT_LEADER_OR_FOLLOWER, NOT_CONTROLLER...) or is busy
// (a retriable code), sends the request (or the part of it concerned)
// again, until ctx's deadline, as for kafadmin's own calls. Other codes are
// left in the response, for the caller to read. The request is sent at the
// highest version both the broker and franz-go's kmsg support. The
// returned error is a *KeyError (or a *CallError for a split request) when
// a part could not be answered; a split request's response then holds the
// parts that were.
func (c *Client) Request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	if req == nil || reflect.ValueOf(req).IsNil() {
		return nil, errors.New("request: nil request: pass a kmsg request, e.g. kmsg.NewPtrMetadataRequest()")
	}
	ctx, cancel, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	name := "request " + kmsg.NameForKey(req.Key())
	if sp, ok := splits[kmsg.Key(req.Key())]; ok && sp.applies(req) {
		return c.splitRequest(ctx, name, req, sp)
	}
	route, key, err := requestRoute(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	values, failed := do(ctx, c, driver.API[int, kmsg.Response]{
		Name:       name,
		Route:      func(int) driver.Route { return route },
		MaxVersion: maxVersion(req),
		ServerWait: serverWait(req),
		Request:    func([]driver.Attempt[int]) kmsg.Request { return req },
		Response: func(_ *cluster.Broker, _ []driver.Attempt[int], resp kmsg.Response) map[int]driver.Answer[kmsg.Response] {
			return map[int]driver.Answer[kmsg.Response]{0: {Value: resp, Err: worstCode(route.Kind, reflect.ValueOf(resp))}}
		},
	}, []int{0}, func(int) Key { return key })
	if ke := failed[0]; ke != nil {
		return nil, ke
	}
	return values[0], nil
}

// maxVersion is the highest version req can be sent at: kmsg's, except
// where a later version moved a field the caller filled: an OffsetFetch
// naming its one group in Group (moved by v8), and OffsetCommit and
// OffsetFetch naming topics (v10 names them by id only).
func maxVersion(req kmsg.Request) int16 {
	switch req.(type) {
	case *kmsg.OffsetFetchRequest:
		return offsetFetchBatch - 1
	case *kmsg.OffsetCommitRequest:
		return min(req.MaxVersion(), offsetCommitMax)
	}
	return req.MaxVersion()
}

// requestRoute is where a request that is not split goes.
func requestRoute(req kmsg.Request) (driver.Route, Key, error) {
	switch req.(type) {
	case kmsg.GroupCoordinatorRequest:
		g, ok := stringField(req, "Group", "GroupID")
		if !ok || g == "" {
			return driver.Route{}, Key{}, errors.New("the request names no group: set its Group (or GroupID)")
		}
		return driver.Route{Kind: driver.ToGroupCoordinator, Key: g}, GroupKey(g), nil
	case kmsg.TxnCoordinatorRequest:
		id, ok := stringField(req, "TransactionalID")
		if _, isInit := req.(*kmsg.InitProducerIDRequest); isInit && (!ok || id == "") {
			// An idempotent producer's id: any broker gives one.
			return driver.Route{Kind: driver.ToAnyBroker}, RequestKey("a broker's answer"), nil
		}
		if !ok || id == "" {
			return driver.Route{}, Key{}, errors.New("the request names no transactional id: set its TransactionalID")
		}
		return driver.Route{Kind: driver.ToTxnCoordinator, Key: id}, TransactionKey(id), nil
	case kmsg.AdminRequest:
		return driver.Route{Kind: driver.ToController}, RequestKey("the controller's answer"), nil
	}
	return driver.Route{Kind: driver.ToAnyBroker}, RequestKey("a broker's answer"), nil
}

// serverWait is the time a request asks the broker to hold it.
func serverWait(req kmsg.Request) time.Duration {
	if tr, ok := req.(kmsg.TimeoutRequest); ok && tr.Timeout() > 0 {
		return time.Duration(tr.Timeout()) * time.Millisecond
	}
	return 0
}

// worstCode is the error code in v (a response or part of one) that
// decides its fate on route kind: one the rules name as sending a key back
// to look-up, else one they name as retrying it, else nil. Other codes,
// retriable or not, are the caller's to read: a raw request's codes may be
// about anything (a Metadata request's unknown topic is retriable, and not
// worth waiting for).
func worstCode(kind driver.RouteKind, v reflect.Value) error {
	var relookup, retry error
	walkCodes(v, func(code int16) {
		err := kafkaerr.New(code, nil)
		switch driver.Named(kind, err) {
		case driver.Relookup:
			relookup = cmpErr(relookup, err)
		case driver.Retry:
			retry = cmpErr(retry, err)
		}
	})
	return cmpErr(relookup, retry)
}

// walkCodes calls fn with every non-zero ErrorCode field in v.
func walkCodes(v reflect.Value, fn func(int16)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkCodes(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Name == "ErrorCode" && f.Type.Kind() == reflect.Int16 {
				if code := int16(v.Field(i).Int()); code != 0 {
					fn(code)
				}
				continue
			}
			walkCodes(v.Field(i), fn)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			walkCodes(v.Index(i), fn)
		}
	}
}

// stringField reads a string field of a request.
func stringField(req kmsg.Request, names ...string) (string, bool) {
	for _, name := range names {
		f := reflect.ValueOf(req).Elem().FieldByName(name)
		if f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		if f.IsValid() && f.Kind() == reflect.String {
			return f.String(), true
		}
	}
	return "", false
}

// split says how a request of many keys is split and merged. Requests
// and responses are read through reflection: kmsg's types follow one
// naming, so one split serves every request of a shape.
type split struct {
	// byPartition: the request's Topics[].Partitions[] (structs with a
	// Partition, or bare int32s) are split by leader; the response's
	// Topics[].Partitions[] are merged.
	byPartition bool
	// Otherwise the request's []string field reqField (or []struct with a
	// keyField) is split by coordinator, and the response's respField
	// elements, each naming its key in keyField, are merged.
	reqField, respField, keyField string
	kind                          driver.RouteKind
	// minVersion is the first version carrying many keys.
	minVersion int16
}

var splits = map[kmsg.Key]split{
	kmsg.DescribeGroups:        {reqField: "Groups", respField: "Groups", keyField: "Group", kind: driver.ToGroupCoordinator},
	kmsg.DeleteGroups:          {reqField: "Groups", respField: "Groups", keyField: "Group", kind: driver.ToGroupCoordinator},
	kmsg.ConsumerGroupDescribe: {reqField: "Groups", respField: "Groups", keyField: "Group", kind: driver.ToGroupCoordinator},
	kmsg.OffsetFetch:           {reqField: "Groups", respField: "Groups", keyField: "Group", kind: driver.ToGroupCoordinator, minVersion: offsetFetchBatch},
	kmsg.DescribeTransactions:  {reqField: "TransactionalIDs", respField: "TransactionStates", keyField: "TransactionalID", kind: driver.ToTxnCoordinator},
	kmsg.ListOffsets:           {byPartition: true, kind: driver.ToLeader},
	kmsg.DeleteRecords:         {byPartition: true, kind: driver.ToLeader},
	kmsg.OffsetForLeaderEpoch:  {byPartition: true, kind: driver.ToLeader},
	kmsg.DescribeProducers:     {byPartition: true, kind: driver.ToLeader},
}

// maxVersion is the highest version a split request is sent at: an
// OffsetFetch of many groups names topics by name up to v9.
func (sp split) maxVersion(req kmsg.Request) int16 {
	if _, ok := req.(*kmsg.OffsetFetchRequest); ok {
		return min(req.MaxVersion(), offsetFetchMax)
	}
	return req.MaxVersion()
}

// applies reports whether req carries its keys where the split reads
// them: OffsetFetch names one group in Group, not in Groups, unless the
// caller filled Groups.
func (sp split) applies(req kmsg.Request) bool {
	if sp.byPartition {
		return true
	}
	f := reflect.ValueOf(req).Elem().FieldByName(sp.reqField)
	return f.IsValid() && f.Len() > 0
}

// splitKey is one key of a split request: a group or transactional id, or
// a partition.
type splitKey struct {
	id        string
	partition int32
}

func (c *Client) splitRequest(ctx context.Context, name string, req kmsg.Request, sp split) (kmsg.Response, error) {
	keys, elems := sp.keys(req)
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: the request names no keys", name)
	}
	keyOf := func(k splitKey) Key {
		switch sp.kind {
		case driver.ToLeader:
			return PartitionKey(TopicPartition{k.id, k.partition})
		case driver.ToTxnCoordinator:
			return TransactionKey(k.id)
		}
		return GroupKey(k.id)
	}
	var (
		mu    sync.Mutex
		first kmsg.Response
	)
	parts, failed := do(ctx, c, driver.API[splitKey, reflect.Value]{
		Name:       name,
		Route:      func(k splitKey) driver.Route { return driver.Route{Kind: sp.kind, Key: k.id, Partition: k.partition} },
		MinVersion: sp.minVersion,
		MaxVersion: sp.maxVersion(req),
		ServerWait: serverWait(req),
		Request: func(batch []driver.Attempt[splitKey]) kmsg.Request {
			return sp.subRequest(req, batch, elems)
		},
		Response: func(_ *cluster.Broker, batch []driver.Attempt[splitKey], resp kmsg.Response) map[splitKey]driver.Answer[reflect.Value] {
			mu.Lock()
			if first == nil {
				first = resp
			}
			mu.Unlock()
			out := make(map[splitKey]driver.Answer[reflect.Value], len(batch))
			sp.eachAnswer(resp, func(k splitKey, v reflect.Value) {
				out[k] = driver.Answer[reflect.Value]{Value: v, Err: worstCode(sp.kind, v)}
			})
			return out
		},
	}, keys, keyOf)
	if first == nil {
		return nil, callError(name, len(keys), failed)
	}
	return sp.merge(first, keys, parts), callError(name, len(keys), failed)
}

// keys lists the keys of req, and the request element of each (for
// requests whose elements carry more than the key).
func (sp split) keys(req kmsg.Request) ([]splitKey, map[splitKey]reflect.Value) {
	var keys []splitKey
	elems := make(map[splitKey]reflect.Value)
	rv := reflect.ValueOf(req).Elem()
	if sp.byPartition {
		topics := rv.FieldByName("Topics")
		for i := range topics.Len() {
			t := topics.Index(i)
			topic := t.FieldByName("Topic").String()
			ps := t.FieldByName("Partitions")
			for j := range ps.Len() {
				k := splitKey{id: topic, partition: partitionOf(ps.Index(j))}
				if _, dup := elems[k]; !dup {
					keys = append(keys, k)
				}
				elems[k] = ps.Index(j)
			}
		}
		return keys, elems
	}
	f := rv.FieldByName(sp.reqField)
	for i := range f.Len() {
		e := f.Index(i)
		id := e
		if e.Kind() == reflect.Struct {
			id = e.FieldByName(sp.keyField)
		}
		k := splitKey{id: id.String()}
		if _, dup := elems[k]; !dup {
			keys = append(keys, k)
		}
		elems[k] = e
	}
	return keys, elems
}

func partitionOf(v reflect.Value) int32 {
	if v.Kind() == reflect.Struct {
		return int32(v.FieldByName("Partition").Int())
	}
	return int32(v.Int())
}

// subRequest is a copy of req holding only the batch's keys.
func (sp split) subRequest(req kmsg.Request, batch []driver.Attempt[splitKey], elems map[splitKey]reflect.Value) kmsg.Request {
	rv := reflect.ValueOf(req).Elem()
	sub := reflect.New(rv.Type())
	sub.Elem().Set(rv)
	if !sp.byPartition {
		f := sub.Elem().FieldByName(sp.reqField)
		s := reflect.MakeSlice(f.Type(), 0, len(batch))
		for _, a := range batch {
			s = reflect.Append(s, elems[a.Key])
		}
		f.Set(s)
		return sub.Interface().(kmsg.Request)
	}
	topics := sub.Elem().FieldByName("Topics")
	byTopic := make(map[string][]reflect.Value)
	var order []string
	for _, a := range batch {
		if _, ok := byTopic[a.Key.id]; !ok {
			order = append(order, a.Key.id)
		}
		byTopic[a.Key.id] = append(byTopic[a.Key.id], elems[a.Key])
	}
	ts := reflect.MakeSlice(topics.Type(), 0, len(order))
	for _, topic := range order {
		var t reflect.Value
		for i := range topics.Len() {
			if topics.Index(i).FieldByName("Topic").String() == topic {
				t = reflect.New(topics.Type().Elem()).Elem()
				t.Set(topics.Index(i))
				break
			}
		}
		ps := t.FieldByName("Partitions")
		s := reflect.MakeSlice(ps.Type(), 0, len(byTopic[topic]))
		for _, e := range byTopic[topic] {
			s = reflect.Append(s, e)
		}
		ps.Set(s)
		ts = reflect.Append(ts, t)
	}
	topics.Set(ts)
	return sub.Interface().(kmsg.Request)
}

// eachAnswer calls fn with each key of resp and its part of the answer: a
// group's element, or a partition's element with its topic's codes.
func (sp split) eachAnswer(resp kmsg.Response, fn func(splitKey, reflect.Value)) {
	rv := reflect.ValueOf(resp).Elem()
	if !sp.byPartition {
		f := rv.FieldByName(sp.respField)
		for i := range f.Len() {
			e := f.Index(i)
			fn(splitKey{id: e.FieldByName(sp.keyField).String()}, e)
		}
		return
	}
	topics := rv.FieldByName("Topics")
	for i := range topics.Len() {
		t := topics.Index(i)
		ps := t.FieldByName("Partitions")
		for j := range ps.Len() {
			fn(splitKey{id: t.FieldByName("Topic").String(), partition: partitionOf(ps.Index(j))}, ps.Index(j))
		}
	}
}

// merge builds one response from the first part's top-level fields and
// every key's answer, in the request's order.
func (sp split) merge(first kmsg.Response, keys []splitKey, parts map[splitKey]reflect.Value) kmsg.Response {
	rv := reflect.ValueOf(first).Elem()
	out := reflect.New(rv.Type())
	out.Elem().Set(rv)
	if !sp.byPartition {
		f := out.Elem().FieldByName(sp.respField)
		s := reflect.MakeSlice(f.Type(), 0, len(keys))
		for _, k := range keys {
			if v, ok := parts[k]; ok {
				s = reflect.Append(s, v)
			}
		}
		f.Set(s)
		return out.Interface().(kmsg.Response)
	}
	topics := out.Elem().FieldByName("Topics")
	ts := reflect.MakeSlice(topics.Type(), 0, 1)
	index := make(map[string]int)
	for _, k := range keys {
		v, ok := parts[k]
		if !ok {
			continue
		}
		i, seen := index[k.id]
		if !seen {
			i = ts.Len()
			index[k.id] = i
			t := reflect.New(topics.Type().Elem()).Elem()
			t.FieldByName("Topic").SetString(k.id)
			ts = reflect.Append(ts, t)
		}
		ps := ts.Index(i).FieldByName("Partitions")
		ps.Set(reflect.Append(ps, v))
	}
	topics.Set(ts)
	return out.Interface().(kmsg.Response)
}
