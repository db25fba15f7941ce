#!/usr/bin/env bash
# Installs tracestream as systemd units on a Debian/Ubuntu host, beside a native Jaeger. Idempotent:
# run it again to upgrade the jar and the units; config files that exist are kept (a changed shipped
# version lands beside them as *.dist). See README.md in this folder.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: install.sh [options]
  --root DIR              install into DIR instead of / (a staging root: nothing is started, and
                          the user is added to DIR/etc/passwd)
  --jar FILE              the tracestream.jar to install (default: tracestream.jar beside this
                          script, else ../launcher/target/tracestream.jar)
  --topology-instances N  enable tracestream-topology@1..N on this host (default 1)
  --without-kafka         do not enable tracestream-kafka.service (a Kafka cluster exists; set
                          kafka.bootstrap.servers in /etc/tracestream/*.properties)
  --with-alerting         enable tracestream-alerting.service
  --with-jaeger-unit      also install the example jaeger.service (if none exists) and
                          /etc/jaeger/jaeger.yaml for port plan (a)
  --start                 start tracestream.target afterwards (not with --root)
USAGE
}

here="$(cd "$(dirname "$0")" && pwd)"
root=/
jar=""
instances=1
kafka=yes
alerting=no
jaeger_unit=no
start=no
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --topology-instances) instances="$2"; shift 2 ;;
    --without-kafka) kafka=no; shift ;;
    --with-alerting) alerting=yes; shift ;;
    --with-jaeger-unit) jaeger_unit=yes; shift ;;
    --start) start=yes; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$instances" in ''|*[!0-9]*|0) echo "install.sh: --topology-instances needs a number >= 1" >&2; exit 2 ;; esac
if [ -z "$jar" ]; then
  for candidate in "$here/tracestream.jar" "$here/../launcher/target/tracestream.jar"; do
    if [ -f "$candidate" ]; then jar="$candidate"; break; fi
  done
fi
[ -n "$jar" ] && [ -f "$jar" ] || { echo "install.sh: no tracestream.jar; build it (mvn -B -DskipTests package) or pass --jar" >&2; exit 2; }
root="$(mkdir -p "$root" && cd "$root" && pwd)"
if [ "$root" != / ] && [ "$start" = yes ]; then echo "install.sh: --start does not go with --root" >&2; exit 2; fi
say() { echo "install.sh: $*"; }
# shellcheck source=host.sh
. "$here/host.sh"

# 1. one system user and group per unit; 2. directories: the config's, the state's, each part's state
host_users
host_state_dirs "$instances"
install -d -m 0755 "$(r /opt/tracestream)" "$(r /opt/tracestream/examples)" "$(r /etc/systemd/system)"

# 3. the jar, this README and the examples (Jaeger, Prometheus, Grafana)
install -m 0644 "$jar" "$(r /opt/tracestream/tracestream.jar)"
install -m 0644 "$here/README.md" "$(r /opt/tracestream/README.md)"
install -m 0644 "$here/host.sh" "$(r /opt/tracestream/host.sh)"
for d in jaeger prometheus; do
  install -d -m 0755 "$(r "/opt/tracestream/examples/$d")"
  install -m 0644 "$here/$d"/*.y*ml "$(r "/opt/tracestream/examples/$d")/"
done
# Grafana: provisioning files and dashboards live in the repository's grafana-dashboards/
grafana="$here/../grafana-dashboards"
for d in provisioning/datasources provisioning/dashboards; do
  install -d -m 0755 "$(r "/opt/tracestream/examples/grafana/$d")"
  install -m 0644 "$grafana/$d"/*.yaml "$(r "/opt/tracestream/examples/grafana/$d")/"
done
install -d -m 0755 "$(r /opt/tracestream/examples/grafana/dashboards)"
install -m 0644 "$grafana"/dashboards/*.json "$(r /opt/tracestream/examples/grafana/dashboards)/"
install -m 0644 "$here/systemd/jaeger.service" "$(r /opt/tracestream/examples/jaeger.service)"

# 4. config files: kept when they exist (a changed shipped version lands beside as *.dist); then every
# one readable by root and its part's group alone (also a kept file: an older version gave every file to
# the shared group tracestream)
config() { # config SOURCE NAME
  local target; target="$(r "/etc/tracestream/$2")"
  if [ ! -e "$target" ]; then
    install -m 0640 "$1" "$target"
  elif ! cmp -s "$1" "$target"; then
    install -m 0640 "$1" "$target.dist"
    say "kept your $target; the shipped version is $target.dist"
  fi
}
for f in "$here"/etc/*.properties "$here"/etc/*.env; do config "$f" "$(basename "$f")"; done
# the default alert rules (alerting.rules.file), kept once you edit them
config "$here/../alerting/src/main/resources/io/tracestream/alerting/default-rules.yaml" alert-rules.yaml
for i in $(seq 2 "$instances"); do
  tmp="$(mktemp)"
  printf '# tracestream-topology@%s.service: what differs from the other instances on this host\nTRACESTREAM_TOPOLOGY_ADMIN_PORT=%s\n' \
    "$i" "$((9470 + i))" > "$tmp"
  config "$tmp" "topology-$i.env"
  rm -f "$tmp"
done
host_config_owners

# 5. units: always replaced (local changes belong in drop-ins: systemctl edit UNIT)
for u in tracestream.target tracestream-kafka.service tracestream-bridge.service \
  tracestream-topology@.service tracestream-alerting.service; do
  install -m 0644 "$here/systemd/$u" "$(r "/etc/systemd/system/$u")"
done
if [ "$jaeger_unit" = yes ]; then
  [ -e "$(r /etc/systemd/system/jaeger.service)" ] || install -m 0644 "$here/systemd/jaeger.service" "$(r /etc/systemd/system/jaeger.service)"
  install -d -m 0755 "$(r /etc/jaeger)"
  [ -e "$(r /etc/jaeger/jaeger.yaml)" ] || install -m 0644 "$here/jaeger/jaeger-otlp-14317.yaml" "$(r /etc/jaeger/jaeger.yaml)"
fi

# 6. enable into tracestream.target
enable=(tracestream.target tracestream-bridge.service)
disable=()
for i in $(seq 1 "$instances"); do enable+=("tracestream-topology@$i.service"); done
if [ "$kafka" = yes ]; then enable+=(tracestream-kafka.service); else disable+=(tracestream-kafka.service); fi
if [ "$alerting" = yes ]; then enable+=(tracestream-alerting.service); else disable+=(tracestream-alerting.service); fi
if [ "$jaeger_unit" = yes ]; then enable+=(jaeger.service); fi
host_enable "${enable[*]}" "${disable[*]}"
if [ "$start" = yes ]; then systemctl start tracestream.target; fi
say "installed into $root: ${enable[*]}"
if [ "$root" = / ] && [ "$start" = no ]; then say "start with: systemctl start tracestream.target"; fi
