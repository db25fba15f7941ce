#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar and runs one benchmark from the repository root:
#   benchmarks/run-bench.sh bridge   [--duration S --warmup S --concurrency N --requests N --partitions N --out FILE]
#   benchmarks/run-bench.sh topology [--spans N --partitions N --spread S --window 1m --grace 30s --out FILE]
# Environment: KAFKA_BOOTSTRAP_SERVERS (use that broker instead of an embedded one),
#              JAVA_OPTS (default -Xms2g -Xmx2g for bridge, -Xms4g -Xmx4g for topology),
#              MVN_ARGS (extra Maven flags, e.g. -o).
set -euo pipefail
case "${1:-}" in
  bridge) main=BridgeIngestBench; heap="-Xms2g -Xmx2g" ;;
  topology) main=TopologyBench; heap="-Xms4g -Xmx4g" ;;
  *) echo "usage: $0 bridge|topology [--name value ...]" >&2; exit 2 ;;
esac
shift
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests ${MVN_ARGS:-} -pl benchmarks -am package
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
exec java ${JAVA_OPTS:-$heap} -cp benchmarks/target/benchmarks.jar "io.tracestream.benchmarks.$main" "$@"
