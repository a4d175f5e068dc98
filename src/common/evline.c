/*
 * evline.c — the human-readable event line; see evline.h.
 */
#include "common/evline.h"

#include "common/json.h"
#include "common/utf8.h"
#include "common/schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define C_DIM	"\033[2m"
#define C_BOLD	"\033[1m"
#define C_RED	"\033[31m"
#define C_CYAN	"\033[36m"
#define C_RESET "\033[0m"

/* Code points a terminal acts on rather than shows. */
static bool unsafe_cp(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) ||		    /* C1 controls */
	       c == 0x2028 || c == 0x2029 ||		    /* line/paragraph separators */
	       (c >= 0x200e && c <= 0x200f) ||		    /* LRM, RLM */
	       (c >= 0x202a && c <= 0x202e) ||		    /* bidi embeddings, overrides */
	       (c >= 0x2066 && c <= 0x2069) || c == 0xfeff; /* isolates, BOM */
}

void evline__escape(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8__seq(p + i, len - i, &cp);

		if (n == 0 || (n == 1 && (cp < 0x20 || cp == 0x7f)) || p[i] == '\\') {
			if (p[i] == '\\')
				strbuf__adds(sb, "\\\\");
			else
				strbuf__addf(sb, "\\x%02x", p[i]);
			i++;
		} else if (unsafe_cp(cp)) {
			strbuf__addf(sb, "\\u%04x", (unsigned)cp);
			i += n;
		} else {
			strbuf__add(sb, p + i, n);
			i += n;
		}
	}
}

static bool get(const struct vrec *rec, enum vf_id f, const char **s, size_t *len)
{
	*s = vrec__get(rec, f, len);
	return *s != NULL && *len > 0 && !(*len == 1 && **s == '-');
}

/* Appends pre + the field when the field is set; returns whether it was. */
static bool add(struct strbuf *sb, const struct vrec *rec, enum vf_id f, const char *pre)
{
	const char *s;
	size_t len;

	if (!get(rec, f, &s, &len))
		return false;
	strbuf__adds(sb, pre);
	evline__escape(sb, s, len);
	return true;
}

/* What each event acted on: up to four fields, each with its prefix. */
struct target {
	uint16_t id;
	struct {
		enum vf_id f;
		const char *pre;
	} p[4];
};

static const struct target targets[] = {
    {1, {{VF_CommandLine, ""}}},
    {3,
     {{VF_Protocol, ""},
      {VF_DestinationIp, " "},
      {VF_DestinationPort, ":"},
      {VF_DestinationHostname, " "}}},
    {5, {{VF_ExitCode, "exit "}}},
    {7, {{VF_ImageLoaded, ""}}},
    {9, {{VF_Device, ""}}},
    {10, {{VF_TargetImage, ""}, {VF_TargetProcessId, " pid "}, {VF_GrantedAccess, " "}}},
    {22, {{VF_QueryName, ""}, {VF_QueryResults, " = "}}},
    {25, {{VF_Type, ""}}},
    {100, {{VF_BpfCommand, ""}, {VF_BpfProgramName, " "}, {VF_BpfProgramId, " id "}}},
    {201, {{VF_SourceFilename, ""}, {VF_TargetFilename, " → "}}},
    {202, {{VF_TargetFilename, ""}, {VF_Change, " "}, {VF_NewValue, " = "}}},
    {203, {{VF_Syscall, ""}, {VF_NewUid, " uid "}, {VF_NewCaps, " caps "}}},
    {204, {{VF_Protocol, ""}, {VF_LocalIp, " "}, {VF_LocalPort, ":"}}},
    {205, {{VF_Syscall, ""}, {VF_Namespaces, " "}}},
    {206, {{VF_Source, ""}, {VF_Target, " on "}, {VF_FsType, " "}}},
    {240, {{VF_CappedEvent, ""}, {VF_Count, " ×"}}},
    {242, {{VF_RuleLevel, ""}, {VF_RuleTitle, " "}}},
    {243, {{VF_Type, ""}, {VF_Detail, " "}}},
    {4, {{VF_State, ""}}},
    {16, {{VF_Configuration, ""}}},
    {255, {{VF_Detail, ""}}},
};

static const enum vf_id fallback[] = {VF_TargetFilename, VF_TargetImage, VF_ImageLoaded,
				      VF_Detail,	 VF_Type,	 VF_State};

static void add_target(struct strbuf *sb, const struct vrec *rec)
{
	unsigned id = rec->def ? rec->def->id : 0;

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		if (targets[i].id != id)
			continue;
		for (size_t k = 0; k < 4 && targets[i].p[k].pre; k++)
			add(sb, rec, targets[i].p[k].f, targets[i].p[k].pre);
		return;
	}
	for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++)
		if (add(sb, rec, fallback[i], ""))
			return;
}

void evline__format(struct strbuf *sb, const struct vrec *rec, bool color)
{
	const char *name = rec->def ? rec->def->name : "?";
	bool alert =
	    rec->def && (rec->def->id == 242 || rec->def->id == 243 || rec->def->id == 255);
	char t[24];
	size_t before;

	vrec__fmt_time(rec->ts_ns, t);
	if (color)
		strbuf__adds(sb, C_DIM);
	strbuf__adds(sb, t);
	if (color)
		strbuf__adds(sb, C_RESET);
	strbuf__addc(sb, ' ');
	if (color)
		strbuf__adds(sb, alert ? C_BOLD C_RED : C_BOLD);
	strbuf__addf(sb, "%-22s", name);
	if (color)
		strbuf__adds(sb, C_RESET);
	strbuf__addc(sb, ' ');
	if (color)
		strbuf__adds(sb, C_CYAN);
	if (!add(sb, rec, VF_Image, "") && !add(sb, rec, VF_SourceImage, ""))
		strbuf__adds(sb, "vigil");
	if (add(sb, rec, VF_ProcessId, "(") || add(sb, rec, VF_SourceProcessId, "("))
		strbuf__addc(sb, ')');
	if (color)
		strbuf__adds(sb, C_RESET);
	strbuf__adds(sb, " → ");
	before = sb->len;
	add_target(sb, rec);
	if (sb->len == before)
		strbuf__adds(sb, "-");
	strbuf__addc(sb, '\n');
}

bool evline__want_color(int fd)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fd) && (nc == NULL || nc[0] == '\0');
}
