#!/bin/bash
# tests/daemon/tools_deploy.sh - programs as people write them, deployed
# with the tracetab CLI to a private tracetabd: Debian's opensnoop.bt,
# statsnoop.bt (banner printfs in BEGIN, clear() in END) and execsnoop.bt
# (join(argv) text in the log) unchanged, and a program with two row
# formats and an END printf. Real files are opened
# and stat'ed; the rows are queried with SQL; the banners show in
# `tracetab status NAME`; `tracetab delete` prints what END printed.
TT_SUITE=daemon/tools_deploy
. "$(dirname "$0")/../lib.sh"

# TT_ASAN=1: the ASan+UBSan builds of both (build/asan/).
td_start tools
# The installed tools, else the verbatim copies in the conformance corpus.
tool() {
	if [ -r "/usr/sbin/$1" ]; then echo "/usr/sbin/$1"; else
		echo "$TT_ROOT/tests/conformance/corpus/tools/$1"; fi
}
# Status drains the ring buffers first, so the rows are in the tables.
q() {
	t status >/dev/null
	t query "$1" --format csv | tail -n +2
}

# --- opensnoop.bt, unchanged -------------------------------------------------
out=$(t deploy opens --table opensnoop "$(tool opensnoop.bt)" 2>&1)
[ $? = 0 ] && pass opensnoop_deploys || fail opensnoop_deploys "$out"
echo hello >"$dir/known-file"
cat "$dir/known-file" >/dev/null
cat "$dir/no-such-file" 2>/dev/null
# Columns: col1 pid, col2 comm, col3 fd, col4 errno, col5 path.
got=$(q "SELECT col2, col4 FROM opensnoop WHERE col5 = '$dir/known-file' AND col2 = 'cat'")
[ "$got" = "cat,0" ] && pass opensnoop_row || fail opensnoop_row "$got"
got=$(q "SELECT col3, col4 FROM opensnoop WHERE col5 = '$dir/no-such-file'")
[ "$got" = "-1,2" ] && pass opensnoop_enoent_row || fail opensnoop_enoent_row "$got"
st=$(t status opens)
echo "$st" | grep -q 'Tracing open syscalls... Hit Ctrl-C to end.$' &&
	echo "$st" | grep -q 'PID    COMM               FD ERR PATH$' &&
	pass opensnoop_banner_in_status || fail opensnoop_banner_in_status "$st"
# csv output stays one row per deployment (the log is for people).
[ "$(t status opens --format csv | wc -l)" = 2 ] && pass status_csv_unchanged ||
	fail status_csv_unchanged "$(t status opens --format csv)"

# --- statsnoop.bt, unchanged -------------------------------------------------
out=$(t deploy stats --table statsnoop "$(tool statsnoop.bt)" 2>&1)
[ $? = 0 ] && pass statsnoop_deploys || fail statsnoop_deploys "$out"
stat "$dir/known-file" >/dev/null
stat "$dir/no-such-file" 2>/dev/null
# Columns: col1 pid, col2 comm, col3 errno, col4 path.
got=$(q "SELECT col2, col3 FROM statsnoop WHERE col4 = '$dir/known-file'")
[ "$got" = "stat,0" ] && pass statsnoop_row || fail statsnoop_row "$got"
got=$(q "SELECT col3 FROM statsnoop WHERE col4 = '$dir/no-such-file'")
[ "$got" = "2" ] && pass statsnoop_enoent_row || fail statsnoop_enoent_row "$got"

# --- two row formats, a banner per event, END -------------------------------
cat >"$dir/two.bt" <<'BT'
BEGIN { printf("Tracing getppid and getpgid.\n"); }
tracepoint:syscalls:sys_enter_getppid { printf("ppid_caller:%d comm:%s\n", pid, comm); }
tracepoint:syscalls:sys_enter_getpgid /args->pid == 4244/ {
	printf("pgid_caller:%d asked:%d\n", pid, args->pid);
	printf("saw a getpgid\n");
}
END { printf("%s after %d tables\n", "stopped", 2); }
BT
out=$(t deploy two --table two "$dir/two.bt" 2>&1)
[ $? = 0 ] && pass two_formats_deploy || fail two_formats_deploy "$out"
perl -e 'getppid() for 1..40; syscall(121, 4244) for 1..7'
got=$(q "SELECT count(*) FROM two WHERE comm = 'perl'")
[ "$got" = 40 ] && pass first_format_table || fail first_format_table "$got"
got=$(q "SELECT count(*) FROM two_2 WHERE asked = 4244")
[ "$got" = 7 ] && pass second_format_table || fail second_format_table "$got"
st=$(t status two)
echo "$st" | awk 'NR == 2' | grep -q ' two two_2 ' && pass status_lists_both_tables ||
	fail status_lists_both_tables "$st"
[ "$(echo "$st" | grep -c 'saw a getpgid$')" = 7 ] &&
	echo "$st" | grep -q 'Tracing getppid and getpgid.$' &&
	pass status_log_lines || fail status_log_lines "$st"
out=$(t delete two)
[ $? = 0 ] && [ "$(echo "$out" | tail -1)" = "stopped after 2 tables" ] &&
	pass delete_prints_end || fail delete_prints_end "$out"
grep -q 'deployment two: stopped after 2 tables' "$dir/log" &&
	pass end_in_daemon_log || fail end_in_daemon_log "$(tail -3 "$dir/log")"
got=$(q "SELECT count(*) FROM two_2")
[ "$got" = 7 ] && pass tables_stay_after_delete || fail tables_stay_after_delete "$got"

# --- execsnoop.bt, unchanged: join() text goes to the log ----------------------
# The row (elapsed ms, pid) goes to the table; join(args->argv)'s text is
# its own log line (bpftrace prints both on one line).
out=$(t deploy execs --table execsnoop "$(tool execsnoop.bt)" 2>&1)
[ $? = 0 ] && pass execsnoop_deploys || fail execsnoop_deploys "$out"
# The BEGIN banner, looked at before other execs can push it out.
st=$(t status execs)
echo "$st" | grep -q 'TIME(ms)   PID   ARGS$' && pass execsnoop_banner ||
	fail execsnoop_banner "$st"
marker="tt-exec-$$"
# Other engineers' builds exec too and the log keeps 50 lines / 8 KiB:
# look right after the exec, and try again if it was pushed out.
for _ in 1 2 3 4 5; do
	/bin/echo "$marker" two words >/dev/null &
	epid=$!
	wait $epid
	st=$(t status execs)
	echo "$st" | grep -q "/bin/echo $marker two words\$" && break
done
echo "$st" | grep -q "/bin/echo $marker two words\$" &&
	pass execsnoop_join_in_log || fail execsnoop_join_in_log "$st"
# Columns: col1 elapsed ms, col2 pid.
got=$(q "SELECT count(*) FROM execsnoop WHERE col2 = $epid")
[ "$got" = 1 ] && pass execsnoop_row || fail execsnoop_row "pid $epid: $got"
# elapsed / 1e6: milliseconds since the deploy, well under a minute here.
got=$(q "SELECT col1 FROM execsnoop WHERE col2 = $epid")
[ "${got:-0}" -gt 0 ] && [ "$got" -lt 60000 ] && pass execsnoop_elapsed_ms ||
	fail execsnoop_elapsed_ms "$got"

t delete opens >/dev/null && t delete stats >/dev/null && t delete execs >/dev/null
# A clean shutdown, and no sanitizer report from the daemon (TT_ASAN=1).
kill $daemon && wait $daemon
rc=$?
! grep -q 'Sanitizer\|runtime error' "$dir/log" && [ $rc = 0 ] &&
	pass daemon_clean_exit || fail daemon_clean_exit "rc $rc: $(grep -m3 'Sanitizer\|runtime error' "$dir/log")"
tt_done
