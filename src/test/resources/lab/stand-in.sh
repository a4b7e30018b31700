#!/bin/sh
# kubeha machine lab: a STAND-IN for a Kubernetes binary (kubelet, kubeadm, kubectl, crictl), not the real one.
# Installed as /usr/bin/NAME by the lab's stand-in packages, with STAND_IN_VERSION set at build time. Every call is
# recorded in /var/log/kubeha-lab/stand-in.log. It answers where kubeha's scripts read output, and does the part of
# the real tool's work that other steps can see: kubeadm init/join write the node's kubeconfigs and CA and start the
# stand-in API server on a control-plane node (the kubeha-lab-apiserver unit, when the lab installed it); the
# kubelet makes its iptables canary chain, as the real one does; kubeadm reset undoes it all.
STAND_IN_VERSION=@VERSION@
name="$(basename "$0")"
mkdir -p /var/log/kubeha-lab
printf '%s %s %s\n' "$(date +%s.%N)" "$name" "$*" >>/var/log/kubeha-lab/stand-in.log

# Reads the rest of stdin when an argument is "-f -" (kubectl apply -f -).
drain_stdin() {
  prev=""
  for a in "$@"; do
    if [ "$prev" = -f ] && [ "$a" = - ]; then cat >/dev/null; fi
    prev="$a"
  done
}

config_file() {
  prev=""
  for a in "$@"; do
    if [ "$prev" = --config ]; then echo "$a"; fi
    prev="$a"
  done
}

# client_certificate CN: a real (self-signed, one-year) client certificate, base64 PEM, as kubeadm embeds one in a
# kubeconfig: kubeha's certificate check reads its expiry with openssl.
client_certificate() {
  openssl req -x509 -newkey ed25519 -nodes -days 365 -subj "/CN=$1" -keyout /dev/null 2>/dev/null | base64 -w0
}

# kubeconfig FILE [USER]: a kubeconfig of the stand-in cluster (the CA is the one init made, or a placeholder on
# joiners), printed when FILE is -.
kubeconfig() {
  mkdir -p /etc/kubernetes
  ca="$(base64 -w0 /etc/kubernetes/pki/ca.crt 2>/dev/null || echo c3RhbmQtaW4=)"
  out="/etc/kubernetes/$1"
  [ "$1" = - ] && out=/dev/stdout
  user="${2:-kubernetes-admin}"
  cat >"$out" <<EOT
apiVersion: v1
kind: Config
# kubeha machine lab: written by the stand-in kubeadm
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: https://$(hostname):6443
  name: kubernetes
contexts:
- context: {cluster: kubernetes, user: ${user}}
  name: ${user}@kubernetes
current-context: ${user}@kubernetes
users:
- name: ${user}
  user:
    client-certificate-data: $(client_certificate "$user")
    client-key-data: c3RhbmQtaW4=
EOT
  [ "$1" = - ] || chmod 600 "$out"
}

api_server() {
  if [ -f /etc/systemd/system/kubeha-lab-apiserver.service ]; then systemctl "$1" kubeha-lab-apiserver; fi
}

case "$name" in
  kubelet)
    case "$1" in
      --version) echo "Kubernetes v${STAND_IN_VERSION}"; exit 0 ;;
    esac
    iptables -w -N KUBE-KUBELET-CANARY 2>/dev/null || true
    exec sleep infinity
    ;;
  kubeadm)
    case "$1 $2" in
      "version -o") echo "v${STAND_IN_VERSION}" ;;
      "version "*) echo "kubeadm version: &version.Info{GitVersion:\"v${STAND_IN_VERSION}\"}" ;;
      "config images") printf 'registry.k8s.io/kube-apiserver:v%s\nregistry.k8s.io/coredns/coredns:v1.12.0\nregistry.k8s.io/pause:%s\nregistry.k8s.io/etcd:3.5.21-0\n' "${STAND_IN_VERSION}" "@PAUSE@" ;;
      "init phase") ;;
      "init "*)
        mkdir -p /etc/kubernetes/pki /var/lib/etcd
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=kubernetes -keyout /etc/kubernetes/pki/ca.key \
          -out /etc/kubernetes/pki/ca.crt 2>/dev/null || { echo "stand-in kubeadm: openssl failed" >&2; exit 1; }
        kubeconfig admin.conf
        kubeconfig kubelet.conf
        api_server start
        echo "Your Kubernetes control-plane has initialized successfully! (stand-in)"
        ;;
      "join "*)
        kubeconfig kubelet.conf
        if grep -q '^controlPlane:' "$(config_file "$@")" 2>/dev/null; then
          # A control-plane join downloads the cluster's CA (kubeadm-certs); the stand-in makes one of the same life.
          mkdir -p /etc/kubernetes/pki /var/lib/etcd
          openssl req -x509 -newkey ed25519 -nodes -days 3650 -subj /CN=kubernetes -keyout /etc/kubernetes/pki/ca.key \
            -out /etc/kubernetes/pki/ca.crt 2>/dev/null || { echo "stand-in kubeadm: openssl failed" >&2; exit 1; }
          kubeconfig admin.conf
          api_server start
        fi
        echo "This node has joined the cluster (stand-in)"
        ;;
      "reset "*)
        api_server stop
        systemctl stop kubelet 2>/dev/null || true
        rm -rf /etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/pki /etc/kubernetes/manifests
        echo "[reset] stand-in: node reset"
        ;;
      "upgrade "*) echo "[upgrade] stand-in: upgraded to v${STAND_IN_VERSION}" ;;
      "kubeconfig user") kubeconfig - kubeha-admin ;;
      *) ;;
    esac
    ;;
  kubectl)
    drain_stdin "$@"
    case "$*" in
      *"version"*) echo "Client Version: v${STAND_IN_VERSION}" ;;
      *"get --raw /readyz"*) echo ok ;;
      *"kubeletVersion"*) echo "v${STAND_IN_VERSION}" ;;
      *'@.type=="Ready"'*)
        # Every node asked about is Ready, and is remembered for the readiness gate's network probe below.
        for a in "$@"; do [ "$a" = -o ] && break; node="$a"; done
        [ -n "${node:-}" ] && mkdir -p /var/lib/kubeha-lab && echo "$node" >>/var/lib/kubeha-lab/nodes
        echo True ;;
      *"{.spec.replicas}"*|*"{.status.availableReplicas}"*) echo 2 ;;
      *"get pods -l app.kubernetes.io/name=kubeha-network-probe"*)
        # STAND-IN for the probe DaemonSet: one running probe pod on each node the gate asked about. There is no pod
        # network here (no real kubelet, no CNI), so no pod IP is real; the gate's own network checks are tested in
        # ReadinessScriptTest.
        i=0
        sort -u /var/lib/kubeha-lab/nodes 2>/dev/null | while read -r n; do
          i=$((i + 1)); echo "$n 10.244.$i.2 kubeha-network-probe-$n"
        done ;;
      *" exec kubeha-network-probe-"*) ;;  # STAND-IN: every probe reaches every other one and resolves DNS
      *" exec etcd-"*"member list"*)
        # STAND-IN for etcd's membership as the etcd pod on this machine sees it (no etcd runs in the lab): itself
        # alone, named after the machine, with kubeadm's peer and client URLs on its address (`member list -w simple`).
        address="$(ip -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }')"
        echo "8e9e05c52164694d, started, $(hostname), https://${address}:2380, https://${address}:2379, false" ;;
      *" exec etcd-"*"endpoint health"*)
        address="$(ip -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }')"
        echo "https://${address}:2379 is healthy: successfully committed proposal: took = 1ms" >&2 ;;
      *) ;;
    esac
    ;;
  crictl)
    # STAND-IN for the container runtime's view: on a control-plane node (it has admin.conf) an "etcd container"
    # runs, and `etcdctl snapshot save FILE` inside it writes a stand-in snapshot (no etcd runs in the lab).
    case "$*" in
      *" ps "*"--name ^etcd\$"*) [ -f /etc/kubernetes/admin.conf ] && echo stand-in-etcd ;;
      *" exec stand-in-etcd "*"snapshot save "*)
        for a in "$@"; do file="$a"; done
        echo "kubeha machine lab: stand-in etcd snapshot" >"$file"
        echo "Snapshot saved at $file (stand-in)" ;;
      *) echo "crictl version v${STAND_IN_VERSION}" ;;
    esac ;;
esac
exit 0
