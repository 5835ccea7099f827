#!/usr/bin/env bash
# The TPC-H benchmark: Tributary against PostgreSQL federating the same
# split with foreign data wrappers, and against DuckDB over local copies,
# all measured in the same run (cmd/tpchbench says how).
#
#   scripts/bench-tpch.sh --sf 1 --peer-runs 1 --out docs/benchmarks
#
# Arguments go to cmd/tpchbench (--help lists them). It installs what is
# missing (Debian packages, as root): PostgreSQL, MariaDB, and the
# mysql_fdw extension of the installed PostgreSQL (file_fdw comes with it).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v mariadb-install-db >/dev/null 2>&1 || missing+=(mariadb-server)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench-tpch.sh: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  echo "bench-tpch.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The extension must match the server's major version (the newest
# installed, which internal/testdb starts).
pg=$(ls /usr/lib/postgresql | sort -n | tail -1)
if [[ ! -e /usr/lib/postgresql/$pg/lib/mysql_fdw.so ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench-tpch.sh: missing postgresql-$pg-mysql-fdw; install it or run as root" >&2
    exit 1
  fi
  echo "bench-tpch.sh: installing postgresql-$pg-mysql-fdw" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$pg-mysql-fdw" >/dev/null
fi

exec go run -tags duckdb_arrow ./cmd/tpchbench "$@"
