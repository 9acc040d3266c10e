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
#        scripts/deps.sh --fuzz   clang and libFuzzer for `make fuzz` (see fuzz_deps below)
set -euo pipefail

DEPS="${VIREO_DEPS:-$HOME/.cache/vireo/deps-2}"
SYSROOT="$DEPS/aarch64"
STAMP="$SYSROOT/.complete"
CROSS=aarch64-linux-gnu-
PACKAGES=(gcc make python3 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm
	ipxe-qemu device-tree-compiler libcmocka-dev libfdt-dev zlib1g-dev newlib-source texinfo xz-utils
	gcc-arm-none-eabi libnewlib-arm-none-eabi
	lib32gcc-12-dev libc6-dev-i386 linux-libc-dev:i386 libcmocka-dev:i386 libfdt1:i386 zlib1g-dev:i386)

say() { printf 'deps: %s\n' "$*"; }

# What the image, `make run`, `make test` and `make bench` use at run time: one line per file,
# "path package". `--check` tests each file (not only commands on PATH), so a package that was
# removed or half-installed is reinstalled by the next `make run`/`make test`.
# QEMU's iPXE option ROMs (Debian's QEMU looks in /usr/lib/ipxe/qemu): the harness gives every PCI NIC an empty romfile= and boots with
# -nic none, so no case needs them; they are installed so that a QEMU command line a user types
# (a NIC without romfile=) works too. qemu-system-arm only recommends them, and this script
# installs without recommends.
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
	trap 'rm -rf "$work"' RETURN
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

if [ "${1:-}" = "--linux" ]; then
	fetch_linux
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
