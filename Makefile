# The duckdb_arrow tag compiles DuckDB's Arrow interface, which the engine needs.
GOFLAGS_TAGS := -tags=duckdb_arrow
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build run test bench

build:
	go build $(GOFLAGS_TAGS) -ldflags "-X main.version=$(VERSION)" -o bin/tributary ./cmd/tributary

run:
	go run $(GOFLAGS_TAGS) ./cmd/tributary serve

test:
	./scripts/test.sh

bench:
	go test $(GOFLAGS_TAGS) -run '^$$' -bench . -benchtime 1x -timeout 60m ./e2e/
