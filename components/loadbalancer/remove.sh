#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: undo install.sh and configure.sh on a load balancer (Pulumi delete). Parameters: NOTIFY_PATH, STATE_DIR.
for unit in keepalived kubeha-haproxy-watch haproxy; do
  systemctl disable --now "$unit" >/dev/null 2>&1 || true
done
rm -f "${KUBEHA_ROOT}/etc/systemd/system/kubeha-haproxy-watch.service" "${KUBEHA_ROOT}/etc/tmpfiles.d/kubeha.conf"
systemctl daemon-reload || true
# The VRRP metrics' link, and the directories configure.sh made for it (deepest first; only while empty).
rm -f "${KUBEHA_ROOT}/var/lib/prometheus/node-exporter/kubeha_vrrp.prom"
if [ -f "${KUBEHA_ROOT}/usr/local/lib/kubeha/created-dirs" ]; then
  tac "${KUBEHA_ROOT}/usr/local/lib/kubeha/created-dirs" | while read -r dir; do rmdir "${KUBEHA_ROOT}$dir" 2>/dev/null || true; done
fi
rm -rf "${KUBEHA_ROOT}/usr/local/lib/kubeha" "${KUBEHA_ROOT}${STATE_DIR}" "${KUBEHA_ROOT}${NOTIFY_PATH}"
pkg_remove keepalived haproxy
rm -rf "${KUBEHA_ROOT}/etc/haproxy" "${KUBEHA_ROOT}/etc/keepalived"
log "load balancer removed"
