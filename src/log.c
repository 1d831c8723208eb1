/*
 * Logging in the OpenBSD daemon shape: to stderr in the foreground, to
 * syslog when daemonized; fatal() only at start-up or on a broken invariant.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cccd.h"
#include "log.h"

static int	log_debug_on;
static int	log_to_syslog;
static int	log_verbose;

void
log_init(int debug, int to_syslog)
{
	log_debug_on = debug;
	log_to_syslog = to_syslog;
	if (to_syslog)
		openlog("canhgacd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

/* Write one line at priority pri, with errno text appended when asked. */
static void
vlog_msg(int pri, int with_errno, const char *fmt, va_list ap)
{
	char	msg[1024];
	int	saved = errno, n;

	/*
	 * Messages quote what they refuse (a list line, a YAML value, a
	 * feed's entry, a file name): masked as every record is, and a
	 * message cut short may have cut a number.
	 */
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	cccd_mask_str(msg);
	if (n >= (int)sizeof(msg))
		cccd_mask_cut(msg, strlen(msg), 0, 1);
	if (log_to_syslog) {
		if (with_errno)
			syslog(pri, "%s: %s", msg, strerror(saved));
		else
			syslog(pri, "%s", msg);
	} else {
		if (with_errno)
			fprintf(stderr, "canhgacd: %s: %s\n", msg, strerror(saved));
		else
			fprintf(stderr, "canhgacd: %s\n", msg);
		fflush(stderr);
	}
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_msg(LOG_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_msg(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose && !log_debug_on && !log_to_syslog)
		return;
	va_start(ap, fmt);
	vlog_msg(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_debug_on && log_verbose < 2)
		return;
	va_start(ap, fmt);
	vlog_msg(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_msg(LOG_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_msg(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
