/*
 * inject.c — test helper: touch another process's memory the ways an
 * injector does, against a child of its own (never anything else).
 *
 *   inject ptrace   PTRACE_ATTACH, PTRACE_POKEDATA into the child, detach
 *   inject vmread   process_vm_readv from the child
 *   inject vmwrite  process_vm_writev into the child
 *   inject procmem  open /proc/CHILD/mem for writing and pwrite into it
 *   inject attach PID  PTRACE_SEIZE another process (the sensor, in the
 *                   tamper test), then detach: no stop, no change
 *
 * Prints the child's pid on stdout, then kills and reaps the child.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long target_word = 42;

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "ptrace";
	long val = 7, got = 0;
	int st, rc = 0;
	pid_t child;

	if (strcmp(mode, "attach") == 0 && argc > 2) {
		pid_t pid = (pid_t)atoi(argv[2]);
		if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0) {
			perror("PTRACE_SEIZE");
			return 1;
		}
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return 0;
	}
	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	usleep(50000);
	printf("%d\n", child);
	fflush(stdout);
	if (strcmp(mode, "ptrace") == 0) {
		if (ptrace(PTRACE_ATTACH, child, NULL, NULL) != 0) {
			perror("PTRACE_ATTACH");
			rc = 1;
		} else {
			waitpid(child, &st, 0);
			if (ptrace(PTRACE_POKEDATA, child, (void *)&target_word, (void *)val) !=
			    0) {
				perror("PTRACE_POKEDATA");
				rc = 1;
			}
			ptrace(PTRACE_DETACH, child, NULL, NULL);
		}
	} else if (strcmp(mode, "vmread") == 0 || strcmp(mode, "vmwrite") == 0) {
		struct iovec local = {&got, sizeof(got)};
		struct iovec remote = {(void *)&target_word, sizeof(target_word)};
		ssize_t n;
		if (mode[2] == 'r') {
			n = process_vm_readv(child, &local, 1, &remote, 1, 0);
		} else {
			local.iov_base = &val;
			n = process_vm_writev(child, &local, 1, &remote, 1, 0);
		}
		if (n != sizeof(long)) {
			perror("process_vm");
			rc = 1;
		}
	} else if (strcmp(mode, "procmem") == 0) {
		char path[64];
		int fd;
		snprintf(path, sizeof(path), "/proc/%d/mem", child);
		fd = open(path, O_RDWR);
		if (fd < 0 ||
		    pwrite(fd, &val, sizeof(val), (off_t)(long)&target_word) != sizeof(val)) {
			perror("/proc/PID/mem");
			rc = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	return rc;
}
