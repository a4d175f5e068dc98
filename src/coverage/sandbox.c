/*
 * sandbox.c — builds the throwaway sandbox of one Atomic Red Team test and
 * runs its phases there (see sandbox.h for the whole picture, vigil(8) for
 * what a user is promised).
 *
 * The file tree. Every mount of the host is first made private (MS_REC|
 * MS_PRIVATE) so nothing done inside propagates out. A staging tmpfs is
 * mounted over /tmp (of the new mount namespace only) and holds the upper
 * and work directories of the overlays: one over "/" and one over each
 * other real filesystem mounted beneath it (/home, /boot, /work, ...), each
 * at its path inside the new root, so a test sees the host's files and may
 * write anywhere, and every write lands in the staging tmpfs. A filesystem
 * that overlayfs refuses as a lower layer is bound read-only instead; a
 * single bind-mounted file (a container's /etc/hosts) is copied in. /proc,
 * /sys, /dev, /run, /tmp and /var/tmp are not taken from the host: a fresh
 * proc for the new pid namespace (its /proc/sys and /proc/sysrq-trigger
 * read-only), a fresh read-only sysfs (so no bpffs, tracefs, debugfs or
 * cgroupfs), a tmpfs /dev with only null, zero, full, random, urandom and
 * tty bound in and a new devpts (no disk device exists inside), and new
 * tmpfs on /tmp, /var/tmp, /dev/shm and /run. The atomics folder gets its
 * own overlay at its path, so it is there even when it lives under /tmp.
 * Then pivot_root into the new root and detach the old one, and seed a
 * lived-in root home there (decoys[] says why), and /tmp/AtomicRedTeam,
 * where Atomic Red Team's inputs expect the checkout.
 *
 * Caps. Capabilities that act on the kernel or the disks whatever the
 * namespace (modules, reboot, raw I/O, sysadmin — mount, BPF, swap —, bpf,
 * perfmon, mknod, time, MAC, audit control, file handles which open host
 * files by inode, resources so the rlimits stay), and those that let a
 * test starve the shared machine (realtime priority, locked memory), are
 * dropped from the
 * bounding set, so neither the root nor anything it runs has them. rlimits
 * cap address space, file size and cores; processes are capped by a pids
 * cgroup leaf (cgroup v2, or the v1 pids hierarchy), because RLIMIT_NPROC is
 * not enforced for uid 0.
 *
 * The root process. The clone child, pid 1 of the new pid namespace, builds
 * all this and then execs this binary again with argv[0] the test's root
 * marker (an execve the sensor sees, and the ancestor of everything the
 * test runs). The root reads the spec from fd 3, runs each phase as an
 * execve of the executor with argv[0] "<marker>:<phase>", captures its
 * output, kills every other process of the namespace when a phase exceeds
 * the timeout (kill(-1) from pid 1), and writes one struct sandbox_phase per
 * phase to fd 4. After the command it gives what the test left running
 * in the background up to SETTLE_MS to finish (settle()). The runner
 * kills the root (and so the namespace) if the whole exceeds every phase's
 * timeout.
 */
#include "coverage/sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OVERLAYFS_MAGIC 0x794c7630
#define STAGE		"/tmp"
#define NEWROOT		STAGE "/root"
#define SPEC_FD		3
#define REPORT_FD	4
#define MAX_MOUNTS	4096
#define ROOT_EXE	"/run/vigil-atomic-root" /* this binary, inside */

/* The capabilities dropped from the bounding set (see the top comment). */
static const int dropped_caps[] = {
    16 /* SYS_MODULE */,
    22 /* SYS_BOOT */,
    17 /* SYS_RAWIO */,
    21 /* SYS_ADMIN */,
    39 /* BPF */,
    38 /* PERFMON */,
    27 /* MKNOD */,
    25 /* SYS_TIME */,
    32 /* MAC_OVERRIDE */,
    33 /* MAC_ADMIN */,
    30 /* AUDIT_CONTROL */,
    2 /* DAC_READ_SEARCH */,
    24 /* SYS_RESOURCE */,
    34 /* SYSLOG */,
    35 /* WAKE_ALARM */,
    36 /* BLOCK_SUSPEND */,
    40 /* CHECKPOINT_RESTORE */,
    /* Not the kernel's, but the shared machine's: realtime priorities and
     * locked memory could starve the host, accounting and vhangup reach
     * past the sandbox's files. */
    23 /* SYS_NICE */,
    14 /* IPC_LOCK */,
    20 /* SYS_PACCT */,
    26 /* SYS_TTY_CONFIG */,
};

static const char *const clean_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/root",
    "TERM=dumb",
    "LANG=C.UTF-8",
    "USER=root",
    "LOGNAME=root",
    NULL,
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- cgroup ------------------------------------------------------------ */

/* The directory pids cgroups are made in, "" when none. */
static const char *cgroup_base(void)
{
	static char base[64];
	static bool done;
	char buf[512];
	int fd;
	ssize_t n;

	if (done)
		return base;
	done = true;
	fd = open("/sys/fs/cgroup/cgroup.subtree_control", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (strstr(buf, "pids"))
			snprintf(base, sizeof(base), "/sys/fs/cgroup");
		return base;
	}
	if (access("/sys/fs/cgroup/pids/cgroup.procs", W_OK) == 0)
		snprintf(base, sizeof(base), "/sys/fs/cgroup/pids");
	return base;
}

const char *sandbox_proc_cap(void)
{
	const char *b = cgroup_base();

	if (!b[0])
		return "rlimit";
	return strcmp(b, "/sys/fs/cgroup") == 0 ? "cgroup2" : "cgroup1-pids";
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = write_all(fd, s, strlen(s));
	close(fd);
	return rc;
}

/* A leaf for pid with pids.max; its path in dir ("" when none). */
static void cgroup_enter(pid_t pid, char *dir, size_t len)
{
	const char *b = cgroup_base();
	char f[600], num[32];

	dir[0] = '\0';
	if (!b[0])
		return;
	snprintf(dir, len, "%s/vigil-atomic-%d", b, (int)pid);
	if (mkdir(dir, 0700) != 0) {
		dir[0] = '\0';
		return;
	}
	snprintf(f, sizeof(f), "%s/pids.max", dir);
	snprintf(num, sizeof(num), "%d", SANDBOX_NPROC);
	if (write_str(f, num) == 0) {
		snprintf(f, sizeof(f), "%s/cgroup.procs", dir);
		snprintf(num, sizeof(num), "%d", (int)pid);
		if (write_str(f, num) == 0)
			return;
	}
	rmdir(dir);
	dir[0] = '\0';
}

/* ---- building the tree (in the clone child) ----------------------------- */

struct setup {
	const struct sandbox_spec *spec;
	int report_fd; /* write end */
	int spec_fd;
	int sync_fd; /* read end: the runner says go once the cgroup is set */
	int exe_fd;
	int atomics_fd; /* O_PATH of the atomics folder */
	char err[512];
};

#define FAIL(st, ...)                                                                              \
	do {                                                                                       \
		snprintf((st)->err, sizeof((st)->err), __VA_ARGS__);                               \
		return -1;                                                                         \
	} while (0)

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* mountinfo escapes blanks and backslashes as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Mounts whose content is not taken from the host: replaced or pseudo. */
static bool skipped_mount(const char *mp, const char *type)
{
	static const char *const replaced[] = {"/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp"};
	static const char *const pseudo[] = {
	    "proc",    "sysfs",	     "devtmpfs",  "devpts",	"cgroup",      "cgroup2",
	    "bpf",     "tracefs",    "debugfs",	  "securityfs", "mqueue",      "hugetlbfs",
	    "fusectl", "configfs",   "pstore",	  "autofs",	"binfmt_misc", "efivarfs",
	    "nsfs",    "rpc_pipefs", "selinuxfs", "ramfs-none",
	};

	for (size_t i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++)
		if (under(mp, replaced[i]))
			return true;
	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (strcmp(type, pseudo[i]) == 0)
			return true;
	return false;
}

struct mnt {
	char *path;
};

static int cmp_mnt(const void *a, const void *b)
{
	const struct mnt *x = a, *y = b;
	size_t lx = strlen(x->path), ly = strlen(y->path);

	/* Parents before children: by path length, then text. */
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* The host's real filesystems beneath "/", parents first. */
static int read_mounts(struct setup *st, struct mnt *m, size_t *n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	*n = 0;
	if (!f)
		FAIL(st, "sandbox: /proc/self/mountinfo: %s", strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char mp[4096], type[64];
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(dash + 3, "%63s", type) != 1)
			continue;
		unescape(mp);
		if (strcmp(mp, "/") == 0 || skipped_mount(mp, type))
			continue;
		/* Mounted twice at one place: the last (top) one is seen. */
		bool dup = false;

		for (size_t i = 0; i < *n; i++)
			dup |= strcmp(m[i].path, mp) == 0;
		if (dup)
			continue;
		if (*n == MAX_MOUNTS) {
			free(line);
			fclose(f);
			FAIL(st, "sandbox: more than %d mounts", MAX_MOUNTS);
		}
		m[*n].path = strdup(mp);
		if (!m[*n].path) {
			free(line);
			fclose(f);
			FAIL(st, "sandbox: out of memory");
		}
		(*n)++;
	}
	free(line);
	fclose(f);
	qsort(m, *n, sizeof(*m), cmp_mnt);
	return 0;
}

static int overlay(struct setup *st, const char *lower, const char *target, int i)
{
	char up[64], work[64], opts[4096 + 160];

	snprintf(up, sizeof(up), STAGE "/u%d", i);
	snprintf(work, sizeof(work), STAGE "/w%d", i);
	if (mkdir(up, 0755) != 0 || mkdir(work, 0700) != 0)
		FAIL(st, "sandbox: mkdir %s: %s", up, strerror(errno));
	/* A ',' or ':' in lower would be read as an option or a layer: not
	 * overlaid (a submount is then bound read-only). */
	if (strpbrk(lower, ",:\\"))
		return -EINVAL;
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, up, work);
	if (mount("overlay", target, "overlay", 0, opts) != 0)
		return -errno;
	return 0;
}

/* A copy of the host file path at the same place in the new root. */
static int copy_file(struct setup *st, const char *path, const char *target)
{
	char buf[65536];
	int in = open(path, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		FAIL(st, "sandbox: %s: %s", path, strerror(errno));
	out = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0) {
		close(in);
		FAIL(st, "sandbox: copy of %s: %s", path, strerror(errno));
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) != 0)
			break;
	close(in);
	close(out);
	return 0;
}

static int submounts(struct setup *st, int *layer)
{
	static struct mnt m[MAX_MOUNTS];
	size_t n = 0;

	if (read_mounts(st, m, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char target[4096 + 16];
		struct stat sb;
		int rc = 0;

		snprintf(target, sizeof(target), NEWROOT "%s", m[i].path);
		if (stat(m[i].path, &sb) != 0) {
			rc = -1;
			snprintf(st->err, sizeof(st->err), "sandbox: %s: %s", m[i].path,
				 strerror(errno));
		} else if (!S_ISDIR(sb.st_mode)) {
			/* A bind-mounted file: a writable copy. */
			rc = copy_file(st, m[i].path, target);
		} else if (mkdir_p(target, 0755) != 0) {
			rc = -1;
			snprintf(st->err, sizeof(st->err), "sandbox: mkdir %.300s: %s", target,
				 strerror(errno));
		} else if (overlay(st, m[i].path, target, (*layer)++) != 0) {
			if (st->err[0])
				rc = -1;
			/* overlayfs refuses this one as a lower layer: a
			 * read-only bind, so it cannot be written at all. */
			else if (mount(m[i].path, target, NULL, MS_BIND, NULL) != 0 ||
				 mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY,
				       NULL) != 0) {
				rc = -1;
				snprintf(st->err, sizeof(st->err),
					 "sandbox: neither overlay nor read-only bind of %s: %s",
					 m[i].path, strerror(errno));
			}
		}
		free(m[i].path);
		if (rc != 0) {
			for (size_t j = i + 1; j < n; j++)
				free(m[j].path);
			return -1;
		}
	}
	return 0;
}

static int tmpfs(struct setup *st, const char *target, const char *opts)
{
	if (mkdir_p(target, 0755) != 0 ||
	    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0)
		FAIL(st, "sandbox: tmpfs on %s: %s", target, strerror(errno));
	return 0;
}

static int make_dev(struct setup *st)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	static const char *const links[][2] = {
	    {"/proc/self/fd", NEWROOT "/dev/fd"},	{"/proc/self/fd/0", NEWROOT "/dev/stdin"},
	    {"/proc/self/fd/1", NEWROOT "/dev/stdout"}, {"/proc/self/fd/2", NEWROOT "/dev/stderr"},
	    {"pts/ptmx", NEWROOT "/dev/ptmx"},
	};

	if (mkdir_p(NEWROOT "/dev", 0755) != 0 ||
	    mount("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID, "size=1m,mode=0755") != 0)
		FAIL(st, "sandbox: tmpfs on /dev: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		char src[64], dst[128];
		int fd;

		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), NEWROOT "/dev/%s", nodes[i]);
		fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0)
			FAIL(st, "sandbox: %s: %s", dst, strerror(errno));
		close(fd);
		if (mount(src, dst, NULL, MS_BIND, NULL) != 0)
			FAIL(st, "sandbox: bind %s: %s", src, strerror(errno));
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) != 0)
			FAIL(st, "sandbox: symlink %s: %s", links[i][1], strerror(errno));
	if (mkdir(NEWROOT "/dev/pts", 0755) != 0 ||
	    mount("devpts", NEWROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") != 0)
		FAIL(st, "sandbox: devpts: %s", strerror(errno));
	return tmpfs(st, NEWROOT "/dev/shm", SANDBOX_SMALL_TMPFS ",mode=1777");
}

/* A read-only bind of path over itself (inside the new root). */
static int ro_bind(struct setup *st, const char *path, unsigned long extra)
{
	struct statvfs sv;

	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0 ||
	    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | extra, NULL) != 0)
		FAIL(st, "sandbox: read-only %s: %s", path, strerror(errno));
	if (statvfs(path, &sv) != 0 || !(sv.f_flag & ST_RDONLY))
		FAIL(st, "sandbox: %s is still writable", path);
	return 0;
}

static int loopback_up(struct setup *st)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		FAIL(st, "sandbox: socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		close(fd);
		FAIL(st, "sandbox: lo: %s", strerror(errno));
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) {
		close(fd);
		FAIL(st, "sandbox: bringing lo up: %s", strerror(errno));
	}
	close(fd);
	return 0;
}

static int limits(struct setup *st)
{
	const struct {
		int res;
		rlim_t v;
	} lim[] = {
	    {RLIMIT_AS, SANDBOX_AS},
	    {RLIMIT_FSIZE, SANDBOX_FSIZE},
	    {RLIMIT_CORE, 0},
	    {RLIMIT_NPROC, SANDBOX_NPROC},
	};

	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		struct rlimit r = {lim[i].v, lim[i].v};

#ifdef __SANITIZE_ADDRESS__
		/* ASan's shadow memory is terabytes of address space: the
		 * sanitizer build's root could not start under the cap. */
		if (lim[i].res == RLIMIT_AS)
			continue;
#endif

		if (setrlimit(lim[i].res, &r) != 0)
			FAIL(st, "sandbox: setrlimit: %s", strerror(errno));
	}
	for (size_t i = 0; i < sizeof(dropped_caps) / sizeof(dropped_caps[0]); i++)
		if (prctl(PR_CAPBSET_DROP, dropped_caps[i], 0, 0, 0) != 0 && errno != EINVAL)
			FAIL(st, "sandbox: dropping capability %d: %s", dropped_caps[i],
			     strerror(errno));
	return 0;
}

/* A lived-in root home and one user's, written inside the sandbox (into
 * its overlay, gone with it). Credential-access and persistence tests look
 * for an SSH key pair, authorized_keys, a GnuPG directory, a shell history
 * and a user's .netrc under /home (T1552.001); on a machine without them
 * such a test finds nothing, exits 0 and proves nothing. The files are
 * decoys: no key material or password, only the shapes a search for them
 * matches. Files the host already has are left as they are. */
static const struct {
	const char *path;
	mode_t mode;
	const char *text; /* NULL: a directory */
} decoys[] = {
    {"/root/.ssh", 0700, NULL},
    {"/root/.ssh/id_rsa", 0600,
     "-----BEGIN OPENSSH PRIVATE KEY-----\nvigil-sandbox-decoy-not-a-key\n"
     "-----END OPENSSH PRIVATE KEY-----\n"},
    {"/root/.ssh/id_rsa.pub", 0644, "ssh-rsa AAAAvigilsandboxdecoy root@vigil-atomic-sandbox\n"},
    {"/root/.ssh/authorized_keys", 0600,
     "ssh-ed25519 AAAAvigilsandboxdecoy admin@vigil-atomic-sandbox\n"},
    {"/root/.ssh/known_hosts", 0644, "vigil-sandbox-decoy ssh-ed25519 AAAAvigilsandboxdecoy\n"},
    {"/root/.gnupg", 0700, NULL},
    {"/root/.gnupg/pubring.kbx", 0600, "vigil-sandbox-decoy\n"},
    {"/root/.bash_history", 0600, "ls -la\ncd /tmp\ncat /etc/hostname\n"},
    {"/home", 0755, NULL},
    {"/home/atomic", 0755, NULL},
    {"/home/atomic/.netrc", 0600,
     "machine github.com login atomic password vigil-sandbox-decoy-not-a-password\n"},
};

static int seed_home(struct setup *st)
{
	for (size_t i = 0; i < sizeof(decoys) / sizeof(decoys[0]); i++) {
		int fd;

		if (!decoys[i].text) {
			if (mkdir(decoys[i].path, decoys[i].mode) != 0 && errno != EEXIST)
				FAIL(st, "sandbox: mkdir %s: %s", decoys[i].path, strerror(errno));
			continue;
		}
		fd = open(decoys[i].path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  decoys[i].mode);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0 || write_all(fd, decoys[i].text, strlen(decoys[i].text)) != 0) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			FAIL(st, "sandbox: decoy %s: %s", decoys[i].path, strerror(e));
		}
		close(fd);
	}
	return 0;
}

/* Atomic Red Team's Linux inputs assume the checkout was cloned to
 * /tmp/AtomicRedTeam (T1222.002 changes the modes and owners of
 * /tmp/AtomicRedTeam/atomics/T1222.002): its atomics folder there is a
 * link to the one under test, whose overlay makes such changes vanish with
 * the sandbox. */
#define ART_DEFAULT_CHECKOUT "/tmp/AtomicRedTeam"

static int seed_checkout_path(struct setup *st)
{
	if (strcmp(st->spec->atomics_dir, ART_DEFAULT_CHECKOUT "/atomics") == 0)
		return 0;
	if ((mkdir(ART_DEFAULT_CHECKOUT, 0755) != 0 && errno != EEXIST) ||
	    (symlink(st->spec->atomics_dir, ART_DEFAULT_CHECKOUT "/atomics") != 0 &&
	     errno != EEXIST))
		FAIL(st, "sandbox: %s/atomics: %s", ART_DEFAULT_CHECKOUT, strerror(errno));
	return 0;
}

static int build(struct setup *st)
{
	static const char *const ro_proc[] = {"/proc/irq", "/proc/bus", "/proc/fs", "/proc/acpi",
					      "/proc/asound"};
	struct statfs sf;
	char go;
	int layer = 0;
	char target[4096 + 16];

	/* Wait for the runner to put this process in its cgroup. */
	if (read(st->sync_fd, &go, 1) != 1)
		FAIL(st, "sandbox: the runner went away");
	close(st->sync_fd);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		FAIL(st, "sandbox: making the mounts private: %s", strerror(errno));
	/* Opened here, in the new mount namespace (overlayfs takes a lower
	 * layer only from its own), and before the staging tmpfs hides /tmp. */
	st->atomics_fd = open(st->spec->atomics_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st->atomics_fd < 0)
		FAIL(st, "sandbox: %.300s: %s", st->spec->atomics_dir, strerror(errno));
	/* The same for this binary: the root is exec'd from a read-only bind
	 * of it inside (an fd of the host's mount cannot be exec'd once the
	 * host's tree is detached). */
	{
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n <= 0)
			FAIL(st, "sandbox: /proc/self/exe: %s", strerror(errno));
		exe[n] = '\0';
		/* By path: /proc/self/exe itself is the host's mount. */
		st->exe_fd = open(exe, O_PATH | O_CLOEXEC);
		if (st->exe_fd < 0)
			FAIL(st, "sandbox: %.300s: %s", exe, strerror(errno));
	}
	if (mount("vigil-sandbox", STAGE, "tmpfs", MS_NOSUID | MS_NODEV,
		  SANDBOX_TMPFS_SIZE ",mode=0700") != 0)
		FAIL(st, "sandbox: staging tmpfs: %s", strerror(errno));
	if (mkdir(NEWROOT, 0755) != 0)
		FAIL(st, "sandbox: mkdir: %s", strerror(errno));
	if (overlay(st, "/", NEWROOT, layer++) != 0) {
		if (!st->err[0])
			FAIL(st, "sandbox: overlay over /: %s", strerror(errno));
		return -1;
	}
	if (submounts(st, &layer) != 0)
		return -1;
	if (mkdir_p(NEWROOT "/proc", 0555) != 0 ||
	    mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		FAIL(st, "sandbox: proc: %s", strerror(errno));
	if (mkdir_p(NEWROOT "/sys", 0555) != 0 ||
	    mount("sysfs", NEWROOT "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) != 0)
		FAIL(st, "sandbox: sysfs: %s", strerror(errno));
	if (make_dev(st) != 0 || tmpfs(st, NEWROOT "/tmp", SANDBOX_SMALL_TMPFS ",mode=1777") != 0 ||
	    tmpfs(st, NEWROOT "/var/tmp", SANDBOX_SMALL_TMPFS ",mode=1777") != 0 ||
	    tmpfs(st, NEWROOT "/run", SANDBOX_SMALL_TMPFS ",mode=0755") != 0)
		return -1;
	if (mkdir(NEWROOT "/run/lock", 01777) != 0)
		FAIL(st, "sandbox: /run/lock: %s", strerror(errno));
	/* The atomics folder: its own overlay, found through the fd opened
	 * before the staging tmpfs hid /tmp. */
	snprintf(target, sizeof(target), NEWROOT "%s", st->spec->atomics_dir);
	if (mkdir_p(target, 0755) != 0)
		FAIL(st, "sandbox: mkdir %.300s: %s", target, strerror(errno));
	{
		char lower[64];

		snprintf(lower, sizeof(lower), "/proc/self/fd/%d", st->atomics_fd);
		if (overlay(st, lower, target, layer++) != 0) {
			if (!st->err[0])
				FAIL(st, "sandbox: overlay over %s: %s", st->spec->atomics_dir,
				     strerror(errno));
			return -1;
		}
	}
	close(st->atomics_fd);
	{
		char self[64];
		int fd = open(NEWROOT ROOT_EXE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);

		snprintf(self, sizeof(self), "/proc/self/fd/%d", st->exe_fd);
		if (fd < 0 || close(fd) != 0 ||
		    mount(self, NEWROOT ROOT_EXE, NULL, MS_BIND, NULL) != 0 ||
		    mount(NULL, NEWROOT ROOT_EXE, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) !=
			0)
			FAIL(st, "sandbox: binding the root's binary: %s", strerror(errno));
		close(st->exe_fd);
	}
	if (chdir(NEWROOT) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
	    umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
		FAIL(st, "sandbox: pivot_root: %s", strerror(errno));
	/* sysrq-trigger exists only with CONFIG_MAGIC_SYSRQ. */
	if (ro_bind(st, "/proc/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC) != 0 ||
	    (access("/proc/sysrq-trigger", F_OK) == 0 &&
	     ro_bind(st, "/proc/sysrq-trigger", MS_NOSUID | MS_NODEV | MS_NOEXEC) != 0))
		return -1;
	/* The other /proc files that act on the whole machine (IRQ affinity,
	 * bus and ACPI knobs, filesystem tunables), read-only like a
	 * container runtime makes them. */
	for (size_t i = 0; i < sizeof(ro_proc) / sizeof(ro_proc[0]); i++)
		if (access(ro_proc[i], F_OK) == 0 &&
		    ro_bind(st, ro_proc[i], MS_NOSUID | MS_NODEV | MS_NOEXEC) != 0)
			return -1;
	/* What the test will see as "/" must be the overlay. */
	if (statfs("/", &sf) != 0 || sf.f_type != OVERLAYFS_MAGIC)
		FAIL(st, "sandbox: / is not the overlay");
	if (seed_home(st) != 0 || seed_checkout_path(st) != 0)
		return -1;
	if (sethostname(SANDBOX_HOSTNAME, strlen(SANDBOX_HOSTNAME)) != 0)
		FAIL(st, "sandbox: sethostname: %s", strerror(errno));
	if (loopback_up(st) != 0 || limits(st) != 0)
		return -1;
	if (chdir("/tmp") != 0)
		FAIL(st, "sandbox: chdir /tmp: %s", strerror(errno));
	return 0;
}

static void report_setup_error(int fd, const char *why)
{
	static struct sandbox_phase p;

	memset(&p, 0, sizeof(p));
	snprintf(p.phase, sizeof(p.phase), "!setup");
	snprintf(p.head, sizeof(p.head), "%s", why);
	write_all(fd, &p, sizeof(p));
}

static int child_main(void *arg)
{
	struct setup *st = arg;
	char *const argv[] = {(char *)st->spec->root_marker, "atomics", "run", "--sandbox-root",
			      NULL};
	int devnull;

	if (build(st) != 0) {
		report_setup_error(st->report_fd, st->err);
		_exit(70);
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* fds: 0-2 /dev/null, 3 the spec, 4 the report pipe, nothing else. */
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0 ||
	    dup2(st->spec_fd, 100) < 0 || dup2(st->report_fd, 101) < 0 || dup2(100, SPEC_FD) < 0 ||
	    dup2(101, REPORT_FD) < 0) {
		report_setup_error(st->report_fd, "sandbox: fd setup failed");
		_exit(70);
	}
	for (int fd = 5; fd < 1024; fd++)
		close(fd);
	execve(ROOT_EXE, argv, (char *const *)clean_env);
	snprintf(st->err, sizeof(st->err), "sandbox: exec of the root: %s", strerror(errno));
	report_setup_error(REPORT_FD, st->err);
	_exit(70);
}

/* ---- the spec, from runner to root ------------------------------------- */

static int put_field(FILE *f, const char *s)
{
	size_t n = strlen(s);

	return fprintf(f, "%zu\n", n) < 0 || fwrite(s, 1, n, f) != n || fputc('\n', f) == EOF ? -EIO
											      : 0;
}

static int write_spec(const struct sandbox_spec *sp, int fd)
{
	FILE *f = fdopen(dup(fd), "w");
	int rc = 0;
	char num[32];

	if (!f)
		return -errno;
	snprintf(num, sizeof(num), "%u", sp->timeout_s);
	rc |= put_field(f, num);
	rc |= put_field(f, sp->shell);
	rc |= put_field(f, sp->dep_shell);
	rc |= put_field(f, sp->command);
	rc |= put_field(f, sp->cleanup);
	snprintf(num, sizeof(num), "%zu", sp->ndeps);
	rc |= put_field(f, num);
	for (size_t i = 0; i < sp->ndeps; i++) {
		rc |= put_field(f, sp->prereq[i]);
		rc |= put_field(f, sp->get_prereq[i]);
	}
	if (fclose(f) != 0)
		rc = -EIO;
	return rc ? -EIO : 0;
}

struct spec_in {
	char *buf;
	size_t len, pos;
};

static const char *get_field(struct spec_in *in)
{
	char *nl, *end;
	unsigned long long n;
	const char *s;

	if (in->pos >= in->len)
		return NULL;
	nl = memchr(in->buf + in->pos, '\n', in->len - in->pos);
	if (!nl)
		return NULL;
	n = strtoull(in->buf + in->pos, &end, 10);
	if (end != nl || n > in->len - (size_t)(nl + 1 - in->buf) - 1)
		return NULL;
	s = nl + 1;
	nl[1 + n] = '\0'; /* the '\n' after the text */
	in->pos = (size_t)(nl + 1 - in->buf) + n + 1;
	return s;
}

/* ---- the root ----------------------------------------------------------- */

struct outbuf {
	struct sandbox_phase *p;
	const char *argv0; /* the phase shell's name, which prefixes its errors */
	size_t head_len, total;
	char ring[SANDBOX_OUT_MAX];
	char line[512]; /* the current line; longer ones are no shell error */
	size_t line_len;
	bool line_long;
};

/* What systemd's tools print, as a whole line's start, when systemd is
 * not PID 1 (sd_booted() false); the line goes on "Can't operate.". */
#define NO_SYSTEMD_LINE "System has not been booted with systemd as init system (PID 1)."

/* A whole line of output: when it is the phase shell's own "not found"
 * for a command, notes the command. dash says "NAME: LINE: CMD: not
 * found", bash "NAME: line LINE: CMD: command not found"; NAME is the
 * phase marker, so the message of a program the test runs (`type x`
 * says "x: not found") is never taken for one. Notes systemd's refusal
 * too (sandbox_phase.no_systemd). */
static void out_line(struct outbuf *o)
{
	static const char *const sfx[] = {": command not found", ": not found"};
	size_t al = strlen(o->argv0), n = o->line_len, used, cl;
	char *l = o->line, *cmd, *end = NULL;

	l[n] = '\0';
	if (n > 0 && l[n - 1] == '\r')
		l[--n] = '\0';
	if (strncmp(l, NO_SYSTEMD_LINE, sizeof(NO_SYSTEMD_LINE) - 1) == 0) {
		o->p->no_systemd = true;
		return;
	}
	if (strncmp(l, o->argv0, al) != 0 || strncmp(l + al, ": ", 2) != 0)
		return;
	for (size_t k = 0; k < 2 && !end; k++) {
		size_t sl = strlen(sfx[k]);

		if (n >= al + 2 + sl && strcmp(l + n - sl, sfx[k]) == 0)
			end = l + n - sl;
	}
	if (!end)
		return;
	*end = '\0';
	/* The command follows the last ": ": dash writes its prefix apart
	 * from the rest, so two processes of a pipeline failing at once can
	 * leave "NAME: 2: NAME: 2: xclip" on one line. */
	cmd = NULL;
	for (char *q = strstr(l + al + 2, ": "); q; q = strstr(q + 2, ": "))
		cmd = q + 2;
	if (!cmd || !cmd[0])
		return;
	cl = strlen(cmd);
	for (const char *q = o->p->not_found, *name; *q;) {
		size_t nl = sandbox_nf_next(&q, &name);

		if (nl == cl && strncmp(name, cmd, nl) == 0)
			return;
	}
	used = strlen(o->p->not_found);
	if (used + cl + 1 > SANDBOX_NOTFOUND_MAX) {
		o->p->not_found_cut = true;
		return;
	}
	snprintf(o->p->not_found + used, SANDBOX_NOTFOUND_MAX + 1 - used, "%s%s", used ? "\n" : "",
		 cmd);
}

static void out_add(struct outbuf *o, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (o->head_len < SANDBOX_HEAD_MAX)
			o->p->head[o->head_len++] = b[i];
		o->ring[o->total % SANDBOX_OUT_MAX] = b[i];
		o->total++;
		if (b[i] == '\n') {
			if (!o->line_long)
				out_line(o);
			o->line_len = 0;
			o->line_long = false;
		} else if (o->line_len < sizeof(o->line) - 1) {
			o->line[o->line_len++] = b[i];
		} else {
			o->line_long = true;
		}
	}
}

static void out_finish(struct outbuf *o)
{
	size_t n = o->total < SANDBOX_OUT_MAX ? o->total : SANDBOX_OUT_MAX;
	size_t start = o->total - n;

	if (o->line_len && !o->line_long)
		out_line(o); /* a last line without its '\n' */

	for (size_t i = 0; i < n; i++)
		o->p->tail[i] = o->ring[(start + i) % SANDBOX_OUT_MAX];
	o->p->tail[n] = '\0';
	o->p->tail_len = n;
	o->p->cut = o->total > n;
	o->p->head[o->head_len] = '\0';
}

/* Reaps every exited child; true when pid was among them (status in *st). */
static bool reap(pid_t pid, int *status)
{
	bool got = false;
	int s;
	pid_t w;

	while ((w = waitpid(-1, &s, WNOHANG)) > 0)
		if (w == pid) {
			*status = s;
			got = true;
		}
	return got;
}

/* Runs one phase; fills p. */
static void run_phase(const char *marker, const char *phase, const char *shell, const char *cmd,
		      unsigned timeout_s, int sigfd, struct sandbox_phase *p)
{
	static struct outbuf o;
	char argv0[256];
	int pfd[2], status = 0;
	long long start = now_ms(), deadline = start + (long long)timeout_s * 1000;
	bool done = false, eof = false;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	memset(&o, 0, sizeof(o));
	o.p = p;
	o.argv0 = argv0;
	snprintf(p->phase, sizeof(p->phase), "%s", phase);
	snprintf(argv0, sizeof(argv0), "%s:%s", marker, phase);
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		p->exit = 127;
		snprintf(p->head, sizeof(p->head), "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		char *const argv[] = {argv0, "-c", (char *)cmd, NULL};
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execve(shell, argv, (char *const *)clean_env);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		p->exit = 127;
		snprintf(p->head, sizeof(p->head), "fork: %s", strerror(errno));
		return;
	}
	while (!done) {
		struct pollfd fds[2] = {{sigfd, POLLIN, 0}, {pfd[0], POLLIN, 0}};
		long long left = deadline - now_ms();
		char buf[4096];

		if (left <= 0) {
			/* pid 1 kills everything else in its namespace. */
			p->timed_out = true;
			kill(-1, SIGKILL);
			while (!reap(pid, &status))
				usleep(10000);
			break;
		}
		if (poll(fds, eof ? 1 : 2, left > 1000 ? 1000 : (int)left) < 0 && errno != EINTR)
			break;
		if (fds[0].revents) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof(si)) == sizeof(si))
				;
		}
		if (!eof && fds[1].revents) {
			ssize_t n = read(pfd[0], buf, sizeof(buf));

			if (n > 0)
				out_add(&o, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				eof = true;
		}
		done = reap(pid, &status);
	}
	/* What is already in the pipe; a background process still writing
	 * does not hold the phase. */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[4096];
		ssize_t n = read(pfd[0], buf, sizeof(buf));

		if (n <= 0)
			break;
		out_add(&o, buf, (size_t)n);
	}
	close(pfd[0]);
	out_finish(&o);
	p->ms = now_ms() - start;
	if (WIFSIGNALED(status)) {
		p->exit = -1;
		p->sig = WTERMSIG(status);
	} else {
		p->exit = WEXITSTATUS(status);
	}
}

/*
 * After the command: what the test started in the background (`busybox sh
 * &`, `nohup payload &`) is part of the test, and once the phase's shell
 * has exited it may not even have exec'd yet. Every orphan of the sandbox
 * is pid 1's child, so the root waits, reaping, until it has no children
 * left or SETTLE_MS have passed. Whatever still runs then carries on
 * through the cleanup, and dies with the namespace when the root exits.
 */
#define SETTLE_MS 2000
static void settle(int sigfd)
{
	long long deadline = now_ms() + SETTLE_MS;

	for (;;) {
		struct pollfd fd = {sigfd, POLLIN, 0};
		struct signalfd_siginfo si;
		long long left;
		pid_t w;
		int s;

		while ((w = waitpid(-1, &s, WNOHANG)) > 0)
			;
		if (w < 0 && errno == ECHILD)
			return;
		left = deadline - now_ms();
		if (left <= 0)
			return;
		poll(&fd, 1, (int)(left > 100 ? 100 : left));
		while (read(sigfd, &si, sizeof(si)) == sizeof(si))
			;
	}
}

int sandbox_root_main(const char *argv0)
{
	struct spec_in in = {0};
	static struct sandbox_phase p;
	const char *f[5], *nd;
	unsigned timeout;
	size_t ndeps;
	sigset_t chld;
	int sigfd;
	struct stat sb;
	bool met = true;

	/* Only ever run as a sandbox's root: pid 1 with the spec on fd 3. */
	if (getpid() != 1 || fstat(SPEC_FD, &sb) != 0 || fstat(REPORT_FD, &sb) != 0 ||
	    !S_ISFIFO(sb.st_mode))
		return 64;
	fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC);
	if (fstat(SPEC_FD, &sb) != 0 || sb.st_size <= 0 || sb.st_size > (64 << 20))
		return 65;
	in.len = (size_t)sb.st_size;
	in.buf = malloc(in.len + 1);
	if (!in.buf || pread(SPEC_FD, in.buf, in.len, 0) != (ssize_t)in.len)
		return 65;
	in.buf[in.len] = '\0';
	close(SPEC_FD);
	for (int i = 0; i < 5; i++)
		if (!(f[i] = get_field(&in)))
			return 65;
	nd = get_field(&in);
	if (!nd)
		return 65;
	timeout = (unsigned)strtoul(f[0], NULL, 10);
	ndeps = strtoul(nd, NULL, 10);
	if (ndeps > SANDBOX_MAX_DEPS)
		return 65;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return 71;
	for (size_t k = 0; k < ndeps && met; k++) {
		const char *pre = get_field(&in), *get = get_field(&in);
		char name[32], gname[32];

		if (!pre || !get)
			return 65;
		if (!pre[0])
			continue;
		snprintf(name, sizeof(name), "prereq%zu", k);
		snprintf(gname, sizeof(gname), "get_prereq%zu", k);
		run_phase(argv0, name, f[2], pre, timeout, sigfd, &p);
		write_all(REPORT_FD, &p, sizeof(p));
		if (p.exit == 0 && !p.timed_out)
			continue;
		if (get[0]) {
			run_phase(argv0, gname, f[2], get, timeout, sigfd, &p);
			write_all(REPORT_FD, &p, sizeof(p));
			run_phase(argv0, name, f[2], pre, timeout, sigfd, &p);
			write_all(REPORT_FD, &p, sizeof(p));
		}
		met = p.exit == 0 && !p.timed_out;
	}
	if (met) {
		run_phase(argv0, "command", f[1], f[3], timeout, sigfd, &p);
		write_all(REPORT_FD, &p, sizeof(p));
		settle(sigfd);
		if (f[4][0]) {
			run_phase(argv0, "cleanup", f[1], f[4], timeout, sigfd, &p);
			write_all(REPORT_FD, &p, sizeof(p));
		}
	}
	free(in.buf);
	return 0;
}

/* ---- the runner side ------------------------------------------------------ */

int sandbox_supported(char *why, size_t len)
{
	FILE *f;
	char line[256];
	bool ovl = false;

	if (geteuid() != 0) {
		snprintf(why, len, "the sandbox needs root");
		return -EPERM;
	}
	if (access("/proc/self/ns/pid", F_OK) != 0 || access("/proc/self/ns/net", F_OK) != 0) {
		snprintf(why, len, "this kernel has no pid or network namespaces");
		return -ENOSYS;
	}
	f = fopen("/proc/filesystems", "re");
	while (f && fgets(line, sizeof(line), f))
		ovl |= strstr(line, "\toverlay\n") != NULL;
	if (f)
		fclose(f);
	if (!ovl) {
		snprintf(why, len, "this kernel has no overlayfs (modprobe overlay)");
		return -ENOSYS;
	}
	return 0;
}

int sandbox_run(const struct sandbox_spec *spec, struct sandbox_result *res)
{
	static struct setup st;
	const size_t stack_size = 256 << 10;
	int rep[2] = {-1, -1}, sync[2] = {-1, -1};
	int spec_fd = -1, rc = 0, status = 0;
	char *stack = MAP_FAILED;
	char cg[512];
	long long deadline;
	size_t got = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (!spec->root_marker || !spec->shell || !spec->dep_shell || !spec->command ||
	    !spec->cleanup || spec->ndeps > SANDBOX_MAX_DEPS || !spec->atomics_dir ||
	    spec->atomics_dir[0] != '/' || spec->timeout_s == 0)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	st.spec = spec;
	spec_fd = memfd_create("vigil-atomic-spec", MFD_CLOEXEC);
	if (spec_fd < 0 || pipe2(rep, O_CLOEXEC) != 0 || pipe2(sync, O_CLOEXEC) != 0) {
		rc = -errno;
		snprintf(res->error, sizeof(res->error), "sandbox: %s", strerror(errno));
		goto out;
	}
	rc = write_spec(spec, spec_fd);
	if (rc)
		goto out;
	stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED) {
		rc = -ENOMEM;
		goto out;
	}
	st.report_fd = rep[1];
	st.spec_fd = spec_fd;
	st.sync_fd = sync[0];
	fflush(NULL);
	pid = clone(
	    child_main, stack + stack_size,
	    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD, &st);
	if (pid < 0) {
		rc = 0;
		snprintf(res->error, sizeof(res->error), "sandbox: clone of the namespaces: %s",
			 strerror(errno));
		goto out;
	}
	res->root_pid = pid;
	close(rep[1]);
	rep[1] = -1;
	close(sync[0]);
	sync[0] = -1;
	cgroup_enter(pid, cg, sizeof(cg));
	if (write(sync[1], "g", 1) != 1) {
		/* The child died before it read: its error follows. */
	}
	close(sync[1]);
	sync[1] = -1;
	/* Every phase may take its timeout; then the root is killed. */
	deadline =
	    now_ms() + (long long)spec->timeout_s * 1000 * (3 * (long long)spec->ndeps + 2) + 15000;
	for (;;) {
		struct pollfd pf = {rep[0], POLLIN, 0};
		long long left = deadline - now_ms();
		struct sandbox_phase *p = &res->phases[res->nphases];
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			res->killed = true;
			break;
		}
		if (poll(&pf, 1, left > 1000 ? 1000 : (int)left) <= 0)
			continue;
		if (res->nphases == SANDBOX_MAX_PHASES) {
			kill(pid, SIGKILL);
			res->killed = true;
			break;
		}
		n = read(rep[0], (char *)p + got, sizeof(*p) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got < sizeof(*p))
			continue;
		got = 0;
		p->phase[sizeof(p->phase) - 1] = '\0';
		p->head[SANDBOX_HEAD_MAX] = '\0';
		p->not_found[SANDBOX_NOTFOUND_MAX] = '\0';
		if (p->tail_len > SANDBOX_OUT_MAX)
			p->tail_len = SANDBOX_OUT_MAX;
		p->tail[p->tail_len] = '\0';
		if (strcmp(p->phase, "!setup") == 0)
			snprintf(res->error, sizeof(res->error), "%s", p->head);
		else
			res->nphases++;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	res->root_status = status;
	if (cg[0]) {
		/* The namespace is gone with its pid 1; its cgroup empties a
		 * moment later. */
		for (int i = 0; i < 100 && rmdir(cg) != 0 && errno == EBUSY; i++)
			usleep(10000);
	}
	if (!res->error[0] && res->nphases == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		snprintf(res->error, sizeof(res->error), "sandbox: the root failed (status %#x)",
			 status);
	rc = 0;
out:
	if (stack != MAP_FAILED)
		munmap(stack, stack_size);
	for (int i = 0; i < 2; i++) {
		if (rep[i] >= 0)
			close(rep[i]);
		if (sync[i] >= 0)
			close(sync[i]);
	}
	if (spec_fd >= 0)
		close(spec_fd);
	return rc;
}
