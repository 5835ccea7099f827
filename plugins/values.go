package plugins

import (
	"fmt"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tributary-sql/tributary/connectors"
	connectorv1 "github.com/tributary-sql/tributary/plugins/proto/connector/v1"
)

var opsToProto = map[connectors.Op]connectorv1.Op{
	connectors.OpEq:        connectorv1.Op_OP_EQ,
	connectors.OpNe:        connectorv1.Op_OP_NE,
	connectors.OpLt:        connectorv1.Op_OP_LT,
	connectors.OpLe:        connectorv1.Op_OP_LE,
	connectors.OpGt:        connectorv1.Op_OP_GT,
	connectors.OpGe:        connectorv1.Op_OP_GE,
	connectors.OpIn:        connectorv1.Op_OP_IN,
	connectors.OpIsNull:    connectorv1.Op_OP_IS_NULL,
	connectors.OpIsNotNull: connectorv1.Op_OP_IS_NOT_NULL,
	connectors.OpLike:      connectorv1.Op_OP_LIKE,
}

var opsFromProto = func() map[connectorv1.Op]connectors.Op {
	m := make(map[connectorv1.Op]connectors.Op, len(opsToProto))
	for k, v := range opsToProto {
		m[v] = k
	}
	return m
}()

// filtersToProto encodes the host's filters. A value of a type outside the
// connectors vocabulary is an ErrUnsupported error rather than a guess.
func filtersToProto(fs []connectors.Filter) ([]*connectorv1.Filter, error) {
	out := make([]*connectorv1.Filter, 0, len(fs))
	for _, f := range fs {
		op, ok := opsToProto[f.Op]
		if !ok {
			return nil, fmt.Errorf("filter %s: operator %q: %w", f, f.Op, connectors.ErrUnsupported)
		}
		pf := &connectorv1.Filter{Column: f.Column, Op: op, Values: make([]*connectorv1.Value, 0, len(f.Values))}
		for _, v := range f.Values {
			pv, err := valueToProto(v)
			if err != nil {
				return nil, fmt.Errorf("filter %s: %w", f, err)
			}
			pf.Values = append(pf.Values, pv)
		}
		out = append(out, pf)
	}
	return out, nil
}

func valueToProto(v any) (*connectorv1.Value, error) {
	switch v := v.(type) {
	case nil:
		return &connectorv1.Value{Kind: &connectorv1.Value_Null{Null: structpb.NullValue_NULL_VALUE}}, nil
	case bool:
		return &connectorv1.Value{Kind: &connectorv1.Value_Bool{Bool: v}}, nil
	case int64:
		return &connectorv1.Value{Kind: &connectorv1.Value_Int64{Int64: v}}, nil
	case int:
		// Not in the documented vocabulary, but too easy to produce by
		// accident to refuse.
		return &connectorv1.Value{Kind: &connectorv1.Value_Int64{Int64: int64(v)}}, nil
	case uint64:
		return &connectorv1.Value{Kind: &connectorv1.Value_Uint64{Uint64: v}}, nil
	case float64:
		return &connectorv1.Value{Kind: &connectorv1.Value_Double{Double: v}}, nil
	case string:
		return &connectorv1.Value{Kind: &connectorv1.Value_String_{String_: v}}, nil
	case []byte:
		return &connectorv1.Value{Kind: &connectorv1.Value_Bytes{Bytes: v}}, nil
	case connectors.Decimal:
		return &connectorv1.Value{Kind: &connectorv1.Value_Decimal{Decimal: string(v)}}, nil
	case connectors.Date:
		return &connectorv1.Value{Kind: &connectorv1.Value_Date{Date: int32(v)}}, nil
	case connectors.Timestamp:
		return &connectorv1.Value{Kind: &connectorv1.Value_Timestamp{Timestamp: int64(v)}}, nil
	}
	return nil, fmt.Errorf("value %v of type %T: %w", v, v, connectors.ErrUnsupported)
}

// filtersFromProto decodes filters on the plugin side.
func filtersFromProto(pfs []*connectorv1.Filter) ([]connectors.Filter, error) {
	out := make([]connectors.Filter, 0, len(pfs))
	for _, pf := range pfs {
		op, ok := opsFromProto[pf.GetOp()]
		if !ok {
			return nil, fmt.Errorf("filter on %q: operator %v: %w", pf.GetColumn(), pf.GetOp(), connectors.ErrUnsupported)
		}
		f := connectors.Filter{Column: pf.GetColumn(), Op: op, Values: make([]any, 0, len(pf.GetValues()))}
		for _, pv := range pf.GetValues() {
			v, err := valueFromProto(pv)
			if err != nil {
				return nil, fmt.Errorf("filter on %q: %w", pf.GetColumn(), err)
			}
			f.Values = append(f.Values, v)
		}
		out = append(out, f)
	}
	return out, nil
}

func valueFromProto(pv *connectorv1.Value) (any, error) {
	switch k := pv.GetKind().(type) {
	case *connectorv1.Value_Null:
		return nil, nil
	case *connectorv1.Value_Bool:
		return k.Bool, nil
	case *connectorv1.Value_Int64:
		return k.Int64, nil
	case *connectorv1.Value_Uint64:
		return k.Uint64, nil
	case *connectorv1.Value_Double:
		return k.Double, nil
	case *connectorv1.Value_String_:
		return k.String_, nil
	case *connectorv1.Value_Bytes:
		return k.Bytes, nil
	case *connectorv1.Value_Decimal:
		return connectors.Decimal(k.Decimal), nil
	case *connectorv1.Value_Date:
		return connectors.Date(k.Date), nil
	case *connectorv1.Value_Timestamp:
		return connectors.Timestamp(k.Timestamp), nil
	}
	// An empty oneof (or one from a newer protocol) must not turn into NULL,
	// which would change the filter's meaning.
	return nil, fmt.Errorf("value of unknown kind %T: %w", pv.GetKind(), connectors.ErrUnsupported)
}

// valuesToProto encodes the arguments of a pushed-down query.
func valuesToProto(vs []any) ([]*connectorv1.Value, error) {
	out := make([]*connectorv1.Value, len(vs))
	for i, v := range vs {
		pv, err := valueToProto(v)
		if err != nil {
			return nil, fmt.Errorf("query argument %d: %w", i+1, err)
		}
		out[i] = pv
	}
	return out, nil
}

func valuesFromProto(pvs []*connectorv1.Value) ([]any, error) {
	out := make([]any, len(pvs))
	for i, pv := range pvs {
		v, err := valueFromProto(pv)
		if err != nil {
			return nil, fmt.Errorf("query argument %d: %w", i+1, err)
		}
		out[i] = v
	}
	return out, nil
}
