#!/bin/bash
# tests/cluster/nats_security.sh - the client's NATS credential and TLS
# options (daemon/nats_opts.c) against real nats-servers that demand them:
# TLS with a throwaway CA, mutual TLS, user/password and token. Each case
# checks that the right option connects and that without it the client
# fails with a sentence naming the option to use. Runs the plain CLI and,
# when built, the ASan+UBSan one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"

command -v nats-server >/dev/null || { skip all "nats-server not installed"; exit 0; }
command -v openssl >/dev/null || { skip all "openssl not installed (scripts/deps.sh)"; exit 0; }
[ -x "$TT_BUILD/tracetab" ] || { fail build "build tracetab first"; tt_done; }

cl_init
CLIS=$TT_BUILD/tracetab
[ -x "$TT_BUILD/asan/tracetab" ] && CLIS="$CLIS $TT_BUILD/asan/tracetab"

# expect_fail NAME PATTERN EXIT CMD...: CMD exits EXIT and stderr matches.
expect_fail() {
	local name=$1 pat=$2 want=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$pat" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc (want $want): $(tail -2 <<<"$out" | tr '\n' ' ')"
	fi
}
# each NAME CMD...: runs the case once per CLI build (suffix _asan).
each() {
	local name=$1 cli sfx
	shift
	for cli in $CLIS; do
		sfx=; [[ $cli == */asan/* ]] && sfx=_asan
		CL_CLI=$cli "$@" "$name$sfx"
	done
}
ok() { check "$1" cl_cli "${@:2}" status; }
bad() { expect_fail "$1" "$2" "$3" cl_cli "${@:4}" status; }
restart() { cl_nats_stop; rm -rf "$CL_DIR/js"; cl_nats_start_conf "$1"; }

cl_tls_certs || { fail certs "openssl: $(tail -2 "$CL_DIR/tls/openssl.log")"; tt_done; }
T=$CL_DIR/tls

# --- server-side TLS --------------------------------------------------------
restart "tls { cert_file: \"$T/server.pem\", key_file: \"$T/server.key\" }" ||
	{ fail nats_tls "nats-server did not start"; tt_done; }
tls_cases() {
	local s=${!#}
	ok "tls_ca$s" --nats-tls-ca "$T/ca.pem"
	ok "tls_ca_inline$s" --nats-tls-ca="$T/ca.pem"
	TRACETAB_NATS_TLS_CA=$T/ca.pem ok "tls_ca_env$s"
	bad "tls_no_ca$s" "not trusted: pass the CA.*--nats-tls-ca" 3
	bad "tls_wrong_ca$s" "not trusted" 3 --nats-tls-ca "$T/client.pem"
	bad "tls_missing_file$s" "nats-tls-ca /nonexistent: No such file" 2 \
		--nats-tls-ca /nonexistent
	bad "tls_cert_without_key$s" "go together" 2 --nats-tls-cert "$T/client.pem"
	bad "tls_empty_value$s" "needs a value" 2 --nats-tls-ca=
}
each "" tls_cases

# --- mutual TLS: the server verifies the client certificate ----------------
restart "tls { cert_file: \"$T/server.pem\", key_file: \"$T/server.key\",
ca_file: \"$T/ca.pem\", verify: true }" ||
	{ fail nats_mtls "nats-server did not start"; tt_done; }
mtls_cases() {
	local s=${!#}
	ok "mtls$s" --nats-tls-ca "$T/ca.pem" --nats-tls-cert "$T/client.pem" \
		--nats-tls-key "$T/client.key"
	TRACETAB_NATS_TLS_CA=$T/ca.pem TRACETAB_NATS_TLS_CERT=$T/client.pem \
		TRACETAB_NATS_TLS_KEY=$T/client.key ok "mtls_env$s"
	bad "mtls_no_cert$s" "tracetab: cluster" 3 --nats-tls-ca "$T/ca.pem"
}
each "" mtls_cases

# --- user and password ------------------------------------------------------
restart 'authorization { user: alice, password: s3cret }' ||
	{ fail nats_auth "nats-server did not start"; tt_done; }
auth_cases() {
	local s=${!#}
	ok "user_password$s" --nats-user alice --nats-password s3cret
	TRACETAB_NATS_USER=alice TRACETAB_NATS_PASSWORD=s3cret ok "user_password_env$s"
	bad "no_credentials$s" "authorization refused.*--nats-user" 3
	bad "wrong_password$s" "Authorization Violation" 3 \
		--nats-user alice --nats-password nope
	bad "password_without_user$s" "needs --nats-user" 2 --nats-password s3cret
	bad "user_and_token$s" "cannot be combined" 2 --nats-user alice \
		--nats-token x
}
each "" auth_cases

# --- token ------------------------------------------------------------------
restart 'authorization { token: tok123 }' ||
	{ fail nats_token "nats-server did not start"; tt_done; }
token_cases() {
	local s=${!#}
	TRACETAB_NATS_TOKEN=tok123 ok "token_env$s"
	ok "token_flag$s" --nats-token tok123
	bad "token_wrong$s" "authorization refused" 3 --nats-token nope
}
each "" token_cases

# --- TLS asked of a server that has none -----------------------------------
restart "" || { fail nats_plain "nats-server did not start"; tt_done; }
plain_cases() {
	local s=${!#}
	bad "tls_wanted_plain_server$s" "does not offer TLS" 3 --nats-tls
}
each "" plain_cases
tt_done
