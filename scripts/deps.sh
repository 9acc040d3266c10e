#!/usr/bin/env bash
# Installs what vireo needs on a Debian machine and builds the AArch64 sysroot:
#   - Debian packages: cross compiler, QEMU, dtc, cmocka, libfdt, newlib-source;
#   - newlib for AArch64, built from Debian's newlib-source with the Debian cross compiler;
#   - libfdt for AArch64, unpacked from Debian's libfdt-dev:arm64 (multiarch).
# The sysroot goes to $VIREO_DEPS/aarch64 ({include,lib}); VIREO_DEPS defaults to
# ~/.cache/vireo/deps-2, outside the tree so `make clean` keeps it.
# Usage: scripts/deps.sh          install what is missing
#        scripts/deps.sh --check  exit 0 when everything is there, else list what is missing
#        scripts/deps.sh --fuzz   clang and libFuzzer for `make fuzz` (see fuzz_deps below)
set -euo pipefail

DEPS="${VIREO_DEPS:-$HOME/.cache/vireo/deps-2}"
SYSROOT="$DEPS/aarch64"
STAMP="$SYSROOT/.complete"
CROSS=aarch64-linux-gnu-
PACKAGES=(gcc make python3 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm
	ipxe-qemu device-tree-compiler libcmocka-dev libfdt-dev newlib-source texinfo xz-utils)

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
		"$SYSROOT/include/libfdt.h" "$SYSROOT/include/stdio.h"; do
		if [ ! -f "$f" ]; then
			printf '%s (the AArch64 sysroot, built by scripts/deps.sh from newlib-source and libfdt-dev:arm64)\n' "$f"
			return 0
		fi
	done
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

build_sysroot() {
	local work
	work=$(mktemp -d)
	trap 'rm -rf "$work"' RETURN
	rm -rf "$SYSROOT.new"
	build_newlib "$work"
	fetch_libfdt "$work"
	printf 'newlib %s\nlibfdt %s\n' "$(ls /usr/src/newlib/)" \
		"$(ls "$work"/libfdt-dev_*_arm64.deb | xargs -n1 basename)" >"$SYSROOT.new/.complete"
	rm -rf "$SYSROOT"
	mkdir -p "$DEPS"
	mv "$SYSROOT.new" "$SYSROOT"
	say "sysroot ready in $SYSROOT"
}

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
	build_sysroot
fi
m=$(missing)
if [ -n "$m" ]; then
	printf 'deps: still missing: %s\n' "$m" | sed '2,$s/^/deps: still missing: /' >&2
	exit 1
fi
say "everything is installed"
