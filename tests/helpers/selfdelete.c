/*
 * selfdelete.c — test helper: a binary that deletes its own file while it
 * runs (ProcessTampering "Image is deleted", issue 15), then lives on for
 * the given number of milliseconds (default 300) so the sensor sees a live
 * process whose image is gone. Prints its pid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	if (n <= 0)
		return 1;
	self[n] = '\0';
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (unlink(self) != 0) {
		perror(self);
		return 1;
	}
	nanosleep(&ts, NULL);
	return 0;
}
