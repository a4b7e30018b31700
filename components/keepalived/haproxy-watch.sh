#!/usr/bin/env bash
# kubeha: watches the local HAProxy and writes its state for Keepalived's vrrp_track_file: 0 while HAProxy serves
# URL (its liveness answer), 1 once FAILURES polls in a row have failed. One slow or lost answer moves nothing.
# After a failed poll the next follows at half the interval, and a dead HAProxy fails at once (nothing listens),
# so its death is written within about INTERVAL_MS * (1 + (FAILURES - 1) / 2); Keepalived reacts to the change at
# once (inotify), and the VIP moves one VRRP skew time later.
# Usage: haproxy-watch.sh URL FILE INTERVAL_MS FAILURES
set -u
url="$1" file="$2" interval_ms="$3" failures="$4"
pause="$(awk -v ms="$interval_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
retry="$(awk -v ms="$interval_ms" 'BEGIN { printf "%.3f", ms / 2000 }')"
timeout="$(awk -v ms="$interval_ms" 'BEGIN { t = ms * 2 / 1000; if (t < 0.3) t = 0.3; printf "%.3f", t }')"
last="" failed=0
while :; do
  if curl -sf -o /dev/null --max-time "$timeout" "$url"; then failed=0; else failed=$((failed + 1)); fi
  now="$last"
  if [ "$failed" -eq 0 ]; then now=0; elif [ "$failed" -ge "$failures" ]; then now=1; fi
  if [ -n "$now" ] && [ "$now" != "$last" ]; then
    printf '%s\n' "$now" >"$file.tmp" && mv -f "$file.tmp" "$file"
    last="$now"
  fi
  if [ "$failed" -gt 0 ] && [ "$failed" -lt "$failures" ]; then sleep "$retry"; else sleep "$pause"; fi
done
