package plugins

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tributary-sql/tributary/connectors"
	connectorv1 "github.com/tributary-sql/tributary/plugins/proto/connector/v1"
)

// errorKinds is the one place where an error kind meets its sentinel and its
// gRPC code; both directions of the mapping read it, and a test checks that
// every Kind of the proto appears here.
var errorKinds = []struct {
	kind     connectorv1.Kind
	sentinel error // nil: no connectors sentinel
	code     codes.Code
}{
	{connectorv1.Kind_KIND_TABLE_NOT_FOUND, connectors.ErrTableNotFound, codes.NotFound},
	{connectorv1.Kind_KIND_COLUMN_NOT_FOUND, connectors.ErrColumnNotFound, codes.InvalidArgument},
	{connectorv1.Kind_KIND_UNAVAILABLE, connectors.ErrUnavailable, codes.Unavailable},
	{connectorv1.Kind_KIND_INVALID_OPTIONS, connectors.ErrInvalidOptions, codes.FailedPrecondition},
	{connectorv1.Kind_KIND_UNSUPPORTED, connectors.ErrUnsupported, codes.Unimplemented},
	{connectorv1.Kind_KIND_CANCELED, context.Canceled, codes.Canceled},
	{connectorv1.Kind_KIND_INTERNAL, nil, codes.Internal},
	{connectorv1.Kind_KIND_UNSPECIFIED, nil, codes.Unknown},
}

// toStatus turns a connector's error into the gRPC status error the plugin
// returns: the code of its kind, plus a Diagnostic so the host need not
// parse text.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	kind := connectorv1.Kind_KIND_UNSPECIFIED
	code := codes.Unknown
	if errors.Is(err, context.DeadlineExceeded) {
		// A deadline is the host's own; report it like a cancellation.
		kind, code = connectorv1.Kind_KIND_CANCELED, codes.DeadlineExceeded
	} else {
		for _, k := range errorKinds {
			if k.sentinel != nil && errors.Is(err, k.sentinel) {
				kind, code = k.kind, k.code
				break
			}
		}
	}
	return diagnosticStatus(code, &connectorv1.Diagnostic{Kind: kind, Summary: err.Error()})
}

// diagnosticStatus builds a status error carrying d.
func diagnosticStatus(code codes.Code, d *connectorv1.Diagnostic) error {
	st := status.New(code, d.Summary)
	if withDetail, err := st.WithDetails(d); err == nil {
		st = withDetail
	}
	return st.Err()
}

// remoteError is an error reported by a plugin, as the host sees it. It
// unwraps to the connectors sentinel of its kind, if any.
type remoteError struct {
	source   string
	summary  string
	sentinel error
}

func (e *remoteError) Error() string {
	return fmt.Sprintf("source %q: %s", e.source, e.summary)
}

func (e *remoteError) Unwrap() error { return e.sentinel }

// diagnosticOf returns the Diagnostic attached to a status error, or nil
// when err did not come from a plugin's handler (a transport failure, or a
// plugin not built with this SDK).
func diagnosticOf(err error) (*status.Status, *connectorv1.Diagnostic) {
	st, ok := status.FromError(err)
	if !ok {
		return nil, nil
	}
	for _, d := range st.Details() {
		if diag, ok := d.(*connectorv1.Diagnostic); ok {
			return st, diag
		}
	}
	return st, nil
}

// fromStatus maps a status error from a plugin back to an error wrapping the
// connectors sentinel of its kind. Without a Diagnostic the gRPC code
// decides, for plugins that set codes but no details. It does not handle
// transport failures; Source does, since it must look at the process.
func fromStatus(source string, err error) error {
	st, diag := diagnosticOf(err)
	if st == nil {
		return fmt.Errorf("source %q: %w", source, err)
	}
	e := &remoteError{source: source, summary: st.Message()}
	if diag != nil {
		e.summary = diag.Summary
		if st.Code() == codes.DeadlineExceeded {
			e.sentinel = context.DeadlineExceeded
			return e
		}
		for _, k := range errorKinds {
			if k.kind == diag.Kind {
				e.sentinel = k.sentinel
				return e
			}
		}
		return e
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		e.sentinel = context.DeadlineExceeded
		return e
	case codes.InvalidArgument:
		// Without a kind, InvalidArgument may be anything; keep it plain.
		return e
	}
	for _, k := range errorKinds {
		if k.sentinel != nil && k.code == st.Code() {
			e.sentinel = k.sentinel
			return e
		}
	}
	return e
}
