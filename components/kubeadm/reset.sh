#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: leave the cluster (Pulumi delete of a node's init or join). kubeadm reset also removes a control-plane
# node's etcd member. Parameters: NODE_NAME, LB_ADDRESSES, LB_STATS_PORT. Carries no secrets (it runs as a command
# line): a control-plane node's API server is drained on the load balancers (loadbalancer/backend.sh, with the
# credentials its <node>-lb-access step left on it) before kubeadm reset stops it.
if [ -f "${KUBEHA_ROOT}/etc/kubernetes/manifests/kube-apiserver.yaml" ]; then
  lb_backend_drain "$NODE_NAME" || log "the load balancers did not drain $NODE_NAME's API server; it leaves anyway"
fi
if command -v kubeadm >/dev/null 2>&1 && [ -d "${KUBEHA_ROOT}/etc/kubernetes" ]; then
  kubeadm reset -f >&2 || die "kubeadm reset failed on $NODE_NAME"
fi
# The node's etcd snapshots stay; their timer and command go (components/etcd/backup.sh).
if [ -f "${KUBEHA_ROOT}/etc/systemd/system/kubeha-etcd-snapshot.timer" ]; then
  systemctl disable --now kubeha-etcd-snapshot.timer >&2 || log "could not stop kubeha-etcd-snapshot.timer"
  rm -f "${KUBEHA_ROOT}/etc/systemd/system/kubeha-etcd-snapshot.timer" \
    "${KUBEHA_ROOT}/etc/systemd/system/kubeha-etcd-snapshot.service" "$etcd_snapshot_command"
  systemctl daemon-reload || true
fi
rm -rf "${KUBEHA_ROOT}/etc/cni/net.d" "${KUBEHA_ROOT}/root/.kube" "$init_done" "$join_done" "${kubeha_state}/initialised-here"
# What prepare.sh added to the host for the pod network (firewall trust, NetworkManager file), as recorded there.
host_changes_undo

# kubeadm reset leaves the packet filter to the operator. Only what Kubernetes made goes: the chains of kube-proxy
# (KUBE-*), the CNI plugins (CNI-*), flannel (FLANNEL-*) and Calico (cali-*), and every rule that jumps to them.
# The host's firewall stays as it is: `iptables -F; iptables -X` would also delete ufw's accept chains and leave
# its DROP policy, cutting the SSH session that runs this.
kube_chain='^(KUBE-|CNI-|FLANNEL-|cali-)'
for tool in iptables ip6tables; do
  command -v "${tool}-save" >/dev/null 2>&1 || continue
  rules="$("${tool}-save")" || { log "${tool}-save failed: ${tool} rules left as they are"; continue; }
  kept="$(awk -v kube="$kube_chain" '
    /^:/ { if (substr($1, 2) ~ kube) next }
    /^-A / {
      if ($2 ~ kube) next
      for (i = 3; i < NF; i++) if (($i == "-j" || $i == "-g") && $(i + 1) ~ kube) next
    }
    { print }' <<<"$rules")"
  if [ "$kept" != "$rules" ]; then
    "${tool}-restore" -w 5 <<<"$kept" || log "could not remove Kubernetes' ${tool} rules"
  fi
done
# kube-proxy in nftables mode keeps its rules in tables of its own.
if command -v nft >/dev/null 2>&1; then
  for family in ip ip6; do
    if nft list table "$family" kube-proxy >/dev/null 2>&1; then nft delete table "$family" kube-proxy || true; fi
  done
fi
if command -v ipvsadm >/dev/null 2>&1; then ipvsadm --clear || true; fi
log "$NODE_NAME left the cluster"
