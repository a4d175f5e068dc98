/*
 * test_fleet_envelope.c — fleet keys and the signed envelope: keygen
 * writes a 0600 private and a 0644 public key and never overwrites; a
 * signed request verifies once, and is refused as replayed the second
 * time; tampered SQL is a bad signature; a ts 61 s in the past or the
 * future is expired; another key is unknown; no signature line is
 * unsigned; a host outside "hosts" or in "skip" stays silent, and "skip"
 * is signed like the rest; a full replay cache
 * refuses rather than forgets, and frees slots once their window is over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/envelope.h"

static char dir[64];
static char prefix[128], other[128];
static struct fleet_key *key, *okey;
static struct fleet_trust trust;
static struct fleet_env env;

static int setup(void **state)
{
	char fpr[FLEET_FPR_LEN + 1], path[256], err[256];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vigil-fleet-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(prefix, sizeof(prefix), "%s/adm", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	if (fleet__keygen(prefix, fpr) < 0 || fleet__keygen(other, fpr) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s.key", prefix);
	key = fleet__load_private(path);
	snprintf(path, sizeof(path), "%s.key", other);
	okey = fleet__load_private(path);
	snprintf(path, sizeof(path), "%s.pub", prefix);
	if (key == NULL || okey == NULL || fleet__trust_load(&trust, path, err, sizeof(err)) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	fleet__key_free(key);
	fleet__key_free(okey);
	fleet__trust_free(&trust);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void sign(struct strbuf *sb, const struct fleet_key *k, const char *sql, uint64_t ts)
{
	memset(&env, 0, sizeof(env));
	env.kind = FLEET_HUNT;
	snprintf(env.sql, sizeof(env.sql), "%s", sql);
	env.ts_ms = ts;
	env.max_rows = 10;
	env.max_bytes = 1000;
	strbuf__init(sb, 1u << 20);
	assert_int_equal(fleet__env_sign(&env, k, sb), 0);
}

static enum fleet_verdict check(struct strbuf *sb, struct fleet_replay *r, uint64_t now)
{
	struct fleet_env got;

	return fleet__env_check(sb->buf, sb->len, &trust, r, "web-1", now, &got);
}

static void test_keygen_files(void **state)
{
	char path[256], fpr[FLEET_FPR_LEN + 1];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s.key", prefix);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s.pub", prefix);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(fleet__keygen(prefix, fpr), -EEXIST);
	assert_int_equal(strlen(fleet__key_fpr(key)), FLEET_FPR_LEN);
	assert_memory_equal(fleet__key_fpr(key), "SHA256:", 7);
	assert_string_not_equal(fleet__key_fpr(key), fleet__key_fpr(okey));
	/* A private key file is not a trusted-keys file. */
	{
		struct fleet_trust t;
		char err[256];

		snprintf(path, sizeof(path), "%s.key", prefix);
		assert_true(fleet__trust_load(&t, path, err, sizeof(err)) < 0);
		/* A directory of .pub files trusts each. */
		assert_int_equal(fleet__trust_load(&t, dir, err, sizeof(err)), 0);
		assert_int_equal(t.n, 2);
		fleet__trust_free(&t);
	}
}

static void test_round_trip_and_replay(void **state)
{
	struct fleet_replay r;
	struct fleet_env got;
	struct strbuf sb;
	uint64_t now = fleet__now_ms();

	(void)state;
	assert_int_equal(fleet__replay_init(&r, 16), 0);
	sign(&sb, key, "SELECT 1", now);
	assert_int_equal(fleet__env_check(sb.buf, sb.len, &trust, &r, "web-1", now, &got), FV_OK);
	assert_string_equal(got.sql, "SELECT 1");
	assert_string_equal(got.key, fleet__key_fpr(key));
	assert_int_equal(got.max_rows, 10);
	assert_int_equal(check(&sb, &r, now + 1000), FV_REPLAYED);
	assert_string_equal(fleet__verdict_str(FV_REPLAYED), "replayed");
	strbuf__free(&sb);
	fleet__replay_free(&r);
}

static void test_refusals(void **state)
{
	struct fleet_replay r;
	struct strbuf sb;
	uint64_t now = fleet__now_ms();
	char *p;

	(void)state;
	assert_int_equal(fleet__replay_init(&r, 16), 0);
	/* Tampered SQL. */
	sign(&sb, key, "SELECT 1", now);
	p = strstr(sb.buf, "SELECT 1");
	p[7] = '2';
	assert_int_equal(check(&sb, &r, now), FV_BAD_SIGNATURE);
	strbuf__free(&sb);
	/* A signature cut short. */
	sign(&sb, key, "SELECT 1", now);
	sb.len -= 3;
	assert_int_equal(check(&sb, &r, now), FV_BAD_SIGNATURE);
	strbuf__free(&sb);
	/* Expired: 61 s old, or 61 s ahead. 59 s is still fine. */
	sign(&sb, key, "SELECT 1", now - 61000);
	assert_int_equal(check(&sb, &r, now), FV_EXPIRED);
	strbuf__free(&sb);
	sign(&sb, key, "SELECT 1", now + 61000);
	assert_int_equal(check(&sb, &r, now), FV_EXPIRED);
	strbuf__free(&sb);
	sign(&sb, key, "SELECT 1", now - 59000);
	assert_int_equal(check(&sb, &r, now), FV_OK);
	strbuf__free(&sb);
	/* Another key. */
	sign(&sb, okey, "SELECT 1", now);
	assert_int_equal(check(&sb, &r, now), FV_UNKNOWN_KEY);
	strbuf__free(&sb);
	/* No signature line, or an empty one. */
	sign(&sb, key, "SELECT 1", now);
	*strchr(sb.buf, '\n') = '\0';
	sb.len = strlen(sb.buf);
	assert_int_equal(check(&sb, &r, now), FV_UNSIGNED);
	strbuf__addc(&sb, '\n');
	assert_int_equal(check(&sb, &r, now), FV_UNSIGNED);
	strbuf__free(&sb);
	/* Not JSON, or not a v1 envelope. */
	strbuf__init(&sb, 1024);
	strbuf__adds(&sb, "{\"v\":2}\nAAAA");
	assert_int_equal(check(&sb, &r, now), FV_MALFORMED);
	strbuf__free(&sb);
	/* Outside "hosts": silent, and the nonce is not spent. */
	memset(&env, 0, sizeof(env));
	snprintf(env.sql, sizeof(env.sql), "SELECT 1");
	snprintf(env.hosts, sizeof(env.hosts), "db-*");
	env.ts_ms = now;
	strbuf__init(&sb, 1u << 20);
	assert_int_equal(fleet__env_sign(&env, key, &sb), 0);
	assert_int_equal(check(&sb, &r, now), FV_NOT_FOR_US);
	strbuf__free(&sb);
	fleet__replay_free(&r);
}

/* "skip" is signed and names hosts that stay silent: a retry for the
 * hosts not heard from. */
static void test_skip(void **state)
{
	struct fleet_replay r;
	struct fleet_env *got = calloc(1, sizeof(*got));
	struct strbuf sb;
	uint64_t now = fleet__now_ms();
	char *p;

	(void)state;
	assert_non_null(got);
	assert_int_equal(fleet__replay_init(&r, 16), 0);
	memset(&env, 0, sizeof(env));
	env.kind = FLEET_HUNT;
	snprintf(env.sql, sizeof(env.sql), "SELECT 1");
	env.ts_ms = now;
	assert_int_equal(fleet__env_skip_add(&env, "web-2"), 0);
	assert_int_equal(fleet__env_skip_add(&env, "web-1"), 0);
	assert_int_equal(fleet__env_skip_add(&env, ""), -E2BIG);
	strbuf__init(&sb, 1u << 20);
	assert_int_equal(fleet__env_sign(&env, key, &sb), 0);
	assert_non_null(strstr(sb.buf, "\"skip\":[\"web-2\",\"web-1\"]}"));
	assert_int_equal(check(&sb, &r, now), FV_NOT_FOR_US);
	assert_int_equal(fleet__env_check(sb.buf, sb.len, &trust, &r, "db-1", now, got), FV_OK);
	assert_int_equal(got->skip_len, strlen("web-2") + 1 + strlen("web-1") + 1);
	assert_string_equal(got->skip + 6, "web-1");
	/* Taking a host off the list breaks the signature. */
	p = strstr(sb.buf, "\"web-1\"");
	memcpy(p, "\"web-0\"", 7);
	assert_int_equal(check(&sb, &r, now), FV_BAD_SIGNATURE);
	strbuf__free(&sb);
	/* Not an array of strings: malformed. */
	strbuf__init(&sb, 1u << 20);
	strbuf__adds(&sb, "{\"v\":1,\"kind\":\"hunt\",\"sql\":\"x\",\"ts\":1,\"nonce\":"
			  "\"0123456789abcdef0123456789abcdef\",\"key\":\"k\",\"max_rows\":1,"
			  "\"max_bytes\":1,\"skip\":[1]}\nsig");
	assert_int_equal(check(&sb, &r, now), FV_MALFORMED);
	/* A full list refuses more names rather than cut one. */
	memset(&env, 0, sizeof(env));
	for (int i = 0; i < 100000; i++) {
		char name[16];

		snprintf(name, sizeof(name), "host-%06d", i);
		if (fleet__env_skip_add(&env, name) < 0) {
			assert_true(env.skip_len > FLEET_SKIP_MAX - 16);
			break;
		}
		assert_true(i < 99999);
	}
	strbuf__free(&sb);
	fleet__replay_free(&r);
	free(got);
}

static void test_cache_full(void **state)
{
	struct fleet_replay r;
	struct strbuf sb;
	uint64_t now = fleet__now_ms();

	(void)state;
	assert_int_equal(fleet__replay_init(&r, 2), 0);
	for (int i = 0; i < 2; i++) {
		sign(&sb, key, "SELECT 1", now);
		assert_int_equal(check(&sb, &r, now), FV_OK);
		strbuf__free(&sb);
	}
	sign(&sb, key, "SELECT 1", now);
	assert_int_equal(check(&sb, &r, now + 1000), FV_CACHE_FULL);
	strbuf__free(&sb);
	/* Two windows later the slots are free again. */
	sign(&sb, key, "SELECT 1", now + 2 * FLEET_WINDOW_MS + 1);
	assert_int_equal(check(&sb, &r, now + 2 * FLEET_WINDOW_MS + 1), FV_OK);
	strbuf__free(&sb);
	fleet__replay_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keygen_files), cmocka_unit_test(test_round_trip_and_replay),
	    cmocka_unit_test(test_refusals),	 cmocka_unit_test(test_skip),
	    cmocka_unit_test(test_cache_full),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
