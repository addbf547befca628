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
 *
 * Nothing here walks a whole word list at a position: the catalog's words
 * come from its index (the few that start with the character there), and
 * the fixed lists below are kept in strcmp order so that the words sharing
 * a first character are one range found by binary search (sms_list_longest;
 * sms_lex_lists_check, run by the unit tests, keeps them sorted).
 */
#include <string.h>

#include "sms_int.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Characters that only separate: spaces, the separators of docs/sms.md, the
 * field/value binders ':' and '=', stray punctuation (。！!.?) and quotes
 * and brackets.  Control characters separate too.  The lists below are in
 * strcmp (byte) order.
 */
static const char ascii_separators[] = ",;:=!?./~()[]\"'";
static const char *const separators[] = {
	"·", "‘", "’", "“", "”", "•", "…", "、", "。", "〈", "〉", "《", "》",
	"「", "」", "『", "』", "【", "】",
};

/*
 * Courtesies leaders wrap reports in ("您好，牲畜 牛12…谢谢！"): skipped like
 * separators, unless a longer token starts at the same place.
 */
static const char *const courtesies[] = {
	"hello", "hi", "please", "pls", "thank you", "thanks", "thx",
	"上报", "你好", "多谢", "您好", "报", "报告", "收到", "请查收", "谢谢", "谢谢您",
	"辛苦了", "麻烦了",
};

static const struct cmdword {
	const char *s;
	enum command cmd;
} cmdwords[] = {
	{ "fix", CMD_FIX }, { "help", CMD_HELP }, { "q", CMD_QUERY },
	{ "query", CMD_QUERY }, { "undo", CMD_UNDO },
	{ "修改", CMD_FIX }, { "帮助", CMD_HELP }, { "撤回", CMD_UNDO },
	{ "撤销", CMD_UNDO }, { "更正", CMD_FIX }, { "查询", CMD_QUERY },
};

/* Values of yes/no fields written as a word: "合格 是", "passed yes". */
static const struct yesword {
	const char *s;
	bool yes;
} yeswords[] = {
	{ "false", false }, { "n", false }, { "no", false }, { "ok", true },
	{ "true", true }, { "y", true }, { "yes", true },
	{ "×", false }, { "√", true }, { "✓", true }, { "✔", true }, { "✗", false },
	{ "✘", false }, { "不是", false }, { "否", false }, { "对", true }, { "是", true },
};

/*
 * Length of word w (n bytes) if s[i..] starts with it, else 0, by the
 * rules of sms_word_at.  The caller has checked i + n <= len.
 */
static size_t
word_match(const char *s, size_t len, size_t i, const char *w, size_t n)
{
	if (memcmp(s + i, w, n) != 0)
		return 0;
	if (sms_is_alpha(w[0]) && i > 0 && sms_is_alpha(s[i - 1]))
		return 0;
	if (sms_is_alpha(w[n - 1]) && i + n < len && sms_is_alpha(s[i + n]))
		return 0;
	return n;
}

/* See sms_int.h. */
size_t
sms_word_at(const char *s, size_t len, size_t i, const char *w)
{
	size_t n;

	/* Most words fail on their first two bytes: look at those before the length. */
	if (i >= len || w[0] != s[i] || (w[1] != '\0' && (i + 1 >= len || w[1] != s[i + 1])))
		return 0;
	n = strlen(w);
	return i + n <= len ? word_match(s, len, i, w, n) : 0;
}

/* The word of entry k of a fixed list (see sms_list_longest). */
static const char *
list_word(const void *base, size_t stride, size_t k)
{
	const char *const *w = (const void *)((const char *)base + k * stride);

	return *w;
}

/* Bytes of the UTF-8 character led by byte b (1 for a stray continuation byte). */
static size_t
lead_len(char b)
{
	unsigned char u = (unsigned char)b;

	return u < 0xC0 ? 1 : u < 0xE0 ? 2 : u < 0xF0 ? 3 : 4;
}

/*
 * strncmp(w, c, clen) for the clen (1..4) bytes of a character c that
 * holds no NUL: w's start against c, in unsigned byte order.
 */
static int
char_cmp(const char *w, const char *c, size_t clen)
{
	for (size_t k = 0; k < clen; k++)
		if (w[k] != c[k])
			return (unsigned char)w[k] < (unsigned char)c[k] ? -1 : 1;
	return 0;
}

/*
 * See sms_int.h.  A word that starts at s[i] begins with the character
 * there, so it lies in the range of words that do: the first such word is
 * found by binary search, the range read to its end for the longest match.
 */
size_t
sms_list_longest(const void *base, size_t n, size_t stride, const char *s, size_t len, size_t i,
    size_t *at)
{
	size_t lo = 0, hi = n, best = 0, m, clen;

	if (i >= len || s[i] == '\0')
		return 0;
	clen = lead_len(s[i]);
	if (clen > len - i)
		clen = len - i;
	if (memchr(s + i, '\0', clen) != NULL)
		return 0;	/* no word holds a NUL */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (char_cmp(list_word(base, stride, mid), s + i, clen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && char_cmp(list_word(base, stride, lo), s + i, clen) == 0; lo++)
		if ((m = sms_word_at(s, len, i, list_word(base, stride, lo))) > best) {
			best = m;
			*at = lo;
		}
	return best;
}

/* See sms_int.h. */
const char *
sms_list_unsorted(const void *base, size_t n, size_t stride)
{
	for (size_t k = 1; k < n; k++)
		if (strcmp(list_word(base, stride, k - 1), list_word(base, stride, k)) >= 0)
			return list_word(base, stride, k);
	return NULL;
}

/* See sms_int.h. */
const char *
sms_lex_lists_check(void)
{
	const char *bad;

	if ((bad = sms_list_unsorted(SMS_LIST(separators))) != NULL ||
	    (bad = sms_list_unsorted(SMS_LIST(courtesies))) != NULL ||
	    (bad = sms_list_unsorted(SMS_LIST(cmdwords))) != NULL ||
	    (bad = sms_list_unsorted(SMS_LIST(yeswords))) != NULL)
		return bad;
	return NULL;
}

/* See sms_int.h. */
int
sms_yesno_word(const char *s, size_t n)
{
	if (n == 0)
		return -1;
	for (size_t k = 0; k < NELEM(yeswords); k++)
		if (yeswords[k].s[0] == s[0] && strlen(yeswords[k].s) == n &&
		    memcmp(yeswords[k].s, s, n) == 0)
			return yeswords[k].yes;
	return -1;
}

/* Length of the separator at s[i], 0 if there is none. */
static size_t
separator_at(const char *s, size_t len, size_t i)
{
	size_t at;

	if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
		return 1;
	if ((unsigned char)s[i] < 0x80)
		return strchr(ascii_separators, s[i]) != NULL;
	return sms_list_longest(SMS_LIST(separators), s, len, i, &at);
}

/* Length of the courtesy at s[i], 0 if there is none. */
static size_t
courtesy_at(const char *s, size_t len, size_t i)
{
	size_t at;

	return sms_list_longest(SMS_LIST(courtesies), s, len, i, &at);
}

/*
 * Catalog words (kind keywords, field aliases, units, yes/no words): the
 * index gives those starting with the character at s[i], longest first,
 * so the first that matches is the longest.
 */
static size_t
scan_catalog(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	size_t n;
	const struct catalog_word *cw = catalog_words_at(c, s + i, len - i, &n);

	t->type = TOK_WORD;
	t->known = true;
	for (size_t k = 0; k < n; k++)
		if (cw[k].len <= len - i && word_match(s, len, i, cw[k].w, cw[k].len) != 0)
			return cw[k].len;
	return 0;
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
	size_t at = 0, n = sms_list_longest(SMS_LIST(cmdwords), s, len, i, &at);

	t->type = TOK_CMD;
	if (n != 0)
		t->u.cmd = cmdwords[at].cmd;
	return n;
}

static size_t
scan_yesno(const struct catalog *c, const char *s, size_t len, size_t i, struct sms_tok *t)
{
	size_t at = 0, n = sms_list_longest(SMS_LIST(yeswords), s, len, i, &at);

	t->type = TOK_YESNO;
	if (n != 0)
		t->u.yes = yeswords[at].yes;
	return n;
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
		size_t polite;
		if ((n = separator_at(s, len, i)) != 0) {
			i += n;
			continue;
		}
		n = lex_best(c, s, len, i, t);
		if (n < (polite = courtesy_at(s, len, i))) {
			i += polite;
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
