#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: the etcd CA of the external etcd, on the first etcd node or etcdCaNode (<node>-etcd-ca): made once with kubeadm
# (`kubeadm init phase certs etcd-ca`), then the control plane's client certificate signed by it (`kubeadm init
# phase certs apiserver-etcd-client`), as kubeadm's HA etcd guide does on its first host (kubernetes/website
# content/en/docs/setup/production-environment/tools/kubeadm/setup-ha-etcd-with-kubeadm.md, "Generate the
# certificate authority", "Create certificates for each member"). kubeadm keeps certificates that exist and are
# valid, so a second run changes nothing. Prints them base64-encoded, one per line (the step's stdout is a secret):
# the other members get the CA from there, the first control-plane node the CA certificate and the client pair.
# Parameters: NODE_NAME, NODE_ADDRESS, MEMBERS, MEMBER_CONFIG, INSTALLED_VERSION_TOKEN, INITIAL_CLUSTER_TOKEN,
# INITIAL_CLUSTER_STATE_TOKEN.
pki="${KUBEHA_ROOT}/etc/kubernetes/pki"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
write_member_config new "$(configured_cluster)"
if [ ! -f "$etcd_pki/ca.crt" ]; then
  # A new etcd CA only for a new cluster: a CA made while another etcd member already serves would sign certificates
  # that no member and no API server trusts (a machine rebuilt under the name of the node that made the CA, which
  # etcdCaNode still names). A member that answers TCP on its client port is enough to refuse.
  for m in $MEMBERS; do
    if [ "${m%%=*}" != "$NODE_NAME" ] && timeout 3 bash -c "exec 3<>/dev/tcp/${m#*=}/2379" 2>/dev/null; then
      die "an etcd member already serves at ${m#*=}:2379, and $NODE_NAME has no etcd CA: kubeha makes the etcd CA only for \
a new cluster. This name made the cluster's etcd CA once (kubeha:etcdCaNode) and the CA is in the stack's state: give \
the new machine another name; nothing was changed"
    fi
  done
  kubeadm init phase certs etcd-ca --config "$work/kubeadm.yaml" >&2 || die "kubeadm could not make the etcd CA on $NODE_NAME"
  log "made the etcd CA"
fi
[ -f "$etcd_pki/ca.key" ] || die "$NODE_NAME has the etcd CA's certificate but not its key (/etc/kubernetes/pki/etcd/ca.key); \
kubeha cannot sign etcd certificates without it. Put the key back, or see the README (External etcd, Limits)"
kubeadm init phase certs apiserver-etcd-client --config "$work/kubeadm.yaml" >&2 \
  || die "kubeadm could not make the API server's etcd client certificate on $NODE_NAME"
for pair in "ETCD_CA_CRT etcd/ca.crt" "ETCD_CA_KEY etcd/ca.key" "ETCD_CLIENT_CRT apiserver-etcd-client.crt" \
  "ETCD_CLIENT_KEY apiserver-etcd-client.key"; do
  printf 'KUBEHA_%s=%s\n' "${pair%% *}" "$(base64 -w0 <"$pki/${pair#* }")"
done
