#!/bin/sh
# Install tracetab's build and test dependencies from Debian packages.
# Idempotent: does nothing (not even apt-get update) when all are present.
set -e
PKGS="gcc make clang pkg-config libbpf-dev libelf-dev zlib1g-dev liburing-dev
liblmdb-dev lmdb-utils libjansson-dev libnats-dev libclang-rt-14-dev bpftrace
nats-server iproute2 nftables procps util-linux openssl
debhelper dpkg-dev fakeroot lintian rpm debootstrap systemd man-db"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
