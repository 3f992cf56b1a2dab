/*
 * daemon/notify.h - process hygiene for a service: systemd readiness and
 * standard descriptors.
 */
#ifndef TTD_NOTIFY_H
#define TTD_NOTIFY_H

/*
 * Sends state (e.g. "READY=1", "STOPPING=1") to the service manager when
 * $NOTIFY_SOCKET names one (a path, or "@name" for an abstract socket).
 * Returns 0 when sent or when there is no manager, else a negative errno.
 */
int ttd_notify__send(const char *state);

/*
 * Makes sure descriptors 0, 1 and 2 are open (on /dev/null if closed), so
 * that no BPF map or ring buffer is ever handed fd 0, which libbpf and
 * many APIs treat as "none".
 */
void ttd_notify__stdio_guard(void);

#endif
