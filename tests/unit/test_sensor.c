/*
 * test_sensor.c — ProcessGuid, the process cache (pid reuse, eviction, GC)
 * and kernel-record decoding, with fabricated records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sensor/decode.h"
#include "vigil/event.h"

/* Pids above the kernel's maximum (4194304) never exist in /proc. */
#define FAKE_PID 5000000u

static struct identity test_id(void)
{
	struct identity id;

	memset(&id, 0, sizeof(id));
	id.host = 0xdeadbeef;
	id.clk_tck = 100;
	id.boot_ticks = 1700000000ull * 100;
	id.boot_ns = 1700000000ull * 1000000000ull;
	id.real_offset_ns = id.boot_ns;
	strcpy(id.hostname, "testhost");
	return id;
}

static void test_guid_format_and_uniqueness(void **state)
{
	struct identity id = test_id();
	char a[GUID_LEN + 1], b[GUID_LEN + 1], c[GUID_LEN + 1];

	/* 1.5 s after boot = 150 ticks. */
	identity__guid(&id, 1234, 1500000000ull, a);
	assert_string_equal(a, "{deadbeef-0027-94ca-2496-0000000004d2}");
	/* Ticks from /proc and ns from the kernel give the same GUID. */
	identity__guid_ticks(&id, 1234, 150, b);
	assert_string_equal(a, b);
	/* Sub-tick differences are the same tick, as in /proc. */
	identity__guid(&id, 1234, 1509999999ull, b);
	assert_string_equal(a, b);
	/* Same pid, another start, another GUID; same start, another pid too. */
	identity__guid(&id, 1234, 1510000000ull, c);
	assert_string_not_equal(a, c);
	identity__guid(&id, 1235, 1500000000ull, c);
	assert_string_not_equal(a, c);
	/* Another boot (boot time moves) with the same pid and uptime. */
	id.boot_ticks += 360000;
	identity__guid(&id, 1234, 1500000000ull, c);
	assert_string_not_equal(a, c);
}

static void test_cache_pid_reuse_and_fork(void **state)
{
	struct identity id = test_id();
	struct proc_cache *pc = proc_cache__new(&id, 128);
	struct proc *p, *q, *child;
	struct proc_cache_stats st;
	char guid1[GUID_LEN + 1];

	p = proc_cache__exec(pc, FAKE_PID, 100, 1, 1, "/usr/bin/one", "one --a", "/");
	assert_non_null(p);
	strcpy(guid1, p->guid);
	assert_ptr_equal(proc_cache__peek(pc, FAKE_PID, 100), p);
	/* A record of the same pid with a later start is a reused pid. */
	q = proc_cache__exec(pc, FAKE_PID, 900, 1, 1, "/usr/bin/two", "two", "/tmp");
	assert_non_null(q);
	assert_string_equal(q->image, "/usr/bin/two");
	assert_string_not_equal(q->guid, guid1);
	assert_null(proc_cache__peek(pc, FAKE_PID, 100));
	proc_cache__stats(pc, &st);
	assert_int_equal(st.reused_pids, 1);

	/* A fork inherits the parent's identity until it execs. */
	child = proc_cache__fork(pc, FAKE_PID, 900, FAKE_PID + 1, 950);
	assert_non_null(child);
	assert_string_equal(child->image, "/usr/bin/two");
	assert_string_equal(child->cmdline, "two");
	assert_string_equal(child->pguid, q->guid);
	assert_string_equal(child->parent_image, "/usr/bin/two");
	child = proc_cache__exec(pc, FAKE_PID + 1, 950, FAKE_PID, 900, "/bin/x", "x", "/");
	assert_string_equal(child->image, "/bin/x");
	assert_string_equal(child->pguid, q->guid);
	proc_cache__free(pc);
}

/* Forked entries share their parent's strings (proc_cache.c): each keeps
 * its own view when the other changes or goes. Run under ASan in CI, so a
 * string freed while still shared fails here. */
static void test_cache_shared_strings(void **state)
{
	struct identity id = test_id();
	struct proc_cache *pc = proc_cache__new(&id, 128);
	struct proc *parent, *kids[3];

	(void)state;
	parent =
	    proc_cache__exec(pc, FAKE_PID, 100, 1, 1, "/usr/sbin/server", "server -w 3", "/srv");
	assert_int_equal(proc__set_str(&parent->hashes, "SHA256=AB"), 0);
	for (uint32_t i = 0; i < 3; i++) {
		kids[i] = proc_cache__fork(pc, FAKE_PID, 100, FAKE_PID + 1 + i, 200 + i);
		assert_non_null(kids[i]);
		/* One copy: the same bytes, not equal ones. */
		assert_ptr_equal(kids[i]->cmdline, parent->cmdline);
		assert_ptr_equal(kids[i]->hashes, parent->hashes);
	}
	/* The parent execs: its strings change, its children's do not. */
	parent = proc_cache__exec(pc, FAKE_PID, 100, 1, 1, "/usr/bin/other", "other", "/");
	assert_string_equal(parent->image, "/usr/bin/other");
	assert_null(parent->hashes);
	assert_string_equal(kids[0]->image, "/usr/sbin/server");
	assert_string_equal(kids[0]->hashes, "SHA256=AB");
	/* A child execs and one is evicted as a reused pid: the others keep
	 * theirs. */
	kids[0] = proc_cache__exec(pc, FAKE_PID + 1, 200, FAKE_PID, 100, "/bin/sh", "sh", "/");
	assert_string_equal(kids[0]->parent_image, "/usr/bin/other");
	assert_non_null(proc_cache__exec(pc, FAKE_PID + 2, 999, 1, 1, "/bin/new", "new", "/"));
	assert_string_equal(kids[2]->cmdline, "server -w 3");
	assert_string_equal(kids[2]->cwd, "/srv");
	assert_string_equal(kids[2]->parent_image, "/usr/sbin/server");
	/* An empty string is "-", as NULL is. */
	assert_int_equal(proc__set_str(&kids[2]->cwd, ""), 0);
	assert_string_equal(kids[2]->cwd, "-");
	proc_cache__free(pc);
}

/* The live-image filter (proc_cache.c) never says "no" for the image of a
 * live entry, through fork, exec, exit, pid reuse and eviction; it says
 * "no" again once the last process running an image is gone. */
static void test_cache_live_images(void **state)
{
	struct identity id = test_id();
	struct proc_cache *pc = proc_cache__new(&id, 4);
	struct proc *p, *kid;

	(void)state;
	assert_false(proc_cache__image_maybe_live(pc, "/usr/sbin/server"));
	p = proc_cache__exec(pc, FAKE_PID, 100, 1, 1, "/usr/sbin/server", "server", "/");
	assert_true(proc_cache__image_maybe_live(pc, "/usr/sbin/server"));
	kid = proc_cache__fork(pc, FAKE_PID, 100, FAKE_PID + 1, 200);
	/* The parent execs away; its child still runs the old image. */
	p = proc_cache__exec(pc, FAKE_PID, 100, 1, 1, "/usr/bin/other", "other", "/");
	assert_true(proc_cache__image_maybe_live(pc, "/usr/sbin/server"));
	assert_true(proc_cache__image_maybe_live(pc, "/usr/bin/other"));
	proc_cache__exit(pc, kid, 1);
	proc_cache__exit(pc, kid, 2); /* a second exit counts nothing twice */
	assert_false(proc_cache__image_maybe_live(pc, "/usr/sbin/server"));
	/* Pid reuse replaces the entry; eviction removes live entries. */
	assert_non_null(proc_cache__exec(pc, FAKE_PID, 900, 1, 1, "/bin/a", "a", "/"));
	assert_false(proc_cache__image_maybe_live(pc, "/usr/bin/other"));
	for (uint32_t i = 0; i < 4; i++)
		assert_non_null(
		    proc_cache__exec(pc, FAKE_PID + 10 + i, i, 1, 1, "/bin/b", "b", "/"));
	assert_false(proc_cache__image_maybe_live(pc, "/bin/a"));
	assert_true(proc_cache__image_maybe_live(pc, "/bin/b"));
	/* A fork whose record comes after its parent's exit: the parent is
	 * no longer counted, the child is, in the slot of the same image. */
	p = proc_cache__exec(pc, FAKE_PID + 20, 300, 1, 1, "/bin/c", "c", "/");
	proc_cache__exit(pc, p, 3);
	assert_false(proc_cache__image_maybe_live(pc, "/bin/c"));
	assert_non_null(proc_cache__fork(pc, FAKE_PID + 20, 300, FAKE_PID + 21, 301));
	assert_true(proc_cache__image_maybe_live(pc, "/bin/c"));
	proc_cache__free(pc);
	(void)p;
}

static void test_cache_bounded_and_gc(void **state)
{
	struct identity id = test_id();
	struct proc_cache *pc = proc_cache__new(&id, 64);
	struct proc_cache_stats st;
	struct proc *p;

	for (uint32_t i = 0; i < 1000; i++)
		assert_non_null(proc_cache__exec(pc, FAKE_PID + i, i, 1, 1, "/a", "a", "/"));
	proc_cache__stats(pc, &st);
	assert_int_equal(st.entries, 64);
	assert_int_equal(st.evicted, 1000 - 64);
	/* The most recent survive; the oldest went. */
	assert_non_null(proc_cache__peek(pc, FAKE_PID + 999, 999));
	assert_null(proc_cache__peek(pc, FAKE_PID + 0, 0));

	/* Exited entries live through the grace period, then go. */
	p = proc_cache__peek(pc, FAKE_PID + 999, 999);
	proc_cache__exit(pc, p, 1000);
	proc_cache__gc(pc, 1500, 1000);
	assert_non_null(proc_cache__peek(pc, FAKE_PID + 999, 999));
	proc_cache__gc(pc, 2000, 1000);
	assert_null(proc_cache__peek(pc, FAKE_PID + 999, 999));
	proc_cache__stats(pc, &st);
	assert_int_equal(st.entries, 63);

	/* Collection frees the expired exits, oldest first, and keeps its
	 * list whole when an exited entry goes another way (a reused pid). */
	for (uint32_t i = 990; i < 995; i++)
		proc_cache__exit(pc, proc_cache__peek(pc, FAKE_PID + i, i), 3000 + i);
	assert_non_null(proc_cache__exec(pc, FAKE_PID + 992, 5000, 1, 1, "/b", "b", "/"));
	proc_cache__gc(pc, 3991 + 1000, 1000); /* 990 and 991 expired */
	assert_null(proc_cache__peek(pc, FAKE_PID + 990, 990));
	assert_null(proc_cache__peek(pc, FAKE_PID + 991, 991));
	assert_non_null(proc_cache__peek(pc, FAKE_PID + 993, 993));
	assert_non_null(proc_cache__peek(pc, FAKE_PID + 992, 5000));
	proc_cache__gc(pc, 10000, 1000);
	assert_null(proc_cache__peek(pc, FAKE_PID + 994, 994));
	assert_non_null(proc_cache__peek(pc, FAKE_PID + 992, 5000));
	proc_cache__stats(pc, &st);
	assert_int_equal(st.entries, 59);

	/* A miss for a pid gone from /proc still gives a usable entry. */
	p = proc_cache__lookup(pc, FAKE_PID + 5000, 7);
	assert_non_null(p);
	assert_string_equal(p->image, "-");
	proc_cache__free(pc);
}

static void test_cache_snapshot_self(void **state)
{
	struct identity id = test_id();
	struct proc_cache *pc = proc_cache__new(&id, 100000);
	struct proc_cache_stats st;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = fopen("/proc/self/stat", "r");
	char buf[1024];
	unsigned long long start = 0;
	struct proc *p;

	assert_true(n > 0);
	exe[n] = '\0';
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(
	    sscanf(strrchr(buf, ')') + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
		   "%*d %*d %llu",
		   &start),
	    1);
	assert_true(proc_cache__snapshot(pc) > 1);
	p = proc_cache__peek(pc, (uint32_t)getpid(), start);
	assert_non_null(p);
	assert_string_equal(p->image, exe);
	assert_true(p->from_proc);
	proc_cache__stats(pc, &st);
	assert_true(st.entries > 1);
	proc_cache__free(pc);
}

static void test_helpers(void **state)
{
	char out[256];
	int v6;

	path_join_normalize("/a/b", "c", out, sizeof(out));
	assert_string_equal(out, "/a/b/c");
	path_join_normalize("/a/b", "../c/./d//e", out, sizeof(out));
	assert_string_equal(out, "/a/c/d/e");
	path_join_normalize("/a/b", "/abs/x", out, sizeof(out));
	assert_string_equal(out, "/abs/x");
	path_join_normalize("/", "../../x", out, sizeof(out));
	assert_string_equal(out, "/x");
	path_join_normalize("/a", "..", out, sizeof(out));
	assert_string_equal(out, "/");

	assert_int_equal(exit_code_from_status(3 << 8), 3);
	assert_int_equal(exit_code_from_status(0), 0);
	assert_int_equal(exit_code_from_status(9), 137); /* SIGKILL */

	{
		uint8_t a4[16] = {127, 0, 0, 1};
		uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
		uint8_t lo6[16] = {[15] = 1};
		net_addr_str(2, a4, out, &v6);
		assert_string_equal(out, "127.0.0.1");
		assert_int_equal(v6, 0);
		net_addr_str(10, mapped, out, &v6);
		assert_string_equal(out, "10.1.2.3");
		assert_int_equal(v6, 0);
		net_addr_str(10, lo6, out, &v6);
		assert_string_equal(out, "::1");
		assert_int_equal(v6, 1);
		/* The hand-written dotted quad agrees with inet_ntop on every
		 * octet value, in every position. */
		for (unsigned v = 0; v < 256; v++) {
			char want[INET_ADDRSTRLEN];
			uint8_t q[16] = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7),
					 (uint8_t)(v / 3)};
			net_addr_str(2, q, out, &v6);
			assert_non_null(inet_ntop(AF_INET, q, want, sizeof(want)));
			assert_string_equal(out, want);
		}
	}
}

static void test_container_id(void **state)
{
	char out[72];
	const char *id = "4f1c3e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e";
	char buf[256];

	snprintf(buf, sizeof(buf), "docker-%s.scope", id);
	container_id_from_cgroup(buf, out);
	assert_string_equal(out, id);
	snprintf(buf, sizeof(buf), "cri-containerd-%s.scope", id);
	container_id_from_cgroup(buf, out);
	assert_string_equal(out, id);
	snprintf(buf, sizeof(buf), "0::/system.slice/crio-%s.scope\n", id);
	container_id_from_cgroup(buf, out);
	assert_string_equal(out, id);
	snprintf(buf, sizeof(buf), "0::/docker/%s\n", id);
	container_id_from_cgroup(buf, out);
	assert_string_equal(out, id);
	container_id_from_cgroup("0::/user.slice/user-0.slice/session-3.scope\n", out);
	assert_string_equal(out, "-");
	container_id_from_cgroup("init.scope", out);
	assert_string_equal(out, "-");
}

/* Builds a fake exec record: header, fixed part, then image/args/cwd. */
static size_t build_exec(char *buf, const char *image, const char *args, size_t args_len,
			 const char *cwd)
{
	struct vg_exec *e = (void *)buf;
	size_t off = sizeof(*e);

	memset(e, 0, sizeof(*e));
	e->hdr.type = VG_EXEC;
	e->hdr.version = VG_EXEC_VERSION;
	e->hdr.pid = FAKE_PID + 77;
	e->hdr.start_ns = 5000000000ull;
	e->hdr.ts = 6000000000ull;
	e->hdr.uid = 0;
	e->ppid = FAKE_PID + 76;
	e->parent_start_ns = 4000000000ull;
	e->loginuid = UINT32_MAX;
	e->sessionid = UINT32_MAX;
	strcpy(e->tty, "pts3");
	strcpy(e->cgroup, "session-1.scope");
	e->image_len = (uint32_t)strlen(image);
	memcpy(buf + off, image, e->image_len);
	off += e->image_len;
	e->args_len = (uint32_t)args_len;
	memcpy(buf + off, args, args_len);
	off += args_len;
	e->cwd_len = (uint32_t)strlen(cwd);
	memcpy(buf + off, cwd, e->cwd_len);
	off += e->cwd_len;
	e->hdr.size = (uint32_t)off;
	return off;
}

static void test_decode_exec_and_malformed(void **state)
{
	struct identity id = test_id();
	static struct vrec rec;
	static char buf[8192];
	struct decoder d = {.id = &id};
	size_t n;

	d.pc = proc_cache__new(&id, 128);
	d.hc = hash_cache__new(16, HASH_SHA256);
	d.svc = services__load("/nonexistent");
	n = build_exec(buf, "/usr/bin/printf", "printf\0a b\0\xc3\xa9\0", 13, "/tmp/w d");
	assert_int_equal(decoder__decode(&d, buf, n, &rec), 1);
	assert_int_equal(rec.def->id, 1);
	assert_string_equal(vrec__get(&rec, VF_Image, NULL), "/usr/bin/printf");
	assert_string_equal(vrec__get(&rec, VF_CommandLine, NULL), "printf a b \xc3\xa9");
	assert_string_equal(vrec__get(&rec, VF_CurrentDirectory, NULL), "/tmp/w d");
	assert_string_equal(vrec__get(&rec, VF_User, NULL), "root");
	assert_string_equal(vrec__get(&rec, VF_Tty, NULL), "pts3");
	assert_string_equal(vrec__get(&rec, VF_ContainerId, NULL), "-");
	assert_string_equal(vrec__get(&rec, VF_IntegrityLevel, NULL), "no level");
	assert_string_equal(vrec__get(&rec, VF_ParentProcessId, NULL), "5000076");
	assert_string_equal(vrec__get(&rec, VF_UtcTime, NULL), "2023-11-14 22:13:26.000");
	{
		char g[GUID_LEN + 1], pg[GUID_LEN + 1];
		identity__guid(&id, FAKE_PID + 77, 5000000000ull, g);
		identity__guid(&id, FAKE_PID + 76, 4000000000ull, pg);
		assert_string_equal(vrec__get(&rec, VF_ProcessGuid, NULL), g);
		assert_string_equal(vrec__get(&rec, VF_ParentProcessGuid, NULL), pg);
	}

	/* A length that points past the record is rejected, not trusted. */
	((struct vg_exec *)buf)->args_len = 100000;
	assert_int_equal(decoder__decode(&d, buf, n, &rec), -EINVAL);
	/* Size larger than what was received. */
	n = build_exec(buf, "/x", "x", 1, "/");
	assert_int_equal(decoder__decode(&d, buf, n - 1, &rec), -EINVAL);
	/* Unknown version and unknown type. */
	((struct vg_hdr *)buf)->version = 9;
	assert_int_equal(decoder__decode(&d, buf, n, &rec), -EINVAL);
	((struct vg_hdr *)buf)->version = 1;
	((struct vg_hdr *)buf)->type = 60;
	assert_int_equal(decoder__decode(&d, buf, n, &rec), -EINVAL);
	/* Too short to be a header at all. */
	assert_int_equal(decoder__decode(&d, buf, 3, &rec), -EINVAL);
	assert_int_equal(d.malformed, 4);
	assert_int_equal(d.unknown_type, 1);

	proc_cache__free(d.pc);
	hash_cache__free(d.hc);
	services__free((struct services *)d.svc);
}

static void test_decode_exit_net_file(void **state)
{
	struct identity id = test_id();
	static struct vrec rec;
	static char buf[8192];
	struct decoder d = {.id = &id};
	struct vg_exit x = {0};
	struct vg_net nt = {0};
	struct vg_file_delete *del = (void *)buf;

	d.pc = proc_cache__new(&id, 128);
	d.hc = hash_cache__new(16, HASH_SHA256);
	d.svc = services__load(NULL);
	proc_cache__exec(d.pc, FAKE_PID, identity__ticks(&id, 1000000000ull), 1, 0, "/bin/sh",
			 "sh -c exit 3", "/");

	x.hdr = (struct vg_hdr){.type = VG_EXIT,
				.version = 1,
				.size = sizeof(x),
				.pid = FAKE_PID,
				.start_ns = 1000000000ull,
				.ts = 2000000000ull};
	x.exit_code = 3 << 8;
	assert_int_equal(decoder__decode(&d, &x, sizeof(x), &rec), 1);
	assert_int_equal(rec.def->id, 5);
	assert_string_equal(vrec__get(&rec, VF_ExitCode, NULL), "3");
	assert_string_equal(vrec__get(&rec, VF_Image, NULL), "/bin/sh");
	assert_string_equal(vrec__get(&rec, VF_InitiatingProcessCommandLine, NULL), "sh -c exit 3");

	nt.hdr = x.hdr;
	nt.hdr.type = VG_NET;
	nt.hdr.size = sizeof(nt);
	nt.kind = VG_NET_ACCEPT;
	nt.family = 2;
	nt.proto = 6;
	nt.lport = 22;
	nt.rport = 40000;
	memcpy(nt.laddr, (uint8_t[]){10, 0, 0, 1}, 4);
	memcpy(nt.raddr, (uint8_t[]){10, 0, 0, 2}, 4);
	assert_int_equal(decoder__decode(&d, &nt, sizeof(nt), &rec), 1);
	/* Inbound: the source is the peer that connected to us. */
	assert_string_equal(vrec__get(&rec, VF_Initiated, NULL), "false");
	assert_string_equal(vrec__get(&rec, VF_SourceIp, NULL), "10.0.0.2");
	assert_string_equal(vrec__get(&rec, VF_SourcePort, NULL), "40000");
	assert_string_equal(vrec__get(&rec, VF_DestinationIp, NULL), "10.0.0.1");
	assert_string_equal(vrec__get(&rec, VF_DestinationPort, NULL), "22");
	assert_string_equal(vrec__get(&rec, VF_DestinationPortName, NULL), "ssh");
	assert_string_equal(vrec__get(&rec, VF_Protocol, NULL), "tcp");

	memset(buf, 0, sizeof(*del));
	del->hdr = x.hdr;
	del->hdr.type = VG_FILE_DELETE;
	del->base_len = 9;
	del->path_len = 8;
	memcpy(buf + sizeof(*del), "/home/u/a../x.txt", 17);
	del->hdr.size = sizeof(*del) + 17;
	assert_int_equal(decoder__decode(&d, buf, del->hdr.size, &rec), 1);
	assert_int_equal(rec.def->id, 23);
	assert_string_equal(vrec__get(&rec, VF_TargetFilename, NULL), "/home/u/x.txt");

	proc_cache__free(d.pc);
	hash_cache__free(d.hc);
	services__free((struct services *)d.svc);
}

/* Decoding of the records that need no live kernel to exercise: kernel
 * module loads (the test machines' kernel has no modules), credentials,
 * namespaces and signals to the sensor. */
static void test_decode_ext(void **state)
{
	struct identity id = test_id();
	static struct vrec rec;
	static char buf[8192];
	struct decoder d = {.id = &id};
	struct vg_module *m = (void *)buf;
	struct vg_creds c;
	struct vg_ns n;
	struct vg_signal sg;
	const char *path = "/usr/bin/true"; /* any file: hashed as the module */
	struct vg_hdr h = {
	    .version = 1, .pid = FAKE_PID, .start_ns = 1000000000ull, .ts = 2000000000ull};

	d.pc = proc_cache__new(&id, 128);
	d.hc = hash_cache__new(16, HASH_SHA256);
	d.svc = services__load("/nonexistent");
	proc_cache__exec(d.pc, FAKE_PID, identity__ticks(&id, 1000000000ull), 1, 0,
			 "/usr/sbin/insmod", "insmod x.ko", "/");

	memset(buf, 0, sizeof(*m));
	m->hdr = h;
	m->hdr.type = VG_MODULE;
	m->syscall = VG_SYS_FINIT_MODULE;
	m->path_len = (uint32_t)strlen(path);
	memcpy(buf + sizeof(*m), path, m->path_len);
	m->hdr.size = sizeof(*m) + m->path_len;
	assert_int_equal(decoder__decode(&d, buf, m->hdr.size, &rec), 1);
	assert_int_equal(rec.def->id, EV_DRIVER_LOAD);
	assert_string_equal(vrec__get(&rec, VF_ImageLoaded, NULL), path);
	assert_true(strncmp(vrec__get(&rec, VF_Hashes, NULL), "SHA256=", 7) == 0);
	assert_string_equal(vrec__get(&rec, VF_Image, NULL), "/usr/sbin/insmod");
	assert_string_equal(vrec__get(&rec, VF_Signed, NULL), "-");
	/* A path running past the record is refused. */
	m->path_len = 5000;
	assert_int_equal(decoder__decode(&d, buf, m->hdr.size, &rec), -EINVAL);

	memset(&c, 0, sizeof(c));
	c.hdr = h;
	c.hdr.type = VG_CREDS;
	c.hdr.size = sizeof(c);
	c.syscall = VG_SYS_SETRESUID;
	c.old_euid = 1000;
	c.new_euid = 0;
	c.old_caps = 0;
	c.new_caps = 0x1ffffffffffull;
	assert_int_equal(decoder__decode(&d, &c, sizeof(c), &rec), 1);
	assert_int_equal(rec.def->id, EV_PRIVILEGE_CHANGE);
	assert_string_equal(vrec__get(&rec, VF_Syscall, NULL), "setresuid");
	assert_string_equal(vrec__get(&rec, VF_OldUid, NULL), "1000");
	assert_string_equal(vrec__get(&rec, VF_NewUid, NULL), "0");
	assert_string_equal(vrec__get(&rec, VF_NewCaps, NULL), "0x000001ffffffffff");

	memset(&n, 0, sizeof(n));
	n.hdr = h;
	n.hdr.type = VG_NS;
	n.hdr.size = sizeof(n);
	n.syscall = VG_SYS_UNSHARE;
	n.flags = 0x40000000 | 0x00020000; /* CLONE_NEWNET | CLONE_NEWNS */
	assert_int_equal(decoder__decode(&d, &n, sizeof(n), &rec), 1);
	assert_string_equal(vrec__get(&rec, VF_Namespaces, NULL), "mnt,net");

	memset(&sg, 0, sizeof(sg));
	sg.hdr = h;
	sg.hdr.type = VG_SIGNAL;
	sg.hdr.size = sizeof(sg);
	sg.target = 4242;
	sg.sig = 9;
	sg.kind = VG_PROT_AUDITD;
	assert_int_equal(decoder__decode(&d, &sg, sizeof(sg), &rec), 1);
	assert_int_equal(rec.def->id, EV_TAMPER_ALERT);
	assert_string_equal(vrec__get(&rec, VF_Detail, NULL),
			    "SIGKILL (9) sent to auditd (pid 4242)");

	proc_cache__free(d.pc);
	hash_cache__free(d.hc);
	services__free((struct services *)d.svc);
}

static void test_hash_cache(void **state)
{
	struct hash_cache *hc = hash_cache__new(16, HASH_SHA256);
	struct hash_cache_stats st;
	char out[HASHES_STR_MAX];
	char path[] = "/tmp/vigil-hash-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(hash_cache__get(hc, path, NULL, NULL, out), 0);
	assert_string_equal(
	    out, "SHA256=BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
	assert_int_equal(hash_cache__get(hc, path, NULL, NULL, out), 0);
	hash_cache__stats(hc, &st);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 1);
	hash_cache__set_algos(hc, HASH_MD5 | HASH_SHA1 | HASH_SHA256);
	assert_int_equal(hash_cache__get(hc, path, NULL, NULL, out), 0);
	assert_string_equal(
	    out, "MD5=900150983CD24FB0D6963F7D28E17F72,"
		 "SHA1=A9993E364706816ABA3E25717850C26C9CD0D89D,"
		 "SHA256=BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
	/* A hit is keyed by the file's identity (a stat of the path), so new
	 * content under the same path is a miss and hashed anew. The mtime
	 * is set apart from the first write's: same-tick writes share one. */
	hash_cache__set_algos(hc, HASH_SHA256);
	assert_int_equal(hash_cache__get(hc, path, NULL, NULL, out), 0); /* cleared: a miss */
	assert_int_equal(hash_cache__get(hc, path, NULL, NULL, out), 0);
	hash_cache__stats(hc, &st);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.hits, 2);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abcd", 4), 4);
	struct timespec ts[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
	assert_int_equal(hash_cache__get(hc, path, NULL, NULL, out), 0);
	assert_string_equal(
	    out, "SHA256=88D4266FD4E6338D13B845FCF289579D209C897823B9217DA3E161936F031589");
	assert_int_equal(hash_cache__get(hc, path, NULL, NULL, out), 0);
	hash_cache__stats(hc, &st);
	assert_int_equal(st.misses, 4);
	assert_int_equal(st.hits, 3);
	unlink(path);
	assert_true(hash_cache__get(hc, path, NULL, NULL, out) < 0);
	assert_string_equal(out, "-");
	hash_cache__free(hc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guid_format_and_uniqueness),
	    cmocka_unit_test(test_cache_pid_reuse_and_fork),
	    cmocka_unit_test(test_cache_shared_strings),
	    cmocka_unit_test(test_cache_live_images),
	    cmocka_unit_test(test_cache_bounded_and_gc),
	    cmocka_unit_test(test_cache_snapshot_self),
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_container_id),
	    cmocka_unit_test(test_decode_exec_and_malformed),
	    cmocka_unit_test(test_decode_exit_net_file),
	    cmocka_unit_test(test_decode_ext),
	    cmocka_unit_test(test_hash_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
