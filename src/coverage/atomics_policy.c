/*
 * atomics_policy.c — what an Atomic Red Team test may not do under vigil:
 * the safety policy, and the patterns that mark a prerequisite as fetched
 * from the network. Both are documented in man/vigil.8 (vigil atomics list).
 *
 * The safety policy refuses, even for a test that would run in a sandbox,
 * what a sandbox cannot contain because it acts on the one kernel or the
 * real disks: loading or removing kernel modules, writing sysctls (and any
 * write under /sys), mounting or entering namespaces, raw disk writes and
 * swap, rebooting or halting, touching BPF or the kernel's tracing (which
 * is where vigil itself lives), and stopping or killing vigil. It reads every command a test would
 * run — executor.command, executor.cleanup_command and each dependency's prereq_command and
 * get_prereq_command — with the input arguments' defaults substituted.
 *
 * The check is textual and errs on the side of refusing: it cannot tell
 * `echo reboot` from `reboot`. A pattern written as a word (insmod, mount)
 * matches only as a whole word: not preceded by a letter, digit, '_', '-'
 * or '.', and not followed by a letter, digit, '_' or '-' (so /sbin/insmod
 * and mkfs.ext4 match, --mount and /proc/mounts do not). A space in a
 * pattern stands for one or more blanks; a '*' for anything within the
 * same simple command ("apt-get * install" matches "apt-get -y install" but
 * not "apt-get update && install.sh").
 */
#include "coverage/atomics.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

enum { PAT_WORD = 1, PAT_SUB = 2 };

struct pat {
	const char *cls; /* the class it belongs to (policy only) */
	const char *text;
	int kind; /* PAT_WORD: whole words; PAT_SUB: anywhere */
		  /* A download pattern (no cls) does not match a word that is only
		   * looked up (`command -v curl`): see looked_up(). */
};

/* Order matters only for which pattern is named when several match. */
static const struct pat policy[] = {
    {"kernel module", "insmod", PAT_WORD},
    {"kernel module", "modprobe", PAT_WORD},
    {"kernel module", "rmmod", PAT_WORD},
    /* sysctl: "sysctl" on its own only reads; see sysctl_write(). */
    {"mount", "mount", PAT_WORD},
    {"mount", "umount", PAT_WORD},
    {"raw disk", "mkfs", PAT_WORD},
    {"raw disk", "wipefs", PAT_WORD},
    {"raw disk", "fdisk", PAT_WORD},
    {"raw disk", "sfdisk", PAT_WORD},
    {"raw disk", "parted", PAT_WORD},
    {"raw disk", "/dev/sd", PAT_SUB},
    {"raw disk", "/dev/nvme", PAT_SUB},
    {"raw disk", "/dev/hd", PAT_SUB},
    {"raw disk", "/dev/vd", PAT_SUB},
    {"raw disk", "/dev/xvd", PAT_SUB},
    {"raw disk", "/dev/mmcblk", PAT_SUB},
    {"raw disk", "/dev/mem", PAT_SUB},
    {"raw disk", "/dev/kmem", PAT_SUB},
    /* of=/dev/...: see dd_device(). */
    {"reboot", "reboot", PAT_WORD},
    {"reboot", "shutdown", PAT_WORD},
    {"reboot", "halt", PAT_WORD},
    {"reboot", "poweroff", PAT_WORD},
    {"reboot", "kexec", PAT_WORD},
    {"reboot", "init 0", PAT_WORD},
    {"reboot", "init 6", PAT_WORD},
    {"reboot", "telinit 0", PAT_WORD},
    {"reboot", "telinit 6", PAT_WORD},
    {"reboot", "/proc/sysrq-trigger", PAT_SUB},
    {"BPF", "bpftool", PAT_WORD},
    {"BPF", "bpftrace", PAT_WORD},
    {"BPF", "/sys/fs/bpf", PAT_SUB},
    /* ftrace and kprobe events are the kernel's, whatever the namespace;
     * the sandbox has no tracefs, this says why before it runs. */
    {"BPF", "/sys/kernel/debug/tracing", PAT_SUB},
    {"BPF", "/sys/kernel/tracing", PAT_SUB},
    {"BPF", "/sys/kernel/debug/kprobes", PAT_SUB},
    /* Entering another process's namespaces: from the sandbox's pid
     * namespace there is none of the host's to enter, refused anyway. */
    {"mount", "nsenter", PAT_WORD},
    {"raw disk", "swapon", PAT_WORD},
    {"raw disk", "swapoff", PAT_WORD},
    {"raw disk", "losetup", PAT_WORD},
};

/* A prerequisite that needs one of these needs the network (the machines
 * vigil's tests run on have none, and a sandboxed test must not fetch
 * code): downloaders, VCS clones, language and system package managers. */
static const struct pat download[] = {
    {NULL, "curl", PAT_WORD},
    {NULL, "wget", PAT_WORD},
    {NULL, "git clone", PAT_WORD},
    {NULL, "git * clone", PAT_WORD},
    {NULL, "pip install", PAT_WORD},
    {NULL, "pip3 install", PAT_WORD},
    {NULL, "pip * install", PAT_WORD},
    {NULL, "pip3 * install", PAT_WORD},
    {NULL, "apt install", PAT_WORD},
    {NULL, "apt * install", PAT_WORD},
    {NULL, "apt-get install", PAT_WORD},
    {NULL, "apt-get * install", PAT_WORD},
    {NULL, "yum install", PAT_WORD},
    {NULL, "yum * install", PAT_WORD},
    {NULL, "dnf install", PAT_WORD},
    {NULL, "dnf * install", PAT_WORD},
    {NULL, "zypper install", PAT_WORD},
    {NULL, "zypper * install", PAT_WORD},
    {NULL, "apk add", PAT_WORD},
    {NULL, "pacman -S", PAT_WORD},
    {NULL, "snap install", PAT_WORD},
    {NULL, "pkg install", PAT_WORD},
    {NULL, "go install", PAT_WORD},
    {NULL, "go get", PAT_WORD},
    {NULL, "npm install", PAT_WORD},
    {NULL, "gem install", PAT_WORD},
    {NULL, "cpan", PAT_WORD},
    {NULL, "cpanm", PAT_WORD},
    {NULL, "Invoke-WebRequest", PAT_WORD},
    {NULL, "http://", PAT_SUB},
    {NULL, "https://", PAT_SUB},
    {NULL, "ftp://", PAT_SUB},
};

static bool word_char_before(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static bool word_char_after(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Matches p at s; returns the end of the match or NULL. */
static const char *match_at(const char *s, const char *p)
{
	while (*p) {
		if (*p == ' ') {
			if (!blank(*s))
				return NULL;
			while (blank(*s))
				s++;
			p++;
		} else if (*p == '*') {
			/* Anything up to the end of the simple command, then
			 * the rest of the pattern (after its blank) at a word
			 * start. */
			const char *rest = p + 1;

			while (*rest == ' ')
				rest++;
			for (; *s && !strchr("\n;&|()`", *s); s++) {
				const char *e;

				if (!blank(*s))
					continue;
				while (blank(s[1]))
					s++;
				e = match_at(s + 1, rest);
				if (e)
					return e;
			}
			return NULL;
		} else {
			if (*s != *p)
				return NULL;
			s++;
			p++;
		}
	}
	return s;
}

/* True when the word at s is the operand of a lookup that only asks
 * whether a program is there: `command -v curl`, `which curl`, `type
 * curl`, `hash curl`. */
static bool looked_up(const char *cmd, const char *s)
{
	static const char *const asks[] = {"-v", "which", "type", "hash"};
	const char *e = s;

	while (e > cmd && blank(e[-1]))
		e--;
	if (e == s)
		return false;
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		size_t n = strlen(asks[i]);

		if ((size_t)(e - cmd) >= n && strncmp(e - n, asks[i], n) == 0 &&
		    (e - n == cmd || !word_char_after(e[-(ptrdiff_t)n - 1])))
			return true;
	}
	return false;
}

/* Where pt first matches in cmd, or NULL. */
static const char *pat_find(const char *cmd, const struct pat *pt)
{
	for (const char *s = cmd; (s = strchr(s, pt->text[0])) != NULL; s++) {
		const char *e;

		if (pt->kind == PAT_WORD && s > cmd && word_char_before(s[-1]))
			continue;
		if (pt->kind == PAT_WORD && !pt->cls && looked_up(cmd, s))
			continue;
		e = match_at(s, pt->text);
		if (!e)
			continue;
		if (pt->kind == PAT_WORD && word_char_after(*e))
			continue;
		return s;
	}
	return NULL;
}

static bool pat_match(const char *cmd, const struct pat *pt)
{
	return pat_find(cmd, pt) != NULL;
}

/* End of the shell command line that s is on: the newline, or a ;, | or &. */
static const char *stmt_end(const char *s)
{
	return s + strcspn(s, "\n;|&");
}

/* `sysctl` that writes: with -w/--write, -p/--load, --system, or a
 * name=value argument; returns the form found. Reading (`sysctl -n
 * kernel.x`) is allowed. */
static const char *sysctl_write(const char *cmd)
{
	for (const char *s = cmd; (s = strstr(s, "sysctl")) != NULL; s++) {
		const char *e = s + 6, *end;

		if ((s > cmd && word_char_before(s[-1])) || word_char_after(*e))
			continue;
		/* Its arguments end at the command's end or a closing $( ) or `. */
		end = e + strcspn(e, "\n;|&)`");
		for (const char *a = e; a < end; a++) {
			if (*a == '=' && isalnum((unsigned char)a[-1]))
				return "sysctl NAME=VALUE";
			if (*a != '-' || !blank(a[-1]))
				continue;
			if (a[1] == 'w' || strncmp(a, "--write", 7) == 0)
				return "sysctl -w";
			if (a[1] == 'p' || strncmp(a, "--load", 6) == 0)
				return "sysctl -p";
			if (strncmp(a, "--system", 8) == 0)
				return "sysctl --system";
		}
	}
	return NULL;
}

/* A write under dir (/proc/sys/, /sys/): the path on a line that
 * redirects (>) or tees or dd's into it. */
static bool dir_write(const char *cmd, const char *dir)
{
	static const struct pat tee = {NULL, "tee", PAT_WORD}, dd = {NULL, "dd", PAT_WORD};

	for (const char *s = cmd; (s = strstr(s, dir)) != NULL; s++) {
		const char *b = s, *e = stmt_end(s);
		char line[512];
		size_t n;

		/* /sys/ must start a path, not end one (/proc/sys/, x/sys/). */
		if (dir[1] == 's' && s > cmd && !blank(s[-1]) && !strchr("\"'=>\n", s[-1]))
			continue;
		while (b > cmd && b[-1] != '\n')
			b--;
		n = (size_t)(e - b) < sizeof(line) - 1 ? (size_t)(e - b) : sizeof(line) - 1;
		memcpy(line, b, n);
		line[n] = '\0';
		if (memchr(line, '>', n) || pat_match(line, &tee) || pat_match(line, &dd))
			return true;
	}
	return false;
}

/* dd (or anything) writing to a device: of=/dev/X where X is not one of the
 * harmless character devices. */
static bool dd_device(const char *cmd)
{
	static const char *const harmless[] = {"null", "zero", "stdout", "stderr",
					       "tty",  "fd/",  "shm/"};

	for (const char *s = cmd; (s = strstr(s, "of=/dev/")) != NULL; s++) {
		const char *d = s + 8;
		bool ok = false;

		for (size_t i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++)
			if (strncmp(d, harmless[i], strlen(harmless[i])) == 0)
				ok = true;
		if (!ok)
			return true;
	}
	return false;
}

/* A command line that names vigil (as a word) and kills or stops something:
 * `pkill vigil`, `kill $(pidof vigil)`, `systemctl stop vigil`. The
 * sensor is not in the sandbox's pid namespace; refused anyway. */
static const char *sensor_kill(const char *cmd)
{
	static const struct pat vigil = {"sensor", "vigil", PAT_WORD};
	static const struct pat stops[] = {
	    {"sensor", "kill", PAT_WORD},    {"sensor", "pkill", PAT_WORD},
	    {"sensor", "killall", PAT_WORD}, {"sensor", "systemctl", PAT_WORD},
	    {"sensor", "service", PAT_WORD},
	};

	for (const char *s = cmd; (s = pat_find(s, &vigil)) != NULL; s++) {
		const char *b = s, *e = s + strcspn(s, "\n");
		char line[512];
		size_t n;

		/* A directory is no process: a checkout cloned into
		 * ".../vigil/" puts the word in every PathToAtomicsFolder.
		 * (The binary's path, ".../bin/vigil", still counts.) */
		if (s[5] == '/')
			continue;
		while (b > cmd && b[-1] != '\n')
			b--;
		n = (size_t)(e - b) < sizeof(line) - 1 ? (size_t)(e - b) : sizeof(line) - 1;
		memcpy(line, b, n);
		line[n] = '\0';
		for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
			if (pat_match(line, &stops[i]))
				return "vigil";
	}
	return NULL;
}

const char *atomics_policy_check(const char *cmd, const char **pattern)
{
	for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++)
		if (pat_match(cmd, &policy[i])) {
			*pattern = policy[i].text;
			return policy[i].cls;
		}
	if ((*pattern = sysctl_write(cmd)) != NULL)
		return "sysctl write";
	if (dir_write(cmd, "/proc/sys/")) {
		*pattern = "/proc/sys/";
		return "sysctl write";
	}
	if (dir_write(cmd, "/sys/")) {
		*pattern = "/sys/";
		return "sysfs write";
	}
	if ((*pattern = sensor_kill(cmd)) != NULL)
		return "sensor";
	if (dd_device(cmd)) {
		*pattern = "of=/dev/";
		return "raw disk";
	}
	return NULL;
}

const char *atomics_download_check(const char *cmd)
{
	const char *first = NULL, *pat = NULL;

	/* The pattern found first in the text names the reason: in
	 * `apt install -y curl` it is apt, not curl. */
	for (size_t i = 0; i < sizeof(download) / sizeof(download[0]); i++) {
		const char *at = pat_find(cmd, &download[i]);

		if (at && (!first || at < first)) {
			first = at;
			pat = download[i].text;
		}
	}
	return pat;
}
