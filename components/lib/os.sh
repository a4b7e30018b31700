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

# --- what kubeha changed on the host beyond its own files -----------------------------------------------------
# One line per change (a firewall rule, a NetworkManager file), written only when kubeha made it; reset.sh undoes
# exactly these and nothing the operator made.
host_changes="${kubeha_state}/host-changes"
host_change_note() {
  mkdir -p "$kubeha_state"
  grep -qxF -- "$1" "$host_changes" 2>/dev/null || printf '%s\n' "$1" >>"$host_changes"
}

# firewall_trust_pod_network CIDR: forwarded pod traffic (and pods reaching their node) passes the active firewall.
# firewalld: CIDR becomes a source of the trusted zone. firewalld keeps its own nftables table, whose forward chain
# applies the target of the packet's ingress zone (by source, then interface) and rejects under the default target
# (firewalld/firewalld src/firewall/core/nftables.py, build_zone_target_rules, v2.x), whatever kube-proxy's or the
# CNI's iptables rules accept; Calico's and flannel's docs ask the host firewall to let this traffic through
# (tigera/docs calico/_includes/components/ReqsSys.js; flannel-io/flannel Documentation/troubleshooting.md).
# ufw: `route allow` from and to CIDR. ufw's FORWARD policy is DROP (veridit/ufw conf/ufw.defaults,
# DEFAULT_FORWARD_POLICY); flannel's FLANNEL-FWD accept is appended to FORWARD after ufw's chains
# (flannel-io/flannel pkg/trafficmngr/iptables/iptables.go, forwardRules), so a REJECT forward policy, a rule in
# ufw-reject-forward (src/ufw-init-functions), refused pod traffic; ufw-user-forward runs before it.
# A CIDR the operator already put in another firewalld zone stays there (said in the log).
firewall_trust_pod_network() {
  local cidr="$1" zone direction
  case "$(firewall_kind)" in
    firewalld)
      zone="$(firewall-cmd --permanent --get-zone-of-source="$cidr" 2>/dev/null || true)"
      case "$zone" in
        trusted) ;;
        "" | "no zone")
          firewall-cmd --permanent --zone=trusted --add-source="$cidr" >/dev/null \
            || die "firewall-cmd cannot trust the pod network $cidr"
          host_change_note "firewalld-trusted-source $cidr"
          firewall-cmd --reload >/dev/null || die "firewall-cmd --reload failed"
          log "firewalld: the pod network $cidr is a source of the trusted zone"
          ;;
        *) log "firewalld: the pod network $cidr is in the zone '$zone' (not kubeha's): left there; that zone must accept forwarded pod traffic" ;;
      esac
      ;;
    ufw)
      for direction in from to; do
        ufw_routes_pod_network "$direction" "$cidr" && continue
        ufw route allow "$direction" "$cidr" >/dev/null || die "ufw cannot route traffic $direction the pod network $cidr"
        host_change_note "ufw-route $direction $cidr"
      done
      ;;
  esac
  return 0
}

# ufw_routes_pod_network from|to CIDR: `ufw status` lists the route rule (routed rules print their destination,
# "ALLOW FWD", then their source: veridit/ufw src/backend_iptables.py, get_status).
ufw_routes_pod_network() {
  awk -v dir="$1" -v c="$2" '$2 == "ALLOW" && $3 == "FWD" {
      if ((dir == "from" && $1 == "Anywhere" && $4 == c) || (dir == "to" && $1 == c && $4 == "Anywhere")) found = 1
    } END { exit !found }' <<<"$(ufw status 2>/dev/null)"
}

# calico_nm_conf: NetworkManager leaves Calico's interfaces alone, the file and list of Calico's troubleshooting
# guide (tigera/docs calico/operations/troubleshoot/troubleshooting.mdx, "Configure NetworkManager"); its first
# line marks it as kubeha's.
calico_nm_conf=/etc/NetworkManager/conf.d/calico.conf
calico_nm_conf_text="# kubeha: NetworkManager leaves Calico's interfaces alone (removed when the node leaves the cluster)
[keyfile]
unmanaged-devices=interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico;interface-name:vxlan-v6.calico;interface-name:wireguard.cali;interface-name:wg-v6.cali"

# networkmanager_leave_calico_alone: where NetworkManager is installed, writes calico_nm_conf and has a running
# NetworkManager read it (SIGHUP or D-Bus Reload: NetworkManager/NetworkManager man/NetworkManager.conf.xml).
# A calico.conf of the operator's stays as it is.
networkmanager_leave_calico_alone() {
  local dest="${KUBEHA_ROOT}${calico_nm_conf}"
  [ -d "${KUBEHA_ROOT}/etc/NetworkManager" ] || return 0
  if [ -f "$dest" ] && [ "$(head -n 1 "$dest")" != "$(head -n 1 <<<"$calico_nm_conf_text")" ]; then
    log "$calico_nm_conf is not kubeha's: left as it is (Calico needs cali*, tunl*, vxlan.calico unmanaged)"
    return 0
  fi
  put_file "$calico_nm_conf" 644 <<<"$calico_nm_conf_text" || return 0
  host_change_note "networkmanager-conf $calico_nm_conf"
  if systemctl is-active --quiet NetworkManager 2>/dev/null; then
    systemctl reload NetworkManager || die "cannot reload NetworkManager (journalctl -u NetworkManager)"
  fi
}

# host_changes_undo: removes what host_change_note recorded, and the record; a change that cannot be undone now
# (its firewall is off) stays recorded and is said in the log.
host_changes_undo() {
  [ -f "$host_changes" ] || return 0
  local kind a b left=() reload=0
  while read -r kind a b; do
    case "$kind" in
      firewalld-trusted-source)
        if [ "$(firewall_kind)" = firewalld ] && firewall-cmd --permanent --zone=trusted --remove-source="$a" >/dev/null; then
          reload=1
        else
          log "firewalld: could not remove the pod network $a from the trusted zone"; left+=("$kind $a")
        fi
        ;;
      ufw-route)
        ufw route delete allow "$a" "$b" >/dev/null || { log "ufw: could not delete the route rule $a $b"; left+=("$kind $a $b"); }
        ;;
      networkmanager-conf)
        rm -f "${KUBEHA_ROOT}$a"
        if systemctl is-active --quiet NetworkManager 2>/dev/null; then systemctl reload NetworkManager || true; fi
        ;;
    esac
  done <"$host_changes"
  if [ "$reload" -eq 1 ]; then firewall-cmd --reload >/dev/null || log "firewall-cmd --reload failed"; fi
  if [ "${#left[@]}" -eq 0 ]; then rm -f "$host_changes"; else printf '%s\n' "${left[@]}" >"$host_changes"; fi
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

# apt_repository NAME KEY KEY_URL SOURCE: the apt source /etc/apt/sources.list.d/NAME.list, "deb [signed-by=KEY]
# SOURCE", with the signing key KEY fetched from KEY_URL when it is missing or the line changes.
# Returns 0 when the line changed (the package index must be refreshed).
apt_repository() {
  local list="/etc/apt/sources.list.d/$1.list" key="$2" line="deb [signed-by=$2] $4"
  if [ ! -s "${KUBEHA_ROOT}${key}" ] || [ "$(cat "${KUBEHA_ROOT}${list}" 2>/dev/null)" != "$line" ]; then
    signing_key_install "$3" "$key"
  fi
  put_file "$list" 644 <<<"$line"
}

# repo_kubernetes MINOR: the Kubernetes package repository of one minor (e.g. 1.31) with its signing key, from the
# script's KUBERNETES_DEB_REPOSITORY and KUBERNETES_DEB_KEY (or KUBERNETES_RPM_*): pkgs.k8s.io unless the stack
# names a mirror (kubernetesDebRepository ...). The key is fetched again when the repository changes.
# Returns 0 when the repository changed (the package index must be refreshed).
repo_kubernetes() {
  local minor="$1"
  case "$OS_FAMILY" in
    debian)
      apt_repository kubernetes "/etc/apt/keyrings/kubernetes-${minor}.asc" "$KUBERNETES_DEB_KEY" "${KUBERNETES_DEB_REPOSITORY} /"
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
  local wanted="$1" pkgs=(kubelet kubeadm kubectl) p patch current need=0 versioned=()
  [ "$#" -gt 1 ] && pkgs=("${@:2}")
  for p in "${pkgs[@]}"; do
    current="$(installed_version "$p")"
    if [ -z "$current" ] || ! runs_version "${current%%-*}" "$wanted"; then need=1; fi
  done
  if [ "$need" -eq 1 ]; then
    patch="$(kube_version_in_repository "$wanted")" || exit 1
    log "installing ${pkgs[*]} $patch"
    case "$OS_FAMILY" in
      debian)
        for p in "${pkgs[@]}"; do versioned+=("$p=${patch}-*"); done
        apt_locked_retry apt-mark unhold "${pkgs[@]}" 2>/dev/null || true
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
kube_newest_patch() { kube_version_in_repository "$1"; }

# kube_version_in_repository WANTED: the patch to install for WANTED, read from the configured repository after
# refreshing its index: WANTED itself when it is a patch the repository has, the newest patch when it is a minor.
# Fails naming the repository and what it has when the minor or the patch is not there (kubeha's version check
# knows only the minor's format: a patch such as 1.31.999 is found missing here, before apt or dnf would fail).
kube_version_in_repository() {
  local wanted="$1" major rest minor repository versions
  IFS=. read -r major rest _ <<<"$wanted"
  minor="$major.$rest"
  case "$OS_FAMILY" in
    debian)
      repository="$KUBERNETES_DEB_REPOSITORY"
      apt_get update -q || die "apt-get update failed (its errors are above); when they name $repository, Kubernetes $minor is not in that repository or it cannot be reached (pkgs.k8s.io serves one repository per minor)"
      versions="$(apt-cache madison kubeadm 2>/dev/null | awk -v m="$minor." '{ if (index($3, m) == 1) { sub(/-.*/, "", $3); print $3 } }' | sort -uV)" || versions=""
      ;;
    rhel)
      repository="$KUBERNETES_RPM_REPOSITORY"
      versions="$(dnf list -q --showduplicates --disableexcludes=kubernetes kubeadm 2>/dev/null \
        | awk -v m="$minor." '$1 ~ /^kubeadm/ { if (index($2, m) == 1) { sub(/-.*/, "", $2); print $2 } }' | sort -uV)" || versions=""
      ;;
  esac
  [ -n "$versions" ] || die "Kubernetes $minor is not in the repository $repository: it has no kubeadm of $minor (kubernetesVersion, and kubernetesDebRepository/kubernetesRpmRepository for a mirror)"
  if [ "$wanted" = "$minor" ]; then
    tail -n 1 <<<"$versions"
  elif grep -qxF "$wanted" <<<"$versions"; then
    echo "$wanted"
  else
    die "Kubernetes $wanted is not in the repository $repository; available: $(tr '\n' ' ' <<<"$versions")(kubernetesVersion: one of these, or the minor $minor for its newest)"
  fi
}

# --- containerd (per family, here and nowhere else) -------------------------------------------------------
# The script's CONTAINERD_SOURCE (docker: Docker's containerd.io from CONTAINERD_REPOSITORY; distribution: Debian's
# or Ubuntu's containerd) and CONTAINERD_MINIMUM_MAJOR (2 from Kubernetes 1.36: 1.35 is the last minor that supports
# containerd 1.x, kubernetes.io/blog/2025/12/17/kubernetes-v1-35-release/).

# containerd_install: a containerd of at least CONTAINERD_MINIMUM_MAJOR, and conntrack and socat. A containerd that
# is already there and new enough stays (Docker's containerd.io on a Docker host, or an earlier run's). Nothing of
# Docker is ever removed: installing Debian's containerd would remove containerd.io and Docker with it, and
# containerd.io replaces Debian's containerd, which Ubuntu's docker.io needs; both are refused instead.
containerd_install() {
  local installed v
  for installed in containerd.io containerd; do
    pkg_is_installed "$installed" || continue
    v="$(installed_version "$installed")"
    if containerd_supported "$v"; then
      log "using $installed $v, already on this host"
      containerd_end_of_support_warning "$v"
      containerd_companions_install
      return 0
    fi
    [ "$installed" = containerd.io ] && die "this host has Docker's containerd.io ${v%%-*}, older than Kubernetes $KUBERNETES_MINOR needs (containerd $CONTAINERD_MINIMUM_MAJOR or newer); kubeha does not replace containerd.io, as that would remove Docker: upgrade it from Docker's repository (apt-get install containerd.io, or dnf upgrade containerd.io), then pulumi up again"
    log "$installed ${v%%-*} is older than Kubernetes $KUBERNETES_MINOR needs (containerd $CONTAINERD_MINIMUM_MAJOR or newer)"
  done
  case "$CONTAINERD_SOURCE" in
    docker) containerd_from_docker ;;
    distribution)
      [ "$OS_FAMILY" = debian ] || die "RHEL-family distributions ship no containerd: set containerdSource to docker (Docker's containerd.io, from containerdRepository)"
      pkg_install containerd
      v="$(installed_version containerd)"
      containerd_supported "$v" || die "the distribution's containerd is ${v%%-*}, older than Kubernetes $KUBERNETES_MINOR needs (containerd $CONTAINERD_MINIMUM_MAJOR or newer): set containerdSource to docker (Docker's containerd.io, containerd 2.x)"
      ;;
    *) die "CONTAINERD_SOURCE is '$CONTAINERD_SOURCE'; expected docker or distribution" ;;
  esac
  containerd_end_of_support_warning "$(containerd_installed_version)"
  containerd_companions_install
}

# containerd_installed_version: the version of the containerd package that is installed (containerd.io or the
# distribution's). Only an installed one counts: dpkg-query -W prints the version of a package that was removed but
# not purged too (state "deinstall ok config-files", as apt leaves the distribution's containerd that containerd.io
# replaced, or a containerd.io removed by hand).
containerd_installed_version() {
  local p
  for p in containerd.io containerd; do
    if pkg_is_installed "$p"; then
      installed_version "$p"
      return 0
    fi
  done
}

# containerd_from_docker: Docker's repository (CONTAINERD_REPOSITORY, or a mirror of its layout) and containerd.io
# from it, refused when apt would remove anything but the distribution's containerd (and its runc) on the way.
containerd_from_docker() {
  case "$OS_FAMILY" in
    debian)
      local id codename simulation removed
      # shellcheck disable=SC1091
      id="$(. "${KUBEHA_ROOT}/etc/os-release" && case " ${ID:-} ${ID_LIKE:-} " in *" ubuntu "*) echo ubuntu ;; *) echo debian ;; esac)"
      # shellcheck disable=SC1091
      codename="$(. "${KUBEHA_ROOT}/etc/os-release" && echo "${UBUNTU_CODENAME:-${VERSION_CODENAME:-}}")"
      [ -n "$codename" ] || die "/etc/os-release names no VERSION_CODENAME: cannot choose Docker's $id repository"
      apt_repository kubeha-containerd /etc/apt/keyrings/kubeha-containerd.asc "$CONTAINERD_REPOSITORY/$id/gpg" \
        "$CONTAINERD_REPOSITORY/$id $codename stable" || true
      apt_get update -q || die "apt-get update failed (its errors are above); when they name $CONTAINERD_REPOSITORY/$id, it has no $codename suite or cannot be reached (containerdRepository)"
      # apt-get -s prints what an install would do, "Remv NAME ..." for each removal (apt-pkg/algorithms.cc, pkgSimulate).
      simulation="$(apt_get install -s -q --no-install-recommends containerd.io 2>&1)" \
        || die "apt-get cannot install containerd.io from $CONTAINERD_REPOSITORY/$id ($codename): $(tail -n 3 <<<"$simulation")"
      # containerd.io replaces the distribution's containerd and carries its own runc: those two may go.
      removed="$(awk '$1 == "Remv" && $2 != "containerd" && $2 != "runc" { print $2 }' <<<"$simulation")"
      [ -z "$removed" ] || die "installing Docker's containerd.io would remove $(tr '\n' ' ' <<<"$removed")- kubeha removes nothing: install containerd 2 on this host yourself (or remove those packages), then pulumi up again"
      apt_get install -y -q --no-install-recommends containerd.io || die "apt-get install containerd.io failed"
      ;;
    rhel)
      # The layout of Docker's docker-ce.repo (https://download.docker.com/linux/centos/docker-ce.repo). dnf never
      # removes a conflicting package (podman's runc) without --allowerasing: it fails instead, saying which.
      put_file /etc/yum.repos.d/kubeha-containerd.repo 644 <<EOT || true
[kubeha-containerd]
name=containerd.io from Docker's repository (kubeha)
baseurl=${CONTAINERD_REPOSITORY}/centos/\$releasever/\$basearch/stable
enabled=1
gpgcheck=1
gpgkey=${CONTAINERD_REPOSITORY}/centos/gpg
EOT
      pkg_install containerd.io
      ;;
  esac
  containerd_supported "$(installed_version containerd.io)" \
    || die "Docker's repository $CONTAINERD_REPOSITORY gave containerd.io $(installed_version containerd.io), older than Kubernetes $KUBERNETES_MINOR needs (containerd $CONTAINERD_MINIMUM_MAJOR or newer)"
}

# containerd_companions_install: what the kubelet and kubeadm's preflight need beside containerd.
containerd_companions_install() {
  case "$OS_FAMILY" in
    debian) pkg_install conntrack socat ;;
    rhel) pkg_install container-selinux conntrack-tools socat ;;
  esac
}

# containerd_supported VERSION: the package version (2.1.4-1, 1.6.20~ds1-1) is of major CONTAINERD_MINIMUM_MAJOR or newer.
containerd_supported() { [ -n "$1" ] && [ "${1%%.*}" -ge "$CONTAINERD_MINIMUM_MAJOR" ] 2>/dev/null; }

# containerd_end_of_support_warning VERSION: containerd 1.x is past its end of support (containerd/containerd
# RELEASES.md: 1.6 ended 2025-08-23, 1.7's LTS September 2026); Kubernetes up to 1.35 still runs on it.
containerd_end_of_support_warning() {
  case "$1" in 1.*) log "WARNING: containerd ${1%%-*} is past its end of support and gets no security fixes; containerdSource docker installs containerd 2 (needed from Kubernetes 1.36)" ;; esac
}

# containerd_configure SANDBOX_IMAGE: /etc/containerd/config.toml with what kubeha sets and nothing more, in the
# config version the installed containerd reads (containerd/containerd docs/cri/config.md: version 3 from 2.0,
# version 2 in 1.x): runc with the systemd cgroup driver (the kubelet's default) and the sandbox (pause) image
# kubeadm wants. containerd fills in its defaults for the rest, but a runtimes table replaces the default runc
# entry whole (containerd 1.6.20 `config dump` shows runtime_type = "" without it), so runtime_type is written too.
# Returns 0 when the file changed (containerd must restart).
containerd_configure() {
  local sandbox="$1" installed format images cri
  installed="$(containerd_installed_version)"
  if [ "${installed%%.*}" -ge 2 ] 2>/dev/null; then
    format=3 images='plugins."io.containerd.cri.v1.images".pinned_images' cri='plugins."io.containerd.cri.v1.runtime"'
    sandbox="sandbox = \"${sandbox}\""
  else
    format=2 images='plugins."io.containerd.grpc.v1.cri"' cri='plugins."io.containerd.grpc.v1.cri"'
    sandbox="sandbox_image = \"${sandbox}\""
  fi
  put_file /etc/containerd/config.toml 644 <<EOT
# kubeha: written by the node preparation; containerd's defaults fill in the rest (containerd config dump).
version = ${format}

[${images}]
  ${sandbox}

[${cri}.containerd]
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = true
EOT
}

# kubeadm_sandbox_image: the pause image the installed kubeadm wants for its own version (kubeadm's PauseVersion,
# kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go: 3.9 in 1.29-1.30, 3.10 in 1.31-1.33, 3.10.1 in 1.35),
# read from kubeadm itself rather than kept in a table.
kubeadm_sandbox_image() {
  local v images
  v="$(installed_version kubeadm)"
  [ -n "$v" ] || die "kubeadm is not installed: cannot tell the sandbox image it wants"
  images="$(kubeadm config images list --kubernetes-version "v${v%%-*}" 2>/dev/null)" \
    || die "kubeadm config images list --kubernetes-version v${v%%-*} failed"
  grep -m 1 '/pause:' <<<"$images" || die "kubeadm config images list names no pause image: $images"
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
