/*
 * reply.h — the text a leader reads on the phone.
 *
 * Replies are short (≤ 70 characters where the content allows, so one UCS-2
 * SMS; ≤ 160 GSM-7 characters in English), in the sender's language, and say
 * either what was understood or the first problem with an example of the
 * right form.  Golden files under tests/golden/ pin the exact texts.
 *
 * Every function writes a NUL-terminated UTF-8 string into buf (at most
 * buflen bytes, truncated on a character boundary) and returns its length.
 */
#ifndef CB_REPLY_H
#define CB_REPLY_H

#include "cunbao.h"
#include "catalog.h"
#include "parsed.h"

/*
 * Confirms an accepted report or correction, echoing what was understood:
 *   zh: "已收到 3组 12月 牲畜：牛12 猪40 羊5"   (FIX: "已更正 ...")
 *   en: "Received G3 Dec livestock: cattle 12, pigs 40, sheep 5"
 * group is the group number to show (the sender's own when p->group is 0),
 * 0 to leave it out.
 */
size_t reply_accepted(const struct parsed *p, int group, enum lang l, char *buf, size_t buflen);

/*
 * Confirms a correction (更正) with the figures now in effect: p holds the
 * restated values merged with those carried over from the replaced report,
 * and kept has bit i set for each field i carried over, named at the end:
 *   zh: "已更正 3组 12月 牲畜：牛12 猪48 羊5（牛 羊照旧）"
 *   en: "Corrected G8 Dec livestock: cattle 12, pigs 48, sheep 5 (cattle, sheep unchanged)"
 * With kept 0 it reads as reply_accepted.
 */
size_t reply_corrected(const struct parsed *p, uint32_t kept, int group, enum lang l, char *buf, size_t buflen);

/*
 * Names the problem in p (p->error, p->token, p->field, p->kind) with an
 * example of the right form, e.g.
 *   "不认识“鸡”。牲畜可报：牛 猪 羊。例：牲畜 牛12 猪40"
 * Works for every enum cb_error, including those decided by cunbaod
 * (unknown_sender, not_permitted, nothing_to_fix): the caller sets p->error.
 * c is used to list kinds when p->kind is NULL.
 */
size_t reply_error(const struct catalog *c, const struct parsed *p, enum lang l, char *buf, size_t buflen);

/* The formats: all kinds' keywords when k is NULL, else k's fields with an example. */
size_t reply_help(const struct catalog *c, const struct kind *k, enum lang l, char *buf, size_t buflen);

/* Confirms a withdrawal (撤销): "已撤销 3组 12月 牲畜". */
size_t reply_undone(const struct kind *k, const struct period *p, int group, enum lang l, char *buf, size_t buflen);

/*
 * Answers a query (查询) with the group's and its village's figures:
 *   "3组12月牲畜：牛12 猪40 羊5；全村：牛61 猪398 羊118"
 * mine/all hold one value per field of k (NULL: no figures yet); values are
 * already aggregated (scale: the field's, rate and avg as reply_figure says).
 * With group 0 the query is about a whole area (a village admin's): only
 * mine is shown ("12月牲畜：牛61 猪398 羊118").
 */
struct reply_figure {
	const struct field *field;
	int64_t v;
	unsigned scale;		/* the scale of v (avg/rate carry more digits than the field) */
};
size_t reply_query(const struct kind *k, const struct period *p, int group,
    const struct reply_figure *mine, size_t nmine,
    const struct reply_figure *all, size_t nall,
    enum lang l, char *buf, size_t buflen);

/* The period as a leader says it: zh "12月", "W48", "2023年", "12月5日"; en "Dec", "W48", "2023", "5 Dec". */
size_t reply_period(const struct period *p, enum lang l, char *buf, size_t buflen);

#endif
