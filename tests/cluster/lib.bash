# tests/cluster/lib_cluster.sh - a throwaway NATS JetStream server and
# tracetabd nodes on loopback for the cluster tests and benchmarks; source
# it after tests/lib.sh. Everything lives under $CL_DIR and is stopped by
# cl_cleanup (installed as an EXIT trap by cl_init).

cl_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cl_init() {
	CL_DIR=$(mktemp -d /tmp/tt-cluster.XXXXXX)
	CL_PORT=$(cl_free_port)
	CL_URL=nats://127.0.0.1:$CL_PORT
	CL_DAEMON=${CL_DAEMON:-$TT_BUILD/tracetabd}
	CL_CLI=${CL_CLI:-$TT_BUILD/tracetab}
	declare -gA CL_PIDS=()
	trap cl_cleanup EXIT
}

# cl__nats_ready_count: how many servers have said "ready" in the log, which
# is appended across restarts (a restart must wait for a new line, not find
# the previous server's and return before the port is open).
cl__nats_ready_count() {
	grep -c "Server is ready" "$CL_DIR/nats.log" 2>/dev/null || true
}

# cl__nats_wait_ready SEEN: waits up to 5 s for ready line number SEEN + 1.
cl__nats_wait_ready() {
	for _ in $(seq 100); do
		[ "$(cl__nats_ready_count)" -gt "${1:-0}" ] && return 0
		sleep 0.05
	done
	return 1
}

cl_nats_start() {
	local seen
	seen=$(cl__nats_ready_count)
	mkdir -p "$CL_DIR/js"
	nats-server -a 127.0.0.1 -p "$CL_PORT" -js -sd "$CL_DIR/js" \
		>>"$CL_DIR/nats.log" 2>&1 &
	CL_NATS=$!
	cl__nats_wait_ready "$seen"
}

cl_nats_stop() {
	[ -n "${CL_NATS:-}" ] || return 0
	kill "$CL_NATS" 2>/dev/null
	wait "$CL_NATS" 2>/dev/null
	CL_NATS=
}

# cl_node_start NAME [extra tracetabd options]: starts node NAME (own
# store, state directory and socket); cl_node_wait NAME waits for its
# socket; cl_node does both.
cl_node_start() {
	local n=$1
	shift
	mkdir -p "$CL_DIR/$n/store" "$CL_DIR/$n/state"
	"$CL_DAEMON" --cluster "$CL_URL" --node "$n" \
		--store-dir "$CL_DIR/$n/store" --state-dir "$CL_DIR/$n/state" \
		--socket "$CL_DIR/$n/sock" --table-bytes "${CL_TABLE_BYTES:-64M}" "$@" \
		>>"$CL_DIR/$n.log" 2>&1 &
	CL_PIDS[$n]=$!
}

cl_node() {
	cl_node_start "$@" && cl_node_wait "$1"
}

cl_node_wait() {
	local n=$1
	for _ in $(seq 200); do
		[ -S "$CL_DIR/$n/sock" ] && return 0
		sleep 0.05
	done
	return 1
}

# cl_kill NAME [SIGNAL]
cl_kill() {
	local pid=${CL_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "CL_PIDS[$1]"
	rm -f "$CL_DIR/$1/sock"
}

cl_cleanup() {
	for n in "${!CL_PIDS[@]}"; do cl_kill "$n"; done
	cl_nats_stop
	if [ "${tt_failed:-0}" != 0 ]; then
		for f in "$CL_DIR"/*.log; do
			echo "--- $f"
			grep -m1 -A30 'ERROR: \|runtime error' "$f"
			tail -8 "$f"
		done
	fi
	[ -n "${CL_KEEP:-}" ] || rm -rf "$CL_DIR"
}

# cl_cli ARGS...: the CLI in cluster mode.
cl_cli() { "$CL_CLI" --cluster "$CL_URL" "$@"; }

# cl_local NODE ARGS...: the CLI on one node (its socket and store).
cl_local() {
	local n=$1
	shift
	"$CL_CLI" --socket "$CL_DIR/$n/sock" --store-dir "$CL_DIR/$n/store" "$@"
}

# cl_state DEPLOYMENT NODE: the node's state as `status --cluster` shows it.
cl_state() {
	cl_cli --format csv status 2>/dev/null |
		awk -F, -v d="$1" -v n="$2" '$1 == d && $2 == n { print $3 }'
}

# cl_wait_state DEPLOYMENT STATE TIMEOUT_S NODE...: 0 once every node is
# in STATE.
cl_wait_state() {
	local d=$1 st=$2 t=$3 n ok
	shift 3
	local end=$((SECONDS + t))
	while [ $SECONDS -le $end ]; do
		ok=1
		for n in "$@"; do
			[ "$(cl_state "$d" "$n")" = "$st" ] || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep "${CL_POLL:-0.1}"
	done
	for n in "$@"; do echo "$d on $n: $(cl_state "$d" "$n")"; done
	return 1
}

# ---- TLS and authenticated servers (added for the client tests) -----------
# cl_tls_certs: a throwaway CA in $CL_DIR/tls (ca.pem) that signed a server
# certificate for 127.0.0.1/localhost (server.pem, server.key) and a client
# certificate (client.pem, client.key). Needs openssl.
cl_tls_certs() {
	local t=$CL_DIR/tls
	mkdir -p "$t"
	(
		cd "$t" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=tt-test-ca \
			-keyout ca.key -out ca.pem &&
			printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext &&
			openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
				-keyout server.key -out server.csr &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
				-CAcreateserial -days 1 -extfile san.ext -out server.pem &&
			openssl req -newkey rsa:2048 -nodes -subj /CN=tt-client \
				-keyout client.key -out client.csr &&
			openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
				-CAcreateserial -days 1 -out client.pem
	) >"$t/openssl.log" 2>&1
}

# cl_nats_start_conf 'CONF': like cl_nats_start, with CONF (nats-server
# configuration text, e.g. a tls { } or authorization { } block) added to
# a generated configuration file.
cl_nats_start_conf() {
	mkdir -p "$CL_DIR/js"
	cat >"$CL_DIR/nats.conf" <<CONF
listen: 127.0.0.1:$CL_PORT
jetstream { store_dir: "$CL_DIR/js" }
$1
CONF
	local seen
	seen=$(cl__nats_ready_count)
	nats-server -c "$CL_DIR/nats.conf" >>"$CL_DIR/nats.log" 2>&1 &
	CL_NATS=$!
	cl__nats_wait_ready "$seen"
}

# cl_raw_request PAYLOAD: sends PAYLOAD as a cluster request over the raw
# NATS protocol (no client library, so anything can be sent) and prints
# each answer as "<header> | <first 150 bytes of the payload>", or
# "(no reply)" after 1.5 s.
cl_raw_request() {
	python3 - "$CL_PORT" "$1" <<'PY'
import socket, sys, time
port, payload = int(sys.argv[1]), sys.argv[2].encode()
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.raw 1\r\n')
s.sendall(b"PUB tracetab.query _INBOX.raw %d\r\n%s\r\n" % (len(payload), payload))
s.settimeout(0.2)
buf, end = b"", time.time() + 1.5
while time.time() < end:
    try:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    except socket.timeout:
        pass
out = []
while b"MSG " in buf:
    i = buf.index(b"MSG ")
    j = buf.index(b"\r\n", i)
    n = int(buf[i:j].split()[-1])
    data, buf = buf[j + 2:j + 2 + n], buf[j + 2 + n:]
    h, _, p = data.partition(b"\n")
    out.append(h.decode(errors="replace") + " | " + p[:150].decode(errors="replace"))
print("\n".join(out) or "(no reply)")
PY
}
