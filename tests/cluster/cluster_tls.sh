#!/bin/bash
# tests/cluster/cluster_tls.sh - tracetabd joining a nats-server that
# demands mutual TLS (a throwaway CA, cl_tls_certs) and user/password
# authorization: with the right --nats-* options (password from
# TRACETAB_NATS_PASSWORD) the daemon heartbeats, takes a deployment and
# answers a query; without the CA, or with a wrong password, it keeps
# retrying and logs a sentence naming the option to fix; contradictory or
# unreadable options stop it at start-up. Uses the sanitized daemon when
# CL_DAEMON says so (cluster_asan.sh does not run this file).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"

[ "$(id -u)" = 0 ] || { skip all "needs root to load programs"; exit 0; }
command -v nats-server >/dev/null || { skip all "nats-server not installed"; exit 0; }
command -v openssl >/dev/null || { skip all "openssl not installed (scripts/deps.sh)"; exit 0; }
[ -x "$TT_BUILD/tracetabd" ] && [ -x "$TT_BUILD/tracetab" ] ||
	{ fail build "build tracetabd and tracetab first"; tt_done; }
[ -x "$TT_BUILD/asan/tracetabd" ] && CL_DAEMON=${CL_DAEMON:-$TT_BUILD/asan/tracetabd}

cl_init
cl_tls_certs || { fail certs "openssl: $(tail -2 "$CL_DIR/tls/openssl.log")"; tt_done; }
T=$CL_DIR/tls
cl_nats_start_conf "tls { cert_file: \"$T/server.pem\", key_file: \"$T/server.key\", ca_file: \"$T/ca.pem\", verify: true }
authorization { user: ttnode, password: s3cret }" ||
	{ fail nats "nats-server did not start: $(tail -3 "$CL_DIR/nats.log")"; tt_done; }

TLS="--nats-tls-ca $T/ca.pem --nats-tls-cert $T/client.pem --nats-tls-key $T/client.key"
# The client with the same options (flags after --cluster, before the command).
sec_cli() { "$CL_CLI" --cluster "$CL_URL" $TLS --nats-user ttnode --nats-password s3cret "$@"; }
sec_state() { # DEPLOYMENT NODE
	sec_cli --format csv status 2>/dev/null |
		awk -F, -v d="$1" -v n="$2" '$1 == d && $2 == n { print $3 }'
}
wait_for() { # SECONDS CMD...: until CMD succeeds
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -le $end ]; do "$@" && return 0; sleep 0.2; done
	return 1
}
logged() { grep -q -- "$2" "$CL_DIR/$1.log"; } # NODE PATTERN

# --- start-up checks: nothing runs with options that cannot work ------------
out=$("$CL_DAEMON" --cluster "$CL_URL" --nats-tls-ca /nonexistent 2>&1)
[ $? = 2 ] && grep -q "nats-tls-ca /nonexistent: No such file" <<<"$out" &&
	pass startup_missing_ca || fail startup_missing_ca "$out"
out=$("$CL_DAEMON" --cluster "$CL_URL" --nats-tls-cert "$T/client.pem" 2>&1)
[ $? = 2 ] && grep -q "go together" <<<"$out" && pass startup_cert_without_key ||
	fail startup_cert_without_key "$out"
out=$("$CL_DAEMON" --nats-user x 2>&1)
[ $? = 2 ] && grep -q "need --cluster" <<<"$out" && pass startup_nats_without_cluster ||
	fail startup_nats_without_cluster "$out"

# --- the right options: joins, deploys, answers queries ---------------------
TRACETAB_NATS_PASSWORD=s3cret cl_node tls-a $TLS --nats-user ttnode ||
	fail start_tls_a "no socket"
cat >"$CL_DIR/p.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getppid /comm == "ttcltls"/ { printf("pid:%d\n", pid); }
EOF
check tls_deploy sec_cli deploy tp --table ttls --ttl 5m "$CL_DIR/p.bt"
tp_running() { [ "$(sec_state tp tls-a)" = running ]; }
check tls_node_running wait_for 10 tp_running
cp "$(command -v perl)" "$CL_DIR/ttcltls"
"$CL_DIR/ttcltls" -e 'getppid() for 1..30'
sleep 0.3
n=$(sec_cli --store-dir "$CL_DIR/tls-a/store" --format csv query "select count(*) from ttls" 2>&1 | tail -1)
[ "$n" = 30 ] && pass tls_query_answered || fail tls_query_answered "got '$n'"

# --- wrong settings: the daemon keeps retrying and says what to fix ----------
TRACETAB_NATS_PASSWORD=s3cret cl_node tls-noca --nats-user ttnode ||
	fail start_tls_noca "no socket"
check tls_without_ca_hint wait_for 10 logged tls-noca "not trusted: pass the CA.*--nats-tls-ca"
TRACETAB_NATS_PASSWORD=wrong cl_node tls-badpw $TLS --nats-user ttnode ||
	fail start_tls_badpw "no socket"
check bad_password_hint wait_for 10 logged tls-badpw "authorization refused"
sleep 1
[ -z "$(sec_state tp tls-noca)$(sec_state tp tls-badpw)" ] && pass refused_nodes_absent ||
	fail refused_nodes_absent "$(sec_cli --format csv status)"
[ "$(grep -c 'not trusted' "$CL_DIR/tls-noca.log")" = 1 ] && pass hint_logged_once ||
	fail hint_logged_once "$(grep -c 'not trusted' "$CL_DIR/tls-noca.log") times"
check tls_delete sec_cli delete tp
tt_done
