#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: the external etcd's CA certificate and the API server's client certificate on the first control-plane node
# (<node>-etcd-client), where kubeadm init's etcd.external names them, before kubeadm init (kubernetes/website
# content/en/docs/setup/production-environment/tools/kubeadm/high-availability.md, "External etcd nodes": copy them
# from an etcd node to the first control-plane node). The other control-plane nodes get them from kubeadm's upload
# of the certificates. A client certificate renewed on the node since is kept. Parameters: NODE_NAME, ETCD_CA_CRT,
# ETCD_CLIENT_CRT, ETCD_CLIENT_KEY (base64; secret).
base64 -d <<<"$ETCD_CA_CRT" | put_file /etc/kubernetes/pki/etcd/ca.crt 0644 || true
# renewed_here: the node's client certificate ends after the state's, which ca.sh made once: the daily check
# (etcd/client-certificate.sh) renewed it, and this step, run again (its script changed), must not put the older back.
renewed_here() {
  local client="${KUBEHA_ROOT}/etc/kubernetes/pki/apiserver-etcd-client" state_end left
  [ -f "$client.crt" ] && [ -f "$client.key" ] || return 1
  state_end="$(base64 -d <<<"$ETCD_CLIENT_CRT" | openssl x509 -noout -enddate 2>/dev/null)" || return 1
  left=$(($(date -d "${state_end#notAfter=}" +%s) - $(date +%s))) || return 1
  [ "$left" -gt 0 ] || left=0
  openssl x509 -noout -checkend "$left" -in "$client.crt" >/dev/null 2>&1 && ! cmp -s "$client.crt" <(base64 -d <<<"$ETCD_CLIENT_CRT")
}
if renewed_here; then
  log "$NODE_NAME keeps its client certificate for the external etcd, renewed after the one kubeha made first"
else
  base64 -d <<<"$ETCD_CLIENT_CRT" | put_file /etc/kubernetes/pki/apiserver-etcd-client.crt 0644 || true
  base64 -d <<<"$ETCD_CLIENT_KEY" | put_file /etc/kubernetes/pki/apiserver-etcd-client.key 0600 || true
fi
log "$NODE_NAME has the external etcd's CA and its client certificate"
