#!/usr/bin/env bash
# The quick start: install what is missing, then run the dev broker, vecstream, a producer and live
# queries (scripts/demo.ts). Uses ../shared/data/siftsmall when present, else synthetic vectors.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node_modules/.bin/tsx scripts/demo.ts "$@"
