#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: with external etcd (etcdNodes), this control-plane node's API server moved to the etcd nodes' client URLs:
# its static pod manifest's --etcd-servers set to ETCD_SERVERS (comma-separated, as kubeadm writes the flag from
# etcd.external.endpoints: kubernetes/kubernetes cmd/kubeadm/app/phases/controlplane/manifests.go, getAPIServerCommand).
# Only that argument changes, structurally: a JSON patch of the manifest (`kubectl patch --local`, which patches the
# file's content without a server: staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go) that first tests the argument
# still holds the list read, then replaces it. The new manifest is moved into place as kubeadm's own upgrade does it
# (cmd/kubeadm/app/phases/upgrade/staticpods.go, upgradeComponent: move the new manifest in, wait until the kubelet
# runs a new pod rather than trusting the old one's health, roll the old manifest back on failure); the kubelet starts
# the changed pod (it reads the manifest directory every 20 s). Around the restart the API server is drained on every
# load balancer (loadbalancer/backend.sh), as for an upgrade or a certificate renewal. kubeha runs this on one
# control-plane node at a time, after the new etcd members joined and before a leaving one is removed, so every list
# the API servers hold names members that answer.
# A manifest that names the list already is left alone (nothing restarts). A run that stopped after the move finds the
# previous manifest kept beside it (kubeha-etcd-servers-previous.yaml) and waits for the API server again.
# While etcd is restored (etcdRestoreFrom) no API server can answer on any list: a manifest is not changed then, and
# the step runs again (its RESTORING changes) once etcdRestoreFrom is removed.
# Before anything changes, each of the new endpoints must answer etcd's /health from this node with the API server's
# own client certificate (etcd's /health answers {"health":"true",...} when it has a leader and serves a read:
# etcd-io/etcd server/etcdserver/api/etcdhttp/health.go; 3.4's etcdhttp/metrics.go the same), so
# an etcd node the control plane cannot reach (a firewall, a wrong address) stops the run with nothing restarted.
# Parameters: NODE_NAME, NODE_ADDRESS, API_PORT, ETCD_SERVERS, TIMEOUT_SECONDS, RESTORING (yes with etcdRestoreFrom
# set), ETCD_CA_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE (the API server's etcd client files), LB_ADDRESSES and
# LB_STATS_PORT.
k8s="${KUBEHA_ROOT}/etc/kubernetes"
manifest="$k8s/manifests/kube-apiserver.yaml"
previous="$k8s/kubeha-etcd-servers-previous.yaml"
staged="$k8s/kubeha-etcd-servers-new.yaml"
[ -f "$manifest" ] || die "$manifest does not exist on $NODE_NAME: its API server is not a kubeadm static pod, or a \
run of kubeha moved it aside and did not finish (see kubeha-parked-manifests and kubeha-restore-held-manifests in \
/etc/kubernetes); nothing was changed"

# manifest_read PATCH_TYPE PATCH OUTPUT: the manifest with PATCH applied, printed as OUTPUT (kubectl alone: --local).
manifest_read() { kubectl patch --local -f "$manifest" --type "$1" -p "$2" -o "$3"; }

# The kube-apiserver container, and the index of its --etcd-servers argument.
names="$(manifest_read merge '{}' 'jsonpath={range .spec.containers[*]}{.name}{"\n"}{end}')" \
  || die "kubectl cannot read $manifest"
container=-1
i=0
while IFS= read -r name; do
  if [ "$name" = kube-apiserver ]; then container=$i; fi
  i=$((i + 1))
done <<<"$names"
[ "$container" -ge 0 ] || die "$manifest has no kube-apiserver container"
arguments="$(manifest_read merge '{}' "jsonpath={range .spec.containers[$container].command[*]}{@}{\"\\n\"}{end}")" \
  || die "kubectl cannot read the command of kube-apiserver in $manifest"
index=-1
current=""
i=0
while IFS= read -r argument; do
  case "$argument" in --etcd-servers=*)
    index=$i
    current="${argument#--etcd-servers=}"
    ;;
  esac
  i=$((i + 1))
done <<<"$arguments"
[ "$index" -ge 0 ] || die "the kube-apiserver command in $manifest has no --etcd-servers=... argument"

apiserver_containers() { crictl_containerd ps --state running --name '^kube-apiserver$' -q 2>/dev/null; }
# apiserver_replaced: a kube-apiserver container runs, and none of those that ran before the move ($before).
apiserver_replaced() {
  local ids id
  ids="$(apiserver_containers)" || return 1
  [ -n "$ids" ] || return 1
  for id in $ids; do
    case " $before " in *" $id "*) return 1 ;; esac
  done
}

# roll_back WHY: the manifest from before the move back in place (the kubelet starts the previous pod again), then fail.
roll_back() {
  log "$1; putting back the manifest with --etcd-servers=$current"
  mv -f "$previous" "$manifest"
  wait_until "$TIMEOUT_SECONDS" api_server_ready "$NODE_ADDRESS" "$API_PORT" \
    || log "the API server of $NODE_NAME does not answer /readyz on its previous etcd endpoints either"
  die "$1. Its manifest names the previous etcd endpoints again; check that $NODE_NAME reaches every etcd node on \
port 2379 (${ETCD_SERVERS}) and crictl logs of kube-apiserver, then run pulumi up again"
}

if [ "$current" = "$ETCD_SERVERS" ] && [ ! -f "$previous" ]; then
  log "the API server of $NODE_NAME uses the etcd endpoints already: $ETCD_SERVERS"
  exit 0
fi
if [ "$RESTORING" = yes ]; then
  log "etcd is being restored (etcdRestoreFrom): the API server of $NODE_NAME keeps --etcd-servers=$current until the \
first pulumi up after etcdRestoreFrom is removed"
  exit 0
fi
# etcd_answers URL: etcd at URL reports itself healthy to this node, as the API server's client.
etcd_answers() {
  local answer
  answer="$(curl -sS --max-time 5 --cacert "${KUBEHA_ROOT}$ETCD_CA_FILE" --cert "${KUBEHA_ROOT}$ETCD_CERT_FILE" \
    --key "${KUBEHA_ROOT}$ETCD_KEY_FILE" "$1/health" 2>&1)" || { log "etcd at $1 does not answer from $NODE_NAME: $answer"; return 1; }
  case "$answer" in *'"health":"true"'*) return 0 ;; esac
  log "etcd at $1 is not healthy: $answer"
  return 1
}

trap 'rm -f "$staged"' EXIT
if [ "$current" != "$ETCD_SERVERS" ]; then
  for url in ${ETCD_SERVERS//,/ }; do
    etcd_answers "$url" || die "the API server of $NODE_NAME would not reach etcd at $url; its etcd endpoints were not \
changed (check that $NODE_NAME reaches every etcd node on port 2379 and that the member is healthy)"
  done
  # The new manifest, staged outside the manifest directory before anything is drained. The list read goes into the
  # patch's test: only URL characters (kubeha's own lists are https://ADDRESS:2379).
  case "$current" in *[!A-Za-z0-9.:/,_\[\]-]*) die "the --etcd-servers argument in $manifest holds characters other \
than a list of URLs: '$current'; kubeha leaves it as it is" ;; esac
  path="/spec/containers/$container/command/$index"
  manifest_read json "[{\"op\":\"test\",\"path\":\"$path\",\"value\":\"--etcd-servers=$current\"},\
{\"op\":\"replace\",\"path\":\"$path\",\"value\":\"--etcd-servers=$ETCD_SERVERS\"}]" yaml >"$staged" \
    || die "kubectl cannot set --etcd-servers in $manifest"
  chmod 600 "$staged"
  before="$(apiserver_containers)" || die "crictl cannot tell which kube-apiserver container runs on $NODE_NAME; its \
etcd endpoints were not changed"
  before="${before//$'\n'/ }"
fi
trap 'rm -f "$staged"; lb_backend_ready_if_serving "$NODE_NAME" "$NODE_ADDRESS" "$API_PORT"' EXIT
lb_backend_drain "$NODE_NAME" || die "the load balancers did not drain $NODE_NAME's API server; its etcd endpoints \
were not changed (check the stats credentials and that every load balancer lists $NODE_NAME)"
if [ "$current" = "$ETCD_SERVERS" ]; then
  # An earlier run moved the manifest in and stopped before the API server answered: wait for it again.
  log "an earlier run gave the API server of $NODE_NAME the etcd endpoints $ETCD_SERVERS and did not see it ready"
  current="(the list of $previous)"
else
  cp -p "$manifest" "$previous"
  mv -f "$staged" "$manifest"
  log "the API server of $NODE_NAME moves from --etcd-servers=$current to --etcd-servers=$ETCD_SERVERS"
  wait_until 120 apiserver_replaced \
    || roll_back "the kubelet did not start a new kube-apiserver on $NODE_NAME within 2 minutes of its manifest changing"
fi
wait_until "$TIMEOUT_SECONDS" api_server_ready "$NODE_ADDRESS" "$API_PORT" \
  || roll_back "the API server of $NODE_NAME does not answer /readyz ${TIMEOUT_SECONDS}s after it moved to --etcd-servers=$ETCD_SERVERS"
trap - EXIT
lb_backend_ready "$NODE_NAME" || die "the load balancers did not put $NODE_NAME's API server back"
rm -f "$previous"
log "the API server of $NODE_NAME uses the etcd endpoints $ETCD_SERVERS"
