#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: give a control-plane node the load balancers' stats credentials, for loadbalancer/backend.sh (drain and
# ready around its API server's restarts). Carries the stats password: sent only on stdin, as a secret step.
# Parameters: CURL_CONFIG (a curl config file: user = "name:password"). Idempotent; delete is access-remove.sh.
mkdir -p "${KUBEHA_ROOT}/etc/kubeha"
chmod 700 "${KUBEHA_ROOT}/etc/kubeha"
if put_file /etc/kubeha/lb-admin.curlrc 600 <<<"$CURL_CONFIG"; then
  log "load-balancer credentials written"
fi
