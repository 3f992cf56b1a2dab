#!/bin/sh
# build-rpm.sh VERSION OUTDIR - build the RPMs from packaging/rpm/tracetab.spec
# (`make rpm`). rpmbuild's tree lives in a private directory under OUTDIR;
# the RPMs end up in OUTDIR/rpm/. --nodeps: on a Debian build host the RPM
# database is empty, so the Fedora BuildRequires cannot be checked (the
# Debian equivalents are what `make deps` installs).
set -e
ver=$1 out=$2
[ -n "$ver" ] && [ -n "$out" ] || { echo "usage: $0 VERSION OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
spec=$here/../rpm/tracetab.spec
tarball=$("$here/mktarball.sh" "$ver" "$out")
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/rpm-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/SOURCES"
cp "$tarball" "$work/SOURCES/"
rpmbuild -bb --nodeps --define "_topdir $work" --define "tt_version $ver" \
	--define "_smp_mflags -j$(nproc 2>/dev/null || echo 1)" "$spec"
rm -rf "$out/rpm"
mkdir -p "$out/rpm"
find "$work/RPMS" -name '*.rpm' -exec mv {} "$out/rpm/" \;
echo "rpm: packages in $out/rpm:"
ls -1 "$out/rpm"/*.rpm
