package plugins

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tributary-sql/tributary/connectors"
	connectorv1 "github.com/tributary-sql/tributary/plugins/proto/connector/v1"
)

// TestEveryKindMapped fails when a Kind is added to the proto but not to
// errorKinds.
func TestEveryKindMapped(t *testing.T) {
	mapped := map[connectorv1.Kind]bool{}
	for _, k := range errorKinds {
		mapped[k.kind] = true
	}
	for v, name := range connectorv1.Kind_name {
		if !mapped[connectorv1.Kind(v)] {
			t.Errorf("kind %s has no entry in errorKinds", name)
		}
	}
}

func TestErrorRoundTrip(t *testing.T) {
	tests := []struct {
		sentinel error
		code     codes.Code
	}{
		{connectors.ErrTableNotFound, codes.NotFound},
		{connectors.ErrColumnNotFound, codes.InvalidArgument},
		{connectors.ErrUnavailable, codes.Unavailable},
		{connectors.ErrInvalidOptions, codes.FailedPrecondition},
		{connectors.ErrUnsupported, codes.Unimplemented},
		{context.Canceled, codes.Canceled},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.sentinel.Error(), func(t *testing.T) {
			st := toStatus(fmt.Errorf("doing x: %w", tt.sentinel))
			if got := status.Code(st); got != tt.code {
				t.Errorf("code = %v, want %v", got, tt.code)
			}
			back := fromStatus("lake", st)
			if !errors.Is(back, tt.sentinel) {
				t.Errorf("%v is not %v", back, tt.sentinel)
			}
			if want := `source "lake": doing x: ` + tt.sentinel.Error(); back.Error() != want {
				t.Errorf("error = %q, want %q", back, want)
			}
		})
	}
	// A plugin not built with this SDK sets codes without a Diagnostic.
	if err := fromStatus("lake", status.Error(codes.NotFound, "no such table")); !errors.Is(err, connectors.ErrTableNotFound) {
		t.Errorf("bare NotFound: %v", err)
	}
	if err := fromStatus("lake", errors.New("plain")); err.Error() != `source "lake": plain` {
		t.Errorf("plain error: %v", err)
	}
	if err := toStatus(errors.New("plain")); status.Code(err) != codes.Unknown {
		t.Errorf("plain error code %v", status.Code(err))
	}
}

func TestValueRoundTrip(t *testing.T) {
	in := []connectors.Filter{{Column: "c", Op: connectors.OpIn, Values: []any{
		nil, true, int64(-1), uint64(1<<64 - 1), 1.5, "s", []byte("b"),
		connectors.Decimal("1.00"), connectors.Date(-1), connectors.Timestamp(1 << 62),
	}}}
	pf, err := filtersToProto(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := filtersFromProto(pf)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%#v", out) != fmt.Sprintf("%#v", in) {
		t.Errorf("got  %#v\nwant %#v", out, in)
	}
	if _, err := valueFromProto(&connectorv1.Value{}); !errors.Is(err, connectors.ErrUnsupported) {
		t.Errorf("empty value: %v", err)
	}
}
