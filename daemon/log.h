/*
 * daemon/log.h - leveled logging to stderr for tracetabd.
 *
 * tracetabd runs in the foreground under systemd, so stderr is the log.
 * Each line is "tracetabd: <level>: message". Messages above the current
 * level are dropped before formatting, so debug logging costs one compare.
 */
#ifndef TTD_LOG_H
#define TTD_LOG_H

enum ttd_log_level {
	TTD_LOG_ERROR = 0,
	TTD_LOG_WARN = 1,
	TTD_LOG_INFO = 2,
	TTD_LOG_DEBUG = 3,
};

extern enum ttd_log_level ttd_log__level;

/* Parses "error", "warn", "info" or "debug"; returns the level or -EINVAL. */
int ttd_log__parse(const char *name);
void ttd_log__msg(enum ttd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ttd_err(...) ttd_log__msg(TTD_LOG_ERROR, __VA_ARGS__)
#define ttd_warn(...) ttd_log__msg(TTD_LOG_WARN, __VA_ARGS__)
#define ttd_info(...) ttd_log__msg(TTD_LOG_INFO, __VA_ARGS__)
#define ttd_debug(...) ttd_log__msg(TTD_LOG_DEBUG, __VA_ARGS__)

#endif
