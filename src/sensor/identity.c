/*
 * identity.c — host identity, boot time and GUIDs; see identity.h.
 */
#include "sensor/identity.h"

#include "common/duration.h"
#include "common/strbuf.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return (int)r;
}

static uint64_t read_btime(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	uint64_t bt = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %" SCNu64, &bt) == 1)
			break;
	fclose(f);
	return bt;
}

void identity__refresh_clock(struct identity *id)
{
	struct timespec rt, bt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	id->real_offset_ns = (uint64_t)rt.tv_sec * NSEC_PER_SEC + (uint64_t)rt.tv_nsec -
			     ((uint64_t)bt.tv_sec * NSEC_PER_SEC + (uint64_t)bt.tv_nsec);
}

/* Returns the persisted btime for this boot, or stores btime as it. */
static uint64_t stable_btime(const char *state_dir, uint64_t btime)
{
	char boot_id[64] = "", path[4096], buf[256], stored_id[64];
	uint64_t stored_bt;
	FILE *f;
	int n;

	if (state_dir == NULL ||
	    read_small("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id)) <= 0)
		return btime;
	boot_id[strcspn(boot_id, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s/boot", state_dir);
	n = read_small(path, buf, sizeof(buf));
	if (n > 0 && sscanf(buf, "%63s %" SCNu64, stored_id, &stored_bt) == 2 &&
	    strcmp(stored_id, boot_id) == 0)
		return stored_bt;
	f = fopen(path, "we");
	if (f == NULL) {
		log_warn("cannot record boot time in %s", path);
		return btime;
	}
	fchmod(fileno(f), 0600);
	fprintf(f, "%s %" PRIu64 "\n", boot_id, btime);
	fclose(f);
	return btime;
}

int identity__init(struct identity *id, const char *state_dir)
{
	char mid[64] = "";
	uint64_t btime;

	memset(id, 0, sizeof(*id));
	id->clk_tck = sysconf(_SC_CLK_TCK);
	if (id->clk_tck <= 0)
		id->clk_tck = 100;
	if (read_small("/etc/machine-id", mid, sizeof(mid)) >= 8) {
		mid[8] = '\0';
		id->host = (uint32_t)strtoul(mid, NULL, 16);
	} else {
		log_warnx("no /etc/machine-id: ProcessGuids use host part 0");
	}
	btime = read_btime();
	if (btime == 0)
		return -EIO;
	btime = stable_btime(state_dir, btime);
	id->boot_ticks = btime * (uint64_t)id->clk_tck;
	id->boot_ns = btime * NSEC_PER_SEC;
	if (gethostname(id->hostname, sizeof(id->hostname) - 1) != 0)
		strcpy(id->hostname, "localhost");
	identity__refresh_clock(id);
	return 0;
}

uint64_t identity__ticks(const struct identity *id, uint64_t start_ns)
{
	/* The kernel's nsec_to_clock_t: exact division for USER_HZ 100. */
	return start_ns / (NSEC_PER_SEC / (uint64_t)id->clk_tck);
}

/* {HOST-TTTT-TTTT-TTTT-LLLLLLLLLLLL}: the host id, 48 bits of time (boot
 * plus start, in clock ticks) and the pid or session id. By hand rather
 * than by snprintf: every fork and exec formats two of these. */
static void format_guid(char out[GUID_LEN + 1], uint32_t host, uint64_t t, uint64_t low)
{
	out[0] = '{';
	fmt_hex(out + 1, host, 8);
	out[9] = '-';
	fmt_hex(out + 10, t >> 32, 4);
	out[14] = '-';
	fmt_hex(out + 15, t >> 16, 4);
	out[19] = '-';
	fmt_hex(out + 20, t, 4);
	out[24] = '-';
	fmt_hex(out + 25, low, 12);
	out[37] = '}';
	out[38] = '\0';
}

void identity__guid_ticks(const struct identity *id, uint32_t pid, uint64_t start_ticks,
			  char out[GUID_LEN + 1])
{
	format_guid(out, id->host, (id->boot_ticks + start_ticks) & 0xffffffffffffull, pid);
}

void identity__guid(const struct identity *id, uint32_t pid, uint64_t start_ns,
		    char out[GUID_LEN + 1])
{
	identity__guid_ticks(id, pid, identity__ticks(id, start_ns), out);
}

void identity__logon_guid(const struct identity *id, uint32_t sessionid, char out[GUID_LEN + 1])
{
	format_guid(out, id->host, id->boot_ticks & 0xffffffffffffull, sessionid);
}

uint64_t identity__boot_to_real(const struct identity *id, uint64_t boot_ns)
{
	return boot_ns + id->real_offset_ns;
}
