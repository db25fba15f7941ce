#!/usr/bin/env bash
# Removes the tracestream units and jar. Keeps /etc/tracestream, the data in /var/lib/tracestream
# (Kafka logs, RocksDB state) and the tracestream users unless --purge is given.
set -euo pipefail

root=/
purge=no
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="$2"; shift 2 ;;
    --purge) purge=yes; shift ;;
    -h|--help) echo "usage: uninstall.sh [--root DIR] [--purge]   (--purge also removes config, data and the user)"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
root="$(cd "$root" && pwd)"
r() { if [ "$root" = / ]; then printf '%s' "$1"; else printf '%s%s' "$root" "$1"; fi; }
say() { echo "uninstall.sh: $*"; }

units=(tracestream.target)
if [ -d "$(r /etc/systemd/system/tracestream.target.wants)" ]; then
  for link in "$(r /etc/systemd/system/tracestream.target.wants)"/*; do
    [ -e "$link" ] || [ -L "$link" ] && units+=("$(basename "$link")")
  done
fi
if [ "$root" = / ]; then
  systemctl disable --now --quiet "${units[@]}" 2>/dev/null || true
else
  systemctl --root="$root" disable --quiet "${units[@]}" 2>/dev/null || true
fi
rm -f "$(r /etc/systemd/system)"/tracestream.target "$(r /etc/systemd/system)"/tracestream-*.service
rmdir "$(r /etc/systemd/system/tracestream.target.wants)" 2>/dev/null || true
rm -rf "$(r /opt/tracestream)"
if [ "$root" = / ]; then systemctl daemon-reload; fi
say "removed the units and /opt/tracestream"

if [ "$purge" = yes ]; then
  rm -rf "$(r /etc/tracestream)" "$(r /var/lib/tracestream)"
  # one user per unit, and the single user of versions before them
  for user in tracestream-kafka tracestream-bridge tracestream-topology tracestream-alerting tracestream; do
    if [ "$root" = / ]; then
      if getent passwd "$user" >/dev/null; then userdel "$user"; fi
    elif grep -q "^$user:" "$(r /etc/passwd)" 2>/dev/null; then
      userdel --prefix "$root" "$user"
    fi
  done
  say "purged /etc/tracestream, /var/lib/tracestream and the tracestream users"
else
  say "kept /etc/tracestream, /var/lib/tracestream (Kafka logs, Streams state) and the tracestream users; --purge removes them"
fi
