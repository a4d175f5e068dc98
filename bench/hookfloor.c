/*
 * hookfloor.c — loads and attaches bench/hookfloor.bpf.c's empty
 * programs for bench/hook_cost.sh, then waits.
 *
 *   hookfloor OBJ      load OBJ (build/bench/hookfloor.bpf.o), attach every
 *                      program, print their ids on one line (comma-separated),
 *                      and keep them attached until stdin closes or a
 *                      SIGTERM/SIGINT arrives
 *
 * The ids let the script pick these programs' counters out of
 * `bpftool prog show`, apart from vigil's.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	const char *sep = "";
	char c;

	if (argc != 2) {
		fprintf(stderr, "usage: hookfloor OBJ\n");
		return 64;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || libbpf_get_error(obj)) {
		fprintf(stderr, "hookfloor: cannot open %s\n", argv[1]);
		return 66;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "hookfloor: %s did not load\n", argv[1]);
		return 70;
	}
	bpf_object__for_each_program(p, obj)
	{
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);

		if (libbpf_get_error(bpf_program__attach(p))) {
			fprintf(stderr, "hookfloor: cannot attach %s\n", bpf_program__name(p));
			return 70;
		}
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			return 70;
		printf("%s%u", sep, info.id);
		sep = ",";
	}
	printf("\n");
	fflush(stdout);

	/* No SA_RESTART: a signal must end the read() below. */
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Until stdin closes (the script's end) or a signal: links are
	 * detached when the process exits. */
	while (!stop && read(0, &c, 1) > 0)
		;
	bpf_object__close(obj);
	return 0;
}
