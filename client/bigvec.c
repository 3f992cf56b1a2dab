/*
 * client/bigvec.c - growable arrays for the executor's large state (group
 * keys, aggregate cells, percentile values, result rows).
 *
 * Each array is its own anonymous mapping: growing is mremap (the kernel
 * moves page tables, never bytes) and the new part is pre-faulted in one
 * madvise(MADV_POPULATE_WRITE) call, in huge pages when large. Doubling a
 * realloc'd array instead copies every byte again and takes one page fault per
 * 4 KiB, which under a paravirtualised MMU costs more than the query's own
 * work.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client/sql.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define BIGVEC_MIN (64u << 10)

int bigvec__reserve(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t old = *cap * elem, bytes;
	void *np;

	if (need <= *cap)
		return 0;
	if (need > SIZE_MAX / elem / 2)
		return -ENOMEM;
	bytes = need * elem;
	if (bytes < old * 2)
		bytes = old * 2;
	if (bytes < BIGVEC_MIN)
		bytes = BIGVEC_MIN;
	bytes = (bytes + 4095) & ~(size_t)4095;
	if (*p)
		np = mremap(*p, old, bytes, MREMAP_MAYMOVE);
	else
		np = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (np == MAP_FAILED)
		return -ENOMEM;
	/*
	 * Best effort: huge pages where the kernel offers them on request
	 * (one fault per 2 MiB), then the new part faulted in one call; older
	 * kernels fault the pages in one by one.
	 */
	if (bytes >= (2u << 20))
		madvise(np, bytes, MADV_HUGEPAGE);
	madvise((char *)np + old, bytes - old, MADV_POPULATE_WRITE);
	*p = np;
	*cap = bytes / elem;
	return 0;
}

void bigvec__free(void *p, size_t cap, size_t elem)
{
	if (p)
		munmap(p, ((cap * elem) + 4095) & ~(size_t)4095);
}
