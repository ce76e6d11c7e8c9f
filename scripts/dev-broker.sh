#!/usr/bin/env bash
# Runs the dev broker (librdkafka's mock Kafka cluster on 127.0.0.1) by hand: builds it when needed, then
# runs it with the given arguments, e.g.
#   bash scripts/dev-broker.sh --brokers 3 --topic vectors:4
# It prints "BOOTSTRAP host:port,..." and then takes commands on stdin (type `help`); Ctrl-D or Ctrl-C
# stops it. In the background, where stdin is empty, add --ignore-stdin and stop it with kill (SIGTERM).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
make -s -C "$root/tools/dev-broker"
exec "$root/tools/dev-broker/build/dev-broker" "$@"
