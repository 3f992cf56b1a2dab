#!/bin/sh
# mktarball.sh VERSION OUTDIR - write OUTDIR/tracetab-VERSION.tar.gz from the
# working tree: every file git tracks or would add (untracked but not
# ignored), so uncommitted work is packaged as it stands and build products
# never are. Prints the tarball's path.
set -e
ver=$1 out=$2
[ -n "$ver" ] && [ -n "$out" ] || { echo "usage: $0 VERSION OUTDIR" >&2; exit 2; }
top=$(git rev-parse --show-toplevel)
mkdir -p "$out"
out=$(cd "$out" && pwd)
tarball=$out/tracetab-$ver.tar.gz
list=$(mktemp)
trap 'rm -f "$list"' EXIT
# Files git lists but that were deleted from the tree are left out.
(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 -r ls -d 2>/dev/null |
	grep -v '^build/' | LC_ALL=C sort) >"$list"
tar -C "$top" --transform "s|^|tracetab-$ver/|" --owner=0 --group=0 \
	--numeric-owner -czf "$tarball" -T "$list"
echo "$tarball"
