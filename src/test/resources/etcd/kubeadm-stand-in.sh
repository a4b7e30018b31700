#!/usr/bin/env bash
# Stand-in for kubeadm on an etcd node, for ExternalEtcdScriptsTest (no kubeadm binary is available here). It does what
# the commands kubeha's etcd scripts run do, with the same files, names and certificate contents:
# - `init phase certs etcd-ca|etcd-server|etcd-peer|etcd-healthcheck-client|apiserver-etcd-client --config F`: openssl
#   in place of kubeadm's crypto, with kubeadm's subjects, SANs and usages (kubernetes/kubernetes
#   cmd/kubeadm/app/phases/certs/certlist.go; cmd/kubeadm/app/util/pkiutil/pki_helpers.go getAltNames: DNS node name
#   and localhost, IPs advertise address, 127.0.0.1, ::1, plus the config's SANs; KeyUsage digitalSignature and
#   keyEncipherment; server and peer serverAuth+clientAuth with the node name as CN, the two clients clientAuth with CN
#   kube-etcd-healthcheck-client and kube-apiserver-etcd-client). Keys are ECDSA P-256 (kubeadm's encryptionAlgorithm
#   ECDSA-P256; its default, RSA-2048, takes this shared machine seconds per key). Existing certificates are kept, as
#   kubeadm keeps them.
# - `init phase etcd local --config F`: writes /etc/kubernetes/manifests/etcd.yaml and, standing in for the kubelet
#   running that static pod, starts the host's etcd with the flags of kubeadm's manifest
#   (cmd/kubeadm/app/phases/etcd/local.go, getEtcdCommand) from the config's extraArgs, TLS on both sides. Its
#   listen-client-urls lose https://127.0.0.1:2379: every member of the test runs on this one machine's loopback.
#   The command is kept in $KUBEHA_ROOT/etcd.run, which the tests run again as the kubelet would restart the pod.
# - `certs renew etcd-server|etcd-peer|etcd-healthcheck-client|apiserver-etcd-client --config F`: see renew below.
# - `config images list`, `version -o short`, `reset -f` (stops the member, removes manifests and pki).
# Its certificates last 365 days, as kubeadm's, unless $KUBEHA_ROOT/kubeadm-days says otherwise (see days).
set -euo pipefail
pki="$KUBEHA_ROOT/etc/kubernetes/pki"
config=""
prev=""
for a in "$@"; do
  case "$a" in --config=*) config="${a#--config=}" ;; esac
  if [ "$prev" = --config ]; then config="$a"; fi
  prev="$a"
done
# arg NAME: the value of an etcd extraArg (v1beta4: "- name: NAME" then "value: V").
arg() { awk -v k="$1" '$1 == "-" && $2 == "name:" && $3 == k { getline; sub(/^ *value: */, ""); gsub(/"/, ""); print; exit }' "$config"; }
node_name() { awk '/^nodeRegistration:/ { f = 1 } f && $1 == "name:" { print $2; exit }' "$config"; }
address() { awk '$1 == "advertiseAddress:" { print $2; exit }' "$config"; }
# days: how long the certificates it signs last: kubeadm's 365, or what $KUBEHA_ROOT/kubeadm-days says (a test's
# knob for certificates that end soon).
days() { if [ -f "$KUBEHA_ROOT/kubeadm-days" ]; then cat "$KUBEHA_ROOT/kubeadm-days"; else echo 365; fi; }
sign() {  # sign BASE SUBJECT EKU SANS (comma-separated, may be empty): a new key and its certificate from the etcd CA
  local base="$1" subject="$2" eku="$3" sans="$4" ext
  mkdir -p "$(dirname "$pki/$base.crt")"
  ext="$(mktemp)"
  {
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    echo "basicConstraints=critical,CA:FALSE"
    if [ -n "$sans" ]; then echo "subjectAltName=$sans"; fi
  } >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subject" -keyout "$pki/$base.key" -out "$pki/$base.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$base.csr" -CA "$pki/etcd/ca.crt" -CAkey "$pki/etcd/ca.key" -CAcreateserial \
    -days "$(days)" -extfile "$ext" -out "$pki/$base.crt" 2>/dev/null
  rm -f "$ext" "$pki/$base.csr" "$pki/etcd/ca.srl"
  chmod 600 "$pki/$base.key"
}
cert() {  # cert BASE CN EKU SANS...
  local base="$1" cn="$2" eku="$3"
  shift 3
  [ -f "$pki/$base.crt" ] && return 0
  sign "$base" "/CN=$cn" "$eku" "$(IFS=,; echo "$*")"
}
# renew NAME BASE: `kubeadm certs renew NAME` (cmd/kubeadm/app/cmd/certs.go renewCert; renewal/manager.go): a name the
# renewal manager does not know (etcd certificates with etcd.external in the configuration) or a missing file prints
# MISSING! and exits 0; without the CA's key it fails; otherwise the same subject, SANs and usages (certToConfig) with
# a new key, for kubeadm's validity.
renew() {
  local name="$1" base="$2" crt="$pki/$2.crt" sans eku
  if grep -q '^ *external:' "$config" || [ ! -f "$crt" ]; then echo "MISSING! $name"; return 0; fi
  [ -f "$pki/etcd/ca.key" ] || { echo "error: failure loading etcd/ca certificate authority: couldn't load the private key file $pki/etcd/ca.key" >&2; exit 1; }
  sans="$(openssl x509 -noout -ext subjectAltName -in "$crt" 2>/dev/null | sed -n 2p | sed 's/IP Address:/IP:/g; s/ //g')"
  eku="$(openssl x509 -noout -ext extendedKeyUsage -in "$crt" | sed -n 2p \
    | sed 's/TLS Web Server Authentication/serverAuth/; s/TLS Web Client Authentication/clientAuth/; s/ //g')"
  sign "$base" "$(openssl x509 -noout -subject -nameopt compat -in "$crt" | sed 's/^subject=//')" "$eku" "$sans"
  echo "$name renewed"
}
member_sans() { echo "DNS:$(node_name)" DNS:localhost "IP:$(address)" IP:127.0.0.1 IP:::1; }
case "$*" in
  "version -o short") echo v1.36.0 ;;
  "config images list"*) printf '%s\n' registry.k8s.io/kube-apiserver:v1.36.0 registry.k8s.io/etcd:3.6.5-0 ;;
  "init phase certs etcd-ca"*)
    [ -f "$pki/etcd/ca.crt" ] && exit 0
    mkdir -p "$pki/etcd"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=etcd-ca -days 3650 -keyout "$pki/etcd/ca.key" -out "$pki/etcd/ca.crt" \
      -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
    chmod 600 "$pki/etcd/ca.key" ;;
  "init phase certs etcd-server"*)
    # shellcheck disable=SC2046
    cert etcd/server "$(node_name)" serverAuth,clientAuth $(member_sans) ;;
  "init phase certs etcd-peer"*)
    # shellcheck disable=SC2046
    cert etcd/peer "$(node_name)" serverAuth,clientAuth $(member_sans) ;;
  "init phase certs etcd-healthcheck-client"*) cert etcd/healthcheck-client kube-etcd-healthcheck-client clientAuth ;;
  "init phase certs apiserver-etcd-client"*) cert apiserver-etcd-client kube-apiserver-etcd-client clientAuth ;;
  "init phase etcd local"*)
    mkdir -p "$KUBEHA_ROOT/etc/kubernetes/manifests" "$KUBEHA_ROOT/var/lib/etcd"
    { echo "# stand-in: kubeadm's static pod of this etcd member"; echo "    image: registry.k8s.io/etcd:3.6.5-0"; } \
      >"$KUBEHA_ROOT/etc/kubernetes/manifests/etcd.yaml"
    clients="$(arg listen-client-urls)"
    command=(etcd --name "$(arg name)" --data-dir "$KUBEHA_ROOT/var/lib/etcd"
      --listen-client-urls "${clients#https://127.0.0.1:2379,}" --advertise-client-urls "$(arg advertise-client-urls)"
      --listen-peer-urls "$(arg listen-peer-urls)" --initial-advertise-peer-urls "$(arg initial-advertise-peer-urls)"
      --initial-cluster "$(arg initial-cluster)" --initial-cluster-state "$(arg initial-cluster-state)"
      --cert-file "$pki/etcd/server.crt" --key-file "$pki/etcd/server.key" --trusted-ca-file "$pki/etcd/ca.crt"
      --client-cert-auth=true --peer-cert-file "$pki/etcd/peer.crt" --peer-key-file "$pki/etcd/peer.key"
      --peer-trusted-ca-file "$pki/etcd/ca.crt" --peer-client-cert-auth=true --snapshot-count=10000)
    # etcd.run: what the kubelet runs for this manifest, kept so that the test's kubelet starts it again (after a
    # restore, for one); the flags of a new member only matter while its data directory is empty.
    printf 'setsid %s </dev/null >>"$KUBEHA_ROOT/etcd.log" 2>&1 &\necho $! >"$KUBEHA_ROOT/etcd.pid"\n' \
      "$(printf '%q ' "${command[@]}")" >"$KUBEHA_ROOT/etcd.run"
    bash "$KUBEHA_ROOT/etcd.run" ;;
  "certs renew etcd-server "*) renew etcd-server etcd/server ;;
  "certs renew etcd-peer "*) renew etcd-peer etcd/peer ;;
  "certs renew etcd-healthcheck-client "*) renew etcd-healthcheck-client etcd/healthcheck-client ;;
  "certs renew apiserver-etcd-client "*) renew apiserver-etcd-client apiserver-etcd-client ;;
  "reset -f")
    if [ -f "$KUBEHA_ROOT/etcd.pid" ]; then kill "$(cat "$KUBEHA_ROOT/etcd.pid")" 2>/dev/null || true; rm -f "$KUBEHA_ROOT/etcd.pid"; fi
    rm -rf "$KUBEHA_ROOT/etc/kubernetes/manifests" "$pki" ;;
  *) echo "kubeadm stand-in: $* is not stood in for" >&2; exit 1 ;;
esac
