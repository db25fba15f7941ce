#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar and runs the bridge ingest benchmark from the repository root.
# Arguments go to the benchmark: --duration S --warmup S --concurrency N --requests N --partitions N --out FILE
# Environment: KAFKA_BOOTSTRAP_SERVERS (use that broker instead of an embedded one),
#              JAVA_OPTS (default -Xms2g -Xmx2g), MVN_ARGS (extra Maven flags, e.g. -o).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests ${MVN_ARGS:-} -pl benchmarks -am package
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
exec java ${JAVA_OPTS:--Xms2g -Xmx2g} -cp benchmarks/target/benchmarks.jar \
  io.tracestream.benchmarks.BridgeIngestBench "$@"
