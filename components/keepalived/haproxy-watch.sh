#!/usr/bin/env bash
# kubeha: watches the local HAProxy and writes its state for Keepalived's vrrp_track_file: 0 while HAProxy serves
# URL (its liveness answer), 1 when it does not. A refused connection means nothing listens on the port any more
# (a busy HAProxy's full backlog drops connections, it does not refuse them): HAProxy is gone, 1 at once. Any other
# failure (a timeout, an error answer) counts only after FAILURES polls in a row, retried at half the interval,
# so one slow answer moves no VIP. Keepalived reacts to the file at once (inotify); the VIP moves one VRRP skew
# time later.
# Usage: haproxy-watch.sh URL FILE INTERVAL_MS FAILURES
set -u
url="$1" file="$2" interval_ms="$3" failures="$4"
pause="$(awk -v ms="$interval_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
retry="$(awk -v ms="$interval_ms" 'BEGIN { printf "%.3f", ms / 2000 }')"
timeout="$(awk -v ms="$interval_ms" 'BEGIN { t = ms * 2 / 1000; if (t < 0.3) t = 0.3; printf "%.3f", t }')"
last="" failed=0
while :; do
  curl -sf -o /dev/null --max-time "$timeout" "$url"
  case "$?" in
    0) failed=0 ;;
    7) failed="$failures" ;; # connection refused
    *) failed=$((failed + 1)) ;;
  esac
  now="$last"
  if [ "$failed" -eq 0 ]; then now=0; elif [ "$failed" -ge "$failures" ]; then now=1; fi
  if [ -n "$now" ] && [ "$now" != "$last" ]; then
    printf '%s\n' "$now" >"$file.tmp" && mv -f "$file.tmp" "$file"
    last="$now"
  fi
  if [ "$failed" -gt 0 ] && [ "$failed" -lt "$failures" ]; then sleep "$retry"; else sleep "$pause"; fi
done
