#!/usr/bin/env bash
# The quick start: install what is missing, then run the dev broker, vecstream, a producer and live
# queries (scripts/demo.ts). Uses ../shared/data/siftsmall when present, else synthetic vectors.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# node --import tsx (not the tsx wrapper): Ctrl-C then reaches the demo itself, which stops its children in order.
exec node --import tsx scripts/demo.ts "$@"
