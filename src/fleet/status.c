/*
 * status.c — the fleet status row; see status.h.
 */
#include "fleet/status.h"

#include "common/json.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define STATUS_REPLY_MAX (8u << 20)
#define STATUS_WAIT_MS	 2000

static const char *const cols[] = {"Role",    "Version",       "Kernel",
				   "UptimeS", "ConfigSha256",  "EventsPerSec",
				   "Drops",   "OutputBacklog", "Unavailable"};

/* Reads the sensor's "status json" reply into sb. Returns 0 or -errno. */
static int ask_sensor(const char *path, struct strbuf *sb)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, "status json\n", 12) != 12) {
		int e = errno;
		close(fd);
		return -e;
	}
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, STATUS_WAIT_MS) <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		strbuf__add(sb, buf, (size_t)n);
	}
	close(fd);
	if (sb->overflow || sb->len < 3 || memcmp(sb->buf, "OK\n", 3) != 0)
		return -EPROTO;
	return 0;
}

static uint64_t num(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : "";
}

static void add_s(struct strbuf *sb, const char *s)
{
	json__add_str(sb, s, strlen(s));
}

/* The sensor's row, from its status JSON. */
static int sensor_row(const char *path, struct strbuf *row, char *why, size_t whysz)
{
	struct strbuf rep;
	struct json_object *o, *evs, *outs;
	uint64_t up, emitted = 0, drops = 0, backlog = 0;
	int err;

	strbuf__init(&rep, STATUS_REPLY_MAX);
	err = ask_sensor(path, &rep);
	if (err < 0) {
		snprintf(why, whysz, "the sensor's control socket %s: %s", path, strerror(-err));
		strbuf__free(&rep);
		return err;
	}
	strbuf__addc(&rep, '\0');
	o = json_tokener_parse(rep.buf + 3);
	strbuf__free(&rep);
	if (o == NULL) {
		snprintf(why, whysz, "the sensor's status is not JSON");
		return -EPROTO;
	}
	up = num(o, "uptime_s");
	if (json_object_object_get_ex(o, "events", &evs) &&
	    json_object_is_type(evs, json_type_object)) {
		json_object_object_foreach(evs, name, c)
		{
			(void)name;
			emitted += num(c, "emitted");
			drops += num(c, "dropped_kernel") + num(c, "dropped_user");
		}
	}
	if (json_object_object_get_ex(o, "outputs", &outs) &&
	    json_object_is_type(outs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(outs); i++) {
			struct json_object *s = json_object_array_get_idx(outs, i);
			uint64_t in = num(s, "in"), done = num(s, "written") + num(s, "dropped");

			drops += num(s, "dropped");
			backlog += in > done ? in - done : 0;
		}
	strbuf__adds(row, "[\"sensor\",");
	add_s(row, str(o, "version"));
	strbuf__addc(row, ',');
	add_s(row, str(o, "kernel"));
	strbuf__addf(row, ",%llu,", (unsigned long long)up);
	add_s(row, str(o, "config_sha256"));
	strbuf__addf(row, ",%.1f,%llu,%llu,", (double)emitted / (double)(up ? up : 1),
		     (unsigned long long)drops, (unsigned long long)backlog);
	add_s(row, str(o, "unavailable_events"));
	strbuf__addc(row, ']');
	json_object_put(o);
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int fleet__status_answer(const char *control_path, uint64_t started_ms, const struct fleet_env *e,
			 const struct fleet_ident *id, fleet_emit_fn emit, void *ctx,
			 struct fleet_result *res)
{
	struct strbuf sb, row;
	struct utsname u;
	int err = 0;

	memset(res, 0, sizeof(*res));
	res->status = "ok";
	strbuf__init(&row, 64u << 10);
	if (control_path != NULL) {
		err = sensor_row(control_path, &row, res->reason, sizeof(res->reason));
	} else {
		strbuf__adds(&row, "[\"serve\",");
		add_s(&row, VIGIL_VERSION);
		strbuf__addc(&row, ',');
		add_s(&row, uname(&u) == 0 ? u.release : "-");
		strbuf__addf(&row, ",%llu,null,null,null,null,null]",
			     (unsigned long long)((mono_ms() - started_ms) / 1000));
	}
	if (err < 0) {
		res->status = "failed";
		strbuf__free(&row);
		return err;
	}
	strbuf__init(&sb, FLEET_CHUNK_MAX);
	strbuf__adds(&sb, "{\"type\":\"rows\",\"computer\":");
	add_s(&sb, id->computer);
	strbuf__adds(&sb, ",\"machine_id\":");
	add_s(&sb, id->machine_id);
	strbuf__addf(&sb, ",\"nonce\":\"%s\",\"seq\":0,\"cols\":[", e->nonce);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		if (i)
			strbuf__addc(&sb, ',');
		add_s(&sb, cols[i]);
	}
	strbuf__adds(&sb, "]}\n");
	strbuf__add(&sb, row.buf, row.len);
	err = emit(sb.buf, sb.len, ctx);
	if (err == 0) {
		res->rows = 1;
		res->chunks = 1;
	} else {
		res->status = "failed";
		snprintf(res->reason, sizeof(res->reason), "cannot send the answer");
	}
	strbuf__free(&sb);
	strbuf__free(&row);
	return err;
}
