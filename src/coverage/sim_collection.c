/*
 * sim_collection.c — Collection (TA0009) simulations of `vigil simulate`:
 * archiving and staging under the temporary directory, a raw block-device
 * read, and (filed here as the suite's collect-module) loading a copied
 * shared library.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int sim_do_tar(struct sim_ctx *ctx)
{
	int rc;

	if (sim_create_file(ctx, "stage/doc.txt", "document\n", 0644))
		return 1;
	rc = sim_runv(ctx, "tar", "czf", "${TMP}/archive.tgz", "stage");
	sim_rm_rel(ctx, "archive.tgz");
	sim_rm_rel(ctx, "stage/doc.txt");
	return rc;
}

int sim_do_staging(struct sim_ctx *ctx)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/staged/hostname", ctx->tmp);
	if (sim_mkdirs(p) || sim_copy_file("/etc/hostname", p, 0600))
		return 1;
	unlink(p);
	return 0;
}

/* Reads the first sector of a loop device set up over a file in the
 * simulation's temp dir, and tears it down again. */
static int raw_read_loop(struct sim_ctx *ctx, char *buf)
{
	char img[512], dev[32];
	int ctl, n, fd = -1, lfd = -1, rc = SIM_SKIP;

	snprintf(img, sizeof(img), "%s/disk.img", ctx->tmp);
	fd = open(img, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ctl < 0 || ftruncate(fd, 1 << 20) != 0)
		goto out;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n < 0)
		goto out;
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	lfd = open(dev, O_RDWR | O_CLOEXEC);
	if (lfd < 0 || ioctl(lfd, LOOP_SET_FD, fd) != 0)
		goto out;
	{
		int r = open(dev, O_RDONLY | O_CLOEXEC);
		rc = r >= 0 && read(r, buf, 512) == 512 ? 0 : 1;
		if (r >= 0)
			close(r);
	}
	ioctl(lfd, LOOP_CLR_FD, 0);
out:
	if (rc == SIM_SKIP)
		snprintf(ctx->note, sizeof(ctx->note), "no readable block device, no loop device");
	if (lfd >= 0)
		close(lfd);
	if (ctl >= 0)
		close(ctl);
	if (fd >= 0)
		close(fd);
	unlink(img);
	return rc;
}

int sim_do_raw_read(struct sim_ctx *ctx)
{
	static const char *const devs[] = {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"};
	char buf[512];

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		int fd = open(devs[i], O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		return n == (ssize_t)sizeof(buf) ? 0 : 1;
	}
	/* Some sandboxes refuse real disks even to root. */
	return raw_read_loop(ctx, buf);
}

int sim_do_dlopen(struct sim_ctx *ctx)
{
	static const char *const libs[] = {"/lib/x86_64-linux-gnu/libz.so.1",
					   "/usr/lib/x86_64-linux-gnu/libz.so.1",
					   "/lib/aarch64-linux-gnu/libz.so.1", "/lib64/libz.so.1"};
	char p[512];
	void *h;

	snprintf(p, sizeof(p), "%s/libvigilsim.so", ctx->tmp);
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		if (sim_copy_file(libs[i], p, 0755) == 0)
			goto loaded;
	snprintf(ctx->note, sizeof(ctx->note), "no libz to copy");
	return SIM_SKIP;
loaded:
	h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(ctx->note, sizeof(ctx->note), "dlopen failed");
		unlink(p);
		return 1;
	}
	dlclose(h);
	unlink(p);
	return 0;
}
