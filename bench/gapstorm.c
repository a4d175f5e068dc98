/*
 * gapstorm.c — the workload of the events added for the telemetry-gaps
 * issue (208-213), for bench/hook_cost.sh.
 *
 *   gapstorm DIR N     N rounds of: mkdir and rmdir of DIR/dI, a symlink
 *                      and a hard link made and unlinked, prctl(PR_SET_NAME),
 *                      a connect to a refused port on 127.0.0.1, an open,
 *                      read and close of /etc/shadow, and a fork whose child
 *                      exits without exec. Prints the elapsed wall time in
 *                      ms (CLOCK_MONOTONIC).
 *
 * With etc/vigil.xml each round gives one DirectoryCreate, two FileLink,
 * one ProcessRename, one NetworkConnectFailed and one SensitiveFileRead
 * (and ProcessFork when the config logs it), so the hooks of every new
 * event run N times. The refused port is the first free one the kernel
 * gives a listener that is then closed, so nothing answers it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A loopback port nothing listens on: bound, then closed. */
static int refused_port(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char d[4096], l1[4096], l2[4096], f[4096], buf[256];
	struct sockaddr_in sa;
	long n;
	double t0;
	int fd;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: gapstorm DIR N\n");
		return EX_USAGE;
	}
	if (refused_port(&sa) != 0) {
		perror("gapstorm: a free loopback port");
		return EX_OSERR;
	}
	snprintf(f, sizeof(f), "%s/target", argv[1]);
	fd = open(f, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0) {
		perror(f);
		return EX_CANTCREAT;
	}
	close(fd);
	t0 = now_ms();
	for (long i = 0; i < n; i++) {
		pid_t pid;

		snprintf(d, sizeof(d), "%s/d%ld", argv[1], i);
		snprintf(l1, sizeof(l1), "%s/s%ld", argv[1], i);
		snprintf(l2, sizeof(l2), "%s/h%ld", argv[1], i);
		if (mkdir(d, 0700) != 0 || rmdir(d) != 0 || symlink(f, l1) != 0 ||
		    unlink(l1) != 0 || link(f, l2) != 0 || unlink(l2) != 0) {
			perror("gapstorm: mkdir/link");
			return EX_IOERR;
		}
		prctl(PR_SET_NAME, (i & 1) ? "gapstorm-a" : "gapstorm-b", 0, 0, 0);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0) {
			if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
				fprintf(stderr, "gapstorm: port %u answered\n", ntohs(sa.sin_port));
				return EX_SOFTWARE;
			}
			close(fd);
		}
		fd = open("/etc/shadow", O_RDONLY);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				perror("gapstorm: read");
			close(fd);
		}
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	unlink(f);
	printf("%.1f\n", now_ms() - t0);
	return 0;
}
