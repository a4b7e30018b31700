#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: write HAProxy's and Keepalived's configuration on a load balancer. Every file is validated by the real
# tool before it goes into place; a service is reloaded only when its file changed.
# Parameters: SELF_ADDRESS, HAPROXY_CFG, KEEPALIVED_CONF (its interface is INTERFACE_TOKEN, filled here with the
# interface that carries SELF_ADDRESS), INTERFACE_TOKEN, NOTIFY_SH, NOTIFY_PATH, STATE_DIR, WATCH_SH, WATCH_UNIT.
# The stats password (haproxy.cfg) and VRRPv2 password (keepalived.conf) are readable by root (and HAProxy's group).
lib="/usr/local/lib/kubeha"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

interface="$(interface_with_address "$SELF_ADDRESS")"
[ -n "$interface" ] || die "no network interface has the address $SELF_ADDRESS (ip -4 addr); the VIP needs one"
log "VIP interface: $interface (carries $SELF_ADDRESS)"

# Keepalived's scripts live where SELinux policy runs them unconfined (keepalived_unconfined_script_exec_t).
put_file "$NOTIFY_PATH" 755 <<<"$NOTIFY_SH" || true
selinux_restore_context "$NOTIFY_PATH"
put_file "$lib/haproxy-watch.sh" 755 <<<"$WATCH_SH" || true
# The watcher's and Keepalived's state directory is on /run (tmpfs): systemd-tmpfiles makes it at every boot,
# before any service starts (systemd-tmpfiles-setup.service runs before sysinit.target, which every service with
# default dependencies follows), and here now.
put_file /etc/tmpfiles.d/kubeha.conf 644 <<<"d ${STATE_DIR} 0755 root root -" || true
systemd-tmpfiles --create "${KUBEHA_ROOT}/etc/tmpfiles.d/kubeha.conf" || die "systemd-tmpfiles cannot create $STATE_DIR"
# The notify script's metrics, where node_exporter's textfile collector is pointed (a link: node_exporter opens
# each *.prom name it lists, following links; prometheus/node_exporter collector/textfile.go).
# Directories kubeha makes for it are listed in $lib/created-dirs, for remove.sh.
for dir in /var/lib/prometheus /var/lib/prometheus/node-exporter; do
  if [ ! -d "${KUBEHA_ROOT}$dir" ]; then
    mkdir -p "${KUBEHA_ROOT}$dir" || die "cannot create $dir"
    echo "$dir" >>"${KUBEHA_ROOT}$lib/created-dirs"
  fi
done
metrics_link="${KUBEHA_ROOT}/var/lib/prometheus/node-exporter/kubeha_vrrp.prom"
if [ "$(readlink "$metrics_link" 2>/dev/null)" != "${STATE_DIR}/kubeha_vrrp.prom" ]; then
  ln -sfn "${STATE_DIR}/kubeha_vrrp.prom" "$metrics_link" || die "cannot link the VRRP metrics into $(dirname "$metrics_link")"
fi

if put_file /etc/systemd/system/kubeha-haproxy-watch.service 644 <<<"$WATCH_UNIT"; then
  systemctl daemon-reload
  systemctl enable kubeha-haproxy-watch >/dev/null 2>&1 || die "cannot enable kubeha-haproxy-watch"
  systemctl restart kubeha-haproxy-watch || die "cannot start kubeha-haproxy-watch (journalctl -u kubeha-haproxy-watch)"
else
  svc_enable_now kubeha-haproxy-watch
fi

printf '%s\n' "$HAPROXY_CFG" >"$work/haproxy.cfg"
if ! out="$(haproxy -c -f "$work/haproxy.cfg" 2>&1)"; then
  die "the rendered haproxy.cfg is invalid, nothing changed: $out"
fi
if put_file /etc/haproxy/haproxy.cfg 640 root:haproxy <"$work/haproxy.cfg"; then
  if systemctl is-active --quiet haproxy; then svc_reload haproxy; fi
fi
svc_enable_now haproxy

printf '%s\n' "${KEEPALIVED_CONF//"$INTERFACE_TOKEN"/$interface}" >"$work/keepalived.conf"
if ! out="$(keepalived --config-test -f "$work/keepalived.conf" 2>&1)"; then
  die "the rendered keepalived.conf is invalid, nothing changed: $out"
fi
if put_file /etc/keepalived/keepalived.conf 600 <"$work/keepalived.conf"; then
  if systemctl is-active --quiet keepalived; then svc_reload keepalived; fi
fi
svc_enable_now keepalived
log "load balancer configured"
