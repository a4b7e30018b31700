#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: remove the load balancers' stats credentials from a node (delete of <node>-lb-access). Carries no secrets.
rm -f "${KUBEHA_ROOT}/etc/kubeha/lb-admin.curlrc"
log "load-balancer credentials removed"
