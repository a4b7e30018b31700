#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: print the admin kubeconfig (the program marks it secret and points it at the VIP).
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"
[ -f "$admin" ] || die "$admin does not exist: kubeadm init has not run here"
cat "$admin"
