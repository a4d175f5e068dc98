/*
 * test_progs.c — the program → record type → event table, and the
 * per-event availability computed from a loader outcome (progs.c).
 *
 * The table test opens the real BPF object (no load, no root needed), so
 * a program added to src/bpf without a row in progs.c fails here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sensor/progs.h"
#include "vigil.skel.h"
#include "vigil/event.h"

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}

static void test_every_program_has_a_row(void **state)
{
	struct vigil_bpf *skel;
	struct bpf_program *prog;
	size_t n = 0;

	(void)state;
	libbpf_set_print(silent);
	skel = vigil_bpf__open();
	assert_non_null(skel);
	size_t fallbacks = 0;
	bpf_object__for_each_program(prog, skel->obj)
	{
		const char *name = bpf_program__name(prog);
		uint64_t types = progs__types(name);
		fallbacks += progs__regs_fallback(name);
		if (types == 0)
			fail_msg("program %s has no row in progs.c", name);
		for (unsigned t = 0; t < VG_TYPE_MAX; t++)
			if ((types & (1ull << t)) && t != VG_FORK && progs__type_events(t)[0] == 0)
				fail_msg("record type %u of %s produces no event", t, name);
		n++;
	}
	assert_true(n > 100);
	/* Every fallback the loader may need exists under its name. */
	assert_int_equal(fallbacks, 4);
	vigil_bpf__destroy(skel);
}

static void add(struct prog_status *ps, size_t *n, const char *name, enum prog_state st,
		const char *why)
{
	memset(&ps[*n], 0, sizeof(ps[*n]));
	snprintf(ps[*n].name, sizeof(ps[*n].name), "%s", name);
	ps[*n].state = (uint8_t)st;
	snprintf(ps[*n].why, sizeof(ps[*n].why), "%s", why);
	(*n)++;
}

static void test_availability(void **state)
{
	static struct event_avail av;
	struct prog_status ps[16];
	size_t n = 0;
	char buf[256];

	(void)state;
	add(ps, &n, "vg_exec", PROG_LOADED, "");
	add(ps, &n, "vg_exit", PROG_LOADED, "");
	/* Both credential programs refused: PrivilegeChange is out. */
	add(ps, &n, "vg_setuid_e", PROG_FAILED, "unresolvable CO-RE relocation");
	add(ps, &n, "vg_setuid_x", PROG_FAILED, "invalid func");
	/* One of two rename programs refused: FileRename is degraded. */
	add(ps, &n, "vg_rename_e", PROG_FAILED, "R1 invalid mem access");
	add(ps, &n, "vg_renameat_e", PROG_LOADED, "");
	/* A syscall the kernel lacks loses nothing. */
	add(ps, &n, "vg_fchmodat2_e", PROG_NO_TP, "no tracepoint");
	add(ps, &n, "vg_chmod_e", PROG_LOADED, "");
	/* No module syscalls at all: DriverLoad is unavailable, but for a
	 * harmless reason the why says. */
	add(ps, &n, "vg_initmod_e", PROG_NO_TP, "no tracepoint sys_enter_init_module");
	/* Access refused: ProcessTampering still has exec, so degraded. */
	add(ps, &n, "vg_ptrace_e", PROG_FAILED, "invalid func");
	/* Not needed by the config: not a loss. */
	add(ps, &n, "vg_mount_e", PROG_NOT_WANTED, "");
	progs__availability(ps, n, &av);

	assert_int_equal(av.state[EV_PROCESS_CREATE], AVAIL_YES);
	assert_int_equal(av.state[EV_PRIVILEGE_CHANGE], AVAIL_NO);
	assert_non_null(strstr(av.why[EV_PRIVILEGE_CHANGE], "vg_setuid_e: unresolvable CO-RE"));
	assert_int_equal(av.state[EV_FILE_RENAME], AVAIL_DEGRADED);
	assert_non_null(strstr(av.why[EV_FILE_RENAME], "vg_rename_e"));
	assert_null(strstr(av.why[EV_FILE_RENAME], "vg_renameat_e"));
	assert_int_equal(av.state[EV_FILE_ATTRIBUTE_CHANGE], AVAIL_YES);
	assert_int_equal(av.state[EV_DRIVER_LOAD], AVAIL_NO);
	assert_non_null(strstr(av.why[EV_DRIVER_LOAD], "no tracepoint"));
	assert_int_equal(av.state[EV_PROCESS_ACCESS], AVAIL_NO);
	assert_int_equal(av.state[EV_PROCESS_TAMPERING], AVAIL_DEGRADED);
	assert_int_equal(av.state[EV_MOUNT], AVAIL_YES);

	progs__list(&av, AVAIL_NO, buf, sizeof(buf));
	assert_string_equal(buf, "DriverLoad,ProcessAccess,PrivilegeChange");
	progs__list(&av, AVAIL_DEGRADED, buf, sizeof(buf));
	assert_string_equal(buf, "ProcessTampering,FileRename");
	/* Cut to fit, and marked as cut. */
	progs__list(&av, AVAIL_NO, buf, 12);
	assert_string_equal(buf, "DriverLo…");
}

static void test_nothing_lost(void **state)
{
	static struct event_avail av;
	struct prog_status ps[2];
	size_t n = 0;
	char buf[64];

	(void)state;
	add(ps, &n, "vg_exec", PROG_LOADED, "");
	add(ps, &n, "vg_openat_x", PROG_LOADED, "");
	progs__availability(ps, n, &av);
	progs__list(&av, AVAIL_NO, buf, sizeof(buf));
	assert_string_equal(buf, "-");
}

/* libbpf 1.1's words for a refused program, as the loader captures them. */
static void test_failure_parsing(void **state)
{
	static const char core_log[] =
	    "libbpf: prog 'vg_setuid_e': relo #3: patched insn #12 (LDX/ST/STX) off 8 -> 8\n"
	    "libbpf: prog 'vg_setuid_e': BPF program load failed: Invalid argument\n"
	    "libbpf: prog 'vg_setuid_e': -- BEGIN PROG LOAD LOG --\n"
	    "0: R1=ctx(off=0,imm=0) R10=fp0\n"
	    "30: <invalid CO-RE relocation>\n"
	    "failed to resolve CO-RE relocation <byte_off> [160] struct cred.cap_effective.val "
	    "(0:23:0 @ offset 72)\n"
	    "processed 30 insns (limit 1000000) max_states_per_insn 0 total_states 2\n"
	    "-- END PROG LOAD LOG --\n"
	    "libbpf: prog 'vg_setuid_e': failed to load: -22\n"
	    "libbpf: failed to load object 'vigil_bpf'\n";
	static const char verifier_log[] =
	    "libbpf: prog 'vg_rename_e': BPF program load failed: Permission denied\n"
	    "libbpf: prog 'vg_rename_e': -- BEGIN PROG LOAD LOG --\n"
	    "invalid bpf_context access off=65536 size=8\n"
	    "processed 4 insns (limit 1000000) max_states_per_insn 0 total_states 0\n"
	    "-- END PROG LOAD LOG --\n"
	    "libbpf: prog 'vg_rename_e': failed to load: -13\n";
	char name[32], why[200];

	(void)state;
	assert_true(progs__failed_prog(core_log, name, sizeof(name), why, sizeof(why)));
	assert_string_equal(name, "vg_setuid_e");
	assert_string_equal(why, "failed to resolve CO-RE relocation <byte_off> [160] struct "
				 "cred.cap_effective.val (0:23:0 @ offset 72)");
	assert_true(progs__failed_prog(verifier_log, name, sizeof(name), why, sizeof(why)));
	assert_string_equal(name, "vg_rename_e");
	assert_string_equal(why, "invalid bpf_context access off=65536 size=8");
	assert_false(
	    progs__failed_prog("libbpf: failed to open\n", name, sizeof(name), why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_program_has_a_row),
	    cmocka_unit_test(test_availability),
	    cmocka_unit_test(test_nothing_lost),
	    cmocka_unit_test(test_failure_parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
