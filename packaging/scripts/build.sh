#!/bin/sh
# build.sh deb|rpm|both VERSION OUTDIR - build the packages (`make deb`,
# `make rpm`, `make packages`).
#
# The source tarball made by mktarball.sh is unpacked into a private
# directory under OUTDIR, so the repository never gets a debian/ directory
# and the build never races anyone in build/.
#   deb   packaging/debian is put at the top of the tree (where
#         dpkg-buildpackage wants it), the binary packages are built and
#         lintian checks them: any lintian error fails the build.
#   rpm   rpmbuild builds packaging/rpm/tracetab.spec from the tarball.
#         --nodeps: on a Debian host the RPM database is empty, so the
#         Fedora BuildRequires cannot be checked (`make deps` installs the
#         Debian equivalents).
#   both  deb, then rpm --build-in-place in the tree the deb build left:
#         the spec's make finds everything built and only installs, so the
#         sources are compiled once instead of twice.
# Results: OUTDIR/deb/ and OUTDIR/rpm/. The private directory is removed.
set -e
what=$1 ver=$2 out=$3
case $what in deb | rpm | both) ;; *) what="" ;; esac
[ -n "$what" ] && [ -n "$ver" ] && [ -n "$out" ] ||
	{ echo "usage: $0 deb|rpm|both VERSION OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
spec=$here/../rpm/tracetab.spec
tarball=$("$here/mktarball.sh" "$ver" "$out")
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
jobs=$(nproc 2>/dev/null || echo 1)
src=$work/tracetab-$ver
tar -C "$work" -xzf "$tarball"

build_deb() {
	cp "$tarball" "$work/tracetab_$ver.orig.tar.gz"
	rm -rf "$src/debian"
	cp -R "$src/packaging/debian" "$src/debian"
	# No -dbgsym package unless asked for: nobody installs it from here
	# and it doubles lintian's work.
	(cd "$src" && DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-noddebs} \
		dpkg-buildpackage -b -us -uc -j"$jobs")
	rm -rf "$out/deb"
	mkdir -p "$out/deb"
	mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/deb/"
	echo "deb: packages in $out/deb:"
	ls -1 "$out/deb"/*.deb
	# lintian exits non-zero on errors only; warnings are listed.
	echo "deb: lintian $out/deb/tracetab_${ver}-"*.changes
	lintian --fail-on error --info "$out/deb"/*.changes
}

# build_rpm [--build-in-place]
build_rpm() {
	mkdir -p "$work/rpm/SOURCES"
	cp "$tarball" "$work/rpm/SOURCES/"
	(cd "$src" && rpmbuild -bb --nodeps "$@" --define "_topdir $work/rpm" \
		--define "tt_version $ver" --define "_smp_mflags -j$jobs" "$spec")
	rm -rf "$out/rpm"
	mkdir -p "$out/rpm"
	find "$work/rpm/RPMS" -name '*.rpm' -exec mv {} "$out/rpm/" \;
	echo "rpm: packages in $out/rpm:"
	ls -1 "$out/rpm"/*.rpm
}

case $what in
deb) build_deb ;;
rpm) build_rpm ;;
both)
	build_deb
	build_rpm --build-in-place
	;;
esac
