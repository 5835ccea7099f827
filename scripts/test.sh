#!/usr/bin/env bash
# Runs every test of Tributary: unit tests (with the race detector where no
# cgo is involved), the end-to-end tests against the real binary, its
# plugin processes and real MySQL clients, and short fuzzing runs.
#
# It installs what the tests need when it is missing (Debian packages, as
# root): the tests that need a real client or server never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10s}
export GOFLAGS="${GOFLAGS:-} -tags=duckdb_arrow"

missing=()
command -v mysql >/dev/null 2>&1 || missing+=(mariadb-client)
# Throwaway PostgreSQL and MariaDB servers (internal/testdb starts them per
# test binary, on free loopback ports, in temporary directories).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v mariadb-install-db >/dev/null 2>&1 || missing+=(mariadb-server)
# The real clients of e2e/clients_test.go (Debian's python, not one on PATH).
for module in pymysql sqlalchemy pandas pyodbc; do
  /usr/bin/python3 -c "import $module" >/dev/null 2>&1 || missing+=("python3-$module")
done
[[ -f /usr/share/java/mariadb-java-client.jar ]] || missing+=(libmariadb-java)
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
compgen -G '/usr/lib/*/odbc/libmaodbc.so' >/dev/null || missing+=(odbc-mariadb unixodbc)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=300 -y -qq "${missing[@]}" >/dev/null
fi

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

# Packages without cgo get the race detector; DuckDB's cgo build under
# -race is slow and tells us nothing about our own code.
pure=(./sqlerr/ ./connectors/... ./plugins/... ./server/... ./catalog/... ./parser/... ./planner/... ./internal/...)
step "unit tests (race)"
go test -race -count=1 "${pure[@]}"

step "engine, gateway, end-to-end and federated TPC-H (SF ${TPCH_SF:-0.1}) tests"
TPCH_SF=${TPCH_SF:-0.1} go test -count=1 -timeout 30m ./engine/... ./gateway/... ./cmd/... ./e2e/... ./tpch/...

step "fuzzing (${FUZZTIME} each)"
go test -run '^$' -fuzz '^FuzzTranslate$' -fuzztime "$FUZZTIME" ./parser/
go test -run '^$' -fuzz '^FuzzCommandPacket$' -fuzztime "$FUZZTIME" ./server/

step "all tests passed"
