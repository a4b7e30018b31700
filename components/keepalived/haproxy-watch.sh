#!/usr/bin/env bash
# kubeha: watches the local HAProxy and writes its state for Keepalived's vrrp_track_file:
# 0 while HAProxy serves URL, 1 when it does not. Keepalived reacts to the change at once (inotify),
# so a dead HAProxy moves the VIP within about INTERVAL_MS plus one VRRP skew time.
# Usage: haproxy-watch.sh URL FILE INTERVAL_MS
set -u
url="$1" file="$2" interval_ms="$3"
pause="$(awk -v ms="$interval_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
timeout="$(awk -v ms="$interval_ms" 'BEGIN { t = ms * 2 / 1000; if (t < 0.3) t = 0.3; printf "%.3f", t }')"
last=""
while :; do
  if curl -sf -o /dev/null --max-time "$timeout" "$url"; then now=0; else now=1; fi
  if [ "$now" != "$last" ]; then
    printf '%s\n' "$now" >"$file.tmp" && mv -f "$file.tmp" "$file"
    last="$now"
  fi
  sleep "$pause"
done
