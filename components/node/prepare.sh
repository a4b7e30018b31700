#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: prepare a Kubernetes node (control plane or worker). Idempotent: a second run changes nothing.
# Parameters: NODE_ADDRESS, ROLE (control-plane|worker), KUBERNETES_MINOR (1.31), KUBERNETES_PATCH (1.31.4 or
# empty), FIREWALL (true|false), POD_SUBNET (the pod network's CIDR), CNI (flannel|calico),
# KUBERNETES_DEB_REPOSITORY/_KEY and KUBERNETES_RPM_REPOSITORY/_KEY (the package repository of the minor, see
# repo_kubernetes), CONTAINERD_SOURCE, CONTAINERD_REPOSITORY and CONTAINERD_MINIMUM_MAJOR (see containerd_install).

# Swap off, and kept off after reboots (fstab entries commented out, swap units masked).
if [ -n "$(swapon --show --noheadings 2>/dev/null)" ]; then
  swapoff -a || die "swapoff -a failed"
fi
if grep -Eq '^[^#][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]]' "${KUBEHA_ROOT}/etc/fstab" 2>/dev/null; then
  sed -i -E 's|^([^#][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]].*)$|# kubeha: swap off for the kubelet: \1|' \
    "${KUBEHA_ROOT}/etc/fstab"
  log "swap entries in /etc/fstab commented out"
fi
for unit in $(systemctl list-unit-files --type swap --no-legend 2>/dev/null | awk '$2 != "masked" {print $1}'); do
  systemctl mask "$unit" >/dev/null || die "cannot mask $unit"
done

# Kernel modules for containerd's overlay snapshotter and bridged pod traffic (flannel needs br_netfilter).
put_file /etc/modules-load.d/kubernetes.conf 644 <<<$'overlay\nbr_netfilter' || true
for module in overlay br_netfilter; do
  module_present "$module" && continue
  if systemd-detect-virt --container --quiet 2>/dev/null; then
    # No container may load kernel modules (that is the host kernel's, CAP_SYS_MODULE): skipped, with the reason.
    log "skipped loading kernel module $module: this node is a container ($(systemd-detect-virt --container)), which cannot load modules; load it on the host (modprobe $module)"
    continue
  fi
  modprobe "$module" || die "cannot load kernel module $module"
done

if put_file /etc/sysctl.d/99-kubernetes.conf 644 <<'EOT'
net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
EOT
then
  # Only this file: `sysctl --system` fails when any other file has a key the kernel refuses (in a container:
  # kernel.pid_max, fs.protected_*), though ours applied. systemd-sysctl applies them all at boot.
  sysctl -q -p "${KUBEHA_ROOT}/etc/sysctl.d/99-kubernetes.conf" >/dev/null || die "cannot apply /etc/sysctl.d/99-kubernetes.conf"
fi

selinux_permissive

# containerd, new enough for the Kubernetes minor (configured below, once kubeadm says which sandbox image it wants).
containerd_install

# kubelet, kubeadm, kubectl from pkgs.k8s.io for the configured minor, pinned and held. A node already in the
# cluster that runs another version keeps it here: its <node>-upgrade step moves it, in kubeadm's order and one node
# at a time (kubelets moved ahead of the control plane would break the version skew policy).
wanted="${KUBERNETES_PATCH:-$KUBERNETES_MINOR}"
if [ -f "${KUBEHA_ROOT}/etc/kubernetes/kubelet.conf" ] && running="$(kubelet_version)" && [ -n "$running" ] \
  && ! runs_version "$running" "$wanted"; then
  log "this node runs Kubernetes $running; its upgrade step moves it to $wanted"
else
  if repo_kubernetes "$KUBERNETES_MINOR"; then
    log "Kubernetes $KUBERNETES_MINOR package repository configured"
  fi
  kube_packages_install "$wanted"
fi

# containerd with the systemd cgroup driver (the kubelet's default) and the sandbox image of the installed kubeadm.
sandbox_image="$(kubeadm_sandbox_image)" || exit 1
if containerd_configure "$sandbox_image"; then
  svc_restart containerd
fi
svc_enable_now containerd

# The kubelet registers with the configured address, never the NAT address every Vagrant VM shares.
if put_file "$(kubelet_env_file)" 644 <<<"KUBELET_EXTRA_ARGS=--node-ip=${NODE_ADDRESS}"; then
  if systemctl is-active --quiet kubelet; then svc_restart kubelet; fi
fi
systemctl is-enabled --quiet kubelet 2>/dev/null || systemctl enable kubelet >/dev/null 2>&1 || die "cannot enable kubelet"

if [ "$FIREWALL" = true ]; then
  case "$ROLE" in
    control-plane) firewall_open 6443/tcp 2379-2380/tcp 10250/tcp 10257/tcp 10259/tcp ;;
    worker) firewall_open 10250/tcp 10256/tcp 30000-32767/tcp ;;
  esac
  # CNI traffic: flannel VXLAN, Calico VXLAN, BGP and Typha.
  firewall_open 8472/udp 4789/udp 179/tcp 5473/tcp
  # Pod traffic the node forwards (pod to pod across nodes, services) and pods reaching their node.
  firewall_trust_pod_network "$POD_SUBNET"
fi
if [ "$CNI" = calico ]; then
  networkmanager_leave_calico_alone
fi
log "node prepared ($ROLE, Kubernetes ${KUBERNETES_PATCH:-$KUBERNETES_MINOR})"
