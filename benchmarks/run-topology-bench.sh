#!/usr/bin/env bash
# The span-metrics topology benchmark. Same as: benchmarks/run-bench.sh topology [args]
exec "$(dirname "$0")/run-bench.sh" topology "$@"
