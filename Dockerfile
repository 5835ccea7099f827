# Build: DuckDB is compiled in through cgo, so the builder needs gcc/g++.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -tags duckdb_arrow -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/tributary ./cmd/tributary

# Run: the binary serves the gateway and, as child processes, its built-in
# connectors. Mount a config at /etc/tributary/tributary.yaml; inside a
# container it must listen on 0.0.0.0 and every user needs a password.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/tributary --create-home tributary
COPY --from=build /out/tributary /usr/local/bin/tributary
USER tributary
EXPOSE 3307 8081
ENTRYPOINT ["tributary"]
CMD ["serve", "--config", "/etc/tributary/tributary.yaml"]
