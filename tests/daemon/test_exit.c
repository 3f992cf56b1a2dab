/*
 * test_exit.c - exit() in a deployed program ends the deployment as
 * bpftrace ends the program: END runs (its text reaches the log), the
 * probes are detached, status says "terminated" and why; deploying the
 * same spec again starts it anew. Real tracetabd, real probe, a real
 * process triggering it.
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

/* Polls status until state is want (up to 5 s); the last status. */
static json_t *wait_state(struct td *d, const char *want)
{
	json_t *st = NULL;

	for (int i = 0; i < 100; i++) {
		json_decref(st);
		st = td_status(d, "ex");
		if (st && !strcmp(td_status_str(st, "state"), want))
			break;
		td_sleep_ms(50);
	}
	return st;
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

TT_MAIN("daemon/exit", TT_CASE(exit_ends_the_deployment))
