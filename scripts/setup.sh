#!/usr/bin/env bash
# Installs what vecstream needs on a fresh Debian machine with Node 20, and nothing twice:
# system packages (a C compiler and librdkafka-dev for the dev broker, prometheus for the monitoring
# tests) through apt when run as root, the npm dependencies from the lockfile, and the dev broker binary.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
command -v make >/dev/null 2>&1 || need_apt+=(make)
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || need_apt+=(librdkafka-dev)
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: missing ${need_apt[*]}; install them with: sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
fi

# npm ci only when the installed tree is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

if [ -f tools/dev-broker/Makefile ]; then
  make -s -C tools/dev-broker
fi
echo "setup: ready"
