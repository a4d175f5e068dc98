/*
 * test_registry.c — the record registry (sensor/registry.c) and the event
 * catalogue (VIGIL_EVENTS in common/schema.h) agree with each other and
 * with vigil/event.h: every record type the header versions has its row,
 * every row names events the catalogue has, every event has its one row,
 * and the Sigma categories route where they always have. Also the typed
 * exec data the decoder exposes (decoder__exec).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/schema.h"
#include "sensor/decode.h"
#include "sensor/registry.h"
#include "vigil/event.h"

/* Every type vigil/event.h gives a version has a registry row that agrees
 * with it, and the kinds have no holes (record types are never reused). */
static void test_every_type_has_its_row(void **state)
{
	unsigned last = 0;

	(void)state;
	for (unsigned k = 0; k < VG_TYPE_MAX; k++) {
		const struct vg_type_info *t = vg_type(k);

		if (vg_version(k) == 0) {
			assert_null(t);
			continue;
		}
		assert_non_null(t);
		assert_int_equal(t->kind, k);
		assert_int_equal(t->version, vg_version(k));
		assert_int_equal(vg_type_version(k), vg_version(k));
		assert_true(t->min_size >= sizeof(struct vg_hdr));
		assert_int_equal(vg_type_min_size(k), t->min_size);
		assert_non_null(t->decode);
		assert_non_null(t->name);
		assert_true(strncmp(t->name, "VG_", 3) == 0);
		assert_int_equal(k, last + 1);
		last = k;
	}
	assert_null(vg_type(0));
	assert_null(vg_type(VG_TYPE_MAX));
	assert_null(vg_type(100000));
	assert_int_equal(vg_type_event(100000), 0);
	assert_int_equal(vg_type_min_size(100000), 0);
}

/* The events a row names exist in the catalogue. */
static void test_row_events_are_in_the_catalogue(void **state)
{
	(void)state;
	for (unsigned k = 1; k < VG_TYPE_MAX; k++) {
		const struct vg_type_info *t = vg_type(k);
		const uint16_t *ev;
		size_t n;

		if (t == NULL)
			continue;
		if (t->event)
			assert_non_null(schema__event(t->event));
		n = vg_type_gate_events(k, &ev);
		assert_int_equal(n > 0, vg_type_gated(k));
		for (size_t i = 0; i < n; i++) {
			const struct vevent_def *def = schema__event(ev[i]);
			assert_non_null(def);
			/* The config can switch only what it can filter. */
			assert_true(def->flags & EVF_FILTER);
		}
		/* A type that is neither gated nor always collected would
		 * never be switched on. */
		assert_true(n > 0 || t->always);
		/* Muting needs gate events to say which images exclude. */
		if (t->mutable)
			assert_true(n > 0 && !t->always);
	}
	/* What sensor.c's vg_event[] and gated[] held. */
	assert_int_equal(vg_type_event(VG_FORK), 0);
	assert_int_equal(vg_type_event(VG_EXEC), EV_PROCESS_CREATE);
	assert_int_equal(vg_type_event(VG_SIGNAL), EV_TAMPER_ALERT);
	assert_int_equal(vg_type_event(VG_MODULE), EV_DRIVER_LOAD);
	assert_false(vg_type_mutable(VG_DNS));
	assert_false(vg_type_mutable(VG_ACCESS));
	assert_true(vg_type_mutable(VG_ATTR));
	assert_false(vg_type_gated(VG_EXEC));
	assert_false(vg_type_gated(VG_SIGNAL));
	assert_int_equal(vg_types_always_mask(), (1ull << VG_EXEC) | (1ull << VG_FORK) |
						     (1ull << VG_EXIT) | (1ull << VG_ACCESS) |
						     (1ull << VG_SIGNAL));
}

/* Every EV_* has exactly one catalogue row, found by id and by name. */
static void test_every_event_has_its_row(void **state)
{
	static const unsigned ids[] = {
#define EV_ID(sym, id, ...) EV_##sym,
	    VIGIL_EVENTS(EV_ID)
#undef EV_ID
	};
	size_t n, found = 0;
	const struct vevent_def *const *all = schema__events(&n);

	(void)state;
	assert_int_equal(n, sizeof(ids) / sizeof(ids[0]));
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(schema__event(all[i]->id), all[i]);
		assert_ptr_equal(schema__event_by_name(all[i]->name), all[i]);
		assert_int_equal(all[i]->id, ids[i]);
		assert_true(all[i]->nfields > 0);
		if (i > 0)
			assert_true(all[i - 1]->id < all[i]->id);
	}
	for (unsigned id = 0; id < VIGIL_EVENT_ID_MAX; id++)
		found += schema__event(id) != NULL;
	assert_int_equal(found, n);
	assert_null(schema__event(VIGIL_EVENT_ID_MAX));
}

/* The Sigma routes of the catalogue: the table sigma_load.c had. */
static void test_sigma_categories(void **state)
{
	static const struct {
		const char *category;
		unsigned id;
	} routes[] = {
	    {"process_creation", EV_PROCESS_CREATE},
	    {"file_change", EV_FILE_CREATE_TIME},
	    {"file_create_time", EV_FILE_CREATE_TIME},
	    {"network_connection", EV_NETWORK_CONNECT},
	    {"process_termination", EV_PROCESS_TERMINATE},
	    {"driver_load", EV_DRIVER_LOAD},
	    {"image_load", EV_IMAGE_LOAD},
	    {"raw_access_thread", EV_RAW_ACCESS_READ},
	    {"raw_access_read", EV_RAW_ACCESS_READ},
	    {"process_access", EV_PROCESS_ACCESS},
	    {"file_event", EV_FILE_CREATE},
	    {"dns_query", EV_DNS_QUERY},
	    {"file_delete", EV_FILE_DELETE},
	    {"process_tampering", EV_PROCESS_TAMPERING},
	    {"file_executable_detected", EV_FILE_EXECUTABLE_DETECTED},
	    {"bpf_event", EV_BPF_EVENT},
	    {"file_modify", EV_FILE_MODIFY},
	    {"file_rename", EV_FILE_RENAME},
	    {"file_attribute_change", EV_FILE_ATTRIBUTE_CHANGE},
	    {"privilege_change", EV_PRIVILEGE_CHANGE},
	    {"network_listen", EV_NETWORK_LISTEN},
	    {"namespace_change", EV_NAMESPACE_CHANGE},
	    {"mount", EV_MOUNT},
	    {"logon_session", EV_LOGON_SESSION},
	    {"cap_summary", EV_CAP_SUMMARY},
	    {"tamper_alert", EV_TAMPER_ALERT},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct vevent_def *def = schema__event_by_sigma_category(routes[i].category);
		assert_non_null(def);
		assert_int_equal(def->id, routes[i].id);
	}
	assert_null(schema__event_by_sigma_category("webserver"));
	assert_null(schema__event_by_sigma_category("Process_Creation"));
	assert_null(schema__event_by_sigma_category(""));
}

static void test_decoder_exec_typed(void **state)
{
	static char buf[4096];
	static struct vrec rec;
	static struct decoder d;
	struct identity id;
	struct vg_exec *e = (void *)buf;
	struct vg_exit *x = (void *)buf;
	const struct dec_exec *ex;
	static const char img[] = "/usr/sbin/auditctl", args[] = "auditctl\0-e\0"
								 "0";
	size_t off = sizeof(*e);

	(void)state;
	memset(&id, 0, sizeof(id));
	id.clk_tck = 100;
	d.id = &id;
	d.pc = proc_cache__new(&id, 16);
	d.hc = hash_cache__new(4, HASH_SHA256);
	d.svc = services__load("/nonexistent");
	memset(e, 0, sizeof(*e));
	e->hdr.type = VG_EXEC;
	e->hdr.version = VG_EXEC_VERSION;
	e->hdr.pid = 4000001;
	e->hdr.start_ns = 5000000000ull;
	e->hdr.uid = 1000;
	e->ppid = 4000000;
	e->loginuid = e->sessionid = UINT32_MAX;
	e->image_len = sizeof(img) - 1;
	memcpy(buf + off, img, e->image_len);
	off += e->image_len;
	e->args_len = sizeof(args);
	memcpy(buf + off, args, sizeof(args));
	off += sizeof(args);
	e->hdr.size = (uint32_t)off;
	assert_int_equal(decoder__decode(&d, buf, off, &rec), 1);
	ex = decoder__exec(&d);
	assert_non_null(ex);
	assert_int_equal(ex->kind, VG_EXEC);
	assert_int_equal(ex->pid, 4000001);
	assert_int_equal(ex->ppid, 4000000);
	assert_int_equal(ex->uid, 1000);
	assert_string_equal(ex->image, vrec__get(&rec, VF_Image, NULL));
	assert_int_equal(ex->image_len, strlen(img));
	assert_string_equal(ex->cmdline, vrec__get(&rec, VF_CommandLine, NULL));
	assert_string_equal(ex->cmdline, "auditctl -e 0");

	/* The exit of that process. */
	memset(x, 0, sizeof(*x));
	x->hdr.type = VG_EXIT;
	x->hdr.version = VG_EXIT_VERSION;
	x->hdr.size = sizeof(*x);
	x->hdr.pid = 4000001;
	x->hdr.start_ns = 5000000000ull;
	assert_int_equal(decoder__decode(&d, buf, sizeof(*x), &rec), 1);
	ex = decoder__exec(&d);
	assert_non_null(ex);
	assert_int_equal(ex->kind, VG_EXIT);
	assert_int_equal(ex->pid, 4000001);
	assert_string_equal(ex->image, img);
	assert_null(ex->cmdline);

	/* Anything else clears it; so does a version the registry does not
	 * know, which is malformed. */
	x->hdr.version = VG_EXIT_VERSION + 1;
	assert_int_equal(decoder__decode(&d, buf, sizeof(*x), &rec), -EINVAL);
	assert_null(decoder__exec(&d));
	assert_int_equal(d.malformed, 1);

	proc_cache__free(d.pc);
	hash_cache__free(d.hc);
	services__free((struct services *)d.svc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_type_has_its_row),
	    cmocka_unit_test(test_row_events_are_in_the_catalogue),
	    cmocka_unit_test(test_every_event_has_its_row),
	    cmocka_unit_test(test_sigma_categories),
	    cmocka_unit_test(test_decoder_exec_typed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
