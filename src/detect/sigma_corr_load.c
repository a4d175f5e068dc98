/*
 * sigma_corr_load.c — a Sigma correlation rule (event_count, value_count,
 * temporal, temporal_ordered) to the struct sg_corr that sigma_corr.c runs:
 * the rules it refers to, group-by fields, aliases, timespan and condition.
 */
#include "detect/sigma_load.h"

#include "common/duration.h"

#include <stdlib.h>
#include <string.h>

/* A Sigma timespan: 1 to 1,000,000 of a unit, in nanoseconds; 0 when
 * invalid (also when it would not fit in 64 bits: past 584 years). */
static uint64_t parse_timespan(const char *s)
{
	static const struct duration_unit units[] = {
	    {"s", NSEC_PER_SEC},
	    {"m", 60 * NSEC_PER_SEC},
	    {"h", 3600 * NSEC_PER_SEC},
	    {"d", 86400 * NSEC_PER_SEC},
	    {"w", 7 * 86400 * NSEC_PER_SEC},
	    {"M", 30 * 86400 * NSEC_PER_SEC},
	    {"y", 365 * 86400 * NSEC_PER_SEC},
	};
	uint64_t v, mul;

	if (duration__split(s, units, sizeof(units) / sizeof(units[0]), &v, &mul) < 0 || v == 0 ||
	    v > 1000000 || v > UINT64_MAX / mul)
		return 0;
	return v * mul;
}

static int parse_corr_cond(struct lctx *lc, const struct yn *cond, struct sg_corr *c)
{
	static const struct {
		const char *name;
		uint8_t op;
	} ops[] = {{"gt", OP_GT}, {"gte", OP_GTE}, {"lt", OP_LT}, {"lte", OP_LTE}, {"eq", OP_EQ}};
	int nops = 0;

	if (cond == NULL) {
		if (c->type == CORR_TEMPORAL || c->type == CORR_TEMPORAL_ORDERED) {
			c->cond_op = OP_GTE;
			c->cond_val = c->nrefs;
			return 0;
		}
		return sg_fail(lc, lc->r->info.line, SIGMA_ERROR, "correlation has no condition");
	}
	if (cond->kind != YN_MAP)
		return sg_fail(lc, cond->line, SIGMA_ERROR, "correlation condition must be a map");
	for (uint32_t i = 0; i < cond->n; i++) {
		const struct yn *k = cond->items[2 * i], *v = cond->items[2 * i + 1];
		bool found = false;

		if (k->kind != YN_SCALAR || v->kind != YN_SCALAR)
			return sg_fail(lc, k->line, SIGMA_ERROR, "bad correlation condition");
		if (strcmp(k->s, "field") == 0) {
			c->value_field_name = sg_strdup(&lc->e->arena, v->s);
			continue;
		}
		for (size_t j = 0; j < sizeof(ops) / sizeof(ops[0]); j++) {
			char *end;
			long long n;

			if (strcmp(k->s, ops[j].name) != 0)
				continue;
			n = strtoll(v->s, &end, 10);
			if (v->len == 0 || *end != '\0')
				return sg_fail(lc, v->line, SIGMA_ERROR,
					       "correlation condition '%s' needs an integer", k->s);
			if (nops == 0) {
				c->cond_op = ops[j].op;
				c->cond_val = n;
			} else if (nops == 1) {
				c->cond_op2 = ops[j].op;
				c->cond_val2 = n;
				c->has_op2 = true;
			} else {
				return sg_fail(lc, k->line, SIGMA_UNSUPPORTED,
					       "more than two correlation condition operators");
			}
			nops++;
			found = true;
		}
		if (!found)
			return sg_fail(lc, k->line, SIGMA_UNSUPPORTED, "correlation condition '%s'",
				       k->s);
	}
	if (nops == 0)
		return sg_fail(lc, cond->line, SIGMA_ERROR,
			       "correlation condition has no operator");
	if (c->type == CORR_VALUE_COUNT && c->value_field_name == NULL)
		return sg_fail(lc, cond->line, SIGMA_ERROR, "value_count condition needs 'field'");
	return 0;
}

int sg_load_correlation(struct lctx *lc, const struct yn *cy)
{
	struct sg_arena *a = &lc->e->arena;
	struct sg_corr *c = sg_alloc(a, sizeof(*c));
	const char *type = sg_yaml_scalar(cy, "type");
	const struct yn *rules = sg_yaml_get(cy, "rules");
	const struct yn *gb = sg_yaml_get(cy, "group-by");
	const struct yn *al = sg_yaml_get(cy, "aliases");
	const char *ts = sg_yaml_scalar(cy, "timespan");
	const struct yn *gen = sg_yaml_get(cy, "generate");

	if (c == NULL)
		return sg_oom(lc);
	lc->r->corr = c;
	lc->r->info.correlation = true;
	c->rule = lc->r;
	if (cy->kind != YN_MAP)
		return sg_fail(lc, cy->line, SIGMA_ERROR, "correlation must be a map");
	if (type == NULL)
		return sg_fail(lc, cy->line, SIGMA_ERROR, "correlation has no type");
	if (strcmp(type, "event_count") == 0)
		c->type = CORR_EVENT_COUNT;
	else if (strcmp(type, "value_count") == 0)
		c->type = CORR_VALUE_COUNT;
	else if (strcmp(type, "temporal") == 0)
		c->type = CORR_TEMPORAL;
	else if (strcmp(type, "temporal_ordered") == 0)
		c->type = CORR_TEMPORAL_ORDERED;
	else
		return sg_fail(lc, sg_yaml_get(cy, "type")->line, SIGMA_UNSUPPORTED,
			       "correlation type '%s'", type);
	if (rules == NULL)
		return sg_fail(lc, cy->line, SIGMA_ERROR, "correlation has no rules");
	if (rules->kind == YN_SCALAR) {
		c->refs = sg_alloc(a, sizeof(char *));
		if (c->refs == NULL)
			return sg_oom(lc);
		c->refs[0] = rules->s;
		c->nrefs = 1;
	} else if (rules->kind == YN_SEQ && rules->n > 0 && rules->n <= 64) {
		c->refs = sg_alloc(a, rules->n * sizeof(char *));
		if (c->refs == NULL)
			return sg_oom(lc);
		for (uint32_t i = 0; i < rules->n; i++) {
			if (rules->items[i]->kind != YN_SCALAR)
				return sg_fail(lc, rules->items[i]->line, SIGMA_ERROR,
					       "correlation rule reference must be a scalar");
			c->refs[i] = rules->items[i]->s;
		}
		c->nrefs = rules->n;
	} else {
		return sg_fail(lc, rules->line, SIGMA_ERROR,
			       "correlation rules must be 1..64 names");
	}
	if (ts == NULL)
		return sg_fail(lc, cy->line, SIGMA_ERROR, "correlation has no timespan");
	c->timespan_ns = parse_timespan(ts);
	if (c->timespan_ns == 0)
		return sg_fail(lc, sg_yaml_get(cy, "timespan")->line, SIGMA_ERROR,
			       "invalid timespan '%s'", ts);
	if (gb) {
		const struct yn *const *items =
		    gb->kind == YN_SEQ ? (const struct yn *const *)gb->items : &gb;
		uint32_t n = gb->kind == YN_SEQ ? gb->n : 1;

		if (n > 16)
			return sg_fail(lc, gb->line, SIGMA_UNSUPPORTED,
				       "more than 16 group-by fields");
		c->group_names = sg_alloc(a, (n + 1) * sizeof(char *));
		if (c->group_names == NULL)
			return sg_oom(lc);
		for (uint32_t i = 0; i < n; i++) {
			if (items[i]->kind != YN_SCALAR)
				return sg_fail(lc, items[i]->line, SIGMA_ERROR,
					       "bad group-by field");
			c->group_names[i] = items[i]->s;
		}
		c->ngroup = n;
	}
	if (al) {
		if (al->kind != YN_MAP)
			return sg_fail(lc, al->line, SIGMA_ERROR, "aliases must be a map");
		c->nalias = al->n;
		c->alias_names = sg_alloc(a, (al->n + 1) * sizeof(char *));
		c->alias_fields = sg_alloc(a, (al->n + 1) * sizeof(char **));
		if (c->alias_names == NULL || c->alias_fields == NULL)
			return sg_oom(lc);
		for (uint32_t i = 0; i < al->n; i++) {
			const struct yn *k = al->items[2 * i], *m = al->items[2 * i + 1];

			if (k->kind != YN_SCALAR || m->kind != YN_MAP)
				return sg_fail(lc, k->line, SIGMA_ERROR,
					       "alias must map rule names to fields");
			c->alias_names[i] = k->s;
			c->alias_fields[i] = sg_alloc(a, (c->nrefs + 1) * sizeof(char *));
			if (c->alias_fields[i] == NULL)
				return sg_oom(lc);
			for (uint32_t j = 0; j < m->n; j++) {
				const struct yn *rk = m->items[2 * j], *fv = m->items[2 * j + 1];
				uint32_t b;

				for (b = 0; b < c->nrefs; b++)
					if (rk->kind == YN_SCALAR && strcmp(rk->s, c->refs[b]) == 0)
						break;
				if (b == c->nrefs || fv->kind != YN_SCALAR)
					return sg_fail(
					    lc, rk->line, SIGMA_ERROR,
					    "alias '%s' names a rule the correlation does "
					    "not use",
					    k->s);
				c->alias_fields[i][b] = fv->s;
			}
		}
	}
	c->generate = false;
	if (gen && !sg_yaml_bool(gen, &c->generate))
		return sg_fail(lc, gen->line, SIGMA_ERROR, "generate must be true or false");
	return parse_corr_cond(lc, sg_yaml_get(cy, "condition"), c);
}
