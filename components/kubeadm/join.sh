#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: kubeadm join through the VIP. A control-plane node finishes only when its API server is healthy and its
# etcd member is ready, so the next control-plane node joins a settled etcd. Done only when that is true (its
# marker, lib/os.sh): kubeadm writes kubelet.conf before a control-plane join adds and promotes its etcd member, so
# a join that stopped half-way is reset and run again. Only when the cluster answers, though, and never a
# control-plane node that kubeadm labelled (its last step): a node that cannot be checked is left alone.
# Parameters: NODE_NAME, NODE_ADDRESS, API_PORT, API_ENDPOINT (VIP:port), CONTROL_PLANE (true|false), STACKED_ETCD
# (true|false: a control-plane node with its own etcd member; false with etcdNodes), JOIN_CONFIG (secret).
kubelet_conf="${KUBEHA_ROOT}/etc/kubernetes/kubelet.conf"
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"

# This node's Node object exists. The kubelet's own credentials may read it: the Node authorizer allows a kubelet
# (system:node:<name>, group system:nodes) to read nodes (kubernetes/website
# content/en/docs/reference/access-authn-authz/node.md, "Read operations: ... nodes").
registered() { kubectl --kubeconfig "$kubelet_conf" get node "$NODE_NAME" >/dev/null 2>&1; }
# This control-plane node's API server is ready and its etcd member (a static pod), when it has one, is Ready.
member_healthy() {
  api_server_ready "$NODE_ADDRESS" "$API_PORT" || return 1
  [ "$STACKED_ETCD" = true ] || return 0
  kubectl --kubeconfig "$admin" -n kube-system wait --for=condition=Ready "pod/etcd-${NODE_NAME}" --timeout=5s >/dev/null 2>&1
}
join_complete() {
  registered || return 1
  [ "$CONTROL_PLANE" != true ] || member_healthy
}
# kubeadm join's mark-control-plane phase, after its etcd member was added and promoted, labelled this node
# (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/join/controlplanejoin.go: etcd, then mark-control-plane).
labelled_control_plane() {
  local labels
  labels="$(kubectl --kubeconfig "$kubelet_conf" get node -o jsonpath='{.metadata.labels}' "$NODE_NAME" 2>/dev/null)" \
    || return 1
  case "$labels" in *'"node-role.kubernetes.io/control-plane"'*) return 0 ;; *) return 1 ;; esac
}

if [ -f "$join_done" ]; then
  log "already joined (kubeadm join finished here)"
else
  if kubeadm_started; then
    # A join that finished with only the marker missing (the connection dropped, or an earlier kubeha) is kept.
    if wait_until 60 join_complete; then
      mark_done "$join_done"
      log "already joined ($NODE_NAME is registered$([ "$CONTROL_PLANE" = true ] && echo ', its API server and etcd member healthy'))"
    elif ! api_server_ready "${API_ENDPOINT%:*}" "${API_ENDPOINT##*:}"; then
      # Not registered or not healthy says nothing while the cluster does not answer: this may be a member.
      die "kubeadm join ran on $NODE_NAME before, and the API at https://${API_ENDPOINT} does not answer to tell whether \
it finished; kubeha resets no node that may be a member. Run pulumi up again once the API answers"
    elif [ "$CONTROL_PLANE" = true ] && labelled_control_plane; then
      die "$NODE_NAME finished kubeadm join (kubeadm labelled it a control-plane node), but its API server or etcd \
member is not healthy after a minute; kubeha does not reset a member (journalctl -u kubelet and crictl ps -a on this \
node; to start it over by hand: kubeadm reset -f there, then pulumi up)"
    else
      kubeadm_start_over "kubeadm join"
    fi
  fi
fi
if [ ! -f "$join_done" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 700 "$work"
  printf '%s\n' "$JOIN_CONFIG" >"$work/kubeadm.yaml"
  log "kubeadm join ($([ "$CONTROL_PLANE" = true ] && echo control plane || echo worker))"
  kubeadm join --config "$work/kubeadm.yaml" >&2 \
    || die "kubeadm join failed; see journalctl -u kubelet on this node. A token or certificate error means its \
credentials step ran more than 2 hours ago: pulumi up --replace the URN of ${NODE_NAME}-credentials (README: Troubleshooting)"
  # Done only once the kubelet registered the Node (it does right after kubeadm join's TLS bootstrap): the steps after
  # a join need it, and asking here, with the node's own credentials, spares a session on the first control-plane node.
  wait_until 600 registered || die "$NODE_NAME joined, but did not register its Node within 10 minutes (journalctl -u \
kubelet on this node); the next pulumi up resets it and joins it again"
  if [ "$CONTROL_PLANE" = true ]; then
    wait_until 300 member_healthy || die "$NODE_NAME joined, but its API server or etcd member is not healthy after 5 \
minutes; the next pulumi up resets it and joins it again"
    log "API server and etcd member of $NODE_NAME are healthy"
  fi
  mark_done "$join_done"
fi
