#!/bin/sh
# kubeha machine lab: a STAND-IN for a Kubernetes binary (kubelet, kubeadm, kubectl, crictl), not the real one.
# Installed as /usr/bin/NAME by the lab's stand-in packages, with STAND_IN_VERSION set at build time. Every call is
# recorded in /var/log/kubeha-lab/stand-in.log; it answers where kubeha's scripts read output.
STAND_IN_VERSION=@VERSION@
name="$(basename "$0")"
mkdir -p /var/log/kubeha-lab
printf '%s %s %s\n' "$(date +%s.%N)" "$name" "$*" >>/var/log/kubeha-lab/stand-in.log
case "$name $*" in
  "kubelet --version"*) echo "Kubernetes v${STAND_IN_VERSION}" ;;
  "kubeadm version -o short"*) echo "v${STAND_IN_VERSION}" ;;
  "kubeadm version"*) echo "kubeadm version: &version.Info{GitVersion:\"v${STAND_IN_VERSION}\"}" ;;
  "kubectl version"*) echo "Client Version: v${STAND_IN_VERSION}" ;;
  "crictl --version"*) echo "crictl version v${STAND_IN_VERSION}" ;;
  kubelet*) exec sleep infinity ;;
  *) ;;
esac
exit 0
