/*
 * test_compile_probes.c - probe kinds from source text to the kernel:
 * usdt (attached to this test's own probe sites, every argument operand
 * kind read back exactly, func and probe texts), hardware perf events (compile and load; attach
 * gives the clear no-PMU error on machines without counters), fentry/fexit
 * with BTF-typed args and retval (compile; load or the clear no-trampoline
 * error), and kprobes and uprobes on functions this kernel or binary
 * lacks (compile and load, attach fails).
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/elf_sym.h"
#include "tests/bpf/usdt_note.h"
#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

TT_USDT_SEMAPHORE(tt_probes_sema);

/*
 * tt_probes:ops passes a constant, a 64-bit register, a 32-bit register
 * and a memory operand; tt_probes:none passes nothing; tt_probes:bytes
 * passes a high-byte and a low-byte register.
 */
__attribute__((noinline)) static void fire(long n)
{
	for (long i = 1; i <= n; i++) {
		volatile long mem = i * 1000;
		int neg = (int)-i;
		TT_USDT_SPEC(tt_probes, ops, tt_probes_sema,
			     "-4@$-7 -8@%0 -4@%1 -8@%2", "r"(i), "r"(neg),
			     "m"(mem));
		TT_USDT_SPEC(tt_probes, none, tt_probes_sema, "", "i"(0));
		/* High and low byte registers: %ah and %al (or b, c, d). */
		TT_USDT_SPEC(tt_probes, bytes, tt_probes_sema, "1@%h0 -1@%b0",
			     "Q"(i * 0x100 + 0xff));
	}
}

static char self[PATH_MAX];
static char errbuf[2048];

enum stage { COMPILE = BTT_COMPILE, LOAD = BTT_LOAD, ATTACH = BTT_ATTACH };

/* Runs the stages up to `upto`; the first diagnostic is in errbuf. */
static int run(const char *src, enum stage upto, struct bt_program **out)
{
	const struct btt_run r = {.upto = (enum btt_stage)upto};

	return btt__run(src, &r, out, errbuf, sizeof(errbuf));
}

TT_TEST(usdt_operands_read_exactly)
{
	struct bt_program *p = NULL;
	CHECK(realpath("/proc/self/exe", self) != NULL);
	int rc = run(
		btt__fmt("usdt:%s:tt_probes:ops { @[arg0, arg1, arg2, arg3] "
			 "= count(); @p[probe] = count(); }",
			 self),
		ATTACH, &p);
	CHECKF(rc == 0, "%s", errbuf);
	if (rc)
		return;
	fire(3);
	const char *out = btt__end(p);
	CHECKF(strstr(out, "@[-7, 1, -1, 1000]: 1\n") &&
		       strstr(out, "@[-7, 2, -2, 2000]: 1\n") &&
		       strstr(out, "@[-7, 3, -3, 3000]: 1\n"),
	       "%s", out);
	CHECKF(strstr(out, btt__fmt("@p[usdt:%s:tt_probes:ops]: 3\n", self)),
	       "%s", out);
	rc = run(
		btt__fmt("usdt:%s:tt_probes:bytes { @[arg0, arg1] = count(); }",
			 self),
		ATTACH, &p);
	CHECKF(rc == 0, "%s", errbuf);
	if (rc)
		return;
	fire(2);
	out = btt__end(p);
	CHECKF(strstr(out, "@[1, -1]: 1\n") && strstr(out, "@[2, -1]: 1\n"),
	       "%s", out);
}

/* Wildcards over provider and name; the provider may be left out. */
TT_TEST(usdt_wildcards_and_short_form)
{
	struct bt_program *p = NULL;
	CHECK(realpath("/proc/self/exe", self) != NULL);
	int rc = run(btt__fmt("usdt:%s:tt_probe*:* { @[probe] = count(); }\n"
			      "usdt:%s:none { @n = count(); }",
			      self, self),
		     ATTACH, &p);
	CHECKF(rc == 0, "%s", errbuf);
	if (rc)
		return;
	fire(2);
	const char *out = btt__end(p);
	CHECKF(strstr(out, btt__fmt("@[usdt:%s:tt_probes:ops]: 2\n", self)) &&
		       strstr(out, btt__fmt("@[usdt:%s:tt_probes:none]: 2\n",
					    self)) &&
		       strstr(out, "@n: 2\n"),
	       "%s", out);
}

/*
 * func in a usdt probe is the site's provider:name (bpftrace 0.17 refuses
 * func there); probe spells a short alias (U:) out as usdt:.
 */
TT_TEST(usdt_func_and_probe_text)
{
	struct bt_program *p = NULL;
	CHECK(realpath("/proc/self/exe", self) != NULL);
	int rc = run(btt__fmt("U:%s:tt_probes:o* { @f[func] = count(); "
			      "@p[probe] = count(); }",
			      self),
		     ATTACH, &p);
	CHECKF(rc == 0, "%s", errbuf);
	if (rc)
		return;
	fire(2);
	const char *out = btt__end(p);
	CHECKF(strstr(out, "@f[tt_probes:ops]: 2\n") &&
		       strstr(out,
			      btt__fmt("@p[usdt:%s:tt_probes:ops]: 2\n", self)),
	       "%s", out);
}

TT_TEST(usdt_errors_name_the_problem)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	CHECK(run(btt__fmt("usdt:%s:tt_probes:none { @ = arg0; }", self),
		  COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "1:") == errbuf &&
		       strstr(errbuf, "arg0: usdt probe tt_probes:none has 0 "
				      "arguments"),
	       "%s", errbuf);
	CHECK(run(btt__fmt("usdt:%s:tt_probes:ops { @ = arg4; }", self),
		  COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "has 4 arguments"), "%s", errbuf);
	CHECK(run(btt__fmt("usdt:%s:tt_probes:nosuch { }", self), ATTACH,
		  NULL) < 0);
	CHECKF(strstr(errbuf, "no USDT probe tt_probes:nosuch"), "%s", errbuf);
	CHECK(run("usdt:/no/such/binary:p:n { }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "/no/such/binary"), "%s", errbuf);
	CHECK(run(btt__fmt("usdt:%s { }", self), COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "usdt:binary:[provider:]name"), "%s", errbuf);
}

TT_TEST(hardware_loads_attach_explains)
{
	struct bt_features f;
	bt_features__probe(&f);
	CHECKF(run("hardware:cycles:100000 { @ = count(); }\n"
		   "hardware:cache-misses { @m[cpu] = count(); }",
		   LOAD, NULL) == 0,
	       "%s", errbuf);
	CHECK(run("hardware:no-such-event:10 { }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "unknown hardware event 'no-such-event'"), "%s",
	       errbuf);
	CHECK(run("hardware:cycles:0 { }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "positive integer"), "%s", errbuf);
	struct bt_program *p = NULL;
	int rc = run("hardware:instructions:1000000 { @ = count(); }", ATTACH,
		     &p);
	bt_program__free(p);
	if (rc == 0)
		SKIP("this machine has hardware counters: the no-PMU error is "
		     "untestable here (compile, load and attach passed)");
	CHECKF(strstr(errbuf, "no hardware perf counters on this machine"),
	       "%s", errbuf);
}

/* fentry/kfunc with typed args, fexit/kretfunc with retval. */
TT_TEST(fentry_typed_args_compile_and_load_or_explain)
{
	struct bt_features f;
	bt_features__probe(&f);
	if (!f.btf)
		SKIP("no kernel BTF");
	const char *src =
		"kfunc:vfs_read { @[comm] = sum(args->count); "
		"@f[args->file->f_flags & 3] = count(); }\n"
		"kretfunc:vfs_read /retval > 0/ { @r = hist(retval); }\n"
		"fentry:vfs_writ* { @w[probe] = count(); }";
	CHECKF(run(src, COMPILE, NULL) == 0, "%s", errbuf);
	CHECK(run("fentry:vfs_read { @ = args->nosuch; }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "function vfs_read has no parameter 'nosuch'"),
	       "%s", errbuf);
	CHECK(run("fentry:tt_no_such_function { }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "tt_no_such_function"), "%s", errbuf);
	CHECK(run("fentry:vfs_read { @ = retval; }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "retval"), "%s", errbuf);
	struct bt_program *p = NULL;
	int rc = run(src, ATTACH, &p);
	if (!f.fentry) {
		CHECK(rc < 0);
		CHECKF(strstr(errbuf,
			      "1:1: cannot load fentry:vfs_read: "
			      "fentry/fexit are not available on "
			      "this kernel (no BPF trampoline)") == errbuf,
		       "%s", errbuf);
		SKIP("this kernel has no BPF trampolines: compiled, and the "
		     "load fails with the reason");
	}
	CHECKF(rc == 0, "%s", errbuf);
	FILE *tmp = tmpfile();
	char buf[16];
	if (tmp) {
		fputs("0123456789", tmp);
		rewind(tmp);
		CHECK(fread(buf, 1, sizeof(buf), tmp) == 10);
		fclose(tmp);
	}
	const char *out = btt__end(p);
	CHECKF(strstr(out, "@r:") != NULL, "%s", out);
}

/*
 * fentry/fexit texts, compile only (the fentry test above ends skipped on
 * kernels without trampolines, which would hide a failed check).
 */
TT_TEST(fentry_func_probe_and_args_texts)
{
	struct bt_features f;
	bt_features__probe(&f);
	if (!f.btf)
		SKIP("no kernel BTF");
	/* func is the function; probe keeps the provider as written
	 * (kretfunc: is 8 bytes longer than fexit:, seen in the string's
	 * capacity), short aliases spelt out under this compiler's name. */
	CHECKF(run("kfunc:vfs_read { @[func, probe] = count(); }\n"
		   "fexit:vfs_read { @x[func] = count(); }",
		   COMPILE, NULL) == 0,
	       "%s", errbuf);
	CHECK(run("fentry:vfs_read { @ = 1; @ = func; }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "cannot assign string[16]"), "%s", errbuf);
	CHECK(run("kretfunc:vfs_read { @ = 1; @ = probe; }", COMPILE, NULL) <
	      0);
	CHECKF(strstr(errbuf, "cannot assign string[24]"), "%s", errbuf);
	CHECK(run("fr:vfs_read { @ = 1; @ = probe; }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "cannot assign string[16]"), "%s", errbuf);
	CHECK(run("kprobe:vfs_read { @ = args; }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "args is only available in tracepoint and "
			      "fentry/fexit (kfunc/kretfunc) probes"),
	       "%s", errbuf);
	CHECK(run("BEGIN { @ = func; }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "func is only available in kprobe, uprobe, "
			      "usdt, fentry/fexit"),
	       "%s", errbuf);
}

/*
 * A kprobe reads arguments from pt_regs and needs no BTF: a function this
 * kernel lacks compiles and loads, and only attaching fails.
 */
TT_TEST(kprobe_on_missing_function_loads)
{
	struct bt_features f;
	bt_features__probe(&f);
	const char *src = "kprobe:tt_no_such_function_xyz { @[arg0, arg7] = "
			  "count(); }\n"
			  "kprobe:tt_no_such_*_xyz { @w = count(); }";
	CHECKF(run(src, LOAD, NULL) == 0, "%s", errbuf);
	CHECK(run(src, ATTACH, NULL) < 0);
	CHECKF(strstr(errbuf, "1:1: ") == errbuf, "%s", errbuf);
	CHECKF(strstr(errbuf, f.kprobe ? "no such kernel function"
				       : "kprobes are not available"),
	       "%s", errbuf);
}

/* Likewise a uprobe on a function the binary lacks (another build). */
TT_TEST(uprobe_on_missing_function_loads)
{
	const char *src = "uprobe:/bin/sh:tt_no_such_function { @ = arg0; }";
	CHECKF(run(src, LOAD, NULL) == 0, "%s", errbuf);
	CHECK(run(src, ATTACH, NULL) < 0);
	CHECKF(strstr(errbuf, "1:1: cannot attach uprobe: no function matches "
			      "'tt_no_such_function' in /") == errbuf,
	       "%s", errbuf);
}

/* execve's argv (const char *const *): pointer arithmetic and '*'. */
TT_TEST(tracepoint_argv_deref)
{
	struct bt_program *p = NULL;
	int rc = run(
		"tracepoint:syscalls:sys_enter_execve "
		"/str(args->filename) == \"/bin/true\"/ "
		"{ @[str(*(args->argv + 1)), str(*args->argv)] = count(); }",
		ATTACH, &p);
	CHECKF(rc == 0, "%s", errbuf);
	if (rc)
		return;
	CHECK(system("/bin/true tt-deref-arg") == 0);
	const char *out = btt__end(p);
	CHECKF(strstr(out, "@[tt-deref-arg, /bin/true]: 1\n"), "%s", out);
}

BTT_TARGET_INT(tt_probe_target);

/* uprobe:bin:func+OFFSET and uprobe:bin:ADDRESS; kprobe offsets. */
TT_TEST(probe_offsets_and_addresses)
{
	struct bt_elf_sym sym;
	char err[256];
	CHECK(realpath("/proc/self/exe", self) != NULL);
	CHECKF(bt_elf__resolve(self, "tt_probe_target", &sym, err,
			       sizeof(err)) == 0,
	       "%s", err);
	struct bt_program *p = NULL;
	int rc = run(btt__fmt("uprobe:%s:tt_probe_target+0 { @o = count(); }\n"
			      "uprobe:%s:0x%llx { @a[arg0] = count(); }",
			      self, self, (unsigned long long)sym.vaddr),
		     ATTACH, &p);
	CHECKF(rc == 0, "%s", errbuf);
	if (rc)
		return;
	for (int i = 0; i < 3; i++)
		CHECK_INT(tt_probe_target(41), 42);
	const char *out = btt__end(p);
	CHECKF(strstr(out, "@o: 3\n") && strstr(out, "@a[41]: 3\n"), "%s", out);
	CHECK(run(btt__fmt("uprobe:%s:tt_probe_target+100000 { }", self),
		  COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "past the end of tt_probe_target"), "%s", errbuf);
	CHECK(run("kretprobe:vfs_read+8 { }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "a kretprobe cannot have an offset"), "%s",
	       errbuf);
	CHECKF(run("kprobe:vfs_read+0x8 { @ = count(); }", LOAD, NULL) == 0,
	       "%s", errbuf);
	CHECK(run("fentry:some_module:vfs_read { }", COMPILE, NULL) < 0);
	CHECKF(strstr(errbuf, "module 'some_module'"), "%s", errbuf);
}

/* Task state macros of include/linux/sched.h, as runqlat.bt uses them. */
TT_TEST(task_state_macros)
{
	struct bt_program *p = NULL;
	int rc = run("BEGIN { @r = TASK_RUNNING; @i = TASK_INTERRUPTIBLE; "
		     "@u = TASK_UNINTERRUPTIBLE; @k = TASK_KILLABLE; "
		     "@d = TASK_IDLE; exit(); }",
		     ATTACH, &p);
	CHECKF(rc == 0, "%s", errbuf);
	if (rc)
		return;
	const char *out = btt__end(p);
	CHECKF(strstr(out, "@r: 0\n") && strstr(out, "@i: 1\n") &&
		       strstr(out, "@u: 2\n") && strstr(out, "@k: 258\n") &&
		       strstr(out, "@d: 1026\n"),
	       "%s", out);
}

TT_MAIN("bpf/compile_probes", TT_CASE(usdt_operands_read_exactly),
	TT_CASE(usdt_wildcards_and_short_form),
	TT_CASE(usdt_func_and_probe_text),
	TT_CASE(usdt_errors_name_the_problem),
	TT_CASE(hardware_loads_attach_explains),
	TT_CASE(fentry_typed_args_compile_and_load_or_explain),
	TT_CASE(fentry_func_probe_and_args_texts),
	TT_CASE(kprobe_on_missing_function_loads),
	TT_CASE(uprobe_on_missing_function_loads),
	TT_CASE(tracepoint_argv_deref), TT_CASE(probe_offsets_and_addresses),
	TT_CASE(task_state_macros))
