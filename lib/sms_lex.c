/*
 * sms_lex.c — folding and tokens of the SMS grammar.
 *
 * The message is folded once (full-width -> ASCII, ASCII lower case) with a
 * map back to the original bytes.  Tokens are then cut from the folded text
 * left to right: at each position every scanner is tried and the longest
 * match wins ("保洁出勤" over "保洁", "不合格" over "合格", "12月5日" over
 * "12"), ties going to the earlier scanner in the table.  Separators end
 * tokens but are optional: "牛12猪40羊5" is six tokens.  Courtesies (您好,
 * 谢谢) are skipped.  Text no scanner knows becomes an unknown word, which
 * the parser reports with its span.
 */
#include <string.h>

#include "sms_int.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Characters that only separate: spaces, the separators of DESIGN 5, the
 * field/value binders ':' and '=', stray punctuation (。！!.?) and quotes
 * and brackets.  Control characters separate too.
 */
static const char ascii_separators[] = ",;:=!?./~()[]\"'";
static const char *const separators[] = {
	"、", "。", "…", "“", "”", "‘", "’", "「", "」", "『", "』", "【", "】",
	"《", "》", "〈", "〉", "·", "•",
};

/*
 * Courtesies leaders wrap reports in ("您好，牲畜 牛12…谢谢！"): skipped like
 * separators, unless a longer token starts at the same place.
 */
static const char *const courtesies[] = {
	"您好", "你好", "谢谢您", "谢谢", "多谢", "辛苦了", "麻烦了", "请查收", "收到",
	"上报", "报告", "报",
	"hi", "hello", "thanks", "thank you", "thx", "please", "pls",
};

static const struct cmdword {
	const char *s;
	enum command cmd;
} cmdwords[] = {
	{ "帮助", CMD_HELP }, { "help", CMD_HELP },
	{ "查询", CMD_QUERY }, { "query", CMD_QUERY }, { "q", CMD_QUERY },
	{ "更正", CMD_FIX }, { "修改", CMD_FIX }, { "fix", CMD_FIX },
	{ "撤销", CMD_UNDO }, { "撤回", CMD_UNDO }, { "undo", CMD_UNDO },
};

/* Values of yes/no fields written as a word: "合格 是", "passed yes". */
static const struct yesword {
	const char *s;
	bool yes;
} yeswords[] = {
	{ "是", true }, { "对", true }, { "yes", true }, { "y", true },
	{ "true", true }, { "ok", true }, { "√", true }, { "✓", true }, { "✔", true },
	{ "否", false }, { "不是", false }, { "no", false }, { "n", false },
	{ "false", false }, { "×", false }, { "✗", false }, { "✘", false },
};

/* See sms_int.h. */
size_t
sms_word_at(const char *s, size_t len, size_t i, const char *w)
{
	size_t n;

	/* Most words fail on their first two bytes: look at those before the length. */
	if (i >= len || w[0] != s[i] || (w[1] != '\0' && (i + 1 >= len || w[1] != s[i + 1])))
		return 0;
	n = strlen(w);
	if (i + n > len || memcmp(s + i, w, n) != 0)
		return 0;
	if (sms_is_alpha(w[0]) && i > 0 && sms_is_alpha(s[i - 1]))
		return 0;
	if (sms_is_alpha(w[n - 1]) && i + n < len && sms_is_alpha(s[i + n]))
		return 0;
	return n;
}

/* See sms_int.h. */
int
sms_yesno_word(const char *s, size_t n)
{
	for (size_t k = 0; k < NELEM(yeswords); k++)
		if (strlen(yeswords[k].s) == n && memcmp(yeswords[k].s, s, n) == 0)
			return yeswords[k].yes;
	return -1;
}

/* Length of the separator at s[i], 0 if there is none. */
static size_t
separator_at(const char *s, size_t len, size_t i)
{
	size_t n;

	if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
		return 1;
	if ((unsigned char)s[i] < 0x80)
		return strchr(ascii_separators, s[i]) != NULL;
	for (size_t k = 0; k < NELEM(separators); k++) {
		n = strlen(separators[k]);
		if (i + n <= len && memcmp(s + i, separators[k], n) == 0)
			return n;
	}
	return 0;
}

/* Length of the courtesy at s[i], 0 if there is none. */
static size_t
courtesy_at(const char *s, size_t len, size_t i)
{
	size_t best = 0, n;

	for (size_t k = 0; k < NELEM(courtesies); k++)
		if ((n = sms_word_at(s, len, i, courtesies[k])) > best)
			best = n;
	return best;
}

/* The longest of the words in w at s[i]. */
static size_t
words_longest(const struct words *w, const char *s, size_t len, size_t i)
{
	size_t best = 0, n;

	for (size_t k = 0; k < w->n && k < CATALOG_WORDS_MAX; k++)
		if ((n = sms_word_at(s, len, i, w->w[k])) > best)
			best = n;
	return best;
}

/* Catalog words: kind keywords, field aliases, units, yes/no words. */
static size_t
scan_catalog(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	size_t best = 0, n;

	for (size_t k = 0; k < c->nkinds; k++) {
		const struct kind *kd = &c->kinds[k];
		if ((n = words_longest(&kd->keywords, s, len, i)) > best)
			best = n;
		for (size_t f = 0; f < kd->nfields && f < CB_MAX_FIELDS; f++) {
			const struct words *lists[] = {
				&kd->fields[f].aliases, &kd->fields[f].units,
				&kd->fields[f].yes, &kd->fields[f].no,
			};
			for (size_t l = 0; l < NELEM(lists); l++)
				if ((n = words_longest(lists[l], s, len, i)) > best)
					best = n;
		}
	}
	t->type = TOK_WORD;
	t->known = true;
	return best;
}

static size_t
scan_period(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	size_t n = sms_when_scan(s, len, i, &t->u.when);

	t->type = TOK_PERIOD;
	t->err = t->u.when.err;
	return n;
}

static size_t
scan_group(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	t->type = TOK_GROUP;
	return sms_group_scan(s, len, i, &t->u.group, &t->err);
}

static size_t
scan_command(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	size_t best = 0, n;

	t->type = TOK_CMD;
	for (size_t k = 0; k < NELEM(cmdwords); k++)
		if ((n = sms_word_at(s, len, i, cmdwords[k].s)) > best) {
			best = n;
			t->u.cmd = cmdwords[k].cmd;
		}
	return best;
}

static size_t
scan_yesno(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	size_t best = 0, n;

	t->type = TOK_YESNO;
	for (size_t k = 0; k < NELEM(yeswords); k++)
		if ((n = sms_word_at(s, len, i, yeswords[k].s)) > best) {
			best = n;
			t->u.yes = yeswords[k].yes;
		}
	return best;
}

static size_t
scan_number(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	size_t n = sms_num_scan(s, len, i, &t->u.num);

	t->type = TOK_NUM;
	t->err = t->u.num.err;
	return n;
}

/* The scanners in order of precedence when two match the same length. */
static size_t (*const scanners[])(const struct catalog *, const char *, size_t, size_t,
    struct sms_tok *) = {
	scan_catalog, scan_period, scan_group, scan_command, scan_yesno, scan_number,
};

/*
 * Tries every scanner at s[i] and keeps the longest match in *t.  Returns
 * its length, 0 when nothing matches (t is then zeroed).
 */
static size_t
lex_best(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	struct sms_tok cand;
	size_t best = 0, n;

	memset(t, 0, sizeof *t);
	for (size_t k = 0; k < NELEM(scanners); k++) {
		memset(&cand, 0, sizeof cand);
		if ((n = scanners[k](c, s, len, i, &cand)) > best) {
			best = n;
			*t = cand;
		}
	}
	return best;
}

/* Byte length of the (valid) UTF-8 character at s[i]. */
static size_t
char_len(const char *s, size_t len, size_t i)
{
	size_t j = i;

	utf8_next(s, len, &j);
	return j - i;
}

/*
 * An unknown word at s[i]: a whole run of ASCII letters, or a run of other
 * characters up to the next separator, digit, letter or known token.
 */
static size_t
lex_unknown(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	struct sms_tok scratch;
	size_t j = i;

	memset(t, 0, sizeof *t);
	t->type = TOK_WORD;
	if (sms_is_alpha(s[i])) {
		while (j < len && sms_is_alpha(s[j]))
			j++;
		return j - i;
	}
	j += char_len(s, len, i);
	while (j < len && !sms_is_alpha(s[j]) && !sms_is_digit(s[j]) &&
	    separator_at(s, len, j) == 0 && lex_best(c, s, len, j, &scratch) == 0)
		j += char_len(s, len, j);
	return j - i;
}

/* See sms_int.h. */
void
sms_lex(const struct catalog *c, struct sms_lexed *lx)
{
	const char *s = lx->text.s;
	size_t len = lx->text.len, i = 0, n;

	lx->ntok = 0;
	while (i < len && lx->ntok < NELEM(lx->tok)) {
		struct sms_tok *t = &lx->tok[lx->ntok];
		if ((n = separator_at(s, len, i)) != 0) {
			i += n;
			continue;
		}
		n = lex_best(c, s, len, i, t);
		if (n < courtesy_at(s, len, i)) {
			i += courtesy_at(s, len, i);
			continue;
		}
		if (n == 0)
			n = lex_unknown(c, s, len, i, t);
		t->start = (uint32_t)i;
		t->end = (uint32_t)(i + n);
		lx->ntok++;
		i += n;
	}
}

/* See sms_int.h. */
void
sms_fold(const char *text, size_t len, struct sms_text *t)
{
	size_t i = 0, o = 0, n;
	char enc[4];

	while (i < len) {
		size_t start = i;
		int32_t cp = utf8_next(text, len, &i);
		n = cp < 0 ? 0 : utf8_put(utf8_fold(cp), enc);
		if (n == 0 || o + n > CB_TEXT_MAX)
			break;	/* not on checked text */
		for (size_t k = 0; k < n; k++) {
			t->s[o + k] = enc[k];
			t->orig[o + k] = (uint32_t)start;
		}
		o += n;
	}
	t->s[o] = '\0';
	t->len = o;
	t->orig_len = len;
	t->orig[o] = (uint32_t)len;
}

/* See sms_int.h. */
void
sms_span(const struct sms_text *t, size_t start, size_t end, uint32_t at[2])
{
	at[0] = start < t->len ? t->orig[start] : (uint32_t)t->orig_len;
	at[1] = end < t->len ? t->orig[end] : (uint32_t)t->orig_len;
}
