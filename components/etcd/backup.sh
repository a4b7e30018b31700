#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: scheduled etcd snapshots on a control-plane node (<node>-etcd-backup): installs the snapshot command
# /usr/local/sbin/kubeha-etcd-snapshot and a systemd timer that runs it on SCHEDULE. Writes only what changed.
# The snapshots stay when the node leaves the cluster (reset.sh removes the timer and the command).
# Parameters: NODE_NAME, SCHEDULE (OnCalendar), SNAPSHOT_COMMAND (the rendered snapshot.sh), SERVICE_UNIT, TIMER_UNIT.
systemd-analyze calendar "$SCHEDULE" >/dev/null \
  || die "etcdBackupSchedule '$SCHEDULE' is not a systemd calendar expression on $NODE_NAME (systemd-analyze calendar '$SCHEDULE')"
put_file /usr/local/sbin/kubeha-etcd-snapshot 0700 <<<"$SNAPSHOT_COMMAND" || true
units_changed=false
put_file /etc/systemd/system/kubeha-etcd-snapshot.service 0644 <<<"$SERVICE_UNIT" && units_changed=true
put_file /etc/systemd/system/kubeha-etcd-snapshot.timer 0644 <<<"$TIMER_UNIT" && units_changed=true
if [ "$units_changed" = true ]; then
  systemctl daemon-reload || die "systemctl daemon-reload failed on $NODE_NAME"
  if systemctl is-active --quiet kubeha-etcd-snapshot.timer; then svc_restart kubeha-etcd-snapshot.timer; fi
fi
svc_enable_now kubeha-etcd-snapshot.timer
log "$NODE_NAME snapshots its etcd on '$SCHEDULE'"
