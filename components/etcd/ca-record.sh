#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: the record of the etcd CA (<etcdCaNode>-etcd-ca) once the etcd node that made it has left etcdNodes. The
# stack's state keeps the CA as that step's output, and the step never runs again: this script runs only if the
# record is created, which means the state has none under that name (etcdCaNode names a node that did not make this
# cluster's etcd CA). It makes no CA and changes nothing. Parameters: CA_NODE.
die "this stack has no etcd CA made by $CA_NODE (no step $CA_NODE-etcd-ca in its state): kubeha:etcdCaNode must name \
the etcd node that made the etcd CA (pulumi stack --show-urns lists it as <node>-etcd-ca); nothing was changed"
