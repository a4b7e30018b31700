#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: keep an etcd node's certificates valid (<node>-etcd-certificates, on the first `pulumi up` of each UTC day,
# one etcd node at a time). When the first of its server, peer and healthcheck-client certificates ends within
# RENEW_DAYS days, all three are renewed from the etcd CA of the stack's state (etcd/renewal.sh), then the member must
# answer through its cluster with them before the next node goes. etcd needs no restart: it reads its certificate and
# key from disk on every new TLS connection, on its client and peer listeners (GetCertificate) and when it dials a
# peer (GetClientCertificate) (etcd-io/etcd client/pkg/transport/listener.go, TLSInfo.baseConfig: "reload TLS assets
# ... on every new TLS connection"); connections open before the renewal keep the handshake they made. The control
# plane's kubeadm renewal leaves the etcd certificates out with an external etcd (renewal/manager.go, NewManager).
# Certificates that last longer are left alone: a second run changes nothing.
# Parameters: NODE_NAME, NODE_ADDRESS, MEMBERS, MEMBER_CONFIG, INSTALLED_VERSION_TOKEN, INITIAL_CLUSTER_TOKEN,
# INITIAL_CLUSTER_STATE_TOKEN, RENEW_DAYS, CHECKED_ON (the UTC day of this check: it makes the step run on the first
# `pulumi up` of each day), KEEP_CA_KEY, ETCD_CA_CRT and ETCD_CA_KEY (base64; secret), TIMEOUT_SECONDS.
work="$(mktemp -d)"
trap 'drop_etcd_ca_key; rm -rf "$work"' EXIT
chmod 700 "$work"
drop_etcd_ca_key  # (a key left by a step that was killed half-way)
[ -f "$etcd_manifest" ] || die "$NODE_NAME runs no etcd member (its <node>-etcd-member step starts it)"
due=""
for cert in server peer healthcheck-client; do
  if ends_within "$etcd_pki/$cert.crt"; then due="$due etcd/$cert.crt"; fi
done
if [ -z "$due" ]; then
  log "the etcd certificates of $NODE_NAME are valid for more than $RENEW_DAYS days (server until \
$(end_date "$etcd_pki/server.crt")); checked $CHECKED_ON"
  exit 0
fi
log "etcd certificates of $NODE_NAME ending within $RENEW_DAYS days:$due (server until $(end_date "$etcd_pki/server.crt"))"
# Whether the member answered through its cluster before: a cluster whose certificates all ended already has no
# quorum until the last node renewed its own, so this node's renewal cannot be judged by the answer then.
answered=false
if member_healthy; then answered=true; fi
# kubeadm's configuration of this member: its etcd is local, so kubeadm's renewal knows the etcd certificates.
write_member_config existing "$(configured_cluster)"
renew_with_etcd_ca "$work/kubeadm.yaml" etcd-server etcd-peer etcd-healthcheck-client
for cert in server peer healthcheck-client; do
  if ends_within "$etcd_pki/$cert.crt"; then
    die "etcd/$cert.crt of $NODE_NAME still ends $(end_date "$etcd_pki/$cert.crt") after kubeadm certs renew \
(RENEW_DAYS above the 365 days kubeadm issues?)"
  fi
done
if [ "$answered" = true ]; then
  wait_until "$TIMEOUT_SECONDS" member_healthy \
    || die "the etcd member of $NODE_NAME does not answer with its renewed certificates after ${TIMEOUT_SECONDS}s"
elif ! wait_until 30 member_healthy; then
  log "WARNING: the etcd member of $NODE_NAME did not answer through its cluster before the renewal and does not now \
(certificates of the other members ended too?); the next etcd nodes renew theirs"
fi
log "etcd certificates of $NODE_NAME renewed: server, peer and healthcheck-client valid until \
$(end_date "$etcd_pki/server.crt"); etcd reads them at each new connection, no restart"
