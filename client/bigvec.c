/*
 * client/bigvec.c - growable arrays for the executor's large state (group
 * keys, aggregate cells, percentile values, result rows).
 *
 * Each array is its own anonymous mapping: growing is mremap (the kernel
 * moves page tables, never bytes) and the new part is pre-faulted in one
 * madvise(MADV_POPULATE_WRITE) call. Doubling a realloc'd array instead
 * copies every byte again and takes one page fault per 4 KiB.
 *
 * Arrays of BIGVEC_HUGE or more are sized in whole 2 MiB huge pages: under
 * a paravirtualised MMU (this project's test machines) the first touch of a
 * 4 KiB page costs 10-50 us even after MADV_POPULATE_WRITE, so a 1 MiB
 * array of 4 KiB pages costs over 10 ms - more than counting 5 million
 * rows - while one huge page costs about 0.1 ms. The unused tail of the
 * last huge page is the price (at most 2 MiB per array, while it lives).
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
#define BIGVEC_HUGE (256u << 10)
#define HUGE_PAGE (2u << 20)

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
	if (bytes >= BIGVEC_HUGE)
		bytes = (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
	else
		bytes = (bytes + 4095) & ~(size_t)4095;
	/*
	 * Growing from small pages into huge ones moves the bytes instead of
	 * the mapping: a 2 MiB range that already holds small pages can never
	 * get a huge page.
	 */
	bool copy = *p && old < BIGVEC_HUGE && bytes >= BIGVEC_HUGE;
	if (*p && !copy)
		np = mremap(*p, old, bytes, MREMAP_MAYMOVE);
	else
		np = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (np == MAP_FAILED)
		return -ENOMEM;
	/*
	 * Best effort: huge pages where the kernel offers them on request
	 * (one fault per 2 MiB), then the new part faulted in one call; older
	 * kernels fault the pages in one by one. In huge pages only what is
	 * needed now: the rest of a doubling would be zeroed for nothing, and
	 * faults in later at one fault per 2 MiB.
	 */
	size_t from = copy ? 0 : old, to = bytes;
	if (bytes >= HUGE_PAGE) {
		madvise(np, bytes, MADV_HUGEPAGE);
		to = (need * elem + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
		to = to > bytes ? bytes : to;
	}
	if (to > from)
		madvise((char *)np + from, to - from, MADV_POPULATE_WRITE);
	if (copy) {
		memcpy(np, *p, *cap * elem);
		munmap(*p, old);
	}
	*p = np;
	*cap = bytes / elem;
	return 0;
}

void bigvec__free(void *p, size_t cap, size_t elem)
{
	if (p)
		munmap(p, ((cap * elem) + 4095) & ~(size_t)4095);
}
