// Package proto holds the versioned plugin protocol (connector/v1) and its
// generated Go code, which is committed. Regenerate with `go generate` after
// editing a .proto; the generators are protoc-gen-go v1.36.12 and
// protoc-gen-go-grpc v1.6.0.
package proto

//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative connector/v1/connector.proto
