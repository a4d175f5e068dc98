/*
 * filestorm.c — the file (and loopback TCP) workload for the sensor
 * benchmarks, the counterpart of execstorm.c.
 *
 *   filestorm DIR N [RATE]     N times: open(DIR/fI, O_CREAT|O_EXCL) a new
 *                              file, write 64 bytes, close, unlink; print the
 *                              elapsed wall time in ms (CLOCK_MONOTONIC).
 *                              Kernel events per file: FileCreate,
 *                              FileModify (at close), FileDelete.
 *   filestorm -c DIR N [RATE]  the same without the write: FileCreate and
 *                              FileDelete only, two events per file.
 *   filestorm -t N             N TCP connections to a listener on 127.0.0.1
 *                              in this process (connect, accept, close both):
 *                              an outbound and an inbound NetworkConnect each.
 *   filestorm -r N             N request/response round trips on one loopback
 *                              TCP connection (write, read, write back, read
 *                              back: both ends of a Redis request); prints the
 *                              process's CPU ns per round trip
 *                              (CLOCK_PROCESS_CPUTIME_ID). No events: it is
 *                              the hot path a TCP server pays the hooks on.
 *   filestorm -g N             N getppid(2) calls; prints CPU ns per call. No
 *                              program of vigil's is on getppid: what is left
 *                              is what any attached syscall tracepoint costs
 *                              every syscall (the kernel's slow path and its
 *                              probes' bitmap tests).
 *
 * RATE paces the loop at RATE files (or connections) per second. The loop
 * sleeps only when it is more than 1 ms ahead of schedule: a sleep per file
 * would overshoot by the timer slack (~50 µs) and cap the rate far below
 * what is asked, while catching up in short bursts keeps the average exact.
 * Nothing but the measured syscalls runs in the loop; names are formatted
 * into a fixed buffer without stdio.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Waits until item i is due when pacing at rate per second (rate 0: never
 * waits). Sleeps only when ahead by more than 1 ms, see above. */
static void pace(double t0, long i, double rate)
{
	double ahead;

	if (rate <= 0)
		return;
	ahead = t0 + (double)i * 1000.0 / rate - now_ms();
	if (ahead > 1.0) {
		struct timespec ts = {(time_t)(ahead / 1000),
				      (long)((ahead - (double)(long)(ahead / 1000) * 1000) * 1e6)};
		nanosleep(&ts, NULL);
	}
}

/* Writes "DIR/f<i>" into path; dlen is strlen(DIR), path has room for it
 * plus 24 bytes. */
static void file_name(char *path, size_t dlen, long i)
{
	char digits[24];
	int n = 0;

	path[dlen] = '/';
	path[dlen + 1] = 'f';
	do {
		digits[n++] = (char)('0' + i % 10);
		i /= 10;
	} while (i > 0);
	for (int k = 0; k < n; k++)
		path[dlen + 2 + k] = digits[n - 1 - k];
	path[dlen + 2 + n] = '\0';
}

static int file_storm(const char *dir, long n, double rate, int do_write)
{
	static const char data[64] =
	    "vigil filestorm: 64 bytes of content, written once per file.\n";
	size_t dlen = strlen(dir);
	char *path = malloc(dlen + 32);
	double t0;

	if (path == NULL) {
		perror("filestorm");
		return EX_OSERR;
	}
	memcpy(path, dir, dlen);
	t0 = now_ms();
	for (long i = 0; i < n; i++) {
		int fd;

		pace(t0, i, rate);
		file_name(path, dlen, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			fprintf(stderr, "filestorm: %s: %s\n", path, strerror(errno));
			free(path);
			return EX_CANTCREAT;
		}
		if (do_write && write(fd, data, sizeof(data)) != (ssize_t)sizeof(data)) {
			fprintf(stderr, "filestorm: write %s: %s\n", path, strerror(errno));
			close(fd);
			unlink(path);
			free(path);
			return EX_IOERR;
		}
		close(fd);
		if (unlink(path) != 0) {
			fprintf(stderr, "filestorm: unlink %s: %s\n", path, strerror(errno));
			free(path);
			return EX_IOERR;
		}
	}
	printf("%.1f\n", now_ms() - t0);
	free(path);
	return 0;
}

/* A TCP listener on 127.0.0.1 at a port the kernel picks, its address in
 * sa; -1 (with the reason printed) when it cannot be had. */
static int listener(struct sockaddr_in *sa, int backlog)
{
	socklen_t sl = sizeof(*sa);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)sa, sizeof(*sa)) != 0 ||
	    listen(ls, backlog) != 0 || getsockname(ls, (struct sockaddr *)sa, &sl) != 0) {
		perror("filestorm: listener");
		if (ls >= 0)
			close(ls);
		return -1;
	}
	return ls;
}

static int tcp_storm(long n, double rate)
{
	struct sockaddr_in sa;
	int ls = listener(&sa, 128);
	double t0;

	if (ls < 0)
		return EX_OSERR;
	t0 = now_ms();
	for (long i = 0; i < n; i++) {
		int c, a;

		pace(t0, i, rate);
		c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			perror("filestorm: connect");
			return EX_OSERR;
		}
		a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0) {
			perror("filestorm: accept");
			return EX_OSERR;
		}
		/* The server side closes first, so TIME_WAIT stays with the
		 * client's ephemeral ports and never blocks the listener. */
		close(a);
		close(c);
	}
	printf("%.1f\n", now_ms() - t0);
	close(ls);
	return 0;
}

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int rw_storm(long n)
{
	struct sockaddr_in sa;
	int ls = listener(&sa, 1);
	int c, a;
	char b = 'x';
	double t0;

	if (ls < 0)
		return EX_OSERR;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (a = accept4(ls, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		perror("filestorm: connect");
		return EX_OSERR;
	}
	t0 = cpu_ns();
	for (long i = 0; i < n; i++) {
		if (write(c, &b, 1) != 1 || read(a, &b, 1) != 1 || write(a, &b, 1) != 1 ||
		    read(c, &b, 1) != 1) {
			perror("filestorm: round trip");
			return EX_OSERR;
		}
	}
	printf("%.1f\n", n ? (cpu_ns() - t0) / (double)n : 0.0);
	close(a);
	close(c);
	close(ls);
	return 0;
}

static int getppid_storm(long n)
{
	double t0 = cpu_ns();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid); /* not glibc's getppid(), which may not enter */
	printf("%.1f\n", n ? (cpu_ns() - t0) / (double)n : 0.0);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: filestorm [-c] DIR N [RATE]\n"
			"       filestorm -t N [RATE]\n"
			"       filestorm -r N\n"
			"       filestorm -g N\n");
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	/* The workload, by flag; FILES takes a directory before N. */
	enum { FILES, FILES_NO_WRITE, TCP_CONNECT, TCP_RW, GETPPID } mode = FILES;
	static const struct {
		const char *flag;
		int mode;
	} flags[] = {{"-c", FILES_NO_WRITE}, {"-t", TCP_CONNECT}, {"-r", TCP_RW}, {"-g", GETPPID}};
	const char *dir = NULL;
	int i = 1;
	long n;
	double rate = 0;
	char *end;

	for (size_t k = 0; i < argc && k < sizeof(flags) / sizeof(flags[0]); k++)
		if (strcmp(argv[i], flags[k].flag) == 0) {
			mode = flags[k].mode;
			i++;
			break;
		}
	if (argc - i < (mode <= FILES_NO_WRITE ? 2 : 1))
		return usage();
	if (mode <= FILES_NO_WRITE) {
		dir = argv[i++];
		if (dir[0] == '\0')
			return usage();
	}
	n = strtol(argv[i], &end, 10);
	if (*end != '\0' || n < 0)
		return usage();
	if (i + 1 < argc) {
		rate = strtod(argv[i + 1], &end);
		if (*end != '\0' || rate < 0)
			return usage();
	}
	switch (mode) {
	case TCP_RW:
		return rw_storm(n);
	case GETPPID:
		return getppid_storm(n);
	case TCP_CONNECT:
		return tcp_storm(n, rate);
	default:
		return file_storm(dir, n, rate, mode == FILES);
	}
}
