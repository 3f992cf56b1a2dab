# tests/cluster/asan_rerun.bash - sourced by the *_asan.sh tests with
# SUITE SCRIPT: runs tests/cluster/SCRIPT again as suite SUITE with the
# ASan+UBSan builds of tracetabd and tracetab (libnats runs its own threads
# next to the daemon's loop, so the sanitizers watch the hand-over), or
# says SKIP when they are not built.
D=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=${TT_BUILD:-$D/../../build}
for f in "$B/asan/tracetabd" "$B/asan/tracetab"; do
	if [ ! -x "$f" ]; then
		echo "SKIP $1/all: $f not built"
		exit 0
	fi
done
export TT_SUITE=$1 CL_DAEMON=$B/asan/tracetabd CL_CLI=$B/asan/tracetab
exec bash "$D/$2"
