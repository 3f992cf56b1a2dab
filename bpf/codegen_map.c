/*
 * codegen_map.c - @maps: keys, reads, assignments, aggregations, delete.
 *
 * Keys are built in a zeroed stack slot (padding included, so equal keys
 * hash equally). A read of a missing key yields zero, as in bpftrace.
 *
 * Aggregation maps (count, sum, min, max, avg, stats, hist, lhist) are
 * per-CPU, as in bpftrace (load.c makes them so; map_read.c folds the
 * CPUs for every reader): a probe updates only its own CPU's slot, so
 * CPUs never contend for a cache line. Updates still use an atomic add,
 * which costs nothing uncontended and keeps an NMI-context probe (perf
 * events) that interrupts another probe's update on the same CPU from
 * losing it. A new key is inserted with BPF_NOEXIST and, when that races
 * with an interrupting probe, the update is retried on its entry. Read
 * inside a probe, an aggregation gives this CPU's part (as in bpftrace).
 */
#include "bpf/codegen.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))

static const struct bt_map_def *mapdef(struct bt_cg *cg,
				       const struct bt_expr *m)
{
	return &cg->s->obj->maps[bt_sema__info(cg->s, m)->map];
}

int bt_cg__map_key(struct bt_cg *cg, const struct bt_expr *m)
{
	const struct bt_map_def *md = mapdef(cg, m);
	int slot = bt_cg__slot(cg, (int)md->key_size, m->line, m->col);
	bt_emit__zero(&cg->e, slot, (int)md->key_size);
	if (m->map.nkeys == 1) {
		bt_cg__store(cg, m->map.keys[0], BPF_REG_10, slot, &md->key);
	} else {
		const struct bt_tuple *tu = md->key.tuple;
		for (size_t i = 0; i < m->map.nkeys; i++)
			bt_cg__store(cg, m->map.keys[i], BPF_REG_10,
				     slot + (int)tu->off[i], &tu->f[i]);
	}
	return slot;
}

/* r0 = lookup(map, r10 + key). */
static void lookup(struct bt_cg *cg, int map, int key)
{
	bt_emit__ld_map(&cg->e, BPF_REG_1, (uint32_t)map);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_2, key));
	EMIT(cg, BT_CALL(BPF_FUNC_map_lookup_elem));
}

/* update(map, r10 + key, r10 + val, flags); result in r0. */
static void update(struct bt_cg *cg, int map, int key, int val, int flags)
{
	bt_emit__ld_map(&cg->e, BPF_REG_1, (uint32_t)map);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_2, key));
	EMIT(cg, BT_MOV64_REG(BPF_REG_3, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_3, val));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_4, flags));
	EMIT(cg, BT_CALL(BPF_FUNC_map_update_elem));
}

void bt_cg__map_read(struct bt_cg *cg, const struct bt_expr *e, int slot)
{
	int map = bt_sema__info(cg->s, e)->map;
	const struct bt_map_def *md = &cg->s->obj->maps[map];
	int mark = cg->e.stack;
	int key = bt_cg__map_key(cg, e);
	int miss = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	if (slot)
		bt_emit__zero(&cg->e, slot, (int)md->value_size);
	lookup(cg, map, key);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, miss);
	if (slot) {
		bt_emit__copy(&cg->e, BPF_REG_10, slot, BPF_REG_0, 0,
			      (int)md->value_size);
		bt_emit__place(&cg->e, miss);
	} else {
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BPF_REG_0, 0));
		bt_emit__ja(&cg->e, end);
		bt_emit__place(&cg->e, miss);
		EMIT(cg, BT_MOV64_IMM(BPF_REG_0, 0));
	}
	bt_emit__place(&cg->e, end);
	bt_emit__stack_reset(&cg->e, mark);
}

static void store_value(struct bt_cg *cg, int map, int key, int val)
{
	update(cg, map, key, val, BPF_ANY);
}

void bt_cg__map_assign(struct bt_cg *cg, const struct bt_stmt *st)
{
	const struct bt_expr *m = st->assign.target;
	int map = bt_sema__info(cg->s, m)->map;
	const struct bt_map_def *md = &cg->s->obj->maps[map];
	int mark = cg->e.stack;
	int val = bt_cg__slot(cg, (int)md->value_size, st->line, st->col);
	if (st->assign.op != BT_BINOP_NONE) {
		const struct bt_einfo *vi = bt_sema__info(cg->s,
							  st->assign.value);
		bt_cg__map_read(cg, m, 0);
		int cur = bt_cg__spill(cg, st->line, st->col);
		bt_cg__expr(cg, st->assign.value);
		EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_0));
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BPF_REG_10, cur));
		bt_cg__alu(cg, st->assign.op,
			   md->value.is_signed || vi->type.is_signed);
		EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, val));
	} else {
		bt_emit__zero(&cg->e, val, (int)md->value_size);
		bt_cg__store(cg, st->assign.value, BPF_REG_10, val, &md->value);
	}
	int key = bt_cg__map_key(cg, m);
	store_value(cg, map, key, val);
	bt_emit__stack_reset(&cg->e, mark);
}

void bt_cg__map_incdec(struct bt_cg *cg, const struct bt_expr *e)
{
	const struct bt_expr *m = e->incdec.target;
	int map = bt_sema__info(cg->s, m)->map;
	int d = e->incdec.increment ? 1 : -1;
	int mark = cg->e.stack;
	int val = bt_cg__slot(cg, 8, e->line, e->col);
	bt_cg__map_read(cg, m, 0);
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_0, d));
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, val));
	int key = bt_cg__map_key(cg, m);
	store_value(cg, map, key, val);
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BPF_REG_10, val));
	if (!e->incdec.prefix)
		EMIT(cg, BT_ALU64_IMM(BPF_SUB, BPF_REG_0, d));
	bt_emit__stack_reset(&cg->e, mark);
}

void bt_cg__map_delete(struct bt_cg *cg, const struct bt_expr *m)
{
	int map = bt_sema__info(cg->s, m)->map;
	int mark = cg->e.stack;
	int key = bt_cg__map_key(cg, m);
	bt_emit__ld_map(&cg->e, BPF_REG_1, (uint32_t)map);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_2, key));
	EMIT(cg, BT_CALL(BPF_FUNC_map_delete_elem));
	bt_emit__stack_reset(&cg->e, mark);
}

/* [r0] += r1 atomically. */
static void atomic_add(struct bt_cg *cg)
{
	EMIT(cg, ((struct bpf_insn){ .code = BPF_STX | BPF_DW | BPF_ATOMIC,
				     .dst_reg = BPF_REG_0,
				     .src_reg = BPF_REG_1,
				     .imm = BPF_ADD }));
}

/* r0 = the bucket index of the value in r0 for a log2 histogram. */
static void log2_bucket(struct bt_cg *cg)
{
	int done = bt_emit__label(&cg->e), pos = bt_emit__label(&cg->e);
	bt_emit__jmp_imm(&cg->e, BPF_JSGT, BPF_REG_0, 0, pos);
	/* Negative: bucket 0; zero: bucket 1. */
	EMIT(cg, BT_MOV64_IMM(BPF_REG_1, 0));
	bt_emit__jmp_imm(&cg->e, BPF_JSLT, BPF_REG_0, 0, done);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_1, 1));
	bt_emit__ja(&cg->e, done);
	bt_emit__place(&cg->e, pos);
	/* floor(log2(v)) by halving: r1 = 2 + log2, r0 shifted down. */
	EMIT(cg, BT_MOV64_IMM(BPF_REG_1, 2));
	for (int sh = 32; sh >= 1; sh /= 2) {
		int skip = bt_emit__label(&cg->e);
		EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_0));
		EMIT(cg, BT_ALU64_IMM(BPF_RSH, BPF_REG_2, sh));
		bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_2, 0, skip);
		EMIT(cg, BT_MOV64_REG(BPF_REG_0, BPF_REG_2));
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, sh));
		bt_emit__place(&cg->e, skip);
	}
	bt_emit__place(&cg->e, done);
	EMIT(cg, BT_MOV64_REG(BPF_REG_0, BPF_REG_1));
}

/* r0 = the bucket index of the value in r0 for lhist(min, max, step). */
static void linear_bucket(struct bt_cg *cg, const struct bt_map_def *md)
{
	int done = bt_emit__label(&cg->e), in = bt_emit__label(&cg->e);
	int over = bt_emit__label(&cg->e);
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_0));
	bt_emit__ld_imm64(&cg->e, BPF_REG_2, (uint64_t)md->lmin);
	bt_emit__jmp_reg(&cg->e, BPF_JSGE, BPF_REG_1, BPF_REG_2, in);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, 0));
	bt_emit__ja(&cg->e, done);
	bt_emit__place(&cg->e, in);
	bt_emit__ld_imm64(&cg->e, BPF_REG_2, (uint64_t)md->lmax);
	bt_emit__jmp_reg(&cg->e, BPF_JSGE, BPF_REG_1, BPF_REG_2, over);
	bt_emit__ld_imm64(&cg->e, BPF_REG_2, (uint64_t)md->lmin);
	EMIT(cg, BT_ALU64_REG(BPF_SUB, BPF_REG_1, BPF_REG_2));
	bt_emit__ld_imm64(&cg->e, BPF_REG_2, (uint64_t)md->lstep);
	EMIT(cg, BT_ALU64_REG(BPF_DIV, BPF_REG_1, BPF_REG_2));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, 1));
	EMIT(cg, BT_MOV64_REG(BPF_REG_0, BPF_REG_1));
	bt_emit__ja(&cg->e, done);
	bt_emit__place(&cg->e, over);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, (int32_t)md->nbuckets - 1));
	bt_emit__place(&cg->e, done);
}

/*
 * hist()/lhist(): the bucket array is larger than the BPF stack, so a new
 * key is inserted from zeroed scratch memory (no record is being built
 * between statements), then the bucket is bumped atomically.
 */
static void histogram(struct bt_cg *cg, const struct bt_expr *m,
		      const struct bt_expr *call, int map)
{
	const struct bt_map_def *md = &cg->s->obj->maps[map];
	int idx = bt_cg__slot(cg, 8, m->line, m->col);
	bt_cg__expr(cg, call->call.args[0]);
	if (md->kind == BT_MAPK_HIST)
		log2_bucket(cg);
	else
		linear_bucket(cg, md);
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, idx));
	int key = bt_cg__map_key(cg, m);
	int found = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	lookup(cg, map, key);
	bt_emit__jmp_imm(&cg->e, BPF_JNE, BPF_REG_0, 0, found);
	for (uint32_t i = 0; i < md->value_size; i += 8)
		EMIT(cg, BT_ST_IMM(BPF_DW, BT_REG_SCRATCH, (int16_t)i, 0));
	bt_emit__ld_map(&cg->e, BPF_REG_1, (uint32_t)map);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_2, key));
	EMIT(cg, BT_MOV64_REG(BPF_REG_3, BT_REG_SCRATCH));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_4, BPF_NOEXIST));
	EMIT(cg, BT_CALL(BPF_FUNC_map_update_elem));
	lookup(cg, map, key);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, end);
	bt_emit__place(&cg->e, found);
	/* Bounded index, so the verifier sees the access inside the value. */
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, idx));
	int ok = bt_emit__label(&cg->e);
	bt_emit__jmp_imm(&cg->e, BPF_JLT, BPF_REG_1, (int32_t)md->nbuckets, ok);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_1, (int32_t)md->nbuckets - 1));
	bt_emit__place(&cg->e, ok);
	EMIT(cg, BT_ALU64_IMM(BPF_LSH, BPF_REG_1, 3));
	EMIT(cg, BT_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_1, 1));
	atomic_add(cg);
	bt_emit__place(&cg->e, end);
}

/* avg()/stats(): {count, sum}, both added atomically. */
static void average(struct bt_cg *cg, const struct bt_expr *m,
		    const struct bt_expr *call, int map)
{
	int val = bt_cg__slot(cg, 16, m->line, m->col);
	bt_cg__expr(cg, call->call.args[0]);
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, val, 1));
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, val + 8));
	int key = bt_cg__map_key(cg, m);
	int insert = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	lookup(cg, map, key);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, insert);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_1, 1));
	atomic_add(cg);
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_0, 8));
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, val + 8));
	atomic_add(cg);
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, insert);
	update(cg, map, key, val, BPF_ANY);
	bt_emit__place(&cg->e, end);
}

/*
 * min()/max(): each CPU's slot is {value, set} (map_read.c folds only the
 * CPUs that set one); a slot not yet set takes the value as it is.
 */
static void min_max(struct bt_cg *cg, const struct bt_expr *m,
		    const struct bt_expr *call, int map, bool is_min)
{
	int val = bt_cg__slot(cg, 16, m->line, m->col);
	bt_cg__expr(cg, call->call.args[0]);
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, val));
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, val + 8, 1));
	int key = bt_cg__map_key(cg, m);
	int found = bt_emit__label(&cg->e), store = bt_emit__label(&cg->e);
	int insert = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	lookup(cg, map, key);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, insert);
	bt_emit__place(&cg->e, found);
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, val));
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_2, BPF_REG_0, 8));
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_2, 0, store);
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_2, BPF_REG_0, 0));
	bt_emit__jmp_reg(&cg->e, is_min ? BPF_JSGE : BPF_JSLE, BPF_REG_1,
			 BPF_REG_2, end);
	bt_emit__place(&cg->e, store);
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_0, 8, 1));
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, insert);
	update(cg, map, key, val, BPF_NOEXIST);
	/* Lost the insert race (-EEXIST): compare with the winner's once. */
	bt_emit__jmp_imm(&cg->e, BPF_JNE, BPF_REG_0, -17, end);
	lookup(cg, map, key);
	bt_emit__jmp_imm(&cg->e, BPF_JNE, BPF_REG_0, 0, found);
	bt_emit__place(&cg->e, end);
}

void bt_cg__map_aggregate(struct bt_cg *cg, const struct bt_expr *m,
			  const struct bt_expr *call)
{
	int map = bt_sema__info(cg->s, m)->map;
	enum bt_map_kind kind = cg->s->obj->maps[map].kind;
	int mark = cg->e.stack;
	if (kind == BT_MAPK_HIST || kind == BT_MAPK_LHIST) {
		histogram(cg, m, call, map);
		bt_emit__stack_reset(&cg->e, mark);
		return;
	}
	if (kind == BT_MAPK_AVG || kind == BT_MAPK_STATS) {
		average(cg, m, call, map);
		bt_emit__stack_reset(&cg->e, mark);
		return;
	}
	if (kind == BT_MAPK_MIN || kind == BT_MAPK_MAX) {
		min_max(cg, m, call, map, kind == BT_MAPK_MIN);
		bt_emit__stack_reset(&cg->e, mark);
		return;
	}
	int val = bt_cg__slot(cg, 8, m->line, m->col);
	if (kind == BT_MAPK_COUNT)
		EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, val, 1));
	else {
		bt_cg__expr(cg, call->call.args[0]);
		EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, val));
	}
	int key = bt_cg__map_key(cg, m);
	int insert = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	lookup(cg, map, key);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, insert);
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, val));
	atomic_add(cg);
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, insert);
	update(cg, map, key, val, BPF_NOEXIST);
	/* Lost the insert race (-EEXIST): add to the winner's entry once. */
	bt_emit__jmp_imm(&cg->e, BPF_JNE, BPF_REG_0, -17, end);
	lookup(cg, map, key);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, end);
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, val));
	atomic_add(cg);
	bt_emit__place(&cg->e, end);
	bt_emit__stack_reset(&cg->e, mark);
}
