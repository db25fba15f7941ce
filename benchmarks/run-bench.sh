#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar and runs benchmarks from the repository root:
#   benchmarks/run-bench.sh bridge   [--duration S --warmup S --concurrency N --requests N --partitions N --out FILE]
#   benchmarks/run-bench.sh topology [--spans N --partitions N --spread S --window 1m --grace 30s --out FILE]
#   benchmarks/run-bench.sh e2e      [--duration S --warmup S --rate SPANS_PER_S ... see benchmarks/README.md]
#   benchmarks/run-bench.sh jmh      [JMH options, e.g. -wi 1 -i 2 CodecBench]
#   benchmarks/run-bench.sh all      jmh, then e2e, then writes benchmarks/RESULTS.md (E2E_ARGS: options for e2e,
#                                    default --rate 40000 --warmup 10 --duration 30)
# Environment: KAFKA_BOOTSTRAP_SERVERS (use that broker instead of an embedded one),
#              JAVA_OPTS (default -Xms2g -Xmx2g for bridge, -Xms4g -Xmx4g for topology and e2e),
#              MVN_ARGS (extra Maven flags, e.g. -o), SKIP_BUILD=1 (use the jar as built).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
build() {
  if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    mvn -B -q -DskipTests ${MVN_ARGS:-} -pl benchmarks -am package
  fi
}
jmh() {
  mkdir -p benchmarks/results
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  java ${JAVA_OPTS:-} -cp "$jar" org.openjdk.jmh.Main -rf json -rff benchmarks/results/jmh.json "$@" \
    | tee benchmarks/results/jmh.txt
}
e2e() {
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:--Xms4g -Xmx4g} -cp "$jar" io.tracestream.benchmarks.EndToEndBench "$@"
}
case "${1:-}" in
  bridge) main=BridgeIngestBench; heap="-Xms2g -Xmx2g" ;;
  topology) main=TopologyBench; heap="-Xms4g -Xmx4g" ;;
  e2e) shift; build; e2e "$@"; exit ;;
  jmh) shift; build; jmh "$@"; exit ;;
  all|results)
    shift; build
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    jmh "$@"
    load_jmh=$(cut -d' ' -f1-3 /proc/loadavg)
    # shellcheck disable=SC2086 # E2E_ARGS is a list of options
    # Paced at 40k spans/s: the default target rate (half the slower baseline, ~160k spans/s here) is
    # more than the topology works off within the run's 10-minute drain limit.
    e2e ${E2E_ARGS:---rate 40000 --warmup 10 --duration 30}
    load_e2e=$(cut -d' ' -f1-3 /proc/loadavg)
    java -cp "$jar" io.tracestream.benchmarks.ResultsMarkdown benchmarks/RESULTS.md \
      "$load_before" "$load_jmh" "$load_e2e"
    exit ;;
  *) echo "usage: $0 bridge|topology|e2e|jmh|all [--name value ...]" >&2; exit 2 ;;
esac
shift
build
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
exec java ${JAVA_OPTS:-$heap} -cp "$jar" "io.tracestream.benchmarks.$main" "$@"
