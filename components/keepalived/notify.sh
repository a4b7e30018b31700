#!/usr/bin/env bash
# kubeha: Keepalived notify script. Logs every VRRP state transition, records the current state, and keeps both as
# Prometheus metrics in STATE_DIR/kubeha_vrrp.prom for node_exporter's textfile collector.
# Called by Keepalived as: notify.sh STATE_DIR TYPE NAME STATE PRIORITY (its configured argument, then the four
# Keepalived adds: "GROUP"|"INSTANCE", the name, the new state MASTER|BACKUP|FAULT|STOP|DELETED, the priority;
# acassen/keepalived doc/keepalived.conf.SYNOPSIS, "notify").
set -u
state_dir="$1" type="$2" name="$3" state="$4" priority="${5:-}"
message="VRRP ${type} ${name} is now ${state} (priority ${priority})"
mkdir -p "$state_dir"
log="$state_dir/vrrp-transitions.log"
metrics="$state_dir/kubeha_vrrp.prom"
# One notification at a time (Keepalived runs each in its own process).
if command -v flock >/dev/null 2>&1 && exec 9>"$state_dir/.notify.lock"; then flock -w 5 9 || true; fi

printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$message" >>"$log"
printf '%s\n' "$state" >"$state_dir/vrrp-state"
logger -t kubeha-vrrp -- "$message" 2>/dev/null || true

# The text format (node_exporter reads *.prom files, no timestamps: prometheus/node_exporter collector/textfile.go),
# written to a temporary name that does not end in .prom and renamed over the file, so node_exporter never reads
# half a file (node_exporter README, "Textfile Collector"). The transitions are counted from the log (since boot:
# STATE_DIR is on /run), per instance and new state; the label is vrrp_instance, as Prometheus gives every target
# an "instance" label of its own.
tmp="$metrics.$$"
{
  echo '# HELP kubeha_vrrp_state The VRRP state of this load balancer (1 for the current state).'
  echo '# TYPE kubeha_vrrp_state gauge'
  for s in MASTER BACKUP FAULT STOP; do
    printf 'kubeha_vrrp_state{vrrp_instance="%s",state="%s"} %d\n' "$name" "$s" "$([ "$s" = "$state" ] && echo 1 || echo 0)"
  done
  echo '# HELP kubeha_vrrp_transitions_total VRRP state transitions since boot, by the state entered.'
  echo '# TYPE kubeha_vrrp_transitions_total counter'
  awk -v n="$name" '$2 == "VRRP" && $4 == n && $5 == "is" && $6 == "now" { count[$7]++ }
    END {
      split("MASTER BACKUP FAULT STOP", states, " ")
      for (i = 1; i <= 4; i++) printf "kubeha_vrrp_transitions_total{vrrp_instance=\"%s\",state=\"%s\"} %d\n", n, states[i], count[states[i]]
    }' "$log"
  echo '# HELP kubeha_vrrp_priority The VRRP priority Keepalived reported with the last transition.'
  echo '# TYPE kubeha_vrrp_priority gauge'
  printf 'kubeha_vrrp_priority{vrrp_instance="%s"} %d\n' "$name" "${priority:-0}"
  echo '# HELP kubeha_vrrp_last_transition_seconds When the last transition happened (Unix time).'
  echo '# TYPE kubeha_vrrp_last_transition_seconds gauge'
  printf 'kubeha_vrrp_last_transition_seconds{vrrp_instance="%s"} %s\n' "$name" "$(date +%s)"
} >"$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$metrics"
rm -f "$tmp"
exit 0
