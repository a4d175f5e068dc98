/*
 * cmd_check.c — `vigil check`: what this kernel lets vigil see, without
 * starting the sensor. The first thing to run on a new distro.
 *
 * It probes the facts a BPF sensor depends on (BTF, the lockdown mode,
 * tracefs, the ring buffer, the helpers the programs use), then loads every
 * BPF program the way the sensor does — tolerating refusals — attaches
 * nothing, and prints each event type as available, degraded or unavailable
 * with the reason: the verifier's own line for a refused program.
 *
 * Exit codes: 0 when the core events (ProcessCreate, NetworkConnect,
 * ProcessTerminate, FileCreate, FileDelete) all work, degraded or not;
 * EX_UNAVAILABLE (69) when one of them cannot be had or the kernel has no
 * BTF; EX_NOPERM (77) when not run as root.
 */
#include "cli/commands.h"

#include "common/json.h"
#include "common/log.h"
#include "common/schema.h"
#include "common/strbuf.h"
#include "sensor/loader.h"
#include "sensor/progs.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil check [--json] [-v]\n"
		   "\n"
		   "Probes the running kernel (BTF, lockdown, tracefs, ring buffer, helpers),\n"
		   "loads every BPF program without attaching it, and prints for each event\n"
		   "type whether it is available, degraded or unavailable here, and why.\n"
		   "Exits 0 when the core events (1, 3, 5, 11, 23) work, 69 otherwise.\n"
		   "\n"
		   "  --json   one JSON object instead of the table\n"
		   "  -v       libbpf's messages (-vv: its debug log too)\n"
		   "  --help   this text\n");
}

struct fact {
	const char *name;
	bool ok;
	char detail[256];
};

static size_t probe_facts(struct fact *f, char *lockdown, size_t lsize)
{
	size_t n = 0;
	const char *tf = NULL;
	int tf_err = ENOENT;
	char why[160];

	f[n].name = "BTF";
	f[n].ok = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	snprintf(f[n].detail, sizeof(f[n].detail), "%s",
		 f[n].ok ? "/sys/kernel/btf/vmlinux"
			 : "missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y");
	n++;

	bpf_sensor__lockdown(lockdown, lsize);
	f[n].name = "lockdown";
	f[n].ok = strcmp(lockdown, "confidentiality") != 0;
	snprintf(f[n].detail, sizeof(f[n].detail), "%s%s", lockdown,
		 f[n].ok ? "" : ": the kernel disables tracefs and refuses bpf_probe_read_kernel");
	n++;

	tf = bpf_sensor__tracefs(&tf_err);
	f[n].name = "tracefs";
	f[n].ok = tf != NULL;
	if (tf)
		snprintf(f[n].detail, sizeof(f[n].detail), "%s: syscall tracepoints can attach",
			 tf);
	else if (tf_err == EPERM)
		snprintf(f[n].detail, sizeof(f[n].detail),
			 "mounted but empty: the kernel disabled tracing (lockdown), so no "
			 "syscall tracepoint can be looked up or attached");
	else
		snprintf(f[n].detail, sizeof(f[n].detail), "unusable (%s): no syscall tracepoints",
			 strerror(tf_err));
	n++;

	f[n].name = "ring buffer";
	f[n].ok = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	snprintf(f[n].detail, sizeof(f[n].detail), "%s",
		 f[n].ok ? "BPF_MAP_TYPE_RINGBUF" : "missing: vigil needs Linux 5.8 or later");
	n++;

	f[n].name = "probe_read_kernel";
	f[n].ok = bpf_sensor__probe_read_kernel(why, sizeof(why)) == 0;
	snprintf(f[n].detail, sizeof(f[n].detail), "%s%s",
		 f[n].ok ? "kernel-memory reads (paths, process details)"
			 : "refused, so programs that read kernel memory cannot load: ",
		 f[n].ok ? "" : why);
	n++;

	return n;
}

static bool is_core(unsigned id)
{
	for (size_t i = 0; i < sizeof(progs_core_events) / sizeof(progs_core_events[0]); i++)
		if (progs_core_events[i] == id)
			return true;
	return false;
}

int cmd_kernel_check(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct bpf_sensor_opts bo = {0};
	struct bpf_sensor *bpf = NULL;
	struct event_avail *av = NULL;
	const struct prog_status *ps = NULL;
	struct fact facts[8];
	struct utsname u;
	char lockdown[64];
	size_t nf, nps = 0, nev;
	const struct vevent_def *const *evs = schema__events(&nev);
	bool json = false, core_ok = true;
	int c, verbose = 0, rc;
	struct strbuf out;

	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "vigil check: must run as root (it loads BPF programs)\n");
		return EX_NOPERM;
	}
	log_init("vigil", verbose);
	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "-");
	nf = probe_facts(facts, lockdown, sizeof(lockdown));
	av = calloc(1, sizeof(*av));
	if (av == NULL)
		return EX_OSERR;
	if (facts[0].ok) {
		bo.load_only = true;
		bo.verbose = verbose;
		bo.self_tgid = (uint32_t)getpid();
		bo.ringbuf_bytes = 4096 * 16;
		bpf = bpf_sensor__start(&bo, NULL, NULL);
		if (bpf != NULL)
			nps = bpf_sensor__prog_status(bpf, &ps);
	}
	if (bpf != NULL) {
		progs__availability(ps, nps, av);
	} else {
		/* Nothing loaded: every kernel-fed event is out. */
		for (size_t i = 0; i < nev; i++)
			if (evs[i]->flags & EVF_PROC) {
				av->state[evs[i]->id] = AVAIL_NO;
				snprintf(av->why[evs[i]->id], sizeof(av->why[0]), "%s",
					 facts[0].ok ? "the BPF object could not be loaded at all"
						     : "no BTF");
			}
	}
	for (size_t i = 0; i < sizeof(progs_core_events) / sizeof(progs_core_events[0]); i++)
		if (av->state[progs_core_events[i]] == AVAIL_NO)
			core_ok = false;

	strbuf__init(&out, 8u << 20);
	if (json) {
		strbuf__adds(&out, "{\"kernel\":");
		json__add_str(&out, u.release, strlen(u.release));
		strbuf__adds(&out, ",\"probes\":{");
		for (size_t i = 0; i < nf; i++) {
			strbuf__addf(&out, "%s\"%s\":{\"ok\":%s,\"detail\":", i ? "," : "",
				     facts[i].name, facts[i].ok ? "true" : "false");
			json__add_str(&out, facts[i].detail, strlen(facts[i].detail));
			strbuf__adds(&out, "}");
		}
		strbuf__adds(&out, "},\"events\":{");
		for (size_t i = 0, k = 0; i < nev; i++) {
			unsigned id = evs[i]->id;
			if (!(evs[i]->flags & EVF_PROC))
				continue;
			strbuf__addf(
			    &out, "%s\"%s\":{\"id\":%u,\"state\":\"%s\",\"why\":", k++ ? "," : "",
			    evs[i]->name, id, progs__avail_name((enum avail_state)av->state[id]));
			json__add_str(&out, av->why[id], strlen(av->why[id]));
			strbuf__adds(&out, "}");
		}
		strbuf__adds(&out, "},\"programs\":[");
		for (size_t i = 0; i < nps; i++) {
			strbuf__addf(&out,
				     "%s{\"name\":\"%s\",\"state\":\"%s\",\"why\":", i ? "," : "",
				     ps[i].name, progs__state_name((enum prog_state)ps[i].state));
			json__add_str(&out, ps[i].why, strlen(ps[i].why));
			strbuf__adds(&out, "}");
		}
		strbuf__addf(&out, "],\"core_ok\":%s}\n", core_ok ? "true" : "false");
	} else {
		strbuf__addf(&out, "kernel %s\n\n", u.release);
		for (size_t i = 0; i < nf; i++)
			strbuf__addf(&out, "  %-18s %-4s %s\n", facts[i].name,
				     facts[i].ok ? "ok" : "NO", facts[i].detail);
		strbuf__adds(&out, "\n");
		for (size_t i = 0; i < nev; i++) {
			unsigned id = evs[i]->id;
			if (!(evs[i]->flags & EVF_PROC))
				continue;
			strbuf__addf(&out, "%3u %-24s %-11s%s\n", id, evs[i]->name,
				     progs__avail_name((enum avail_state)av->state[id]),
				     is_core(id) ? " (core)" : "");
			if (av->state[id] != AVAIL_YES)
				strbuf__addf(&out, "      why: %s\n", av->why[id]);
		}
		strbuf__addf(&out, "\n%s\n",
			     core_ok ? "core events: OK"
				     : "core events: NOT available on this kernel (see above)");
	}
	fwrite(out.buf, 1, out.len, stdout);
	strbuf__free(&out);
	rc = core_ok && facts[0].ok ? 0 : EX_UNAVAILABLE;
	bpf_sensor__stop(bpf);
	free(av);
	return rc;
}
