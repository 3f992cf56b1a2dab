#!/bin/bash
# package_test.sh - builds the Debian and RPM packages and installs the .deb
# the way the README's "Install from packages" section tells operators to,
# in a Debian 12 root bootstrapped for this run: apt resolves the package's
# declared dependencies from the mirror this machine's apt uses, then the
# binaries, files, groups and the systemd unit are checked inside it, and
# the package is purged again.
#
# The debootstrapped root is cached as a tarball under build/packaging/ so
# later runs start from a pristine copy in seconds. TT_PKG_REUSE=1 tests the packages of the
# last `make deb` / `make rpm` instead of building them again. When no root can be bootstrapped (no
# network, no debootstrap), the .deb is installed and purged on this machine
# instead and the output says so.
source "$(dirname "$0")/../lib.sh"
cd "$TT_ROOT" || exit 1

PKGDIR=$TT_BUILD/packaging
VER=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
UPVER=${VER%-*}
ARCH=$(dpkg --print-architecture)
DEB=$PKGDIR/deb/tracetab_${VER}_$ARCH.deb
DEVDEB=$PKGDIR/deb/libtracetab-dev_${VER}_$ARCH.deb
TMP=$(mktemp -d /tmp/tt-pkgtest.XXXXXX)
ROOT=$TMP/root
MOUNTS=()

cleanup() {
	local m
	for ((m = ${#MOUNTS[@]} - 1; m >= 0; m--)); do
		umount -l "${MOUNTS[m]}" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	skip all "needs root (debootstrap, chroot, apt)"
	tt_done
fi
for tool in dpkg-buildpackage dh lintian rpmbuild; do
	if ! command -v $tool >/dev/null; then
		fail tools "$tool is missing: run make deps"
		tt_done
	fi
done

# ---- README install step 1: build the packages ---------------------------------

# build_errors LOG: the first compiler/linker/lintian errors of a build log.
build_errors() {
	grep -m4 -E 'error:|undefined reference|^E: |\*\*\*' "$1" | tr '\n' ' '
}

test_build() {
	local log=$TMP/build.log
	if [ -n "$TT_PKG_REUSE" ]; then
		skip packages_build "TT_PKG_REUSE set: testing the packages of the last make packages"
		return 0
	fi
	# make packages = make deb + make rpm, compiling the sources once.
	if ! make --no-print-directory packages >"$log" 2>&1; then
		fail packages_build "$(build_errors "$log")"
		return 1
	fi
	pass packages_build
	# lintian ran inside the build with --fail-on error; list what it said.
	local tags
	tags=$(sed -n '/^deb: lintian/,/^rpm/p' "$log" | grep -E '^[EW]: ')
	if echo "$tags" | grep -q '^E: '; then
		fail lintian_no_errors "$(echo "$tags" | grep '^E: ' | tr '\n' ' ')"
	else
		pass lintian_no_errors
	fi
	echo "$tags" | grep '^W: ' | sed 's/^/    lintian warning: /'
	check deb_exists test -f "$DEB" -a -f "$DEVDEB"
}

# Files every tracetab package must ship (path relative to /).
TT_FILES=(usr/sbin/tracetabd usr/bin/tracetab etc/tracetab/tracetabd.conf
	lib/systemd/system/tracetabd.service usr/lib/sysusers.d/tracetab.conf
	usr/lib/tmpfiles.d/tracetab.conf usr/share/man/man1/tracetab.1.gz
	usr/share/man/man8/tracetabd.8.gz)
TT_DEV_FILES=(usr/include/tracetab/store.h usr/include/tracetab/query.h
	usr/include/tracetab/control.h
	"usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libtracetab.a"
	"usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/pkgconfig/tracetab.pc")

# list_has NAME LISTFILE PATH...: every PATH is a line of LISTFILE.
list_has() {
	local name=$1 list=$2 missing="" p
	shift 2
	for p in "$@"; do
		grep -qxF "$p" "$list" || missing="$missing $p"
	done
	if [ -z "$missing" ]; then pass "$name"; else fail "$name" "missing:$missing"; fi
}

test_deb_contents() {
	dpkg-deb -c "$DEB" | awk '{print $NF}' | sed 's|^\./||' >"$TMP/deb.list"
	dpkg-deb -c "$DEVDEB" | awk '{print $NF}' | sed 's|^\./||' >"$TMP/dev.list"
	list_has deb_files "$TMP/deb.list" "${TT_FILES[@]}"
	list_has dev_deb_files "$TMP/dev.list" "${TT_DEV_FILES[@]}"
	if [ -n "$(ls bpf/tools 2>/dev/null)" ]; then
		check deb_scripts grep -q '^usr/share/tracetab/scripts/.' "$TMP/deb.list"
	fi
	dpkg-deb -e "$DEB" "$TMP/ctrl"
	check deb_conffile grep -qx /etc/tracetab/tracetabd.conf "$TMP/ctrl/conffiles"
	# It may hold NATS credentials: not world-readable.
	check deb_conf_mode_0640 bash -c "dpkg-deb -c '$DEB' |
		grep -E '^-rw-r----- root/root .* ./etc/tracetab/tracetabd.conf$'"
	# ${shlibs:Depends} must have found the libraries the binaries link.
	local dep
	dep=$(dpkg-deb -f "$DEB" Depends)
	check deb_shlibs_depends bash -c "grep -q libbpf <<<'$dep' && grep -q libc6 <<<'$dep'"
}

# libtracetab-dev works as its description says: a program built with
# nothing but the package's headers, archive and pkg-config file writes a
# table and queries it back.
test_dev_package() {
	local dev=$TMP/devpkg ma flags
	ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	dpkg-deb -x "$DEVDEB" "$dev"
	flags=$(PKG_CONFIG_PATH=$dev/usr/lib/$ma/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dev \
		pkg-config --cflags --libs tracetab 2>&1)
	if ! gcc -std=gnu11 -Wall -Wextra -Werror -o "$TMP/dev_consumer" \
		tests/packaging/dev_consumer.c $flags >"$TMP/dev_cc.log" 2>&1; then
		fail dev_package_builds "$(grep -m3 -E 'error|undefined' "$TMP/dev_cc.log" | tr '\n' ' ')"
		return
	fi
	pass "dev_package_builds (pkg-config: $flags)"
	mkdir -p "$TMP/devstore"
	check dev_package_store_and_query "$TMP/dev_consumer" "$TMP/devstore"
}

test_rpm() {
	local rpm dev
	rpm=$(ls "$PKGDIR"/rpm/tracetab-"$UPVER"-*.rpm 2>/dev/null | grep -v -e devel -e debug | head -1)
	dev=$(ls "$PKGDIR"/rpm/tracetab-devel-"$UPVER"-*.rpm 2>/dev/null | head -1)
	if [ -z "$rpm" ] || [ -z "$dev" ]; then
		fail rpm_files "no tracetab/tracetab-devel rpm in $PKGDIR/rpm"
		return
	fi
	# Man pages are compressed by Fedora's rpmbuild, not by Debian's.
	rpm -qlp "$rpm" 2>/dev/null | sed -e 's|^/||' -e 's|\.gz$||' >"$TMP/rpm.list"
	list_has rpm_files "$TMP/rpm.list" usr/sbin/tracetabd usr/bin/tracetab \
		etc/tracetab/tracetabd.conf usr/lib/systemd/system/tracetabd.service \
		usr/lib/sysusers.d/tracetab.conf usr/lib/tmpfiles.d/tracetab.conf \
		usr/share/man/man1/tracetab.1 usr/share/man/man8/tracetabd.8
	rpm -qlp "$dev" 2>/dev/null | sed 's|^/||' >"$TMP/rpmdev.list"
	list_has rpm_devel_files "$TMP/rpmdev.list" usr/include/tracetab/store.h \
		usr/lib64/libtracetab.a usr/lib64/pkgconfig/tracetab.pc
	check rpm_config_noreplace bash -c \
		"rpm -qp --configfiles '$rpm' 2>/dev/null | grep -qx /etc/tracetab/tracetabd.conf"
	check rpm_requires_fedora_names bash -c \
		"rpm -qp --requires '$rpm' 2>/dev/null | grep -qx libbpf &&
		 rpm -qp --requires '$rpm' 2>/dev/null | grep -qx lmdb-libs"
}

# The man pages must format without groff warnings.
test_man() {
	local p out
	for p in packaging/man/tracetab.1 packaging/man/tracetabd.8; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
		if [ -z "$out" ]; then pass "man_$(basename "$p")"; else fail "man_$(basename "$p")" "$out"; fi
	done
}

# ---- a fresh Debian 12 root -------------------------------------------------

# The first deb URI of the host's apt sources (deb822 or one-line format).
host_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && awk '/^Types:.*deb( |$)/{d=1} d && /^URIs:/{print $2; exit}' "$f"
	done | grep -v security | head -1
	grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		awk '{for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) {print $i; exit}}' | head -1
}

# make_root MIRROR: a fresh minbase root at $ROOT. The first run
# debootstraps it from MIRROR and keeps a tarball of the result; later runs
# unpack that tarball (seconds instead of minutes of dpkg) into a new,
# pristine directory.
make_root() {
	local mirror=$1 cache=$PKGDIR/bookworm-minbase-root.tar.gz
	mkdir -p "$PKGDIR" "$ROOT"
	if [ -s "$cache" ]; then
		tar -C "$ROOT" --numeric-owner -xzf "$cache" 2>"$TMP/dbs.log"
		return
	fi
	debootstrap --variant=minbase bookworm "$ROOT" "$mirror" >"$TMP/dbs.log" 2>&1 || return 1
	tar -C "$ROOT" --numeric-owner -czf "$cache.tmp" . && mv "$cache.tmp" "$cache"
}

in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }

# ---- README install steps 2, 3 and 6 inside the root ---------------------------

test_chroot() {
	local mirror
	mirror=$(host_mirror | head -1)
	if [ -z "$mirror" ] || ! command -v debootstrap >/dev/null ||
		! make_root "$mirror"; then
		skip chroot "no fresh Debian 12 root (mirror '${mirror:-none}'; $(tail -1 "$TMP/dbs.log" 2>/dev/null)); installing on this machine instead"
		test_host_install
		return
	fi
	pass "debootstrap_bookworm ($mirror)"
	mount -t proc proc "$ROOT/proc" && MOUNTS+=("$ROOT/proc")
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
	echo "deb $mirror bookworm main" >"$ROOT/etc/apt/sources.list"
	cp "$DEB" "$DEVDEB" "$ROOT/tmp/"
	# Reuse the package lists and .debs apt fetched in earlier runs, and let
	# dpkg skip its fsync()s: this root is thrown away after the test.
	mkdir -p "$PKGDIR/apt-cache" "$PKGDIR/apt-lists"
	cp "$PKGDIR"/apt-cache/*.deb "$ROOT/var/cache/apt/archives/" 2>/dev/null
	cp "$PKGDIR"/apt-lists/*_Packages "$PKGDIR"/apt-lists/*Release* \
		"$ROOT/var/lib/apt/lists/" 2>/dev/null
	echo force-unsafe-io >"$ROOT/etc/dpkg/dpkg.cfg.d/tt-test-unsafe-io"
	# Lists younger than a day are good enough to resolve dependencies.
	local log=$TMP/apt.log update=(in_root apt-get update -qq)
	[ -n "$(find "$PKGDIR/apt-lists" -name '*_Packages' -mmin -1440 2>/dev/null)" ] &&
		update=(true)
	# README install step 2. Recommends are left out to keep the run short:
	# only the declared dependencies matter here.
	if "${update[@]}" >"$log" 2>&1 &&
		in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends \
			"/tmp/${DEB##*/}" "/tmp/${DEVDEB##*/}" >>"$log" 2>&1; then
		pass "apt_install ($(grep -o '[0-9]* newly installed' "$log"))"
	else
		fail apt_install "$(tail -3 "$log" | tr '\n' ' ')"
		return
	fi
	cp "$ROOT"/var/cache/apt/archives/*.deb "$PKGDIR/apt-cache/" 2>/dev/null
	cp "$ROOT"/var/lib/apt/lists/*_Packages "$ROOT"/var/lib/apt/lists/*Release* \
		"$PKGDIR/apt-lists/" 2>/dev/null
	check_installed in_root "$ROOT"
	# systemd-analyze verify on the installed unit, with the root's own
	# systemd (the package pulled it in for systemd-sysusers). --man=no:
	# minbase has no man(1) to open the Documentation= pages with; the
	# pages themselves are checked by man_* and installed_files.
	check systemd_analyze_verify in_root systemd-analyze verify --man=no \
		/lib/systemd/system/tracetabd.service
	check_exposure
	test_service_run
	check apt_purge in_root env DEBIAN_FRONTEND=noninteractive \
		apt-get purge -y -q tracetab libtracetab-dev
	check purged_files bash -c "! test -e '$ROOT/usr/sbin/tracetabd' &&
		! test -e '$ROOT/etc/tracetab/tracetabd.conf'"
}

# check_installed RUNNER PREFIX: README install step 3, with commands run by
# RUNNER and files looked up under PREFIX.
check_installed() {
	local run=$1 pfx=$2 out f missing=""
	out=$($run tracetab --version 2>&1)
	if [ $? = 0 ] && grep -qF "$UPVER" <<<"$out"; then
		pass "tracetab_version ($out)"
	else
		fail tracetab_version "want $UPVER, got: $(head -1 <<<"$out")"
	fi
	out=$($run tracetabd --version 2>&1)
	if [ $? = 0 ] && grep -qF "$UPVER" <<<"$out"; then
		pass "tracetabd_version ($out)"
	else
		fail tracetabd_version "want $UPVER, got: $(head -1 <<<"$out")"
	fi
	out=$($run tracetabd --help 2>&1)
	if [ $? = 0 ] && grep -q -- --store-dir <<<"$out"; then
		pass tracetabd_help
	else
		fail tracetabd_help "$(head -3 <<<"$out")"
	fi
	for f in "${TT_FILES[@]}" "${TT_DEV_FILES[@]}"; do
		[ -e "$pfx/$f" ] || missing="$missing $f"
	done
	if [ -z "$missing" ]; then pass installed_files; else fail installed_files "missing:$missing"; fi
	check_man_matches_help "$run"
	check groups_created $run getent group tracetab tracetab-admin
	# tmpfiles.d made the store directory for the readers' group (only
	# checked in the fresh root: on a live machine a daemon may own it).
	if [ -n "$pfx" ]; then
		out=$($run stat -c '%a %G' /dev/shm/tracetab 2>&1)
		if [ "$out" = "750 tracetab" ]; then pass store_dir_created; else fail store_dir_created "$out"; fi
	fi
}

# systemd's own rating of the sandbox (0 = locked down, 10 = none) must stay
# at 4.0 or better: a daemon that loads BPF as root cannot get much lower,
# but a setting dropped by mistake shows up here.
check_exposure() {
	local out level
	# --threshold compares an unrounded figure; judge the printed one.
	out=$(in_root systemd-analyze security --offline=yes \
		/lib/systemd/system/tracetabd.service 2>&1)
	level=$(grep -o 'exposure level for tracetabd.service: [0-9.]*' <<<"$out" | awk '{print $NF}')
	if [ -n "$level" ] && awk "BEGIN {exit !($level <= 4.0)}"; then
		pass "systemd_security_exposure ($level)"
	else
		fail systemd_security_exposure "level ${level:-?} (want <= 4.0): $(tail -2 <<<"$out" | tr -s ' \n' ' ')"
	fi
}

# unit_value KEY: the value of KEY= in the packaged unit, continuation
# lines joined.
unit_value() {
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' packaging/tracetabd.service |
		sed -n "s/^$1=//p" | tr -s ' \t' ' '
}

# service_argv: the daemon's command line as systemd builds it from the
# unit's ExecStart= and the conf file (EnvironmentFile=): "${VAR}" is one
# word, a lone "$VAR" is split into zero or more words, %t is /run and %S
# is /var/lib. CONF (default: the shipped one) is the EnvironmentFile.
# Prints one argument per line.
service_argv() {
	local -A env
	local k v w
	while IFS='=' read -r k v; do
		[[ $k =~ ^[A-Z_]+$ ]] && env[$k]=$v
	done <"${1:-packaging/tracetabd.conf}"
	for w in $(unit_value ExecStart); do
		w=${w//%t/\/run}
		w=${w//%S/\/var\/lib}
		if [[ $w =~ ^\$([A-Z_]+)$ ]]; then
			for v in ${env[${BASH_REMATCH[1]}]}; do echo "$v"; done
			continue
		fi
		while [[ $w =~ \$\{([A-Z_]+)\} ]]; do
			w=${w//"${BASH_REMATCH[0]}"/${env[${BASH_REMATCH[1]}]}}
		done
		echo "$w"
	done
}

# The installed daemon, started with the unit's command line and settings
# from the shipped conf file, holding only the unit's capability bounding
# set and no_new_privs, deploys a tracepoint program; an unprivileged
# member of the tracetab group then queries its rows. (The other sandbox
# settings need a running systemd, which this machine lacks;
# systemd-analyze verify checks their syntax.)
test_service_run() {
	local caps argv sock=$ROOT/run/tracetab/tracetabd.sock pid i out
	caps=$(unit_value CapabilityBoundingSet | tr 'A-Z' 'a-z' |
		sed -e 's/cap_/+/g' -e 's/ /,/g')
	mapfile -t argv < <(service_argv)
	mkdir -p "$ROOT/run/tracetab" "$ROOT/var/lib/tracetab"
	chmod 0755 "$ROOT/run/tracetab"
	chmod 0700 "$ROOT/var/lib/tracetab"
	# A private mount namespace (as PrivateMounts=yes): the /sys the daemon
	# needs for BTF and tracefs, and any tracefs it mounts, vanish with it.
	# strace records every system call the daemon makes, to hold them
	# against the unit's SystemCallFilter= afterwards.
	local tracer=() top
	command -v strace >/dev/null && tracer=(strace -f -qq -o "$TMP/strace.log")
	# Type=notify: systemd's end of $NOTIFY_SOCKET, played by notify_listen.
	local notify=""
	if gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$TMP/notify_listen" \
		tests/packaging/notify_listen.c >"$TMP/notify.log" 2>&1; then
		"$TMP/notify_listen" "$ROOT/run/tt-notify.sock" 60 >"$TMP/notify.log" 2>&1 &
		notify=$!
		for ((i = 0; i < 50; i++)); do
			[ -S "$ROOT/run/tt-notify.sock" ] && break
			sleep 0.1
		done
	fi
	"${tracer[@]}" unshare -m --propagation private bash -c \
		'mount --rbind /sys "$0/sys" && exec chroot "$0" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NOTIFY_SOCKET=/run/tt-notify.sock "$@"' \
		"$ROOT" setpriv --bounding-set "-all,$caps" --no-new-privs \
		"${argv[@]}" >"$TMP/daemon.log" 2>&1 &
	top=$!
	pid=$top
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && break
		kill -0 $top 2>/dev/null || break
		sleep 0.1
	done
	# Under strace the daemon is strace's child (unshare, chroot, env and
	# setpriv all exec in place).
	[ ${#tracer[@]} -gt 0 ] && pid=$(pgrep -P $top)
	if [ -S "$sock" ] && [ -n "$pid" ]; then
		pass "service_cmdline_starts (${argv[*]})"
	else
		fail service_cmdline_starts "$(tail -3 "$TMP/daemon.log" | tr '\n' ' ')"
		kill $top 2>/dev/null
		wait $top 2>/dev/null
		return
	fi
	# READY=1 is due once the control socket accepts: allow 3 s more.
	for ((i = 0; i < 30; i++)); do
		[ -n "$notify" ] && kill -0 $notify 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$notify" ]; then
		fail service_notify_ready "cannot build notify_listen: $(head -2 "$TMP/notify.log")"
	elif kill $notify 2>/dev/null; then
		wait $notify 2>/dev/null
		fail service_notify_ready "tracetabd sent no READY=1 to \$NOTIFY_SOCKET 3 s after its socket was up: under systemd its Type=notify start would time out"
	elif wait $notify; then
		pass "service_notify_ready ($(grep -m1 -o 'READY=1' "$TMP/notify.log"))"
	else
		fail service_notify_ready "$(tail -1 "$TMP/notify.log")"
	fi
	check service_status in_root tracetab status
	# README install step 4: a user in the tracetab group may query.
	check add_query_user bash -c "chroot '$ROOT' useradd -m alice &&
		chroot '$ROOT' usermod -aG tracetab alice"
	cat >"$ROOT/tmp/pkgtest.bt" <<-'EOF'
	tracepoint:syscalls:sys_enter_getppid { printf("pid:%d comm:%s\n", pid, comm); }
	EOF
	check service_deploy in_root tracetab deploy pkgtest --table pkgtest --ttl 1m /tmp/pkgtest.bt
	out=""
	for ((i = 0; i < 50; i++)); do
		in_root perl -e 'getppid() for 1 .. 100'
		out=$(in_root setpriv --reuid=alice --regid=alice --init-groups \
			tracetab query --format csv \
			"SELECT count(*) AS n FROM pkgtest WHERE comm = 'perl'" 2>&1)
		[[ $(tail -1 <<<"$out") =~ ^[0-9]+$ ]] && (($(tail -1 <<<"$out") >= 100)) && break
		sleep 0.1
	done
	if [[ $(tail -1 <<<"$out") =~ ^[0-9]+$ ]] && (($(tail -1 <<<"$out") >= 100)); then
		pass "service_rows_queried_by_group_member ($(tail -1 <<<"$out") rows)"
	else
		fail service_rows_queried_by_group_member "$(echo $out | tail -c 300)"
	fi
	# ...and only members: the store directory is 0750 root:tracetab.
	if in_root setpriv --reuid=nobody --regid=nogroup --clear-groups \
		tracetab query "SELECT count(*) FROM pkgtest" >"$TMP/nobody.out" 2>&1; then
		fail service_non_member_cannot_query "nobody read: $(head -2 "$TMP/nobody.out")"
	else
		pass service_non_member_cannot_query
	fi
	# A tracetab member outside tracetab-admin may not deploy.
	if in_root setpriv --reuid=alice --regid=alice --init-groups tracetab deploy \
		pkgtest2 --table pkgtest2 /tmp/pkgtest.bt >"$TMP/alice.out" 2>&1; then
		fail service_non_admin_cannot_deploy "alice deployed: $(head -2 "$TMP/alice.out")"
	else
		pass service_non_admin_cannot_deploy
	fi
	kill -TERM $pid
	if wait $top; then pass service_sigterm_clean_exit; else
		fail service_sigterm_clean_exit "exit status $? $(tail -2 "$TMP/daemon.log" | tr '\n' ' ')"; fi
	if [ ${#tracer[@]} -gt 0 ]; then
		check_syscalls "$TMP/strace.log"
	else
		skip service_syscalls_allowed "strace is not installed"
	fi
}

# filter_names ITEM...: the system call names a SystemCallFilter= list
# allows, @groups expanded recursively by the root's own systemd-analyze.
filter_names() {
	in_root systemd-analyze syscall-filter >"$TMP/syscall-groups" 2>/dev/null
	local -A seen
	local todo=("$@") item
	while [ ${#todo[@]} -gt 0 ]; do
		item=${todo[0]}
		todo=("${todo[@]:1}")
		[ -n "${seen[$item]}" ] && continue
		seen[$item]=1
		if [[ $item == @* ]]; then
			# The group's members: the indented lines under its header.
			todo+=($(awk -v g="$item" '/^@/ {on = ($1 == g); next}
				on && NF && $1 != "#" {print $1}' "$TMP/syscall-groups"))
		else
			echo "$item"
		fi
	done | sort -u
}

# Every system call the daemon made from its execve to its exit (start-up,
# deploy, ingest, queries, SIGTERM) is allowed by the unit's filter, so the
# seccomp filter systemd installs cannot break it.
check_syscalls() {
	local log=$1 bad
	awk '/execve\("\/usr\/sbin\/tracetabd"/ {on = 1; next} on' "$log" |
		sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p; s/^[0-9]+ +<\.\.\. ([a-z0-9_]+) resumed>.*/\1/p' |
		sort -u >"$TMP/syscalls.used"
	filter_names $(unit_value SystemCallFilter) >"$TMP/syscalls.allowed"
	bad=$(comm -23 "$TMP/syscalls.used" "$TMP/syscalls.allowed" | tr '\n' ' ')
	# A deploy happened, so bpf(2) must be among them (else the trace
	# was not the daemon's).
	if ! grep -qx bpf "$TMP/syscalls.used"; then
		fail service_syscalls_allowed "strace recorded no bpf() call of tracetabd"
	elif [ -z "$bad" ]; then
		pass "service_syscalls_allowed ($(wc -l <"$TMP/syscalls.used") distinct: $(grep -xE 'bpf|perf_event_open|io_uring_[a-z]+|mount' "$TMP/syscalls.used" | tr '\n' ' ')...)"
	else
		fail service_syscalls_allowed "not in SystemCallFilter=: $bad"
	fi
}

# man_opts PAGE: the long options the OPTIONS and COMMANDS sections of a
# man page document, one per line.
man_opts() {
	awk '/^\.SH/ {keep = ($2 == "OPTIONS" || $2 == "COMMANDS")} keep' "$1" |
		sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z-]*' | sort -u
}

# help_opts RUNNER BIN [CMD...]: the long options `BIN --help` and
# `BIN CMD --help` for every CMD print, one per line.
help_opts() {
	local run=$1 bin=$2 c
	shift 2
	{
		$run "$bin" --help
		for c in "$@"; do $run "$bin" "$c" --help || echo "--help-of-$c-failed"; done
	} 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u
}

# The man pages document exactly the options the binaries accept.
check_man_matches_help() {
	local run=$1 diff
	diff=$(diff <(man_opts packaging/man/tracetabd.8) <(help_opts "$run" tracetabd))
	if [ -z "$diff" ]; then pass man_tracetabd_matches_help; else
		fail man_tracetabd_matches_help "(< man only, > --help only) $(echo $diff)"; fi
	diff=$(diff <(man_opts packaging/man/tracetab.1) <(help_opts "$run" tracetab \
		deploy delete status tables schema drop query tail run))
	if [ -z "$diff" ]; then pass man_tracetab_matches_help; else
		fail man_tracetab_matches_help "(< man only, > --help only) $(echo $diff)"; fi
}

# The fallback: install and purge on this machine.
test_host_install() {
	if dpkg-query -W -f='${Status}' tracetab 2>/dev/null | grep -q 'ok installed'; then
		skip host_install "tracetab is already installed on this machine; not touching it"
		return
	fi
	echo "NOTE: installing on this machine itself (no fresh root)"
	check host_apt_install env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB" "$DEVDEB"
	check_installed "" ""
	check systemd_analyze_verify systemd-analyze verify --man=no /lib/systemd/system/tracetabd.service
	check host_apt_purge env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q tracetab libtracetab-dev
}

# TRACETABD_EXTRA_ARGS is how operators pass --allow-unsafe: the shipped
# conf passes nothing (unsafe deployments stay refused), and words set in
# it end the daemon's command line, after the cluster arguments.
test_extra_args() {
	local conf=$TMP/extra.conf argv
	mapfile -t argv < <(service_argv)
	if printf '%s\n' "${argv[@]}" | grep -qx -- --allow-unsafe; then
		fail conf_no_unsafe_by_default "${argv[*]}"
	else
		pass conf_no_unsafe_by_default
	fi
	sed 's/^TRACETABD_EXTRA_ARGS=.*/TRACETABD_EXTRA_ARGS=--allow-unsafe --node n1/' \
		packaging/tracetabd.conf >"$conf"
	mapfile -t argv < <(service_argv "$conf")
	local n=${#argv[@]}
	if [ "$n" -ge 3 ] && [ "${argv[n - 3]}" = --allow-unsafe ] &&
		[ "${argv[n - 2]}" = --node ] && [ "${argv[n - 1]}" = n1 ]; then
		pass service_extra_args_passed
	else
		fail service_extra_args_passed "${argv[*]}"
	fi
	check conf_documents_sandbox grep -q 'PrivateTmp' packaging/tracetabd.conf
}

test_man
test_extra_args
if test_build; then
	test_deb_contents
	test_dev_package
	test_rpm
	test_chroot
fi
tt_done
