#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha's shared node library: logging, files, services, packages and firewall, with the OS family
# (Debian/Ubuntu or RHEL/Rocky/Alma) chosen here and nowhere else. Prepended to every node script.
# KUBEHA_ROOT (default empty) prefixes every path this library touches, for the script harness.

KUBEHA_ROOT="${KUBEHA_ROOT:-}"

log() { printf 'kubeha[%s]: %s\n' "$(hostname 2>/dev/null || echo node)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- OS family ------------------------------------------------------------------------------------------
# debian: Debian, Ubuntu and derivatives; rhel: RHEL, Rocky, Alma, CentOS Stream, Fedora.
detect_os_family() {
  local id="" id_like="" release="${KUBEHA_ROOT}/etc/os-release"
  [ -r "$release" ] || die "cannot read $release: unknown operating system"
  # shellcheck disable=SC1090
  id="$(. "$release" && echo "${ID:-}")"
  # shellcheck disable=SC1090
  id_like="$(. "$release" && echo "${ID_LIKE:-}")"
  case " $id $id_like " in
    *" debian "*|*" ubuntu "*) echo debian ;;
    *" rhel "*|*" fedora "*|*" centos "*|*" rocky "*|*" almalinux "*) echo rhel ;;
    *) die "unsupported operating system '$id' (supported: Debian/Ubuntu, RHEL/Rocky/Alma)" ;;
  esac
}
OS_FAMILY="$(detect_os_family)"

# --- packages -------------------------------------------------------------------------------------------
# How long apt waits for another apt or dpkg (unattended-upgrades at first boot) to finish, in seconds.
APT_LOCK_WAIT=600

# apt_get ARGS...: every apt-get of kubeha runs here. apt-get waits for dpkg's lock only when told to
# (DPkg::Lock::Timeout; Debian/apt:apt-pkg/deb/debsystem.cc, debSystem::Lock); `update` takes the package lists'
# lock without waiting at all (apt-pkg/acquire.cc, pkgAcquire::GetLock), so it is retried while that lock is held.
apt_get() {
  if [ "$1" = update ]; then
    DEBIAN_FRONTEND=noninteractive apt_locked_retry apt-get "$@"
  else
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT" "$@"
  fi
}

# apt_locked_retry COMMAND...: runs COMMAND (its output discarded, its errors shown) again every 5 s for up to
# APT_LOCK_WAIT seconds while another apt or dpkg holds a lock that COMMAND does not wait for: apt-get update's,
# and dpkg's for apt-mark, which runs `dpkg --set-selections` (Debian/apt:apt-pkg/statechanges.cc).
apt_locked_retry() {
  local err tries=$((APT_LOCK_WAIT / 5))
  until err="$("$@" 2>&1 >/dev/null)"; do
    case "$err" in
      *"Could not get lock"* | *"locked by another process"*)
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || { printf '%s\n' "$err" >&2; log "$1 $2: locked for ${APT_LOCK_WAIT}s"; return 1; }
        log "another apt or dpkg holds a lock $1 $2 needs (unattended-upgrades at first boot?); waiting"
        sleep 5
        ;;
      *) printf '%s\n' "$err" >&2; return 1 ;;
    esac
  done
  [ -z "$err" ] || printf '%s\n' "$err" >&2
}

pkg_is_installed() {
  case "$OS_FAMILY" in
    debian) [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ] ;;
    rhel) rpm -q "$1" >/dev/null 2>&1 ;;
  esac
}

# pkg_install NAME...: installs the packages that are missing; does nothing when all are there.
pkg_install() {
  local missing=() p
  for p in "$@"; do
    pkg_is_installed "${p%%=*}" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing ${missing[*]}"
  case "$OS_FAMILY" in
    debian)
      apt_get update -q || die "apt-get update failed"
      apt_get install -y -q --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed"
      ;;
    rhel) dnf install -y -q "${missing[@]}" || die "dnf install ${missing[*]} failed" ;;
  esac
}

# (Pipelines into `grep -q` are avoided: under pipefail they fail when grep stops reading early.)

# --- waiting --------------------------------------------------------------------------------------------
# wait_until SECONDS COMMAND...: runs COMMAND every 5 s until it succeeds; fails when SECONDS have passed.
wait_until() {
  local tries=$(($1 / 5))
  shift
  for _ in $(seq 1 "$tries"); do
    "$@" && return 0
    sleep 5
  done
  return 1
}

# api_server_ready ADDRESS PORT: the API server there answers /readyz with ok.
api_server_ready() { [ "$(curl -sk --max-time 5 "https://$1:$2/readyz")" = ok ]; }

# --- cluster membership ---------------------------------------------------------------------------------
# A node is a member once `kubeadm init` or `kubeadm join` exited 0 there: the markers below are written only
# then, and reset.sh removes them. kubeadm writes admin.conf and kubelet.conf early (its kubeconfig phase, before
# etcd, the uploads, the bootstrap token, the promotion of a control-plane node's etcd member and the addons), so
# those files existing means a kubeadm run started, not that it finished.
kubeha_state="${KUBEHA_ROOT}/var/lib/kubeha"
init_done="${kubeha_state}/kubeadm-init-done"
join_done="${kubeha_state}/kubeadm-join-done"
is_cluster_member() { [ -f "$init_done" ] || [ -f "$join_done" ]; }
# kubeadm_started: something of a kubeadm init or join is on this node (its files, manifests or etcd data).
kubeadm_started() {
  local k="${KUBEHA_ROOT}/etc/kubernetes"
  [ -f "$k/admin.conf" ] || [ -f "$k/kubelet.conf" ] || [ -f "$k/manifests/etcd.yaml" ] \
    || [ -f "$k/manifests/kube-apiserver.yaml" ] || [ -d "${KUBEHA_ROOT}/var/lib/etcd/member" ]
}
# joined_as_control_plane: this node's etcd was started to join an existing etcd cluster (kubeadm join).
joined_as_control_plane() {
  local manifest="${KUBEHA_ROOT}/etc/kubernetes/manifests/etcd.yaml" line
  [ -f "$manifest" ] || return 1
  while IFS= read -r line; do
    case "$line" in *--initial-cluster-state=existing*) return 0 ;; esac
  done <"$manifest"
  return 1
}
# mark_done MARKER: the kubeadm run finished.
mark_done() { mkdir -p "$kubeha_state" && touch "$1"; }
# kubeadm_start_over WHAT: clears what an unfinished kubeadm run left, so it can run again from the start.
kubeadm_start_over() {
  log "a previous $1 on this node did not finish; kubeadm reset, then $1 again"
  kubeadm reset -f >&2 || die "kubeadm reset failed; the unfinished $1 left state that kubeha cannot clear"
  rm -rf "${KUBEHA_ROOT}/etc/cni/net.d"
}

# --- etcd (a control-plane node's stacked member) --------------------------------------------------------
# etcdctl and etcdutl are not installed on the node: they run from kubeadm's etcd image (registry.k8s.io/etcd copies
# the etcd release's etcd, etcdctl and etcdutl to /usr/local/bin: kubernetes/kubernetes cluster/images/etcd/Dockerfile,
# `COPY etcd* etcdctl* /usr/local/bin/`), so they are always the version of the etcd they talk to. etcdctl runs in the running etcd container (crictl exec:
# it has the certificates under /etc/kubernetes/pki/etcd and /var/lib/etcd mounted, kubernetes/kubernetes
# cmd/kubeadm/app/phases/etcd/local.go GetEtcdPodSpec); etcdutl, which works on files while etcd is stopped, runs
# in a one-off container of the same image with /var/lib mounted (ctr run in containerd's k8s.io namespace, where
# the kubelet pulled the image).
crictl_containerd() { crictl --runtime-endpoint unix:///run/containerd/containerd.sock "$@"; }
# etcd_container: the ID of the running etcd container of this node (empty when none runs).
etcd_container() {
  local ids
  ids="$(crictl_containerd ps --name '^etcd$' --state running -q 2>/dev/null)" || ids=""
  printf '%s\n' "${ids%%$'\n'*}"
}
# etcdctl_in_pod ARGS...: etcdctl in this node's etcd container, against its own member, as kubeadm's server.
etcdctl_in_pod() {
  local id
  id="$(etcd_container)"
  [ -n "$id" ] || { log "no etcd container runs on this node (crictl ps --name etcd)"; return 1; }
  crictl_containerd exec "$id" etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt \
    --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key "$@"
}
# etcd_image MANIFEST: the etcd image of a static pod manifest (kubeadm writes one `image:` line, unquoted).
etcd_image() {
  local line
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line#- }"
    case "$line" in "image: "*) printf '%s\n' "${line#image: }"; return 0 ;; esac
  done <"$1"
  return 1
}
# etcdutl_in_image IMAGE NAME ARGS...: etcdutl in a one-off container NAME of IMAGE, the host's /var/lib mounted.
etcdutl_in_image() {
  local image="$1" name="$2"
  shift 2
  ctr -n k8s.io run --rm --mount type=bind,src=/var/lib,dst=/var/lib,options=rbind:rw "$image" "$name" etcdutl "$@"
}
# etcd_snapshot KIND: a snapshot of this node's etcd now (before-upgrade, before-removal), by the command that
# <node>-etcd-backup installed; nothing goes on without it.
etcd_snapshot_command="${KUBEHA_ROOT}/usr/local/sbin/kubeha-etcd-snapshot"
etcd_snapshot() {
  [ -x "$etcd_snapshot_command" ] || die "$etcd_snapshot_command is missing on this node (the step <node>-etcd-backup installs it)"
  "$etcd_snapshot_command" "$1" >&2 || die "the $1 etcd snapshot failed (see above), so kubeha stops before changing anything"
}

# --- files ----------------------------------------------------------------------------------------------
# put_file DEST MODE [OWNER] < content: writes DEST atomically when its content differs, with MODE (and OWNER,
# user:group) set before the file goes into place, and set again on a file whose content was already right.
# Returns 0 when the content changed, 1 when it was already up to date.
put_file() {
  local dest="${KUBEHA_ROOT}$1" mode="$2" owner="${3:-}" tmp
  mkdir -p "$(dirname "$dest")"
  tmp="$(mktemp "${dest}.kubeha.XXXXXX")"
  cat >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    tmp="$dest"
  fi
  chmod "$mode" "$tmp"
  if [ -n "$owner" ]; then chown "$owner" "$tmp" || die "cannot give $1 to $owner"; fi
  [ "$tmp" != "$dest" ] || return 1
  mv -f "$tmp" "$dest"
  log "wrote $1"
  return 0
}

# --- services -------------------------------------------------------------------------------------------
svc_enable_now() {
  if ! systemctl is-enabled --quiet "$1" 2>/dev/null || ! systemctl is-active --quiet "$1" 2>/dev/null; then
    systemctl enable --now "$1" || die "cannot start $1 (journalctl -u $1)"
  fi
}

svc_restart() { systemctl restart "$1" || die "cannot restart $1 (journalctl -u $1)"; }

svc_reload() { systemctl reload-or-restart "$1" || die "cannot reload $1 (journalctl -u $1)"; }

# --- firewall -------------------------------------------------------------------------------------------
# firewall_kind: firewalld, ufw or none, by what is active.
firewall_kind() {
  if systemctl is-active --quiet firewalld 2>/dev/null; then
    echo firewalld
  elif command -v ufw >/dev/null 2>&1 && grep -q '^Status: active' <<<"$(ufw status 2>/dev/null)"; then
    echo ufw
  else
    echo none
  fi
}

# firewall_open PORT/PROTO...: opens ports in the active firewall (nothing when none is active). A range is
# written FROM-TO (firewalld's form); ufw writes ranges FROM:TO and refuses FROM-TO ("Bad port", ufw 0.36.2).
firewall_open() {
  local kind rule changed=1
  kind="$(firewall_kind)"
  for rule in "$@"; do
    case "$kind" in
      firewalld)
        if ! firewall-cmd --permanent --query-port="$rule" >/dev/null 2>&1; then
          firewall-cmd --permanent --add-port="$rule" >/dev/null || die "firewall-cmd cannot open $rule"
          changed=0
        fi
        ;;
      ufw)
        rule="${rule/-/:}"
        if ! grep -q "^${rule} " <<<"$(ufw status 2>/dev/null)"; then
          ufw allow "$rule" >/dev/null || die "ufw cannot open $rule"
        fi
        ;;
      none) return 0 ;;
    esac
  done
  if [ "$kind" = firewalld ] && [ "$changed" -eq 0 ]; then
    firewall-cmd --reload >/dev/null || die "firewall-cmd --reload failed"
  fi
  return 0
}

# pkg_remove NAME...: removes the packages that are installed.
pkg_remove() {
  local present=() p
  for p in "$@"; do
    pkg_is_installed "$p" && present+=("$p")
  done
  [ "${#present[@]}" -eq 0 ] && return 0
  log "removing ${present[*]}"
  case "$OS_FAMILY" in
    debian) apt_get purge -y -q "${present[@]}" || die "apt-get purge ${present[*]} failed" ;;
    rhel) dnf remove -y -q "${present[@]}" || die "dnf remove ${present[*]} failed" ;;
  esac
}

# module_present NAME: the kernel has module NAME, loaded (/proc/modules, read directly: `lsmod | grep -q` fails under
# pipefail when grep stops reading early) or built in (/sys/module/NAME; br_netfilter built in shows as its sysctls).
module_present() {
  grep -q "^$1 " "${KUBEHA_ROOT}/proc/modules" 2>/dev/null && return 0
  [ -d "${KUBEHA_ROOT}/sys/module/$1" ] && return 0
  [ "$1" = br_netfilter ] && [ -e "${KUBEHA_ROOT}/proc/sys/net/bridge/bridge-nf-call-iptables" ]
}

# interface_with_address ADDRESS: the name of the interface that carries ADDRESS (never guessed by name:
# Ubuntu boxes say eth1, Rocky boxes enp0s8).
interface_with_address() {
  ip -o -4 addr show | awk -v a="$1" '{ split($4, cidr, "/"); if (cidr[1] == a) { print $2; exit } }'
}

# --- Kubernetes node packages (per family, here and nowhere else) -----------------------------------------
# signing_key_install URL DEST: the ASCII-armored OpenPGP key at URL into DEST (*.asc), which apt's signed-by
# reads without gpg (apt >= 1.4: man apt-key, "SUPPORTED KEYRING FILES"; apt-key's dearmor_keyring in
# Debian/apt:cmdline/apt-key.in decodes it with awk and base64, and gpgv checks the signatures). A minimal Debian
# or Ubuntu has gpgv but no gpg, and often no curl.
signing_key_install() {
  local url="$1" dest="$2" key
  if ! pkg_is_installed curl || ! pkg_is_installed ca-certificates; then
    log "curl and ca-certificates fetch the package signing key: installing them"
    pkg_install curl ca-certificates
  fi
  key="$(curl -fsSL --max-time 60 "$url" 2>&1)" || die "cannot download the package signing key $url: $key"
  # apt-key decodes every armored block in the file: exactly one public key block, nothing else.
  if [ "$(grep -c -e '-----BEGIN' <<<"$key")" != 1 ] || [ "$(head -n 1 <<<"$key")" != "-----BEGIN PGP PUBLIC KEY BLOCK-----" ]; then
    die "$url is not one ASCII-armored OpenPGP public key; it begins: $(head -c 80 <<<"$key")"
  fi
  put_file "$dest" 644 <<<"$key" || true
}

# repo_kubernetes MINOR: the Kubernetes package repository of one minor (e.g. 1.31) with its signing key, from the
# script's KUBERNETES_DEB_REPOSITORY and KUBERNETES_DEB_KEY (or KUBERNETES_RPM_*): pkgs.k8s.io unless the stack
# names a mirror (kubernetesDebRepository ...). The key is fetched again when the repository changes.
# Returns 0 when the repository changed (the package index must be refreshed).
repo_kubernetes() {
  local minor="$1"
  case "$OS_FAMILY" in
    debian)
      local key="/etc/apt/keyrings/kubernetes-${minor}.asc" line
      line="deb [signed-by=${key}] ${KUBERNETES_DEB_REPOSITORY} /"
      if [ ! -s "${KUBEHA_ROOT}${key}" ] || [ "$(cat "${KUBEHA_ROOT}/etc/apt/sources.list.d/kubernetes.list" 2>/dev/null)" != "$line" ]; then
        signing_key_install "$KUBERNETES_DEB_KEY" "$key"
      fi
      put_file /etc/apt/sources.list.d/kubernetes.list 644 <<<"$line"
      ;;
    rhel)
      put_file /etc/yum.repos.d/kubernetes.repo 644 <<EOT
[kubernetes]
name=Kubernetes $minor (kubeha)
baseurl=${KUBERNETES_RPM_REPOSITORY}
enabled=1
gpgcheck=1
gpgkey=${KUBERNETES_RPM_KEY}
exclude=kubelet kubeadm kubectl cri-tools kubernetes-cni
EOT
      ;;
  esac
}

# runs_version VERSION WANTED: VERSION (1.31.4) is WANTED, a patch (1.31.4) or a minor (1.31) of Kubernetes.
runs_version() { case "$1" in "$2" | "$2".*) return 0 ;; *) return 1 ;; esac; }

# kubelet_version: the installed kubelet's version without its package release (1.31.4; empty when not installed).
kubelet_version() {
  local v
  v="$(installed_version kubelet)"
  echo "${v%%-*}"
}

# installed_version PACKAGE: the installed version (empty when not installed).
installed_version() {
  case "$OS_FAMILY" in
    debian) dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true ;;
    # rpm -q prints "package NAME is not installed" on stdout (an RPMLOG_NOTICE: rpm-software-management/rpm
    # lib/query.c, rpmio/rpmlog.c), so its output counts only when it succeeded.
    rhel) local v; if v="$(rpm -q --qf '%{VERSION}' "$1" 2>/dev/null)"; then echo "$v"; fi ;;
  esac
}

# kube_packages_install WANTED [PACKAGE...]: kubelet, kubeadm and kubectl (or the packages named) at WANTED, a
# patch (1.31.4) or a minor (1.31: its newest patch in the configured repository), from the configured repository,
# held so that system upgrades never move them. Packages of another version are replaced, downgrades included (a
# node that left the cluster keeps its held packages: the next cluster may want an older minor).
kube_packages_install() {
  local wanted="$1" pkgs=(kubelet kubeadm kubectl) p v patch current need=0 versioned=()
  [ "$#" -gt 1 ] && pkgs=("${@:2}")
  for p in "${pkgs[@]}"; do
    current="$(installed_version "$p")"
    if [ -z "$current" ] || ! runs_version "${current%%-*}" "$wanted"; then need=1; fi
  done
  if [ "$need" -eq 1 ]; then
    case "$wanted" in
      *.*.*) patch="$wanted" ;;
      *) patch="$(kube_newest_patch "$wanted")" ;;
    esac
    log "installing ${pkgs[*]} $patch"
    case "$OS_FAMILY" in
      debian)
        for p in "${pkgs[@]}"; do versioned+=("$p=${patch}-*"); done
        apt_locked_retry apt-mark unhold "${pkgs[@]}" 2>/dev/null || true
        apt_get update -q || die "apt-get update failed"
        apt_get install -y -q --allow-change-held-packages --allow-downgrades "${versioned[@]}" \
          || die "cannot install ${pkgs[*]} $patch from the configured Kubernetes repository"
        ;;
      rhel)
        for p in "${pkgs[@]}"; do versioned+=("$p-${patch}"); done
        # dnf install of a named version installs, upgrades or downgrades to it.
        dnf install -y -q --disableexcludes=kubernetes "${versioned[@]}" \
          || die "cannot install ${pkgs[*]} $patch from the configured Kubernetes repository"
        ;;
    esac
  fi
  # Held: apt-mark hold; on RHEL the repository's exclude= line is the hold (installs need --disableexcludes).
  if [ "$OS_FAMILY" = debian ]; then
    local held
    held="$(apt-mark showhold 2>/dev/null || true)"
    for p in "${pkgs[@]}"; do
      grep -qx "$p" <<<"$held" || apt_locked_retry apt-mark hold "$p" || die "apt-mark hold $p failed"
    done
  fi
}

# kube_newest_patch MINOR: the newest kubeadm version of MINOR (e.g. 1.32.3) that the configured repository offers
# (not the installed one: that may be of another minor).
kube_newest_patch() {
  local minor="$1" v
  case "$OS_FAMILY" in
    debian)
      apt_get update -q || die "apt-get update failed"
      v="$(apt-cache madison kubeadm | awk -v m="$minor." '{ if (index($3, m) == 1) print $3 }' | sort -V | tail -n 1)"
      ;;
    rhel) v="$(dnf list -q --showduplicates --disableexcludes=kubernetes kubeadm 2>/dev/null \
      | awk -v m="$minor." '$1 ~ /^kubeadm/ { if (index($2, m) == 1) print $2 }' | sort -V | tail -n 1)" ;;
  esac
  v="${v%%-*}"
  [ -n "$v" ] || die "the configured Kubernetes repository has no kubeadm of $minor"
  echo "$v"
}

# containerd_install: containerd from the distribution (Debian/Ubuntu) or Docker's repository (RHEL family).
containerd_install() {
  case "$OS_FAMILY" in
    debian) pkg_install containerd conntrack socat ;;
    rhel)
      if [ ! -f "${KUBEHA_ROOT}/etc/yum.repos.d/docker-ce.repo" ]; then
        pkg_install dnf-plugins-core
        dnf config-manager --add-repo https://download.docker.com/linux/centos/docker-ce.repo \
          || die "cannot add Docker's repository for containerd.io"
      fi
      pkg_install containerd.io container-selinux conntrack-tools socat
      ;;
  esac
}

# kubelet_env_file: where the kubelet unit reads KUBELET_EXTRA_ARGS.
kubelet_env_file() {
  case "$OS_FAMILY" in
    debian) echo /etc/default/kubelet ;;
    rhel) echo /etc/sysconfig/kubelet ;;
  esac
}

# selinux_restore_context PATH: the file's SELinux label from policy (RHEL family with SELinux on; else nothing).
selinux_restore_context() {
  [ "$OS_FAMILY" = rhel ] || return 0
  command -v restorecon >/dev/null 2>&1 || return 0
  restorecon -F "${KUBEHA_ROOT}$1" || die "restorecon $1 failed"
}

# selinux_permissive: as the upstream kubeadm install guide does on the RHEL family.
selinux_permissive() {
  [ "$OS_FAMILY" = rhel ] || return 0
  command -v getenforce >/dev/null 2>&1 || return 0
  if [ "$(getenforce)" = Enforcing ]; then setenforce 0 || die "setenforce 0 failed"; fi
  if grep -q '^SELINUX=enforcing' "${KUBEHA_ROOT}/etc/selinux/config" 2>/dev/null; then
    sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' "${KUBEHA_ROOT}/etc/selinux/config"
  fi
}
