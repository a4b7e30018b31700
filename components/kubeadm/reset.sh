#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: leave the cluster (Pulumi delete of a node's init or join). kubeadm reset also removes a control-plane
# node's etcd member. Parameters: NODE_NAME. Carries no secrets (it runs as a command line).
if command -v kubeadm >/dev/null 2>&1 && [ -d "${KUBEHA_ROOT}/etc/kubernetes" ]; then
  kubeadm reset -f >&2 || die "kubeadm reset failed on $NODE_NAME"
fi
rm -rf "${KUBEHA_ROOT}/etc/cni/net.d" "${KUBEHA_ROOT}/root/.kube" "$init_done" "$join_done" "${kubeha_state}/initialised-here"
if command -v iptables >/dev/null 2>&1; then
  if ! { iptables -F && iptables -t nat -F && iptables -t mangle -F && iptables -X; }; then
    log "could not flush iptables"
  fi
fi
if command -v ipvsadm >/dev/null 2>&1; then ipvsadm --clear || true; fi
log "$NODE_NAME left the cluster"
