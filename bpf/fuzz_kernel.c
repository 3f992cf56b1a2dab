/*
 * fuzz_kernel.c - libFuzzer target for the parsers of kernel-interface
 * data: tracefs format text, BTF blobs (bt_btf__open plus every accessor
 * on every type id), and ELF files (symbol lookup, wildcard listing).
 * The first byte picks the parser; the rest is its input. Files are given
 * to the path-based APIs through a memfd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf/btf.h"
#include "bpf/elf_sym.h"
#include "bpf/tracefs.h"

static int as_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

static void fuzz_format(const uint8_t *data, size_t size)
{
	struct bt_tp_format *f = NULL;
	char err[256];

	if (bt_tp_format__parse((const char *)data, size, "syscalls", &f, err,
				sizeof(err)) == 0) {
		for (size_t i = 0; i < f->nfields; i++)
			bt_tp_format__field(f, f->fields[i].name);
		bt_tp_format__free(f);
	}
}

static void fuzz_btf(const uint8_t *data, size_t size)
{
	struct bt_btf *b = NULL;
	char path[64], s[256], err[256];
	struct bt_btf_member m;
	uint32_t id, x, y;
	int64_t v;
	int fd = as_file(data, size, path, sizeof(path));

	if (fd < 0)
		return;
	if (bt_btf__open(path, &b, err, sizeof(err)) == 0) {
		for (id = 0; id < 4096; id++) {
			unsigned sz;
			bool sg;

			if (id > 16 && bt_btf__kind(b, id) == BT_BTF_VOID)
				break;
			bt_btf__type_str(b, id, s, sizeof(s));
			bt_btf__size(b, id);
			bt_btf__int(b, id, &sz, &sg, NULL, NULL);
			bt_btf__array(b, id, &x, &y);
			bt_btf__pointee(b, id, &x);
			bt_btf__member(b, id, "a", &m, err, sizeof(err));
			bt_btf__func_nparams(b, id);
			bt_btf__func_param(b, id, 0, NULL, &x);
			bt_btf__func_ret(b, id, &x);
		}
		bt_btf__enum_value(b, "A", &v, &x);
		bt_btf__lookup(b, "struct a **", &x, err, sizeof(err));
		bt_btf__lookup(b, "a", &x, err, sizeof(err));
		bt_btf__func(b, "a", &x, err, sizeof(err));
		bt_btf__free(b);
	}
	close(fd);
}

static void fuzz_elf(const uint8_t *data, size_t size)
{
	struct bt_elf_syms l = {0};
	struct bt_elf_sym s;
	char path[64], err[256];
	int fd = as_file(data, size, path, sizeof(path));

	if (fd < 0)
		return;
	bt_elf__resolve(path, "main", &s, err, sizeof(err));
	if (bt_elf__match(path, "*", &l, err, sizeof(err)) > 0)
		bt_elf_syms__free(&l);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_format(data + 1, size - 1);
		break;
	case 1:
		fuzz_btf(data + 1, size - 1);
		break;
	default:
		fuzz_elf(data + 1, size - 1);
	}
	return 0;
}
