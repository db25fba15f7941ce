#!/usr/bin/env bash
# Builds tracestream and runs all-in-one with demo traffic: an embedded Kafka broker, the topology,
# the alerting and the bridge in one process (data in ./data). Installs Java 17 and Maven first when
# they are missing (Debian/Ubuntu, as root). Extra arguments go to all-in-one (see --help).
set -euo pipefail
cd "$(dirname "$0")"

.ci/install --build-only
mvn -B -q -DskipTests package
exec java -jar launcher/target/tracestream.jar all-in-one --demo "$@"
