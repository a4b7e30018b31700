#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: the external etcd's CA certificate and the API server's client certificate on the first control-plane node
# (<node>-etcd-client), where kubeadm init's etcd.external names them, before kubeadm init (kubernetes/website
# content/en/docs/setup/production-environment/tools/kubeadm/high-availability.md, "External etcd nodes": copy them
# from an etcd node to the first control-plane node). The other control-plane nodes get them from kubeadm's upload
# of the certificates. Parameters: NODE_NAME, ETCD_CA_CRT, ETCD_CLIENT_CRT, ETCD_CLIENT_KEY (base64; secret).
base64 -d <<<"$ETCD_CA_CRT" | put_file /etc/kubernetes/pki/etcd/ca.crt 0644 || true
base64 -d <<<"$ETCD_CLIENT_CRT" | put_file /etc/kubernetes/pki/apiserver-etcd-client.crt 0644 || true
base64 -d <<<"$ETCD_CLIENT_KEY" | put_file /etc/kubernetes/pki/apiserver-etcd-client.key 0600 || true
log "$NODE_NAME has the external etcd's CA and its client certificate"
