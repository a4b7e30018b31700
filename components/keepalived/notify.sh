#!/usr/bin/env bash
# kubeha: Keepalived notify script. Logs every VRRP state transition and records the current state.
# Called by Keepalived as: notify.sh STATE_DIR TYPE NAME STATE PRIORITY
set -u
state_dir="$1" type="$2" name="$3" state="$4" priority="${5:-}"
message="VRRP ${type} ${name} is now ${state} (priority ${priority})"
mkdir -p "$state_dir"
printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$message" >>"$state_dir/vrrp-transitions.log"
printf '%s\n' "$state" >"$state_dir/vrrp-state"
logger -t kubeha-vrrp -- "$message" 2>/dev/null || true
exit 0
