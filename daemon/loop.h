/*
 * daemon/loop.h - tracetabd's single-threaded io_uring event loop.
 *
 * Everything the daemon waits for is a multishot poll on a file descriptor
 * (ring buffers, the control socket and its clients, the signalfd) or the
 * loop's periodic tick (TTL reaper, clock refresh, ring-buffer drain). A
 * watch is allocated by the loop; its owner may unwatch it at any time,
 * even from inside its own callback, and the callback is never called
 * again. The memory is released when the kernel reports the poll finished,
 * so a late completion never touches freed memory.
 */
#ifndef TTD_LOOP_H
#define TTD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct ttd_loop;
struct ttd_watch;

/* revents: poll bits that fired, or a negative errno. */
typedef void (*ttd_watch_fn)(void *ctx, int revents);
typedef void (*ttd_tick_fn)(void *ctx);

/*
 * Creates a loop whose tick calls tick(ctx) every tick_ms milliseconds.
 * Returns 0 and *out or a negative errno.
 */
int ttd_loop__new(unsigned tick_ms, ttd_tick_fn tick, void *ctx,
		  struct ttd_loop **out);

/*
 * Calls fn(ctx, revents) whenever fd has any of events (POLLIN, POLLOUT).
 * The poll is re-armed by the loop if the kernel ends it early. Returns
 * the watch or NULL (out of memory or submission queue failure).
 */
struct ttd_watch *ttd_loop__watch(struct ttd_loop *loop, int fd,
				  unsigned events, ttd_watch_fn fn, void *ctx);

/* Stops a watch; fn is never called again. NULL is fine. */
void ttd_loop__unwatch(struct ttd_loop *loop, struct ttd_watch *w);

/* Runs until ttd_loop__stop(); returns 0 or a negative errno. */
int ttd_loop__run(struct ttd_loop *loop);
void ttd_loop__stop(struct ttd_loop *loop);

/* Frees the loop; pending watches are cancelled. NULL is fine. */
void ttd_loop__free(struct ttd_loop *loop);

#endif
