#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: on a control-plane node whose etcd is external (etcdNodes), read after lib/os.sh: it has no etcd member, so
# nothing of etcd to snapshot before its upgrade (kubeadm upgrades no external etcd); the etcd nodes snapshot theirs.
etcd_snapshot() { log "no $1 etcd snapshot here: etcd runs on the etcd nodes (etcdNodes), which take their own"; }
