/*
 * test_exit.c - exit() in a deployed program ends the deployment as
 * bpftrace ends the program: END runs (its text reaches the log), the
 * probes are detached, status says "terminated" and why; deploying the
 * same spec again starts it anew. An exited deployment stays terminated
 * across a daemon restart even though its TTL has not expired (a program
 * that ended does not start again by itself), while a running one comes
 * back running, and one deployed again after its exit comes back running.
 * Real tracetabd (restarted on the same state directory), real probe, a
 * real process triggering it.
 */
#include <sys/prctl.h>

#include "tests/daemon/harness.h"
#include "tests/tt_test.h"

#define COMM "ttexit_trigger"

static const char *const src[] = {
	"BEGIN { printf(\"started\\n\"); }\n"
	"tracepoint:syscalls:sys_enter_getppid /comm == \"" COMM "\"/ {\n"
	"  printf(\"pid:%d\\n\", pid); exit(); }\n"
	"END { printf(\"END ran\\n\"); }\n",
};

/* A child named COMM calls getppid() n times. */
static void trigger(int n)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NAME, COMM);
		for (int i = 0; i < n; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static const char *const live_src[] = {
	"tracepoint:syscalls:sys_enter_getppid /comm == \"" COMM "\"/ {\n"
	"  printf(\"pid:%d\\n\", pid); }\n",
};

/* Polls name's status until state is want (up to 5 s); the last status. */
static json_t *wait_dep(struct td *d, const char *name, const char *want)
{
	json_t *st = NULL;

	for (int i = 0; i < 100; i++) {
		json_decref(st);
		st = td_status(d, name);
		if (st && !strcmp(td_status_str(st, "state"), want))
			break;
		td_sleep_ms(50);
	}
	return st;
}

static json_t *wait_state(struct td *d, const char *want)
{
	return wait_dep(d, "ex", want);
}

static bool log_has(json_t *st, const char *text)
{
	json_t *log = json_object_get(json_object_get(st, "status"), "log"), *l;
	size_t i;

	json_array_foreach(
		log, i,
		l) if (!strcmp(json_string_value(json_object_get(l, "text")),
			       text)) return true;
	return false;
}

TT_TEST(exit_ends_the_deployment)
{
	struct td d = {0};

	if (geteuid() != 0)
		SKIP("tracetabd needs root to load BPF programs");
	CHECK(td_start(&d) == 0);
	json_t *r = td_deploy(&d, "ex", "ex", "none", false, 1, src, NULL);
	bool deployed = !strcmp(td_status_str(r, "state"), "running");
	json_decref(r);
	if (!deployed)
		td_dump_log(&d);
	trigger(3);
	json_t *st = wait_state(&d, "terminated");
	char state[32];
	snprintf(state, sizeof(state), "%s",
		 st ? td_status_str(st, "state") : "");
	bool why = st && !strcmp(td_status_str(st, "reason"),
				 "the program called exit()");
	bool end = st && log_has(st, "END ran") && log_has(st, "started");
	long long rows = st ? td_status_int(st, "rows") : -1;
	json_decref(st);
	/* The same spec again: tried anew, running. */
	r = td_deploy(&d, "ex", "ex", "none", false, 1, src, NULL);
	bool again = !strcmp(td_status_str(r, "state"), "running");
	json_decref(r);
	int rc = td_stop(&d, SIGTERM);
	td_cleanup(&d);
	CHECK(deployed);
	CHECK_STR(state, "terminated");
	CHECK(why);
	CHECK(end);
	/* The first event exits; the records it raced with may follow. */
	CHECK(rows >= 1 && rows <= 3);
	CHECK(again);
	CHECK_INT(rc, 0);
}

/* "state,reason,rows" of name, now. */
static void snap(struct td *d, const char *name, char *out, size_t len)
{
	json_t *st = td_status(d, name);

	snprintf(out, len, "%s,%s,%lld", st ? td_status_str(st, "state") : "",
		 st ? td_status_str(st, "reason") : "",
		 st ? td_status_int(st, "rows") : -1);
	json_decref(st);
}

/* Deploys name from src; true when it runs. */
static bool deploy_running(struct td *d, const char *name,
			   const char *const *prog)
{
	json_t *r = td_deploy(d, name, name, "10m", false, 1, prog, NULL);
	bool ok = r && !strcmp(td_status_str(r, "state"), "running");

	json_decref(r);
	return ok;
}

TT_TEST(exited_stays_terminated_after_restart)
{
	struct td d = {0};
	char before[1200] = "", after[1200] = "", live[1200] = "";
	char again[1200] = "";

	if (geteuid() != 0)
		SKIP("tracetabd needs root to load BPF programs");
	CHECK(td_start(&d) == 0);
	bool deployed = deploy_running(&d, "ex", src) &&
			deploy_running(&d, "live", live_src);
	if (!deployed)
		td_dump_log(&d);
	trigger(1);
	json_decref(wait_state(&d, "terminated"));
	snap(&d, "ex", before, sizeof(before));
	/* A restart on the same state: TTL 10 m, far from expired. */
	int rc1 = td_stop(&d, SIGTERM);
	bool restarted = td_start(&d) == 0;
	snap(&d, "ex", after, sizeof(after));
	trigger(2); /* no probe of "ex" may see these */
	json_t *st = wait_dep(&d, "live", "running");
	td_sleep_ms(300);
	snap(&d, "ex", again, sizeof(again));
	json_decref(st);
	snap(&d, "live", live, sizeof(live));
	/* Deployed again, it runs, and a restart keeps it running. */
	bool redeployed = deploy_running(&d, "ex", src);
	int rc2 = td_stop(&d, SIGTERM);
	bool restarted2 = td_start(&d) == 0;
	json_t *st2 = td_status(&d, "ex");
	char state2[32];

	snprintf(state2, sizeof(state2), "%s",
		 st2 ? td_status_str(st2, "state") : "");
	json_decref(st2);
	int rc3 = td_stop(&d, SIGTERM);
	if (!restarted || !restarted2)
		td_dump_log(&d);
	td_cleanup(&d);
	CHECK(deployed);
	CHECKF(strstr(before, "terminated,the program called exit(),") ==
		       before,
	       "%s", before);
	CHECK_INT(rc1, 0);
	CHECK(restarted);
	/* Row counters restart with the daemon; the state must not. */
	CHECKF(strstr(after, "terminated,the program called exit(),") == after,
	       "%s", after);
	/* Revived, its probe would have counted (and exited on) these. */
	CHECK_STR(again, after);
	CHECKF(strstr(live, "running,") == live, "%s", live);
	CHECK(redeployed);
	CHECK_INT(rc2, 0);
	CHECK(restarted2);
	CHECK_STR(state2, "running");
	CHECK_INT(rc3, 0);
}

TT_MAIN("daemon/exit", TT_CASE(exit_ends_the_deployment),
	TT_CASE(exited_stays_terminated_after_restart))
