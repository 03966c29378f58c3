#!/usr/bin/env bash
# Installs and starts libvirt (QEMU driver) on a Debian 12 machine without systemd, as root, so that
# `virsh -c qemu:///system` works. Idempotent: safe to run again; starts nothing that already runs.
#
#   sudo devstack/libvirt-setup.sh
#
# What it does:
#   1. apt-get install --no-install-recommends libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
#      qemu-system-x86 qemu-utils busybox-static   (not libvirt-daemon-system: systemd units)
#   2. creates the user/group libvirt-qemu (the QEMU driver does not load without it)
#   3. sets user = "root" and group = "root" in /etc/libvirt/qemu.conf
#   4. starts virtlogd and libvirtd as daemons if they are not running
#   5. waits for /run/libvirt/libvirt-sock and a first successful `virsh version` (the first connection
#      probes QEMU's capabilities, ~8 s; cached afterwards)
#
# Guests must use <domain type='qemu'> (TCG) on machines where /dev/kvm is nested (kvm_pvm).
# Env: VIRTFLOW_LIBVIRT_TIMEOUT (seconds to wait for the daemon, default 60),
#      VIRTFLOW_SKIP_APT=1 (do not run apt-get even if something is missing).
set -euo pipefail

log() { echo "libvirt-setup: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (qemu:///system)"

URI=qemu:///system
SOCK=/run/libvirt/libvirt-sock
TIMEOUT=${VIRTFLOW_LIBVIRT_TIMEOUT:-60}
PKGS=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils busybox-static)

# 1. packages: only call apt when something is missing (fast on re-runs).
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "${VIRTFLOW_SKIP_APT:-0}" = 1 ] && die "missing packages: ${missing[*]}"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
fi
for b in libvirtd virtlogd virsh qemu-system-x86_64 qemu-img; do
  command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || die "$b not found after install"
done
export PATH="$PATH:/usr/sbin:/sbin"

# 2. user and group libvirt-qemu
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null || \
  useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu

# 3. qemu.conf: Debian ships it with libvirt-daemon-system only; create or edit it.
CONF=/etc/libvirt/qemu.conf
mkdir -p /etc/libvirt
touch "$CONF"
changed=0
for key in user group; do
  if grep -qE "^[[:space:]]*${key}[[:space:]]*=[[:space:]]*\"root\"[[:space:]]*$" "$CONF"; then
    continue
  fi
  if grep -qE "^[[:space:]]*${key}[[:space:]]*=" "$CONF"; then
    sed -i -E "s|^[[:space:]]*${key}[[:space:]]*=.*$|${key} = \"root\"|" "$CONF"
  else
    printf '%s = "root"\n' "$key" >>"$CONF"
  fi
  changed=1
done
mkdir -p /var/log/libvirt /var/lib/libvirt /run/libvirt

running() { # name -> 0 if a process of that exact executable runs
  local pidfile="/run/$1.pid" pid
  if [ -s "$pidfile" ]; then
    pid=$(cat "$pidfile")
    if [ -d "/proc/$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "/usr/sbin/$1" ]; then
      return 0
    fi
  fi
  pgrep -x "$1" >/dev/null 2>&1
}

# 4. daemons. libvirtd reads qemu.conf at start: restart it if we just changed the file.
if [ "$changed" = 1 ] && running libvirtd; then
  log "qemu.conf changed: restarting libvirtd"
  pid=$(cat /run/libvirtd.pid 2>/dev/null || pgrep -x libvirtd | head -n1)
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
fi
if running virtlogd; then
  log "virtlogd already running"
else
  log "starting virtlogd"
  /usr/sbin/virtlogd -d
fi
if running libvirtd; then
  log "libvirtd already running"
else
  log "starting libvirtd"
  /usr/sbin/libvirtd -d
fi

# 5. wait for the socket, then a first successful connection.
start=$(date +%s)
until [ -S "$SOCK" ]; do
  [ $(( $(date +%s) - start )) -lt "$TIMEOUT" ] || die "no $SOCK after ${TIMEOUT}s"
  sleep 0.1
done
until out=$(virsh -q -c "$URI" version 2>&1); do
  [ $(( $(date +%s) - start )) -lt "$TIMEOUT" ] || die "virsh -c $URI version failed after ${TIMEOUT}s: $out"
  sleep 0.5
done
log "ready in $(( $(date +%s) - start ))s: $(echo "$out" | grep -i 'running hypervisor' | sed 's/^ *//')"
