/*
 * load.c - maps created, map fds patched into the instructions, programs
 * through the verifier.
 *
 * A verifier rejection becomes a diagnostic at the probe's position whose
 * message ends with the tail of the verifier log (the last lines say
 * why); the full log is not kept. The log buffer is only passed on a
 * retry after a failure, so the common case pays nothing for it.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/attach.h"
#include "bpf/object.h"

#define LOG_SIZE (1u << 20)
/* A diagnostic holds 512 bytes: the header plus the log's last lines. */
#define LOG_TAIL 380

static void internal_maps(struct bt_object *obj, int ncpu)
{
	(void)ncpu;
	struct bt_map_def *m = obj->maps;
	snprintf(m[BT_MAP_RINGBUF].name, 64, "bt_ring");
	m[BT_MAP_RINGBUF].type = BPF_MAP_TYPE_RINGBUF;
	m[BT_MAP_RINGBUF].max_entries = obj->ringbuf_bytes;
	snprintf(m[BT_MAP_LOST].name, 64, "bt_lost");
	m[BT_MAP_LOST].type = BPF_MAP_TYPE_PERCPU_ARRAY;
	m[BT_MAP_LOST].key_size = 4;
	m[BT_MAP_LOST].value_size = 8;
	m[BT_MAP_LOST].max_entries = 1;
	snprintf(m[BT_MAP_SCRATCH].name, 64, "bt_scratch");
	m[BT_MAP_SCRATCH].type = BPF_MAP_TYPE_PERCPU_ARRAY;
	m[BT_MAP_SCRATCH].key_size = 4;
	m[BT_MAP_SCRATCH].value_size = BT_SCRATCH_BYTES;
	m[BT_MAP_SCRATCH].max_entries = BT_SCRATCH_SLOTS;
	snprintf(m[BT_MAP_GLOBALS].name, 64, "bt_globals");
	m[BT_MAP_GLOBALS].type = BPF_MAP_TYPE_ARRAY;
	m[BT_MAP_GLOBALS].key_size = 4;
	m[BT_MAP_GLOBALS].value_size = sizeof(struct bt_globals);
	m[BT_MAP_GLOBALS].max_entries = 1;
}

static int create_maps(struct bt_object *obj, struct bt_diags *diags)
{
	for (size_t i = 0; i < obj->nmaps; i++) {
		struct bt_map_def *m = &obj->maps[i];
		char name[BPF_OBJ_NAME_LEN] = { 0 };
		/* Kernel map names: [A-Za-z0-9_.], 15 characters. */
		for (size_t k = 0, j = 0; m->name[k] && j < sizeof(name) - 1;
		     k++)
			if (m->name[k] != '@')
				name[j++] = m->name[k];
		/*
		 * Hash maps allocate entries on insert: preallocating 4096
		 * of them took 1-10 ms per map, most of a tool's load time
		 * (this kernel's BPF allocator is safe in every probe type).
		 */
		LIBBPF_OPTS(bpf_map_create_opts, mo);
		/* Aggregations are per-CPU (codegen_map.c, map_read.c). */
		if (i >= BT_MAP_USER && m->type == BPF_MAP_TYPE_HASH &&
		    m->kind != BT_MAPK_VALUE)
			m->type = BPF_MAP_TYPE_PERCPU_HASH;
		if (m->type == BPF_MAP_TYPE_HASH ||
		    m->type == BPF_MAP_TYPE_PERCPU_HASH)
			mo.map_flags = BPF_F_NO_PREALLOC;
		m->fd = bpf_map_create(m->type, name, m->key_size,
				       bt_map__slot_size(m), m->max_entries,
				       &mo);
		if (m->fd < 0) {
			int rc = -errno;
			bt_diags__add(diags, 0, 0,
				      "cannot create map %s: %s", m->name,
				      strerror(errno));
			return rc;
		}
	}
	return 0;
}

static void relocate(struct bt_object *obj, struct bt_prog_def *p)
{
	for (size_t i = 0; i < p->nrelocs; i++)
		p->insns[p->relocs[i].insn].imm =
			obj->maps[p->relocs[i].map].fd;
}

/* Adds the verifier failure of p as a diagnostic with the log's tail. */
static void verifier_diag(struct bt_prog_def *p, const char *log, int err,
			  struct bt_diags *diags)
{
	size_t len = strlen(log);
	while (len && log[len - 1] == '\n')
		len--;
	size_t start = len > LOG_TAIL ? len - LOG_TAIL : 0;
	while (start > 0 && start < len && log[start - 1] != '\n')
		start++;
	bt_diags__add(diags, p->line, p->col,
		      "the BPF verifier rejected probe %s (%s):\n%.*s",
		      p->unit.target ? p->unit.target
				     : bt_probe_kind__name(p->unit.kind),
		      strerror(err), (int)(len - start), log + start);
}

/*
 * fentry/fexit programs are bound to their function at load; a kernel
 * without BPF trampolines refuses them there, which is no verifier
 * verdict on the program.
 */
static int trampoline_diag(struct bt_prog_def *p, int err,
			   struct bt_diags *diags)
{
	struct bt_features f;
	bt_features__probe(&f);
	if (f.fentry)
		return 0;
	bt_diags__add(diags, p->unit.line, p->unit.col,
		      "cannot load %s:%s: %s (%s)",
		      bt_probe_kind__name(p->unit.kind), p->unit.target,
		      BT_ATTACH_NO_FENTRY, strerror(err));
	return -err;
}

static int load_prog(struct bt_prog_def *p, struct bt_diags *diags)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	if (p->type == BPF_PROG_TYPE_TRACING) {
		opts.expected_attach_type = p->unit.kind == BT_PROBE_FEXIT
						    ? BPF_TRACE_FEXIT
						    : BPF_TRACE_FENTRY;
		opts.attach_btf_id = p->unit.btf_id;
	}
	p->fd = bpf_prog_load(p->type, p->name, "GPL", p->insns, p->ninsns,
			      &opts);
	if (p->fd >= 0)
		return 0;
	int err = errno;
	if (p->type == BPF_PROG_TYPE_TRACING && trampoline_diag(p, err, diags))
		return -err;
	char *log = calloc(1, LOG_SIZE);
	if (!log)
		return -ENOMEM;
	opts.log_buf = log;
	opts.log_size = LOG_SIZE;
	opts.log_level = 1;
	p->fd = bpf_prog_load(p->type, p->name, "GPL", p->insns, p->ninsns,
			      &opts);
	if (p->fd >= 0) { /* flaky first attempt; keep the program */
		free(log);
		return 0;
	}
	err = errno ? errno : err;
	verifier_diag(p, log, err, diags);
	free(log);
	return -err;
}

int bt_object__load(struct bt_object *obj, struct bt_diags *diags)
{
	internal_maps(obj, 0);
	int rc = create_maps(obj, diags);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < obj->nprogs; i++) {
		relocate(obj, &obj->progs[i]);
		rc = load_prog(&obj->progs[i], diags);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int bt_object__run_once(const struct bt_prog_def *p)
{
	uint64_t args[1] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
		    .ctx_size_in = sizeof(args));
	if (bpf_prog_test_run_opts(p->fd, &opts) < 0)
		return -errno;
	return 0;
}
