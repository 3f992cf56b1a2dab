#!/bin/sh
# build-deb.sh VERSION OUTDIR - build the Debian packages (`make deb`).
#
# Unpacks the source tarball into a private directory, puts packaging/debian
# at its top (where dpkg-buildpackage wants it, without adding a debian/ to
# the repository), builds the binary packages and runs lintian on them.
# Results go to OUTDIR/deb/; the build directory is removed. Exits non-zero
# when the build fails or lintian reports an error.
set -e
ver=$1 out=$2
[ -n "$ver" ] && [ -n "$out" ] || { echo "usage: $0 VERSION OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
tarball=$("$here/mktarball.sh" "$ver" "$out")
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/deb-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$tarball" "$work/tracetab_$ver.orig.tar.gz"
tar -C "$work" -xzf "$tarball"
src=$work/tracetab-$ver
rm -rf "$src/debian"
cp -R "$src/packaging/debian" "$src/debian"
jobs=$(nproc 2>/dev/null || echo 1)
(cd "$src" && dpkg-buildpackage -b -us -uc -j"$jobs")
rm -rf "$out/deb"
mkdir -p "$out/deb"
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/deb/"
echo "deb: packages in $out/deb:"
ls -1 "$out/deb"/*.deb
# lintian exits non-zero on errors only (warnings are listed, not fatal).
changes=$(ls "$out/deb"/*.changes)
echo "deb: lintian $changes"
lintian --fail-on error --info "$changes"
