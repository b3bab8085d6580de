#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine, and does nothing
# when it is already there: Debian's Chromium (browser journey), the npm
# driver playwright-core, Python's jwcrypto, Authlib and Flask, Node's openid-client, and running PostgreSQL (trust
# auth on 127.0.0.1, database `test`) and Redis servers for the backend tests.
#
# It never edits PostgreSQL's pg_hba.conf on a developer's machine: only
# with --ci (what .ci/run passes) does it add trust lines for 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
edit_pg_hba=false
[ "${1:-}" = "--ci" ] && edit_pg_hba=true

# shellcheck source=lib/packages.sh
. scripts/lib/packages.sh

if ! command -v cargo >/dev/null 2>&1; then
  echo "install-test-deps: cargo is required (https://rustup.rs)" >&2
  exit 1
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "install-test-deps: installing Debian's chromium"
  apt_install chromium
fi
if ! command -v node >/dev/null 2>&1; then
  echo "install-test-deps: installing nodejs and npm"
  apt_install nodejs npm
fi
if ! python3 -c "import jwcrypto" >/dev/null 2>&1; then
  echo "install-test-deps: installing jwcrypto (independent JOSE implementation for interop tests)"
  python3 -m pip install --quiet --disable-pip-version-check jwcrypto 2>/dev/null || python3 -m pip install --quiet --break-system-packages jwcrypto
fi
if ! python3 -c "import authlib, flask, requests, openapi_spec_validator" >/dev/null 2>&1; then
  echo "install-test-deps: installing Authlib, Flask, requests (an off-the-shelf OpenID Connect client for the oidc-profile tests) and openapi-spec-validator"
  python3 -m pip install --quiet --disable-pip-version-check authlib flask requests openapi-spec-validator 2>/dev/null || python3 -m pip install --quiet --break-system-packages authlib flask requests openapi-spec-validator
fi
if [ ! -d tests/interop/node/node_modules/openid-client ]; then
  echo "install-test-deps: installing openid-client (a second independent OpenID Connect client)"
  (cd tests/interop/node && npm ci --ignore-scripts --no-audit --no-fund --silent)
fi
if [ ! -d bench/side-by-side/node_modules/oidc-provider ] || [ ! -d bench/side-by-side/node_modules/openid-client ]; then
  echo "install-test-deps: installing oidc-provider and openid-client (FranceConnect's engine, for the side-by-side rig)"
  (cd bench/side-by-side && npm ci --ignore-scripts --no-audit --no-fund --silent)
fi
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ] || [ ! -d tests/browser/node_modules/@gouvfr/dsfr ]; then
  echo "install-test-deps: installing playwright-core (driver only, no browser download) axe-core and the DSFR"
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --silent)
fi

# PostgreSQL on 127.0.0.1:5432 with a `test` database.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "install-test-deps: installing postgresql"
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if $edit_pg_hba && ! grep -q "relais-tests" "$hba" 2>/dev/null; then
    as_root sh -c "printf 'host all all 127.0.0.1/32 trust # relais-tests\nhost all all ::1/128 trust # relais-tests\n' | cat - '$hba' > '$hba.new' && mv '$hba.new' '$hba'"
  elif ! $edit_pg_hba; then
    echo "install-test-deps: PostgreSQL started; the tests connect as postgres@127.0.0.1/test without a password (set RELAIS_TEST_POSTGRES to use other credentials)"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -c 'create database test' >/dev/null 2>&1 || true
fi

# Redis on 127.0.0.1:6379.
if ! (command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1); then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "install-test-deps: installing redis"
    apt_install redis-server
  fi
  mkdir -p /tmp/relais-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/relais-redis --logfile /tmp/relais-redis/redis.log
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
# The rediss:// test starts a TLS-only redis-server of its own, with a
# certificate made by openssl: both commands, even where Redis runs already.
if ! (command -v redis-server >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1); then
  echo "install-test-deps: installing redis-server and openssl"
  apt_install redis-server openssl
fi
