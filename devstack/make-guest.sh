#!/usr/bin/env bash
# Builds a tiny bootable guest for real-VM tests from Debian packages only (no network but apt):
#
#   devstack/make-guest.sh IMAGE_DIR
#
# makes IMAGE_DIR/vmlinuz     the Debian cloud kernel (linux-image-*-cloud-amd64, via apt-get download)
#       IMAGE_DIR/initrd.img  a busybox-static initramfs whose /init is a busybox sh script
#       IMAGE_DIR/base.qcow2  an empty 64 MiB qcow2, to be used as a backing image for per-VM overlays
#
# The guest, booted with <kernel>/<initrd> and <cmdline>console=ttyS0 quiet panic=-1</cmdline> under
# <features><acpi/></features>:
#   - mounts devtmpfs/proc/sys, loads virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
#     virtio_pci virtio_blk evdev button (and pvpanic when the kernel has it, for <panic model='isa'/>)
#   - prints "virtflow-guest: kernel <uname -r>" and then exactly "virtflow-guest: ready" on the console
#   - waits for the ACPI power button (virsh shutdown / virsh reboot) and then does `poweroff -f`
#   - kernel cmdline hooks:
#       virtflow.poweroff_after=N  powers itself off N seconds after ready (a guest-initiated stop)
#       virtflow.panic             crashes the kernel (echo c > /proc/sysrq-trigger) right after ready
#       virtflow.panic_after=N     the same, N seconds after ready
#       virtflow.write_every_ms=N  the guest's own writes, for snapshot proofs: every N ms, record k (64 KiB
#                                  of the byte k%250+1 at offset k*64 KiB of /dev/vda, k = 0, 1, ... up to the
#                                  disk's end or 1023) is written and synced, then "virtflow-guest: wrote k"
#                                  is printed; the host reads the records with qemu-io -r -U
#
# Fast when up to date: nothing is rebuilt when the three files exist and the stamp (kernel package
# version + this script's checksum) matches. base.qcow2 is never recreated once it exists (overlays may
# point at it). The kernel .deb is cached in $VIRTFLOW_GUEST_CACHE (default ~/.cache/virtflow-guest).
# Needs: apt (apt-cache, apt-get download), dpkg-deb, busybox-static, qemu-utils, gzip.
set -euo pipefail

log() { echo "make-guest: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ $# -eq 1 ] || { echo "usage: $0 IMAGE_DIR" >&2; exit 2; }
IMAGE_DIR=$1
CACHE=${VIRTFLOW_GUEST_CACHE:-${HOME:-/root}/.cache/virtflow-guest}
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk evdev button"
OPTIONAL_MODULES="pvpanic pvpanic_mmio"   # loaded when present: lets <panic model='isa'/> report crashes
BUSYBOX=/bin/busybox
SELF_SUM=$(sha256sum "$0" | cut -d' ' -f1)

for c in apt-cache apt-get dpkg-deb gzip qemu-img; do
  command -v "$c" >/dev/null || die "$c not found (apt-get install -y --no-install-recommends qemu-utils busybox-static)"
done
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -x cpio >/dev/null || die "$BUSYBOX (busybox-static) not found"
file_is_static() { ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep 'Requesting program interpreter' >/dev/null; }
if command -v readelf >/dev/null && ! file_is_static "$BUSYBOX"; then
  die "$BUSYBOX is dynamically linked: install busybox-static"
fi

mkdir -p "$IMAGE_DIR" "$CACHE"
IMAGE_DIR=$(cd "$IMAGE_DIR" && pwd)
CACHE=$(cd "$CACHE" && pwd)

# One build at a time per IMAGE_DIR.
exec 9>"$IMAGE_DIR/.make-guest.lock"
command -v flock >/dev/null && flock 9

STAMP="$IMAGE_DIR/.make-guest.stamp"

# --- base.qcow2: created once ---------------------------------------------------------------------
make_base() {
  if [ -f "$IMAGE_DIR/base.qcow2" ]; then return; fi
  qemu-img create -q -f qcow2 "$IMAGE_DIR/base.qcow2.tmp" 64M
  mv -f "$IMAGE_DIR/base.qcow2.tmp" "$IMAGE_DIR/base.qcow2"
  log "made $IMAGE_DIR/base.qcow2 (qcow2, 64 MiB)"
}
outputs_ok() { [ -s "$IMAGE_DIR/vmlinuz" ] && [ -s "$IMAGE_DIR/initrd.img" ] && [ -f "$STAMP" ]; }

# Fast path (no apt-cache, which takes ~1 s a call): built by this very script and the apt lists have
# not changed since, so the candidate kernel cannot have changed either.
if outputs_ok && [ "$(cut -d' ' -f3 "$STAMP")" = "$SELF_SUM" ] \
   && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -newer "$STAMP" -name '*Packages*' 2>/dev/null | head -n1)" ]; then
  make_base
  log "up to date: $IMAGE_DIR/{vmlinuz,initrd.img,base.qcow2} ($(cut -d' ' -f1,2 "$STAMP"))"
  exit 0
fi

# --- which kernel package -----------------------------------------------------------------------
find_kernel_pkg() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2;exit}'
}
K=$(find_kernel_pkg || true)
if [ -z "$K" ] && [ "$(id -u)" -eq 0 ]; then
  log "apt lists have no linux-image-cloud-amd64: apt-get update"
  apt-get update -qq || true
  K=$(find_kernel_pkg || true)
fi
DEB=""
if [ -n "$K" ]; then
  VER=$(apt-cache show --no-all-versions "$K" 2>/dev/null | awk '/^Version:/{print $2;exit}')
  [ -n "$VER" ] || die "apt-cache show $K gave no version"
  DEB="$CACHE/${K}_${VER//:/%3a}_amd64.deb"
else
  # No apt lists (offline, not root): fall back to the newest cached kernel .deb.
  DEB=$(ls -1 "$CACHE"/linux-image-[0-9]*-cloud-amd64_*_amd64.deb 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$DEB" ] || die "cannot find linux-image-cloud-amd64 in apt (run apt-get update) and nothing cached in $CACHE"
  K=$(basename "$DEB" | cut -d_ -f1)
  VER=$(basename "$DEB" | cut -d_ -f2)
  log "apt has no kernel package; using cached $(basename "$DEB")"
fi

WANT="$K $VER $SELF_SUM"
if outputs_ok && [ "$(cat "$STAMP")" = "$WANT" ]; then
  touch "$STAMP"   # checked against the current apt lists: the fast path holds again
  make_base
  log "up to date: $IMAGE_DIR/{vmlinuz,initrd.img,base.qcow2} ($K $VER)"
  exit 0
fi

# --- download (cached) ----------------------------------------------------------------------------
if [ ! -s "$DEB" ]; then
  log "downloading $K $VER into $CACHE"
  dl=$(mktemp -d "$CACHE/.dl.XXXXXX")
  chmod 755 "$dl"
  sandbox=()
  [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
  (cd "$dl" && apt-get download -qq "${sandbox[@]}" "$K=$VER") || { rm -rf "$dl"; die "apt-get download $K=$VER failed"; }
  got=$(ls -1 "$dl"/*.deb | head -n1)
  mv -f "$got" "$DEB"
  rm -rf "$dl"
  # keep only this version
  for old in "$CACHE"/linux-image-*_amd64.deb; do [ "$old" = "$DEB" ] || rm -f "$old"; done
fi

# --- extract --------------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/make-guest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
dpkg-deb -x "$DEB" "$WORK/pkg"
VMLINUZ=$(ls -1 "$WORK"/pkg/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$VMLINUZ" ] || die "no /boot/vmlinuz-* in $DEB"
KVER=${VMLINUZ##*/vmlinuz-}
MODDIR=$WORK/pkg/lib/modules/$KVER
[ -d "$MODDIR" ] || die "no lib/modules/$KVER in $DEB"

# --- initramfs tree -------------------------------------------------------------------------------
R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,tmp,run,lib/modules}
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list); do
  [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done
# Device nodes the kernel wants before /init runs (only root can make them; /init copes without).
if [ "$(id -u)" -eq 0 ]; then
  mknod -m 600 "$R/dev/console" c 5 1 2>/dev/null || true
  mknod -m 666 "$R/dev/null" c 1 3 2>/dev/null || true
fi

# Copies module $1 (name with _ or -) into the initramfs, decompressed; prints its file name.
copy_module() {
  local name=$1 alt f out
  alt=${name//_/-}
  f=$(find "$MODDIR/kernel" \( -name "$name.ko" -o -name "$name.ko.*" -o -name "$alt.ko" -o -name "$alt.ko.*" \) \
      -print 2>/dev/null | head -n1)
  [ -n "$f" ] || return 1
  out=$R/lib/modules/$name.ko
  case "$f" in
    *.ko)     cp "$f" "$out" ;;
    *.ko.xz)  xz -dc "$f" >"$out" 2>/dev/null || "$BUSYBOX" unxz -c "$f" >"$out" ;;
    *.ko.zst) command -v zstd >/dev/null || die "$f is zstd-compressed: apt-get install zstd"
              zstd -q -dc "$f" >"$out" ;;
    *.ko.gz)  gzip -dc "$f" >"$out" ;;
    *)        die "unknown module compression: $f" ;;
  esac
  echo "$name"
}
is_builtin() { grep -qE "/(${1}|${1//_/-})\.ko(\.|$)" "$MODDIR/modules.builtin" 2>/dev/null; }

LOAD=""
for m in $MODULES; do
  if copy_module "$m" >/dev/null; then LOAD="$LOAD $m"
  elif is_builtin "$m"; then log "module $m is built into $KVER"
  else die "module $m not found in $KVER"; fi
done
for m in $OPTIONAL_MODULES; do
  if copy_module "$m" >/dev/null; then LOAD="$LOAD $m"; fi
done
LOAD=${LOAD# }

cat >"$R/init" <<EOF
#!/bin/busybox sh
# virtflow test guest: made by devstack/make-guest.sh for kernel $KVER
MODULES="$LOAD"
EOF
cat >>"$R/init" <<'EOF'
export PATH=/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
say() { echo "virtflow-guest: $*"; }

for m in $MODULES; do
  insmod "/lib/modules/$m.ko" 2>/dev/null || say "insmod $m failed"
done
say "kernel $(uname -r)"

# The ACPI power button: an input device named "Power Button" (needs <features><acpi/></features>).
pwr=""
i=0
while [ -z "$pwr" ] && [ $i -lt 50 ]; do
  for d in /sys/class/input/event*; do
    [ -r "$d/device/name" ] || continue
    if [ "$(cat "$d/device/name")" = "Power Button" ]; then pwr=/dev/input/${d##*/}; break; fi
  done
  [ -n "$pwr" ] || { i=$((i+1)); usleep 100000; }
done

disks=""
for b in /sys/block/vd*; do [ -e "$b" ] && disks="$disks ${b##*/}"; done
say "disks:${disks:- none}"

cmdline=$(cat /proc/cmdline)
arg() { # value of virtflow.$1=... on the kernel command line
  for w in $cmdline; do case "$w" in "virtflow.$1="*) echo "${w#*=}"; return 0;; esac; done; return 1
}
has() { for w in $cmdline; do [ "$w" = "virtflow.$1" ] && return 0; done; return 1; }

if [ -n "$pwr" ]; then say "power button $pwr"; else say "no power button (ACPI off?)"; fi
say "ready"

crash() { say "crashing kernel (virtflow.panic)"; echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger; }
if n=$(arg poweroff_after); then
  ( sleep "$n"; say "poweroff after ${n}s (virtflow.poweroff_after)"; sync; poweroff -f ) &
fi
if n=$(arg panic_after); then
  ( sleep "$n"; crash ) &
fi
if has panic; then crash; fi
if n=$(arg write_every_ms); then
  (
    dd if=/dev/zero of=/tmp/zero bs=65536 count=1 2>/dev/null
    last=$(( $(cat /sys/block/vda/size) / 128 ))
    [ "$last" -gt 1024 ] && last=1024
    k=0
    while [ $k -lt $last ]; do
      tr '\000' "\\$(printf %03o $(( k % 250 + 1 )))" </tmp/zero >/tmp/record
      dd if=/tmp/record of=/dev/vda bs=65536 seek=$k count=1 conv=notrunc,fsync 2>/dev/null \
        || { say "write $k failed"; break; }
      say "wrote $k"
      k=$((k + 1))
      usleep $((n * 1000))
    done
  ) &
fi

if [ -n "$pwr" ]; then
  # One read of a whole input_event (evdev refuses reads shorter than an event: no `head -c 1`).
  until [ -n "$(dd if="$pwr" bs=1024 count=1 2>/dev/null | head -c 1 | od -An -tx1)" ]; do sleep 1; done
  say "power button pressed: poweroff"
  sync
  poweroff -f
fi
while :; do sleep 3600; done
EOF
chmod 755 "$R/init"

# --- outputs (atomic replace) ---------------------------------------------------------------------
(cd "$R" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) >"$IMAGE_DIR/initrd.img.tmp"
cp "$VMLINUZ" "$IMAGE_DIR/vmlinuz.tmp"
mv -f "$IMAGE_DIR/vmlinuz.tmp" "$IMAGE_DIR/vmlinuz"
mv -f "$IMAGE_DIR/initrd.img.tmp" "$IMAGE_DIR/initrd.img"
make_base
echo "$WANT" >"$STAMP"
log "made $IMAGE_DIR/vmlinuz ($KVER, $(du -h "$IMAGE_DIR/vmlinuz" | cut -f1))"
log "made $IMAGE_DIR/initrd.img (busybox, modules: $LOAD; $(du -h "$IMAGE_DIR/initrd.img" | cut -f1))"
