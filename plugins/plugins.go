// Package plugins runs connectors out of process, behind HashiCorp go-plugin
// over gRPC (protocol: proto/connector/v1).
//
// Two sides live here:
//
//   - The SDK, for plugin authors: a plugin's main implements
//     connectors.Connector and calls Serve. The SDK owns gRPC, Arrow IPC
//     encoding and chunking, the row limit, projection, cancellation and
//     panic recovery; a connector only produces record batches.
//   - The host side, for the gateway: NewSource returns a *Source, itself a
//     connectors.Connector, that starts the plugin process lazily, checks
//     its protocol version, configures it, and restarts it on the next call
//     after it died.
//
// Errors cross the boundary as gRPC status codes carrying a Diagnostic, and
// come back out as the connectors sentinels, so
// errors.Is(err, connectors.ErrTableNotFound) holds on the host as it did in
// the plugin.
package plugins

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	connectorv1 "github.com/tributary-sql/tributary/plugins/proto/connector/v1"
)

// ProtocolVersion is the major version of the connector protocol this
// package speaks (the v1 of tributary.connector.v1).
const ProtocolVersion = 1

// pluginName is the key of our one plugin in go-plugin's PluginSet.
const pluginName = "connector"

// Handshake is the go-plugin handshake shared by host and plugins. The
// cookie is not security: it keeps a user from running a plugin executable
// by hand and seeing gibberish, and keeps a host from launching an
// executable that is not a Tributary plugin.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "TRIBUTARY_CONNECTOR_PLUGIN",
	MagicCookieValue: "5b1c0c6e-tributary-connector-v1",
}

// Info describes a running plugin, as reported by GetInfo.
type Info struct {
	// ProtocolVersion is the major protocol version the plugin speaks.
	ProtocolVersion int
	// Name and Version identify the connector implementation.
	Name, Version string
	Capabilities  Capabilities
}

// Capabilities says which pushdowns a plugin honours. For each false flag
// the host does the work itself, so results never depend on them.
type Capabilities struct {
	Projection bool // returns exactly the requested columns
	Filters    bool // accepts filters and reports which are exact
	Limit      bool // returns at most Limit rows
	// QueryDialect names the SQL the plugin runs as whole queries; "" if
	// none.
	QueryDialect string
}

// Describer is implemented by connectors that name themselves to the host
// (logs, SHOW). Without it a plugin reports its Go type name and an empty
// version.
type Describer interface {
	Describe() (name, version string)
}

// grpcPlugin adapts our gRPC service to go-plugin. On the plugin side impl
// is set; on the host side it is nil and only GRPCClient is used.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl connectorv1.ConnectorServer
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	connectorv1.RegisterConnectorServer(s, p.impl)
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return connectorv1.NewConnectorClient(c), nil
}

var _ plugin.GRPCPlugin = (*grpcPlugin)(nil)
