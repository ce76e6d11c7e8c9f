#!/usr/bin/env bash
# The whole test suite from a fresh clone: set up, then type-check, lint, format-check and run vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# setup.sh built the dev broker and installed Prometheus: integration tests must run, never skip.
export VECSTREAM_REQUIRE_DEV_BROKER=1
npm test
