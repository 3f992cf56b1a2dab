/*
 * object.c - the compiled program container: growable tables of programs,
 * maps and printf layouts, freed in one place.
 */
#include "bpf/object.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/attach.h"

struct bt_object *bt_object__new(void)
{
	return calloc(1, sizeof(struct bt_object));
}

void bt_object__free(struct bt_object *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->nprogs; i++) {
		struct bt_prog_def *p = &obj->progs[i];
		bt_link__free(p->link);
		if (p->fd >= 0)
			close(p->fd);
		free(p->insns);
		free(p->relocs);
		free(p->unit.target);
		free(p->unit.symbol);
		free(p->unit.path);
		bt_tp_format__free(p->unit.tp);
		free(p->unit.usdt_args);
	}
	for (size_t i = 0; i < obj->nmaps; i++)
		if (obj->maps[i].fd >= 0)
			close(obj->maps[i].fd);
	for (size_t i = 0; i < obj->nprintfs; i++) {
		free(obj->printfs[i].fmt);
		free(obj->printfs[i].args);
	}
	free(obj->progs);
	free(obj->maps);
	free(obj->printfs);
	free(obj->tables);
	free(obj);
}

/* Appends one zeroed element to *arr; returns its index or -ENOMEM. */
static int append(void **arr, size_t *n, size_t size)
{
	void *p = realloc(*arr, (*n + 1) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	memset((char *)p + *n * size, 0, size);
	return (int)(*n)++;
}

int bt_object__add_prog(struct bt_object *obj)
{
	int i = append((void **)&obj->progs, &obj->nprogs, sizeof(*obj->progs));
	if (i >= 0)
		obj->progs[i].fd = -1;
	return i;
}

int bt_object__add_map(struct bt_object *obj)
{
	int i = append((void **)&obj->maps, &obj->nmaps, sizeof(*obj->maps));
	if (i >= 0)
		obj->maps[i].fd = -1;
	return i;
}

int bt_object__add_printf(struct bt_object *obj)
{
	return append((void **)&obj->printfs, &obj->nprintfs,
		      sizeof(*obj->printfs));
}

int bt_object__find_map(const struct bt_object *obj, const char *name)
{
	for (size_t i = BT_MAP_USER; i < obj->nmaps; i++)
		if (!strcmp(obj->maps[i].name, name))
			return (int)i;
	return -1;
}
