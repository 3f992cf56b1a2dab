/*
 * daemon/loop.c - the io_uring event loop (see loop.h).
 *
 * user_data of every poll SQE is the struct ttd_watch pointer; the tick's
 * timeout SQE and poll-remove SQEs carry reserved tags (values that are
 * never valid pointers). A watch lives on until the CQE without
 * IORING_CQE_F_MORE arrives for its poll: only then can the kernel no
 * longer name it. An unwatched watch has fn == NULL and is freed at that
 * point; a live one whose poll ended (e.g. -ECANCELED after overflow) is
 * simply re-armed.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include "daemon/log.h"
#include "daemon/loop.h"

#define TAG_TICK 1ull
#define TAG_IGNORE 2ull

struct ttd_watch {
	int fd;
	unsigned events;
	ttd_watch_fn fn; /* NULL once unwatched */
	void *ctx;
};

struct ttd_loop {
	struct io_uring ring;
	struct __kernel_timespec tick_ts;
	ttd_tick_fn tick;
	void *tick_ctx;
	bool stop;
	bool closing; /* ttd_loop__free: no callbacks, no re-arming */
	unsigned live; /* watches whose poll may still complete */
};

static struct io_uring_sqe *get_sqe(struct ttd_loop *loop)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);

	if (!sqe) { /* queue full: flush it and try once more */
		io_uring_submit(&loop->ring);
		sqe = io_uring_get_sqe(&loop->ring);
	}
	return sqe;
}

static int arm_tick(struct ttd_loop *loop)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_timeout(sqe, &loop->tick_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, TAG_TICK);
	return 0;
}

static int arm_poll(struct ttd_loop *loop, struct ttd_watch *w)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_multishot(sqe, w->fd, w->events);
	io_uring_sqe_set_data(sqe, w);
	return 0;
}

int ttd_loop__new(unsigned tick_ms, ttd_tick_fn tick, void *ctx,
		  struct ttd_loop **out)
{
	struct ttd_loop *loop = calloc(1, sizeof(*loop));
	int rc;

	if (!loop)
		return -ENOMEM;
	rc = io_uring_queue_init(256, &loop->ring, 0);
	if (rc < 0) {
		free(loop);
		return rc;
	}
	loop->tick_ts.tv_sec = tick_ms / 1000;
	loop->tick_ts.tv_nsec = (long long)(tick_ms % 1000) * 1000000;
	loop->tick = tick;
	loop->tick_ctx = ctx;
	rc = arm_tick(loop);
	if (rc < 0) {
		ttd_loop__free(loop);
		return rc;
	}
	*out = loop;
	return 0;
}

struct ttd_watch *ttd_loop__watch(struct ttd_loop *loop, int fd,
				  unsigned events, ttd_watch_fn fn, void *ctx)
{
	struct ttd_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->ctx = ctx;
	if (arm_poll(loop, w) < 0) {
		free(w);
		return NULL;
	}
	loop->live++;
	return w;
}

void ttd_loop__unwatch(struct ttd_loop *loop, struct ttd_watch *w)
{
	struct io_uring_sqe *sqe;

	if (!w || !w->fn)
		return;
	w->fn = NULL;
	sqe = get_sqe(loop);
	if (!sqe) {
		/* Cannot cancel: the final CQE arrives when the fd is closed.
		 */
		ttd_warn("event loop: submission queue full, poll removal "
			 "deferred");
		return;
	}
	io_uring_prep_poll_remove(sqe, (uint64_t)(uintptr_t)w);
	io_uring_sqe_set_data64(sqe, TAG_IGNORE);
	/* Submit now: the owner is about to close the fd. */
	io_uring_submit(&loop->ring);
}

static void handle_poll(struct ttd_loop *loop, struct ttd_watch *w, int res,
			unsigned flags)
{
	bool more = flags & IORING_CQE_F_MORE;

	if (w->fn && !loop->closing && res != -ECANCELED)
		w->fn(w->ctx, res);
	if (more)
		return;
	if (w->fn && !loop->closing && arm_poll(loop, w) == 0)
		return; /* poll ended on its own (overflow): keep watching */
	loop->live--;
	free(w);
}

static void handle_cqe(struct ttd_loop *loop, struct io_uring_cqe *cqe)
{
	uint64_t tag = io_uring_cqe_get_data64(cqe);

	if (tag == TAG_IGNORE)
		return;
	if (tag == TAG_TICK) {
		if (loop->closing)
			return;
		if (loop->tick)
			loop->tick(loop->tick_ctx);
		if (arm_tick(loop) < 0)
			ttd_err("event loop: cannot re-arm the tick");
		return;
	}
	handle_poll(loop, (struct ttd_watch *)(uintptr_t)tag, cqe->res,
		    cqe->flags);
}

int ttd_loop__run(struct ttd_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		int rc = io_uring_submit_and_wait(&loop->ring, 1);

		if (rc < 0 && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN)
			return rc;
		/* Copy-free batch: callbacks may queue SQEs, never reap. */
		io_uring_for_each_cqe(&loop->ring, head, cqe)
		{
			n++;
			handle_cqe(loop, cqe);
			if (loop->stop)
				break;
		}
		io_uring_cq_advance(&loop->ring, n);
	}
	return 0;
}

void ttd_loop__stop(struct ttd_loop *loop)
{
	loop->stop = true;
}

void ttd_loop__free(struct ttd_loop *loop)
{
	struct __kernel_timespec ts = {.tv_nsec = 10000000};

	if (!loop)
		return;
	/*
	 * Reap the final completions of unwatched polls so their memory is
	 * released; bounded, because a watch whose owner forgot to unwatch
	 * never completes (the sanitizer builds would report that leak).
	 */
	loop->closing = true;
	for (int i = 0; i < 50 && loop->live; i++) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;

		io_uring_submit_and_wait_timeout(&loop->ring, &cqe, 1, &ts,
						 NULL);
		io_uring_for_each_cqe(&loop->ring, head, cqe)
		{
			n++;
			handle_cqe(loop, cqe);
		}
		io_uring_cq_advance(&loop->ring, n);
	}
	io_uring_queue_exit(&loop->ring);
	free(loop);
}
