#!/usr/bin/env bash
# The bridge ingest benchmark; kept for existing habits. Same as: benchmarks/run-bench.sh bridge [args]
exec "$(dirname "$0")/run-bench.sh" bridge "$@"
