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
r() { if [ "$root" = / ]; then printf '%s' "$1"; else printf '%s%s' "$root" "$1"; fi; }
say() { echo "install.sh: $*"; }

user=tracestream
# 1. the system user and group, in the target root's passwd
if [ "$root" = / ]; then
  if ! getent passwd "$user" >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/tracestream --no-create-home \
      --shell /usr/sbin/nologin --comment "tracestream" "$user"
    say "created system user $user"
  fi
  uid="$(id -u "$user")"; gid="$(id -g "$user")"
else
  mkdir -p "$(r /etc)"
  for f in passwd group shadow gshadow; do [ -e "$(r /etc/$f)" ] || touch "$(r /etc/$f)"; done
  if ! grep -q "^$user:" "$(r /etc/passwd)"; then
    useradd --prefix "$root" --system --user-group --home-dir /var/lib/tracestream --no-create-home \
      --shell /usr/sbin/nologin --comment "tracestream" "$user"
    say "created system user $user in $root/etc/passwd"
  fi
  uid="$(awk -F: -v u="$user" '$1 == u { print $3 }' "$(r /etc/passwd)")"
  gid="$(awk -F: -v u="$user" '$1 == u { print $4 }' "$(r /etc/passwd)")"
fi
owner() { if [ "$(id -u)" = 0 ]; then chown "$1" "$2"; fi; }

# 2. directories: the jar's, the config's (group-readable: it may hold SASL secrets), the state's
install -d -m 0755 "$(r /opt/tracestream)" "$(r /opt/tracestream/examples)" "$(r /etc/systemd/system)"
install -d -m 0750 "$(r /etc/tracestream)"
owner "0:$gid" "$(r /etc/tracestream)"
state_dirs=(/var/lib/tracestream /var/lib/tracestream/bridge /var/lib/tracestream/bridge/tmp
  /var/lib/tracestream/kafka /var/lib/tracestream/kafka/logs /var/lib/tracestream/kafka/tmp
  /var/lib/tracestream/alerting /var/lib/tracestream/alerting/state /var/lib/tracestream/alerting/tmp)
for i in $(seq 1 "$instances"); do
  state_dirs+=("/var/lib/tracestream/topology-$i" "/var/lib/tracestream/topology-$i/streams" "/var/lib/tracestream/topology-$i/tmp")
done
for d in "${state_dirs[@]}"; do
  install -d -m 0750 "$(r "$d")"
  owner "$uid:$gid" "$(r "$d")"
done

# 3. the jar, this README and the examples (Jaeger, Prometheus, Grafana)
install -m 0644 "$jar" "$(r /opt/tracestream/tracestream.jar)"
install -m 0644 "$here/README.md" "$(r /opt/tracestream/README.md)"
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

# 4. config files: kept when they exist
config() { # config SOURCE NAME
  local target; target="$(r "/etc/tracestream/$2")"
  if [ ! -e "$target" ]; then
    install -m 0640 "$1" "$target"
    owner "0:$gid" "$target"
  elif ! cmp -s "$1" "$target"; then
    install -m 0640 "$1" "$target.dist"
    owner "0:$gid" "$target.dist"
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
if [ "$root" = / ]; then
  systemctl daemon-reload
  systemctl enable --quiet "${enable[@]}"
  systemctl disable --quiet "${disable[@]}" 2>/dev/null || true
  if [ "$jaeger_unit" = yes ]; then systemctl enable --quiet jaeger.service; fi
  if [ "$start" = yes ]; then systemctl start tracestream.target; fi
else
  systemctl --root="$root" enable --quiet "${enable[@]}"
  systemctl --root="$root" disable --quiet "${disable[@]}" 2>/dev/null || true
  if [ "$jaeger_unit" = yes ]; then systemctl --root="$root" enable --quiet jaeger.service; fi
fi
say "installed into $root: ${enable[*]}"
if [ "$root" = / ] && [ "$start" = no ]; then say "start with: systemctl start tracestream.target"; fi
