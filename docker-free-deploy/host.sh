# What install.sh, uninstall.sh and the .deb's maintainer scripts do alike to a host, sourced by them (bash).
# The caller sets root (/ or a staging root) and defines say. Installed as /opt/tracestream/host.sh.

parts=(kafka bridge topology alerting)
declare -A uid gid

r() { if [ "$root" = / ]; then printf '%s' "$1"; else printf '%s%s' "$root" "$1"; fi; }
owner() { if [ "$(id -u)" = 0 ]; then chown "$1" "$2"; fi; }

# the part a state directory or config file belongs to: kafka, bridge, topology or alerting
part_of() {
  case "$1" in
    bridge*) echo bridge ;; kafka*) echo kafka ;; topology*) echo topology ;; alert*) echo alerting ;;
    *) echo "no part for $1" >&2; exit 1 ;;
  esac
}

# one system user and group per unit, in the target root's passwd: the network-facing bridge cannot
# read the topology's, alerting's or Kafka's config (secrets) nor their state, and the other way round.
# Fills uid[part] and gid[part].
host_users() {
  local part user f
  for part in "${parts[@]}"; do
    user="tracestream-$part"
    if [ "$root" = / ]; then
      if ! getent passwd "$user" >/dev/null; then
        useradd --system --user-group --home-dir /var/lib/tracestream --no-create-home \
          --shell /usr/sbin/nologin --comment "tracestream $part" "$user"
        say "created system user $user"
      fi
      uid[$part]="$(id -u "$user")"; gid[$part]="$(id -g "$user")"
    else
      mkdir -p "$(r /etc)"
      for f in passwd group shadow gshadow; do [ -e "$(r /etc/$f)" ] || touch "$(r /etc/$f)"; done
      if ! grep -q "^$user:" "$(r /etc/passwd)"; then
        useradd --prefix "$root" --system --user-group --home-dir /var/lib/tracestream --no-create-home \
          --shell /usr/sbin/nologin --comment "tracestream $part" "$user"
        say "created system user $user in $root/etc/passwd"
      fi
      uid[$part]="$(awk -F: -v u="$user" '$1 == u { print $3 }' "$(r /etc/passwd)")"
      gid[$part]="$(awk -F: -v u="$user" '$1 == u { print $4 }' "$(r /etc/passwd)")"
    fi
  done
}

# host_state_dirs N: the config's and the state's parents are root's and only traversable; each part's state
# directory (topology-1..N) is its user's alone (one owned by another user, as the shared user tracestream of
# older versions, is handed over recursively)
host_state_dirs() {
  local d i part path
  local state_dirs=(bridge bridge/tmp kafka kafka/logs kafka/tmp alerting alerting/state alerting/tmp)
  for i in $(seq 1 "$1"); do state_dirs+=("topology-$i" "topology-$i/streams" "topology-$i/tmp"); done
  install -d -m 0711 "$(r /etc/tracestream)" "$(r /var/lib/tracestream)"
  owner 0:0 "$(r /etc/tracestream)"
  owner 0:0 "$(r /var/lib/tracestream)"
  for d in "${state_dirs[@]}"; do
    part="$(part_of "$d")"
    path="$(r "/var/lib/tracestream/$d")"
    install -d -m 0750 "$path"
    if [ "$(id -u)" = 0 ] && [ "$(stat -c %u "$path")" != "${uid[$part]}" ]; then
      chown -R "${uid[$part]}:${gid[$part]}" "$path"
    fi
  done
}

# every config file of a part in /etc/tracestream, with the shipped versions kept beside them (*.dist,
# *.dpkg-dist), readable by root and that part's group alone; other files there are the operator's
host_config_owners() {
  local f name
  for f in "$(r /etc/tracestream)"/*; do
    name="$(basename "$f")"
    case "$name" in
      bridge.*|kafka.*|topology*.env*|topology.properties*|alerting.*|alert-rules.yaml*) ;;
      *) continue ;;
    esac
    [ -f "$f" ] || continue
    chmod 0640 "$f"
    owner "0:${gid[$(part_of "$name")]}" "$f"
  done
}

# host_enable "UNIT..." "UNIT...": enables the first list, disables the second (reloading a running systemd)
host_enable() {
  local enable disable
  read -r -a enable <<< "$1"
  read -r -a disable <<< "$2"
  if [ "$root" = / ]; then
    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    systemctl enable --quiet "${enable[@]}"
    if [ ${#disable[@]} -gt 0 ]; then systemctl disable --quiet "${disable[@]}" 2>/dev/null || true; fi
  else
    systemctl --root="$root" enable --quiet "${enable[@]}"
    if [ ${#disable[@]} -gt 0 ]; then systemctl --root="$root" disable --quiet "${disable[@]}" 2>/dev/null || true; fi
  fi
}
