#!/usr/bin/env bash
# Installs what vireo needs on a Debian machine and builds the AArch64 sysroot:
#   - Debian packages: cross compiler, QEMU, dtc, cmocka, libfdt, newlib-source;
#   - newlib for AArch64, built from Debian's newlib-source with the Debian cross compiler;
#   - libfdt for AArch64, unpacked from Debian's libfdt-dev:arm64 (multiarch);
#   - the AArch32 sysroot from Debian's newlib for arm-none-eabi and libfdt-dev:armhf
#     (build_sysroot_aarch32);
#   - i386 cmocka and libfdt for the -m32 host tests (enable_i386).
# The sysroots go to $VIREO_DEPS/{aarch64,aarch32} ({include,lib}); VIREO_DEPS defaults to
# ~/.cache/vireo/deps-2, outside the tree so `make clean` keeps it.
# Usage: scripts/deps.sh          install what is missing
#        scripts/deps.sh --check  exit 0 when everything is there, else list what is missing
#        scripts/deps.sh --linux  fetch (on demand, for the Linux boot case) Debian's arm64 kernel
#                                 and static busybox into $VIREO_DEPS/linux; exit 1 when impossible
#        scripts/deps.sh --bench-peers  fetch (on demand, for `make bench`) the Linux payload,
#                                 Debian's arm64 fio with its libraries and u-boot-qemu into
#                                 $VIREO_DEPS/{linux,bench-peers}; exit 1 when one is impossible
#        scripts/deps.sh --fuzz   clang and libFuzzer for `make fuzz` (see fuzz_deps below)
set -euo pipefail

DEPS="${VIREO_DEPS:-$HOME/.cache/vireo/deps-2}"
SYSROOT="$DEPS/aarch64"
STAMP="$SYSROOT/.complete"
CROSS=aarch64-linux-gnu-
PACKAGES=(gcc make python3 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm
	ipxe-qemu device-tree-compiler libcmocka-dev libfdt-dev zlib1g-dev newlib-source texinfo xz-utils
	gcc-arm-none-eabi libnewlib-arm-none-eabi e2fsprogs
	lib32gcc-12-dev libc6-dev-i386 linux-libc-dev:i386 libcmocka-dev:i386 libfdt1:i386 zlib1g-dev:i386)

say() { printf 'deps: %s\n' "$*"; }

# What the image, `make run`, `make test` and `make bench` use at run time: one line per file,
# "path package". `--check` tests each file (not only commands on PATH), so a package that was
# removed or half-installed is reinstalled by the next `make run`/`make test`.
# QEMU's iPXE option ROMs (Debian's QEMU looks in /usr/lib/ipxe/qemu): the harness gives every PCI NIC an empty romfile= and boots with
# -nic none, so no case needs them; they are installed so that a QEMU command line a user types
# (a NIC without romfile=) works too. qemu-system-arm only recommends them, and this script
# installs without recommends.
# mke2fs (e2fsprogs): `make bench` gives U-Boot an ext4 disk, to time its `load` (bench_uboot.py).
REQUIRED_FILES="
/usr/bin/gcc gcc
/usr/bin/make make
/usr/bin/python3 python3
/usr/bin/dtc device-tree-compiler
/usr/bin/qemu-system-aarch64 qemu-system-arm
/usr/lib/ipxe/qemu/efi-virtio.rom ipxe-qemu
/usr/bin/${CROSS}gcc gcc-aarch64-linux-gnu
/usr/bin/${CROSS}objcopy binutils-aarch64-linux-gnu
/usr/include/cmocka.h libcmocka-dev
/usr/include/libfdt.h libfdt-dev
/usr/include/zlib.h zlib1g-dev
/sbin/mke2fs e2fsprogs
/usr/bin/arm-none-eabi-gcc gcc-arm-none-eabi
/usr/bin/arm-none-eabi-objcopy binutils-arm-none-eabi
/usr/lib/arm-none-eabi/lib/thumb/v7ve+simd/hard/libc.a libnewlib-arm-none-eabi
/usr/lib/arm-none-eabi/include/stdio.h libnewlib-arm-none-eabi
/usr/lib/gcc/x86_64-linux-gnu/12/32/libasan.so lib32gcc-12-dev
/usr/lib32/crt1.o libc6-dev-i386
/usr/include/i386-linux-gnu/asm/errno.h linux-libc-dev:i386
/usr/lib/i386-linux-gnu/libcmocka.so libcmocka-dev:i386
/usr/lib/i386-linux-gnu/libfdt.so.1 libfdt1:i386
/usr/lib/i386-linux-gnu/libz.so zlib1g-dev:i386
"

# Prints one line per missing file: "path (package)"; the built sysroot last.
missing() {
	local path pkg
	while read -r path pkg; do
		[ -n "$path" ] || continue
		[ -e "$path" ] || printf '%s (package %s)\n' "$path" "$pkg"
	done <<<"$REQUIRED_FILES"
	local f
	for f in "$STAMP" "$SYSROOT/lib/libc.a" "$SYSROOT/lib/libm.a" "$SYSROOT/lib/libfdt.a" \
		"$SYSROOT/include/libfdt.h" "$SYSROOT/include/stdio.h" "$SYSROOT/lib/libz.a" \
		"$SYSROOT/include/zlib.h"; do
		if [ ! -f "$f" ]; then
			printf '%s (the AArch64 sysroot, built by scripts/deps.sh from newlib-source, libfdt-dev:arm64 and zlib1g-dev:arm64)\n' "$f"
			return 0
		fi
	done
	missing_aarch32
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		say "need root for: $*" >&2
		exit 1
	fi
}

apt_install() {
	local need=()
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
	done
	[ ${#need[@]} -eq 0 ] && return 0
	say "installing ${need[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${need[@]}" >/dev/null
}

# newlib: C library for the image. strict-align because code runs before the MMU is on;
# -fPIE because the image is a self-relocating static PIE.
build_newlib() {
	local work=$1
	local tarball
	tarball=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || { say "newlib-source has no tarball in /usr/src/newlib" >&2; exit 1; }
	say "building newlib from $(basename "$tarball") (a few minutes)"
	tar -C "$work" -xf "$tarball"
	mkdir -p "$work/build"
	(
		cd "$work/build"
		"$work"/newlib-*/configure --target=aarch64-none-elf --prefix="$work/install" \
			--disable-multilib --disable-newlib-supplied-syscalls --disable-nls \
			--enable-newlib-io-long-long --enable-newlib-io-c99-formats \
			CC_FOR_TARGET="${CROSS}gcc" AR_FOR_TARGET="${CROSS}ar" \
			AS_FOR_TARGET="${CROSS}as" LD_FOR_TARGET="${CROSS}ld" \
			NM_FOR_TARGET="${CROSS}nm" RANLIB_FOR_TARGET="${CROSS}ranlib" \
			OBJCOPY_FOR_TARGET="${CROSS}objcopy" OBJDUMP_FOR_TARGET="${CROSS}objdump" \
			STRIP_FOR_TARGET="${CROSS}strip" READELF_FOR_TARGET="${CROSS}readelf" \
			CFLAGS_FOR_TARGET="-O2 -g -ffunction-sections -fdata-sections -mstrict-align -mno-outline-atomics -fPIE -fno-stack-protector" \
			>"$work/configure.log" 2>&1
		make -j"$(nproc)" all-target-newlib >"$work/make.log" 2>&1
		make install-target-newlib >"$work/install.log" 2>&1
	) || { say "newlib build failed; logs in $work" >&2; exit 1; }
	mkdir -p "$SYSROOT.new/lib"
	cp -r "$work/install/aarch64-none-elf/include" "$SYSROOT.new/"
	cp "$work/install/aarch64-none-elf/lib/libc.a" "$work/install/aarch64-none-elf/lib/libm.a" \
		"$SYSROOT.new/lib/"
}

fetch_libfdt() {
	local work=$1
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		as_root dpkg --add-architecture arm64
	fi
	say "fetching libfdt-dev:arm64"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	chmod 0777 "$work" # apt downloads as the _apt user where it can
	(cd "$work" && apt-get download -qq libfdt-dev:arm64 >/dev/null)
	dpkg -x "$work"/libfdt-dev_*_arm64.deb "$work/fdt"
	cp "$work"/fdt/usr/include/libfdt.h "$work"/fdt/usr/include/fdt.h \
		"$work"/fdt/usr/include/libfdt_env.h "$SYSROOT.new/include/"
	cp "$work"/fdt/usr/lib/aarch64-linux-gnu/libfdt.a "$SYSROOT.new/lib/"
}

# zlib for the target (inflate for gzip-compressed kernels), from Debian's zlib1g-dev:arm64.
# into: the sysroot being built ($SYSROOT.new) or, to add it to an existing one, $SYSROOT.
fetch_zlib() {
	local work=$1 into=$2
	say "fetching zlib1g-dev:arm64"
	chmod 0777 "$work"
	(cd "$work" && apt-get download -qq zlib1g-dev:arm64 >/dev/null)
	dpkg -x "$work"/zlib1g-dev_*_arm64.deb "$work/z"
	mkdir -p "$into/include" "$into/lib"
	cp "$work"/z/usr/include/zlib.h "$work"/z/usr/include/zconf.h "$into/include/"
	cp "$work"/z/usr/lib/aarch64-linux-gnu/libz.a "$into/lib/"
	printf 'zlib %s\n' "$(ls "$work"/zlib1g-dev_*_arm64.deb | xargs -n1 basename)" >>"$into/.complete"
}

# An existing sysroot that lacks only zlib gets it added (no newlib rebuild).
add_zlib() {
	local work
	work=$(mktemp -d)
	trap 'rm -rf "$work"' RETURN
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		as_root dpkg --add-architecture arm64
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	fetch_zlib "$work" "$SYSROOT"
}

# The Linux boot case's payload, on demand: Debian's arm64 kernel (the package
# linux-image-arm64 depends on; /boot/vmlinuz-* is an arm64 Image, with the EFI stub's "MZ"
# header), the modules its virtio disk needs (Debian builds virtio-blk, -pci and -mmio as
# modules) and busybox-static.
LINUX_DIR="$DEPS/linux"
LINUX_MODULES="virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mmio virtio_blk"
fetch_linux() {
	[ -s "$LINUX_DIR/vmlinuz" ] && [ -s "$LINUX_DIR/busybox" ] && return 0
	local work pkg m ko
	work=$(mktemp -d)
	# The RETURN trap removes itself: --bench-peers calls further functions after this one.
	trap 'rm -rf "$work"; trap - RETURN' RETURN
	chmod 0777 "$work"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		as_root dpkg --add-architecture arm64
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
	pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ ]*-arm64\)\(:arm64\)\?$/\1/p' | head -n 1)
	[ -n "$pkg" ] || { say "linux-image-arm64: no kernel package found" >&2; return 1; }
	say "fetching $pkg:arm64 and busybox-static:arm64 (large)"
	(cd "$work" && apt-get download -qq "$pkg:arm64" busybox-static:arm64 >/dev/null) || return 1
	dpkg -x "$work"/"$pkg"_*_arm64.deb "$work/k"
	dpkg -x "$work"/busybox-static_*_arm64.deb "$work/b"
	rm -rf "$LINUX_DIR.new"
	mkdir -p "$LINUX_DIR.new/modules"
	cp "$work"/k/boot/vmlinuz-* "$LINUX_DIR.new/vmlinuz"
	for m in $LINUX_MODULES; do
		ko=$(find "$work/k/lib/modules" -name "$m.ko" | head -n 1)
		[ -n "$ko" ] || { say "$pkg has no $m.ko" >&2; return 1; }
		cp "$ko" "$LINUX_DIR.new/modules/"
	done
	echo "$LINUX_MODULES" >"$LINUX_DIR.new/modules/order"
	cp "$work"/b/bin/busybox "$LINUX_DIR.new/busybox"
	basename "$work"/"$pkg"_*_arm64.deb >"$LINUX_DIR.new/VERSION"
	rm -rf "$LINUX_DIR"
	mv "$LINUX_DIR.new" "$LINUX_DIR"
	say "linux payload in $LINUX_DIR: $(cat "$LINUX_DIR/VERSION")"
}

build_sysroot() {
	local work
	work=$(mktemp -d)
	trap 'rm -rf "$work"' RETURN
	rm -rf "$SYSROOT.new"
	build_newlib "$work"
	fetch_libfdt "$work"
	printf 'newlib %s\nlibfdt %s\n' "$(ls /usr/src/newlib/)" \
		"$(ls "$work"/libfdt-dev_*_arm64.deb | xargs -n1 basename)" >"$SYSROOT.new/.complete"
	fetch_zlib "$work" "$SYSROOT.new"
	rm -rf "$SYSROOT"
	mkdir -p "$DEPS"
	mv "$SYSROOT.new" "$SYSROOT"
	say "sysroot ready in $SYSROOT"
}

# ---------------------------------------------------------------- AArch32
# The AArch32 sysroot ($VIREO_DEPS/aarch32): Debian's newlib for arm-none-eabi (its
# thumb/v7ve+simd/hard multilib: Armv7-A with the virtualization extensions, NEON, hard-float
# ABI, which is what -march=armv7ve+simd -mfloat-abi=hard selects) and libfdt from
# libfdt-dev:armhf (Thumb-2, VFPv3-D16, hard-float ABI: it links against that newlib; it needs
# only string functions, strtoul and the stack protector's guard, which lib/env.c provides).
AARCH32_SYSROOT="$DEPS/aarch32"
AARCH32_NEWLIB=/usr/lib/arm-none-eabi/lib/thumb/v7ve+simd/hard

missing_aarch32() {
	local f
	for f in "$AARCH32_SYSROOT/.complete" "$AARCH32_SYSROOT/lib/libc.a" \
		"$AARCH32_SYSROOT/lib/libm.a" "$AARCH32_SYSROOT/lib/libfdt.a" \
		"$AARCH32_SYSROOT/include/libfdt.h" "$AARCH32_SYSROOT/include/stdio.h"; do
		if [ ! -f "$f" ]; then
			printf '%s (the AArch32 sysroot, assembled by scripts/deps.sh from libnewlib-arm-none-eabi and libfdt-dev:armhf)\n' "$f"
			return 0
		fi
	done
}

build_sysroot_aarch32() {
	local work new="$AARCH32_SYSROOT.new"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' RETURN
	rm -rf "$new"
	mkdir -p "$new/lib"
	cp -r /usr/lib/arm-none-eabi/include "$new/"
	cp "$AARCH32_NEWLIB/libc.a" "$AARCH32_NEWLIB/libm.a" "$new/lib/"
	if ! dpkg --print-foreign-architectures | grep -qx armhf; then
		as_root dpkg --add-architecture armhf
	fi
	say "fetching libfdt-dev:armhf"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	chmod 0777 "$work"
	(cd "$work" && apt-get download -qq libfdt-dev:armhf >/dev/null)
	dpkg -x "$work"/libfdt-dev_*_armhf.deb "$work/fdt"
	cp "$work"/fdt/usr/include/libfdt.h "$work"/fdt/usr/include/fdt.h \
		"$work"/fdt/usr/include/libfdt_env.h "$new/include/"
	cp "$work"/fdt/usr/lib/arm-linux-gnueabihf/libfdt.a "$new/lib/"
	printf 'newlib %s\nlibfdt %s\n' \
		"$(dpkg-query -W -f='${Version}' libnewlib-arm-none-eabi)" \
		"$(ls "$work"/libfdt-dev_*_armhf.deb | xargs -n1 basename)" >"$new/.complete"
	rm -rf "$AARCH32_SYSROOT"
	mkdir -p "$DEPS"
	mv "$new" "$AARCH32_SYSROOT"
	say "AArch32 sysroot ready in $AARCH32_SYSROOT"
}

# ---------------------------------------------------------------- -m32 host tests
# `make host-tests-32` builds the host tests for i386 (gcc -m32 with ASan/UBSan): cmocka and
# the libfdt runtime for i386 from Debian's multiarch. libfdt-dev:i386 is not installed: it is
# not Multi-Arch and would replace libfdt-dev; the Makefile links libfdt.so.1 by path.
enable_i386() {
	if ! dpkg --print-foreign-architectures | grep -qx i386; then
		say "enabling the i386 architecture (for the -m32 host tests)"
		as_root dpkg --add-architecture i386
	fi
}

# ---------------------------------------------------------------- make bench's peers
# `make bench` runs the same workloads on a Linux guest (Debian's kernel from fetch_linux, with
# Debian's arm64 fio in an initramfs the bench builds) and on U-Boot (Debian's u-boot-qemu,
# `virtio read`); both fetched here on demand, into $VIREO_DEPS/bench-peers:
#   fio/bin/fio, fio/lib/<soname> (each library fio loads, transitively, and the dynamic loader
#   ld-linux-aarch64.so.1, copied as real files under their sonames), fio/PACKAGES;
#   u-boot/u-boot.bin (/usr/lib/u-boot/qemu_arm64/u-boot.bin), u-boot/VERSION.
# No package is installed: each .deb is fetched with `apt-get download` and unpacked with
# dpkg-deb -x. Each failure prints one line "deps: bench peer <name>: <reason>".
PEERS_DIR="$DEPS/bench-peers"
FIO_DIR="$PEERS_DIR/fio"
UBOOT_DIR="$PEERS_DIR/u-boot"

peer_fail() {
	say "bench peer $1: $2" >&2
	return 1
}

# The file a path under the staging root $1 names, following symlinks inside the root
# (a package's absolute symlink points into the root, not into the host): relative to $1.
root_resolve() {
	local root=$1 p=$2 t n=0
	while [ -L "$root/$p" ] && [ $n -lt 16 ]; do
		t=$(readlink "$root/$p")
		case "$t" in
		/*) p=${t#/} ;;
		*) p=$(dirname "$p")/$t ;;
		esac
		n=$((n + 1))
	done
	[ -f "$root/$p" ] && echo "$p"
}

# Where the loader finds soname $2 in root $1: the needing file's RUNPATH/RPATH ($3, e.g.
# librados' /usr/lib/aarch64-linux-gnu/ceph), then Debian's multiarch directories.
root_lib() {
	local d
	for d in $3 lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib; do
		d=${d#/}
		if [ -e "$1/$d/$2" ] || [ -L "$1/$d/$2" ]; then
			root_resolve "$1" "$d/$2" && return 0
		fi
	done
	return 1
}

elf_needed() {
	"${CROSS}readelf" -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
}

# The directories of ELF file $1's RUNPATH or RPATH, space-separated ($ORIGIN resolved
# against $2, the file's directory in the root).
elf_runpath() {
	"${CROSS}readelf" -d "$1" 2>/dev/null |
		sed -n 's/.*(R\(UN\)\?PATH).*\[\(.*\)\]$/\2/p' | tr ':' ' ' |
		sed "s|\\\$ORIGIN|/$2|g; s|\\\${ORIGIN}|/$2|g"
}

# Every library usr/bin/fio loads, transitively: "soname path-in-root" or "soname -" (missing).
fio_closure() {
	local root=$1 todo=(usr/bin/fio) seen=" " f s p rp
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		rp=$(elf_runpath "$root/$f" "$(dirname "$f")")
		for s in $(elf_needed "$root/$f"); do
			case "$seen" in *" $s "*) continue ;; esac
			seen="$seen$s "
			if p=$(root_lib "$root" "$s" "$rp"); then
				echo "$s $p"
				todo+=("$p")
			else
				echo "$s -"
			fi
		done
	done
}

# The arm64 packages the packages $@ depend on (Depends, Pre-Depends; the first of each
# alternative), one per line.
arm64_depends() {
	apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
		--no-enhances "$@" 2>/dev/null | awk '
		/^ *\|(Pre)?Depends: / { if (!alt) print $2; alt = 1; next }
		/^ *(Pre)?Depends: / { if (!alt) print $2; alt = 0; next }
		/^[^ ]/ { alt = 0 }' | sed -n 's/^\([^<>]*:arm64\)$/\1/p' | sort -u
}

# fio:arm64 and, breadth first through the Depends of the packages that were needed, the
# packages that hold the libraries it loads; a package is merged into the staging root only
# when it holds a library still missing (so python3, init-system-helpers and friends are
# fetched, looked at and dropped, and their dependencies never followed).
fetch_fio() {
	[ -f "$FIO_DIR/.complete" ] && return 0
	command -v "${CROSS}readelf" >/dev/null || { peer_fail fio "no ${CROSS}readelf"; return 1; }
	in_work_dir fetch_fio_in
}

# Runs "$1 WORK": WORK a fresh directory apt's _apt user may write, removed afterwards.
in_work_dir() {
	local work rc
	work=$(mktemp -d)
	chmod 0777 "$work"
	"$1" "$work"
	rc=$?
	rm -rf "$work"
	return $rc
}

fetch_fio_in() {
	local work=$1 root queue next missing merged deb pkg d s changed
	root="$work/root"
	mkdir -p "$root" "$work/debs" "$work/p"
	queue=(fio:arm64)
	merged=()
	local tried=" fio:arm64 "
	while :; do
		say "fetching ${queue[*]}"
		(cd "$work/debs" && apt-get download -qq "${queue[@]}" >/dev/null 2>&1) ||
			{ peer_fail fio "${queue[*]} not downloadable (apt-get download)"; return 1; }
		for deb in "$work"/debs/*.deb; do
			pkg=$(dpkg-deb -f "$deb" Package)
			dpkg-deb -x "$deb" "$work/p/$pkg" && rm -f "$deb"
		done
		if [ ${#merged[@]} -eq 0 ]; then
			[ -f "$work/p/fio/usr/bin/fio" ] || { peer_fail fio "fio:arm64 has no /usr/bin/fio"; return 1; }
			cp -a "$work/p/fio/." "$root/" && rm -rf "$work/p/fio"
			merged=(fio:arm64)
		fi
		# Merge every fetched package holding a missing library, until none does.
		changed=1
		while [ $changed -eq 1 ]; do
			changed=0
			missing=$(fio_closure "$root" | awk '$2 == "-" { print $1 }')
			for d in "$work"/p/*; do
				[ -d "$d" ] || continue
				pkg=${d##*/}
				for s in $missing; do
					if [ -n "$(find "$work/p/$pkg" -name "$s" -print -quit)" ]; then
						cp -a "$work/p/$pkg/." "$root/" && rm -rf "$work/p/$pkg"
						merged+=("$pkg:arm64")
						changed=1
						break
					fi
				done
			done
		done
		[ -z "$missing" ] && break
		next=()
		for pkg in $(arm64_depends "${merged[@]}"); do
			case "$tried" in *" $pkg "*) continue ;; esac
			tried="$tried$pkg "
			next+=("$pkg")
		done
		[ ${#next[@]} -gt 0 ] || {
			peer_fail fio "no package among fio:arm64's dependencies holds $(echo $missing)"
			return 1
		}
		queue=("${next[@]}")
	done
	rm -rf "$FIO_DIR.new"
	mkdir -p "$FIO_DIR.new/bin" "$FIO_DIR.new/lib"
	cp "$root/usr/bin/fio" "$FIO_DIR.new/bin/fio"
	fio_closure "$root" | while read -r s path; do
		cp "$root/$path" "$FIO_DIR.new/lib/$s"
	done
	printf '%s\n' "${merged[@]}" | sort >"$FIO_DIR.new/PACKAGES"
	touch "$FIO_DIR.new/.complete"
	rm -rf "$FIO_DIR"
	mv "$FIO_DIR.new" "$FIO_DIR"
	say "fio in $FIO_DIR: $(ls "$FIO_DIR/lib" | wc -l) libraries from ${#merged[@]} packages," \
		"$(du -sh "$FIO_DIR" | cut -f1)"
}

# Debian's u-boot-qemu (Architecture: all): only the qemu_arm64 build is kept.
fetch_uboot() {
	[ -s "$UBOOT_DIR/u-boot.bin" ] && return 0
	in_work_dir fetch_uboot_in
}

fetch_uboot_in() {
	local work=$1
	say "fetching u-boot-qemu"
	(cd "$work" && apt-get download -qq u-boot-qemu >/dev/null 2>&1) ||
		{ peer_fail u-boot "u-boot-qemu not downloadable (apt-get download)"; return 1; }
	dpkg-deb -x "$work"/u-boot-qemu_*_all.deb "$work/u"
	[ -s "$work/u/usr/lib/u-boot/qemu_arm64/u-boot.bin" ] ||
		{ peer_fail u-boot "u-boot-qemu has no usr/lib/u-boot/qemu_arm64/u-boot.bin"; return 1; }
	rm -rf "$UBOOT_DIR.new"
	mkdir -p "$UBOOT_DIR.new"
	cp "$work/u/usr/lib/u-boot/qemu_arm64/u-boot.bin" "$UBOOT_DIR.new/"
	basename "$work"/u-boot-qemu_*_all.deb >"$UBOOT_DIR.new/VERSION"
	rm -rf "$UBOOT_DIR"
	mv "$UBOOT_DIR.new" "$UBOOT_DIR"
	say "u-boot in $UBOOT_DIR: $(cat "$UBOOT_DIR/VERSION")"
}

# --bench-peers: the Linux payload, fio and U-Boot; exit 1 when any could not be fetched (the
# others are still fetched; each failure said on its own line).
bench_peers() {
	local rc=0
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		as_root dpkg --add-architecture arm64
	fi
	if [ ! -f "$FIO_DIR/.complete" ] || [ ! -s "$UBOOT_DIR/u-boot.bin" ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
	fi
	fetch_linux || { peer_fail linux "Debian's linux-image-arm64/busybox-static:arm64 not fetched"; rc=1; }
	fetch_fio || rc=1
	fetch_uboot || rc=1
	return $rc
}

if [ "${1:-}" = "--linux" ]; then
	fetch_linux
	exit
fi

if [ "${1:-}" = "--bench-peers" ]; then
	bench_peers
	exit
fi

# `make fuzz` (and `make test`, which runs every harness briefly): clang with libFuzzer, on
# demand only. --fuzz-check: exit 0 when they are there.
FUZZ_PACKAGES=(clang libclang-rt-14-dev)
fuzz_missing() {
	local rt
	command -v clang >/dev/null 2>&1 || { echo "clang (package clang)"; return 0; }
	rt=$(dirname "$(clang -print-libgcc-file-name --rtlib=compiler-rt)")
	[ -e "$rt/libclang_rt.fuzzer-$(uname -m).a" ] || echo "$rt/libclang_rt.fuzzer-$(uname -m).a (package libclang-rt-14-dev)"
}
fuzz_deps() {
	[ -z "$(fuzz_missing)" ] && return 0
	apt_install "${FUZZ_PACKAGES[@]}"
	m=$(fuzz_missing)
	[ -z "$m" ] || { say "still missing for make fuzz: $m" >&2; exit 1; }
}

if [ "${1:-}" = "--fuzz-check" ]; then
	m=$(fuzz_missing)
	[ -z "$m" ] && exit 0
	echo "missing: $m"
	exit 1
fi

if [ "${1:-}" = "--fuzz" ]; then
	fuzz_deps
	exit 0
fi

if [ "${1:-}" = "--check" ]; then
	m=$(missing)
	[ -z "$m" ] && exit 0
	printf 'missing: %s\n' "$m" | sed '2,$s/^/missing: /'
	exit 1
fi

enable_i386
apt_install "${PACKAGES[@]}"
# A package dpkg calls installed whose files are gone (removed by hand, a failed upgrade):
# reinstall it.
broken=$(missing | sed -n 's/^[^ ]* (package \([^)]*\))$/\1/p' | sort -u)
if [ -n "$broken" ]; then
	say "reinstalling $(echo $broken)"
	# shellcheck disable=SC2086 # a list of package names
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		--reinstall $broken >/dev/null
fi
if missing | grep -q 'AArch64 sysroot'; then
	# Everything but zlib there (a sysroot from before zlib): add it, keep newlib.
	if [ -f "$STAMP" ] && [ -f "$SYSROOT/lib/libc.a" ] && [ -f "$SYSROOT/lib/libfdt.a" ] &&
		[ -f "$SYSROOT/include/stdio.h" ]; then
		add_zlib
	else
		build_sysroot
	fi
fi
if missing | grep -q 'AArch32 sysroot'; then
	build_sysroot_aarch32
fi
m=$(missing)
if [ -n "$m" ]; then
	printf 'deps: still missing: %s\n' "$m" | sed '2,$s/^/deps: still missing: /' >&2
	exit 1
fi
say "everything is installed"
