#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: keep this control-plane node's kubeadm certificates valid. Reads when each certificate kubeadm manages
# here expires (the files `kubeadm certs check-expiration` lists: kubernetes/kubernetes
# cmd/kubeadm/app/phases/certs/renewal/manager.go), and when the first of them expires in fewer than RENEW_DAYS
# days runs `kubeadm certs renew all`, then restarts the static pods that read them, one at a time, each back
# before the next goes: "You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd"
# (cmd/kubeadm/app/cmd/certs.go). A static pod is restarted by moving its manifest out of the manifest directory
# until the kubelet stopped it, then back (kubernetes/website content/en/docs/tasks/administer-cluster/kubeadm/
# kubeadm-certs.md, "Manual certificate renewal"; the kubelet looks every fileCheckFrequency, 20 s).
# The expiry is read with openssl, not from kubeadm's table: `check-expiration` prints a table for humans, and
# its -o json/yaml exists only from v1.30 (kubernetes/kubernetes#123372). kubeha runs this step on the nodes one
# at a time, so the API answers on the other nodes throughout. A second run finds the certificates renewed and
# changes nothing.
# Parameters: NODE_NAME, NODE_ADDRESS, API_PORT, RENEW_DAYS, CHECKED_ON (the UTC day of this check: it makes the
# step run on the first `pulumi up` of each day).
k8s="${KUBEHA_ROOT}/etc/kubernetes"
manifests="$k8s/manifests"
parked="$k8s/kubeha-parked-manifests"

# stacked_etcd: this node runs an etcd pod (its manifest in place, or parked by a restart below). With external etcd
# (etcdNodes) kubeadm's renewal manager leaves the etcd certificates out (renewal/manager.go: GetCertsWithoutEtcd):
# the API server's etcd client certificate is signed by the etcd CA, which is not on this node: the next step,
# <node>-etcd-client-certificate (etcd/client-certificate.sh), renews it with the etcd CA from the stack's state.
stacked_etcd() { [ -f "$manifests/etcd.yaml" ] || [ -f "$parked/etcd.yaml" ]; }

# The certificates of kubeadm's renewal manager, as files (a kubeconfig's certificate is its client-certificate-data).
certificate_files() {
  local f
  for f in apiserver apiserver-kubelet-client apiserver-etcd-client front-proxy-client \
    etcd/server etcd/peer etcd/healthcheck-client; do
    if [ "$f" = apiserver-etcd-client ] && ! stacked_etcd; then continue; fi
    [ -f "$k8s/pki/$f.crt" ] && echo "$k8s/pki/$f.crt"
  done
  # (a kubeconfig that names its certificate by path instead is not one kubeadm made, nor renews)
  for f in admin super-admin controller-manager scheduler; do
    [ -f "$k8s/$f.conf" ] && grep -q 'client-certificate-data:' "$k8s/$f.conf" && echo "$k8s/$f.conf"
  done
  return 0
}

# certificate_pem FILE: the PEM certificate of a .crt, or of a kubeconfig's user.
certificate_pem() {
  local line
  case "$1" in
    *.crt) cat "$1" ;;
    *.conf)
      while IFS= read -r line; do
        case "$line" in *client-certificate-data:*) printf '%s' "${line#*client-certificate-data:}" | tr -d ' ' | base64 -d; return ;; esac
      done <"$1"
      return 1
      ;;
  esac
}

# expires_within FILE SECONDS: the certificate ends before now + SECONDS (or cannot be read).
expires_within() { ! certificate_pem "$1" | openssl x509 -noout -checkend "$2" >/dev/null 2>&1; }

# end_date FILE: when the certificate ends, as openssl says it (notAfter=Dec  7 04:30:00 2027 GMT).
end_date() { certificate_pem "$1" | openssl x509 -noout -enddate 2>/dev/null | sed 's/^notAfter=//'; }

# due: the certificates that expire in fewer than RENEW_DAYS days, one a line.
due() {
  local f
  while IFS= read -r f; do
    if expires_within "$f" $((RENEW_DAYS * 86400)); then echo "${f#"$k8s"/}"; fi
  done < <(certificate_files)
}

# running_containers NAME: the IDs of the running containers of that static pod's component, asked of containerd
# itself (crictl_containerd, lib/os.sh: crictl's own fallback over several sockets is deprecated, kubernetes-sigs/
# cri-tools docs/crictl.md); fails when containerd does not answer.
running_containers() { crictl_containerd ps --state running --name "^$1\$" -q 2>/dev/null; }
container_running() { [ -n "$(running_containers "$1")" ]; }
# container_gone NAME: containerd answers, and runs no container of NAME (a crictl that fails proves nothing stopped).
container_gone() { local ids; ids="$(running_containers "$1")" && [ -z "$ids" ]; }

# restart_static_pod NAME: the kubelet stops the pod (its manifest moved out), then starts it again.
restart_static_pod() {
  local name="$1"
  [ -f "$manifests/$name.yaml" ] || die "$manifests/$name.yaml does not exist on $NODE_NAME"
  mkdir -p "$parked"
  mv "$manifests/$name.yaml" "$parked/$name.yaml"
  wait_until 120 container_gone "$name" || {
    mv "$parked/$name.yaml" "$manifests/$name.yaml" && rmdir "$parked"
    die "the kubelet did not stop $name on $NODE_NAME within 2 minutes of its manifest leaving $manifests"
  }
  mv "$parked/$name.yaml" "$manifests/$name.yaml"
  rmdir "$parked"
  wait_until 300 container_running "$name" || die "$name did not start again on $NODE_NAME within 5 minutes"
  log "$name restarted on $NODE_NAME"
}

# A run that stopped half-way left a manifest parked: put it back first.
if [ -d "$parked" ]; then
  for m in "$parked"/*.yaml; do
    [ -e "$m" ] || continue
    log "putting back $(basename "$m"), parked by an earlier run that did not finish"
    mv "$m" "$manifests/"
  done
  rmdir "$parked" 2>/dev/null || true
fi

[ -f "$k8s/pki/ca.crt" ] || die "$NODE_NAME is not a control-plane node of a kubeadm cluster ($k8s/pki/ca.crt does not exist)"
first="$(certificate_files)"
first="${first%%$'\n'*}"  # (not `| head -n 1`: under pipefail the list would fail on the closed pipe)
# Written once the certificates are renewed, removed once every pod restarted: a run that stopped in between (an API
# server slow to come back) restarts the pods the next time, although the certificates are valid by then.
pending="${kubeha_state}/certificates-renewed-restart-pending"
if [ -f "$pending" ]; then
  log "the certificates of $NODE_NAME were renewed by an earlier run that did not restart every pod: restarting them"
else
  expiring="$(due)"
  if [ -z "$expiring" ]; then
    log "the certificates of $NODE_NAME are valid for more than $RENEW_DAYS days (apiserver until $(end_date "$first")); checked $CHECKED_ON"
    exit 0
  fi
  log "certificates of $NODE_NAME expiring within $RENEW_DAYS days: $(echo "$expiring" | tr '\n' ' ')"
  kubeadm certs renew all >&2 || die "kubeadm certs renew all failed on $NODE_NAME"
  still="$(due)"
  [ -z "$still" ] || die "kubeadm certs renew all left certificates that expire within $RENEW_DAYS days on $NODE_NAME: \
$(echo "$still" | tr '\n' ' ')(signed by an external CA, which kubeadm cannot renew? or RENEW_DAYS above the 365 days kubeadm issues?)"
  mark_done "$pending"
fi

# etcd first (this API server talks only to its own etcd, so it is drained from the load balancers for both:
# components/loadbalancer/backend.sh), then the API server, then the components that use it.
trap 'lb_backend_ready_if_serving "$NODE_NAME" "$NODE_ADDRESS" "$API_PORT"' EXIT
lb_backend_drain "$NODE_NAME" || die "the load balancers did not drain $NODE_NAME's API server; no pod was restarted \
(check the stats credentials and that every load balancer lists $NODE_NAME)"
# (with etcdNodes its etcd is external: no etcd pod here)
if [ -f "$manifests/etcd.yaml" ]; then restart_static_pod etcd; fi
restart_static_pod kube-apiserver
wait_until 300 api_server_ready "$NODE_ADDRESS" "$API_PORT" \
  || die "the API server of $NODE_NAME is not ready 5 minutes after its certificates were renewed"
trap - EXIT
lb_backend_ready "$NODE_NAME" || die "the load balancers did not put $NODE_NAME's API server back"
restart_static_pod kube-controller-manager
restart_static_pod kube-scheduler
rm -f "$pending"
log "certificates of $NODE_NAME renewed: apiserver valid until $(end_date "$first")"
