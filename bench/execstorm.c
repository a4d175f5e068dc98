/*
 * execstorm.c — the fork+exec workload for the sensor benchmarks.
 *
 *   execstorm N            fork+exec /bin/true N times, one after another,
 *                          and print the elapsed wall time in ms
 *   execstorm N RATE       the same at a fixed RATE exec/s (paced), to
 *                          measure the sensor's CPU at a known load
 *
 * vfork+execve, wait, repeat: nothing but process creation is measured.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	char *const args[] = {"/bin/true", NULL};
	char *const envp[] = {NULL};
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	double rate = argc > 2 ? strtod(argv[2], NULL) : 0;
	double t0 = now_ms();

	for (long i = 0; i < n; i++) {
		pid_t pid;
		int st;

		if (rate > 0) {
			double due = t0 + (double)i * 1000.0 / rate;
			double wait = due - now_ms();
			if (wait > 0) {
				struct timespec ts = {
				    (time_t)(wait / 1000),
				    (long)((wait - (double)(long)(wait / 1000) * 1000) * 1e6)};
				nanosleep(&ts, NULL);
			}
		}
		pid = vfork();
		if (pid == 0) {
			execve(args[0], args, envp);
			_exit(127);
		}
		if (pid < 0) {
			perror("vfork");
			return 1;
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	printf("%.1f\n", now_ms() - t0);
	return 0;
}
