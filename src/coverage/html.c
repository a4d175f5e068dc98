/*
 * html.c — `vigil coverage --format html`: one self-contained page, laid out
 * like the ATT&CK Navigator (one column per tactic, a cell per technique,
 * sub-techniques indented under their parent), cells coloured by visibility
 * level, and the per-component detail shown when a cell is clicked.
 *
 * The cells are rendered here, not by script, so the page reads the same
 * with JavaScript off and tests can count cells in the DOM. CSS and the few
 * lines of JS are inline and the page references nothing over the network
 * (the favicon is a data: URL so the browser does not go looking for one).
 */
#include "coverage/coverage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Appends s with HTML's five special characters escaped. */
static void esc(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			strbuf__adds(sb, "&lt;");
			break;
		case '>':
			strbuf__adds(sb, "&gt;");
			break;
		case '&':
			strbuf__adds(sb, "&amp;");
			break;
		case '"':
			strbuf__adds(sb, "&quot;");
			break;
		case '\'':
			strbuf__adds(sb, "&#39;");
			break;
		default:
			strbuf__addc(sb, *s);
		}
	}
}

static const char css[] =
    "body{font:13px system-ui,sans-serif;margin:12px;color:#222}"
    "h1{font-size:18px;margin:0 0 4px}.meta{color:#555;margin-bottom:8px}"
    ".legend span{display:inline-block;padding:2px 8px;margin-right:4px;border:1px solid #999}"
    ".matrix{display:flex;gap:4px;align-items:flex-start;overflow-x:auto}"
    ".tactic{min-width:150px;max-width:190px;flex:1}"
    ".tactic h2{font-size:12px;background:#ddd;margin:0 0 3px;padding:4px;text-align:center}"
    ".cell{border:1px solid #aaa;margin:0 0 2px;padding:2px 4px;cursor:pointer;font-size:11px}"
    ".cell.sub{margin-left:10px}.cell:focus,.cell.sel{outline:2px solid #036}"
    ".cell .sc{float:right;font-weight:bold}"
    ".L0{background:#ff6666}.L1{background:#ffb366}.L2{background:#ffe766}"
    ".L3{background:#c2e070}.L4{background:#8ec843}"
    ".v-verified{box-shadow:inset 4px 0 #036}.v-partial{box-shadow:inset 4px 0 #74c}"
    ".v-failed{box-shadow:inset 4px 0 #a00}"
    "#tested{border-collapse:collapse;margin-top:12px}#tested th{text-align:left;background:#ddd}"
    "#tested td,#tested th{border:1px solid #aaa;padding:2px 6px;vertical-align:top}"
    "#panel{position:fixed;right:12px;top:12px;width:420px;max-height:90vh;overflow:auto;"
    "background:#fff;border:1px solid #333;padding:8px;display:none}"
    "#panel table{border-collapse:collapse;width:100%}"
    "#panel td{border-top:1px solid #ddd;padding:2px;vertical-align:top}"
    ".covered{color:#060}.partial{color:#960}.missing{color:#a00}";

static const char js[] =
    "(function(){var p=document.getElementById('panel');var sel=null;"
    "function show(c){var d=document.getElementById('d-'+c.getAttribute('data-t'));"
    "if(!d)return;if(sel)sel.classList.remove('sel');sel=c;c.classList.add('sel');"
    "p.innerHTML=d.innerHTML+'<p><button id=\"close\">close</button></p>';"
    "p.style.display='block';document.getElementById('close').onclick=function(){"
    "p.style.display='none';};}"
    "var cs=document.querySelectorAll('.cell');for(var i=0;i<cs.length;i++){"
    "cs[i].addEventListener('click',function(){show(this);});"
    "cs[i].addEventListener('keydown',function(e){if(e.key==='Enter')show(this);});}"
    /* #T1053.003 in the URL opens that technique (links, headless tests). */
    "var h=decodeURIComponent(location.hash.slice(1));if(h){for(var j=0;j<cs.length;j++)"
    "if(cs[j].getAttribute('data-t')===h){show(cs[j]);break;}}"
    "document.body.setAttribute('data-ready','1');"
    "})();";

static void details(struct strbuf *sb, const struct cov_tech_result *r, const char *verdict,
		    const char *tests)
{
	strbuf__adds(sb, "<div class=\"det\" hidden id=\"d-");
	esc(sb, r->id);
	strbuf__adds(sb, "\"><h3>");
	esc(sb, r->id);
	strbuf__adds(sb, " ");
	esc(sb, r->name);
	strbuf__addf(sb,
		     "</h3><p>score %.1f%%, visibility level %d; %zu of %zu data components "
		     "covered, %zu partial; verdict: ",
		     r->score, r->level, r->n_full, r->ndc, r->n_partial);
	esc(sb, verdict);
	if (tests[0]) {
		strbuf__adds(sb, " (tests: ");
		esc(sb, tests);
		strbuf__adds(sb, ")");
	}
	strbuf__adds(sb, "</p><table>");
	for (size_t i = 0; i < r->ndc; i++) {
		const char *st = r->dc[i].state == COV_DC_FULL	    ? "covered"
				 : r->dc[i].state == COV_DC_PARTIAL ? "partial"
								    : "missing";

		strbuf__addf(sb, "<tr><td class=\"%s\">%s</td><td>", st, st);
		esc(sb, r->dc[i].label);
		strbuf__adds(sb, "</td><td>");
		esc(sb, r->dc[i].events[0] ? r->dc[i].events : "-");
		strbuf__adds(sb, "</td></tr>");
	}
	strbuf__adds(sb, "</table></div>\n");
}

/* The techniques a test verified, partly verified or failed, with the tests
 * behind each verdict: the matrix shows the verdict as a mark on the cell,
 * this table says which tests gave it. r is scratch space. */
static void tested_table(struct strbuf *sb, const struct cov_data *d, const struct cov_collect *c,
			 const struct cov_verified *ver, struct cov_tech_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < cov_data__count(d); i++) {
		enum cov_verdict v;
		const char *name;

		cov_data__evaluate(d, c, i, r);
		v = cov_verified__get(ver, r->id);
		if (v == COV_VERDICT_NONE)
			continue;
		if (!n++)
			strbuf__adds(sb,
				     "<table id=\"tested\"><tr><th>technique</th><th>name</th>"
				     "<th>visibility</th><th>verdict</th><th>tests</th></tr>\n");
		name = cov_verdict_name(v, r->score);
		strbuf__addf(sb, "<tr class=\"v-%s\" data-t=\"", name);
		esc(sb, r->id);
		strbuf__adds(sb, "\"><td>");
		esc(sb, r->id);
		strbuf__adds(sb, "</td><td>");
		esc(sb, r->name);
		strbuf__addf(sb, "</td><td>%.0f%%</td><td>%s</td><td>", r->score, name);
		esc(sb, cov_verified__tests(ver, r->id));
		strbuf__adds(sb, "</td></tr>\n");
	}
	strbuf__adds(sb, n ? "</table>\n" : "<p id=\"tested\">No technique was tested.</p>\n");
}

/* Writes the page for config c. */
int cov_report_html(const struct cov_data *d, const struct cov_collect *c,
		    const struct cov_verified *ver, struct strbuf *sb)
{
	struct cov_tech_result *r = malloc(sizeof(*r));
	size_t levels[5] = {0};
	static const char *const legend[5] = {"0: none", "1: &lt;50%", "2: 50-74%", "3: 75-99%",
					      "4: 100%"};

	if (!r)
		return -ENOMEM;
	strbuf__adds(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			 "<link rel=\"icon\" href=\"data:,\"><title>vigil coverage: ");
	esc(sb, c->source);
	strbuf__addf(sb,
		     "</title><style>%s</style></head><body>\n<h1>vigil ATT&amp;CK coverage"
		     "</h1><div class=\"meta\">config <b>",
		     css);
	esc(sb, c->source);
	strbuf__addf(sb,
		     "</b>, ATT&amp;CK %s Linux, %zu techniques. Score = (covered + &frac12; "
		     "partial) / applicable data components. Click a technique for details."
		     "</div>\n<div class=\"legend\">",
		     cov_model_name(cov_data__model(d)), cov_data__count(d));
	for (int l = 0; l < 5; l++)
		strbuf__addf(sb, "<span class=\"L%d\">%s</span>", l, legend[l]);
	if (ver)
		strbuf__adds(sb, "<span class=\"v-verified\">verified by a test</span>"
				 "<span class=\"v-partial\">partial: some key behaviour seen</span>"
				 "<span class=\"v-failed\">failed: tests ran, not seen</span>");
	strbuf__adds(sb, "</div>\n<div class=\"matrix\" id=\"matrix\">\n");
	for (unsigned t = 0; t < COV_NTACTICS; t++) {
		size_t n = 0;

		for (size_t i = 0; i < cov_data__count(d); i++) {
			const char *verdict;

			cov_data__evaluate(d, c, i, r);
			if (!(r->tactics & (1u << t)))
				continue;
			if (!n++)
				strbuf__addf(
				    sb, "<div class=\"tactic\" data-tactic=\"%s\"><h2>%s</h2>\n",
				    cov_tactic_name(t), cov_tactic_title(t));
			verdict = cov_verdict_name(
			    ver ? cov_verified__get(ver, r->id) : COV_VERDICT_NONE, r->score);
			strbuf__addf(sb, "<div class=\"cell L%d%s v-%s\" tabindex=\"0\" data-t=\"",
				     r->level, strchr(r->id, '.') ? " sub" : "", verdict);
			esc(sb, r->id);
			strbuf__adds(sb, "\" title=\"");
			esc(sb, r->name);
			strbuf__adds(sb, "\"><span class=\"sc\">");
			strbuf__addf(sb, "%.0f%%</span>", r->score);
			esc(sb, r->id);
			strbuf__adds(sb, " ");
			esc(sb, r->name);
			strbuf__adds(sb, "</div>\n");
		}
		if (n)
			strbuf__adds(sb, "</div>\n");
	}
	strbuf__adds(sb, "</div>\n<div id=\"panel\"></div>\n");
	if (ver)
		tested_table(sb, d, c, ver, r);
	for (size_t i = 0; i < cov_data__count(d); i++) {
		cov_data__evaluate(d, c, i, r);
		levels[r->level]++;
		details(sb, r,
			cov_verdict_name(ver ? cov_verified__get(ver, r->id) : COV_VERDICT_NONE,
					 r->score),
			cov_verified__tests(ver, r->id));
	}
	strbuf__addf(sb,
		     "<p class=\"meta\" id=\"summary\">levels: 0: %zu, 1: %zu, 2: %zu, 3: "
		     "%zu, 4: %zu. ATT&amp;CK&reg; &copy; The MITRE Corporation, reproduced "
		     "under its licence (data/attack/ATTACK_LICENSE.txt).</p>\n",
		     levels[0], levels[1], levels[2], levels[3], levels[4]);
	strbuf__addf(sb, "<script>%s</script>\n</body></html>\n", js);
	free(r);
	return sb->overflow ? -ENOMEM : 0;
}
