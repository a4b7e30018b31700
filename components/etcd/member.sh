#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: the etcd member of a dedicated etcd node (<node>-etcd-member), in the steps of kubeadm's HA etcd guide
# (kubernetes/website content/en/docs/setup/production-environment/tools/kubeadm/setup-ha-etcd-with-kubeadm.md): the
# kubelet as the etcd service manager, the node's certificates from the etcd CA, the static pod (`kubeadm init phase
# etcd local`). The guide starts all members at once as a new cluster; kubeha also adds a member to a running cluster
# (a new or replaced etcd node), as etcd's runtime reconfiguration says (etcd-io/website content/en/docs/v3.5/op-guide/
# runtime-configuration.md, "Add a new member": `member add` on the cluster, then start it with
# --initial-cluster-state=existing and the whole member list). A member left by a lost machine at this node's peer URL
# is removed first ("Replace a failed machine"). Done when the member is healthy; a second run changes nothing.
# Parameters: NODE_NAME, NODE_ADDRESS, MEMBERS, FIRST (true: the node that keeps the CA key), FIREWALL,
# ETCD_CA_CRT and ETCD_CA_KEY (base64; secret), MEMBER_CONFIG, INSTALLED_VERSION_TOKEN, INITIAL_CLUSTER_TOKEN,
# INITIAL_CLUSTER_STATE_TOKEN, KUBELET_CONFIG, KUBELET_DROP_IN, TIMEOUT_SECONDS.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"

# The kubelet runs the static pods and nothing else (no API server to register with).
dropins=/etc/systemd/system/kubelet.service.d
kubelet_changed=false
put_file "$dropins/kubelet.conf" 0644 <<<"$KUBELET_CONFIG" && kubelet_changed=true
put_file "$dropins/20-etcd-service-manager.conf" 0644 <<<"$KUBELET_DROP_IN" && kubelet_changed=true
if [ "$kubelet_changed" = true ]; then
  systemctl daemon-reload || die "systemctl daemon-reload failed on $NODE_NAME"
  svc_restart kubelet
fi
svc_enable_now kubelet
if [ "$FIREWALL" = true ]; then firewall_open 2379-2380/tcp; fi

# The node's certificates, from the etcd CA: kubeadm gives the server and peer certificates the node's name and
# address (and localhost), and keeps those that exist and are valid. Only the node that made the etcd CA keeps its key (FIRST); the
# others hold it only while a certificate of theirs is missing.
base64 -d <<<"$ETCD_CA_CRT" | put_file /etc/kubernetes/pki/etcd/ca.crt 0644 || true
write_member_config new "$(configured_cluster)"
missing=false
for cert in server peer healthcheck-client; do [ -f "$etcd_pki/$cert.crt" ] || missing=true; done
if [ "$missing" = true ] || [ "$FIRST" = true ]; then
  base64 -d <<<"$ETCD_CA_KEY" | put_file /etc/kubernetes/pki/etcd/ca.key 0600 || true
  for cert in etcd-server etcd-peer etcd-healthcheck-client; do
    kubeadm init phase certs "$cert" --config "$work/kubeadm.yaml" >&2 || die "kubeadm could not make the $cert certificate on $NODE_NAME"
  done
  if [ "$FIRST" != true ]; then rm -f "$etcd_pki/ca.key"; fi
fi

if [ -f "$etcd_manifest" ] && [ -d "$etcd_data/member" ]; then
  log "$NODE_NAME is an etcd member already"
else
  image="$(etcd_member_image)" || die "kubeadm config images list names no etcd image on $NODE_NAME"
  crictl_containerd pull "$image" >/dev/null || die "cannot pull $image on $NODE_NAME"
  state=new
  cluster="$(configured_cluster)"
  # A running cluster (another member commits) takes this node as a new member; otherwise the members start together.
  if others="$(healthy_other "$image")"; then
    state=existing
    list="$(etcdctl_cluster "$image" "$others" member list -w simple)" || die "cannot list the etcd members through $others"
    # "ID, STATUS, NAME, PEER URLS, CLIENT URLS, LEARNER": a member at this peer URL that has client URLs started once,
    # on a machine that is gone (this node has no data): it goes, and this node joins afresh.
    stale="$(awk -F', ' -v peer="$peer_url" '$4 == peer && $5 != "" { print $1 }' <<<"$list")"
    for id in $stale; do
      wait_until 60 etcdctl_cluster "$image" "$others" member remove "$id" >&2 \
        || die "cannot remove the etcd member $id that $NODE_NAME's old machine left"
      log "removed the etcd member $id of $NODE_NAME's lost machine"
    done
    if [ -n "$stale" ] || ! awk -F', ' -v peer="$peer_url" '$4 == peer { found = 1 } END { exit !found }' <<<"$list"; then
      # (refused, as a removal is, while a member is not connected yet: retried)
      wait_until 60 etcdctl_cluster "$image" "$others" member add "$NODE_NAME" --peer-urls="$peer_url" >&2 \
        || die "cannot add $NODE_NAME to the etcd cluster at $others"
      log "added $NODE_NAME to the etcd cluster"
      list="$(etcdctl_cluster "$image" "$others" member list -w simple)" || die "cannot list the etcd members through $others"
    fi
    cluster=""
    while IFS= read -r peer; do
      name="$(member_name "$peer")"
      [ -n "$name" ] || die "the etcd cluster has a member at $peer, which is not in etcdNodes; remove it first (README, External etcd)"
      cluster="${cluster:+$cluster,}${name}=${peer}"
    done < <(awk -F', ' 'NF >= 4 { print $4 }' <<<"$list")
  fi
  rm -rf "$etcd_data"
  write_member_config "$state" "$cluster"
  kubeadm init phase etcd local --config "$work/kubeadm.yaml" >&2 || die "kubeadm could not write the etcd manifest on $NODE_NAME"
  log "etcd member $NODE_NAME started ($state cluster: $cluster)"
fi
wait_until "$TIMEOUT_SECONDS" member_healthy \
  || die "the etcd member of $NODE_NAME is not healthy after ${TIMEOUT_SECONDS}s (crictl ps --name etcd, journalctl -u kubelet)"
log "etcd member $NODE_NAME is healthy"
