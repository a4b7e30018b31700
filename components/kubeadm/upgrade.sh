#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: move this node to the configured Kubernetes version, in the order of kubeadm's upgrade guide: kubeadm
# first (`kubeadm upgrade apply` on the first control-plane node, `kubeadm upgrade node` on every other node), then
# the kubelet and kubectl. kubeha drains the node before (<node>-cordon) and uncordons it after (<node>-uncordon),
# one node at a time, control plane first. A node that runs the version already is left alone.
# Parameters: NODE_NAME, NODE_ADDRESS, API_PORT, FIRST (true|false), CONTROL_PLANE (true|false),
# KUBERNETES_MINOR (1.32), KUBERNETES_PATCH (1.32.1, or empty for the newest of the minor), KUBERNETES_DEB_* and
# KUBERNETES_RPM_* (the package repository of the new minor, see repo_kubernetes), LB_ADDRESSES and LB_STATS_PORT
# (loadbalancer/backend.sh: a control-plane node's API server is drained on every load balancer before kubeadm
# restarts it, and made ready again once it answers).
running="$(kubelet_version)"
[ -n "$running" ] || die "the kubelet is not installed on $NODE_NAME"
wanted="${KUBERNETES_PATCH:-$KUBERNETES_MINOR}"
if runs_version "$running" "$wanted"; then
  log "$NODE_NAME runs Kubernetes $running"
  exit 0
fi

# One minor version at a time, never down (kubeadm's rule).
running_minor="${running#*.}"
running_minor="${running_minor%%.*}"
wanted_minor="${KUBERNETES_MINOR#*.}"
if [ "$wanted_minor" -lt "$running_minor" ] || [ "$wanted_minor" -gt $((running_minor + 1)) ] \
  || { [ "$wanted_minor" -eq "$running_minor" ] && [ "${KUBERNETES_PATCH##*.}" -lt "${running##*.}" ]; }; then
  die "$NODE_NAME runs Kubernetes $running; kubeadm upgrades one minor version at a time and never down, so \
kubernetesVersion $wanted cannot follow. Set a version of ${running%.*} or 1.$((running_minor + 1))"
fi

repo_kubernetes "$KUBERNETES_MINOR" || true
patch="${KUBERNETES_PATCH:-$(kube_newest_patch "$KUBERNETES_MINOR")}"
log "upgrading $NODE_NAME from Kubernetes $running to $patch"
kube_packages_install "$patch" kubeadm
# kubeadm upgrades this node's etcd too: a snapshot of it first (lib/os.sh).
if [ "$CONTROL_PLANE" = true ]; then etcd_snapshot before-upgrade; fi
if [ "$CONTROL_PLANE" = true ]; then
  # kubeadm replaces the API server's static pod: no new connection goes to it from here on; the ones it has
  # finish (the API server's --shutdown-delay-duration keeps it serving while it stops).
  # From here a failure (a drain refused by one LB after another took it, too) puts the API server back if it
  # still serves (backend.sh); on success the trap is cleared.
  trap 'lb_backend_ready_if_serving "$NODE_NAME" "$NODE_ADDRESS" "$API_PORT"' EXIT
  lb_backend_drain "$NODE_NAME" || die "the load balancers did not drain $NODE_NAME's API server; nothing was \
upgraded (check the stats credentials and that every load balancer lists $NODE_NAME)"
fi
if [ "$FIRST" = true ]; then
  kubeadm upgrade apply -y "v${patch}" >&2 || die "kubeadm upgrade apply v${patch} failed on $NODE_NAME"
else
  kubeadm upgrade node >&2 || die "kubeadm upgrade node failed on $NODE_NAME"
fi
kube_packages_install "$patch" kubelet kubectl
systemctl daemon-reload
svc_restart kubelet

if [ "$CONTROL_PLANE" = true ]; then
  # The API server of this node answers again before the next node goes.
  wait_until 300 api_server_ready "$NODE_ADDRESS" "$API_PORT" \
    || die "the API server of $NODE_NAME is not ready 5 minutes after the upgrade (it stays drained on the load \
balancers until a run of kubeha finds it ready)"
fi
if [ "$CONTROL_PLANE" = true ]; then
  trap - EXIT
  lb_backend_ready "$NODE_NAME" || die "the load balancers did not put $NODE_NAME's API server back"
fi
log "$NODE_NAME upgraded to Kubernetes $patch"
