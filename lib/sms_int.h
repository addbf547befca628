/*
 * sms_int.h — the inside of the SMS grammar, shared by lib/sms*.c and their
 * unit tests (not by anyone else: the contract is sms.h).
 *
 * A message goes through three stages:
 *   1. sms_fold (sms_lex.c): full-width folded to ASCII, ASCII lower-cased,
 *      with a map from every folded byte back to the original text, so that
 *      error spans point into what the leader typed;
 *   2. sms_lex (sms_lex.c): folded text -> tokens (words, numbers, groups,
 *      periods, commands, yes/no words), longest match first, using the
 *      scanners of sms_num.c (numerals) and sms_time.c (groups, periods);
 *   3. sms_parse (sms.c): tokens -> struct parsed, resolving words against
 *      the catalog, inferring the kind and reporting the first problem.
 */
#ifndef CB_SMS_INT_H
#define CB_SMS_INT_H

#include "cunbao.h"
#include "catalog.h"
#include "parsed.h"
#include "period.h"

/* Digits a number may carry before it is out of any range we accept. */
#define SMS_NUM_DIGITS_MAX 15

/* A number as written: value = m / 10^frac, exact. */
struct sms_num {
	int64_t m;
	unsigned frac;
	enum cb_error err;	/* CB_OK, CB_BAD_VALUE (malformed numeral), CB_OUT_OF_RANGE (too long) */
	bool chinese;		/* written with at least one Chinese numeral */
};

/*
 * Scans a number at folded text s[i] (i < len): ASCII digits with an
 * optional fraction ("227.74"), Chinese numerals ("一千零二十", "两百",
 * "壹贰叁", "二〇二三"), both with a trailing multiplier ("1.2万"), and a
 * leading '-' before ASCII digits.  Returns the bytes consumed, 0 when no
 * number starts at i.  A malformed run of numerals ("十十") is consumed
 * whole with out->err = CB_BAD_VALUE.
 */
size_t sms_num_scan(const char *s, size_t len, size_t i, struct sms_num *out);

/*
 * Converts n to an integer at scale (a field's fraction digits): false when
 * n has more significant fraction digits than scale, or on overflow.
 */
bool sms_num_scaled(const struct sms_num *n, unsigned scale, int64_t *out);

/*
 * A period token as written, before it is resolved against `now`.  Either
 * relative (rel periods from the current one: 上月 is month -1, 今天 is
 * day 0) or absolute with the parts given (year 0: not given; n 0: month
 * not given for a day like "5日").
 */
struct sms_when {
	enum period_type type;
	bool relative;
	int rel;
	int year;
	int n;			/* month (month, day), week, quarter */
	int day;
	enum cb_error err;	/* CB_BAD_PERIOD for "13月", "第60周" */
};

/*
 * Scans a period token at folded s[i]: "11月", "2023-11", "2023年11月",
 * "上月", "本月", "w48", "第48周", "上周", "q4", "2023年", "12月5日",
 * "2023-12-05", "昨天", "今天", English month names.  Returns the bytes
 * consumed (0: none here) and fills *w.
 */
size_t sms_when_scan(const char *s, size_t len, size_t i, struct sms_when *w);

/*
 * Resolves w at now (unix seconds, utc_offset seconds east of UTC) into
 * *out.  A month, week, quarter or day without a year is the most recent
 * such period that is not in the future.  Returns CB_OK, CB_BAD_PERIOD
 * (impossible date, year out of range) or CB_FUTURE_PERIOD (after the
 * period `now` falls in).
 */
enum cb_error sms_when_resolve(const struct sms_when *w, int64_t now, int32_t utc_offset,
    struct period *out);

/*
 * Scans a group token at folded s[i]: "3组", "三组", "第3组", "g3", "g03".
 * Returns the bytes consumed (0: none here); *group is the number and *err
 * CB_BAD_GROUP when it is outside 1..99.
 */
size_t sms_group_scan(const char *s, size_t len, size_t i, int *group, enum cb_error *err);

/* The folded message and its map back to the original bytes. */
struct sms_text {
	char s[CB_TEXT_MAX + 1];	/* folded, NUL-terminated */
	size_t len;
	size_t orig_len;
	uint32_t orig[CB_TEXT_MAX + 1];	/* original offset of the character each byte belongs to */
};

/*
 * Folds text[0..len) into *t.  The caller has checked len <= CB_TEXT_MAX and
 * that the text is valid UTF-8 (folding never makes text longer).
 */
void sms_fold(const char *text, size_t len, struct sms_text *t);

/* The original byte span of folded bytes [start, end). */
void sms_span(const struct sms_text *t, size_t start, size_t end, uint32_t at[2]);

enum sms_tok_type {
	TOK_WORD,	/* a catalog word (known) or a run of unknown text */
	TOK_NUM,
	TOK_YESNO,	/* 是 否 yes no y n √ × */
	TOK_GROUP,
	TOK_PERIOD,
	TOK_CMD,
	TOK_TYPE_COUNT
};

struct sms_tok {
	enum sms_tok_type type;
	uint32_t start, end;	/* byte span in the folded text */
	enum cb_error err;	/* a problem of the token itself (bad numeral, bad group, ...) */
	bool known;		/* TOK_WORD: one of the catalog's words */
	union {
		struct sms_num num;
		int group;
		struct sms_when when;
		enum command cmd;
		bool yes;
	} u;
};

/* Every byte can start at most one token, so CB_TEXT_MAX tokens always suffice. */
struct sms_lexed {
	struct sms_text text;
	size_t ntok;
	struct sms_tok tok[CB_TEXT_MAX];
};

/* Splits lx->text (already folded) into lx->tok, matching c's words. */
void sms_lex(const struct catalog *c, struct sms_lexed *lx);

/*
 * Length of word w if the folded text s[i..] starts with it, else 0.  An
 * ASCII word must not run on into letters on either side ("ls" is not in
 * "else"); other words match anywhere.
 */
size_t sms_word_at(const char *s, size_t len, size_t i, const char *w);

/*
 * A fixed word list of the grammar as the arguments of sms_list_longest:
 * an array of entries that each start with their word (a const char *).
 */
#define SMS_LIST(a) (const void *)(a), sizeof(a) / sizeof((a)[0]), sizeof((a)[0])

/*
 * The longest word of a fixed list that folded s[i..] starts with, by the
 * rules of sms_word_at; its entry's index goes to *at (untouched when none
 * matches).  The list holds n entries of stride bytes from base, each
 * starting with its word, in strcmp order without repeats (see
 * sms_list_unsorted).  Returns the word's length, 0 when none matches.
 */
size_t sms_list_longest(const void *base, size_t n, size_t stride, const char *s, size_t len,
    size_t i, size_t *at);
/* The first word of a fixed list that is not after the one before it in strcmp order, or NULL. */
const char *sms_list_unsorted(const void *base, size_t n, size_t stride);
/* The first word out of order in the fixed lists of sms_lex.c or sms_time.c, or NULL (unit tests). */
const char *sms_lex_lists_check(void);
const char *sms_time_lists_check(void);

/*
 * Reads folded s[0..n) as a plain yes/no value (是 否 yes no ok √ ×): 1 or
 * 0, -1 when it is not one.  These words are values, never field names,
 * even where the catalog also lists them as a field's yes/no words.
 */
int sms_yesno_word(const char *s, size_t n);

/* True if the byte is an ASCII letter (folded text is lower case, but be liberal). */
static inline bool
sms_is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static inline bool
sms_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* "No token": an index past every token. */
#define SMS_NONE ((size_t)-1)

/* The state of sms_parse while it reads the tokens of one message. */
struct sms_walk {
	const struct catalog *c;
	const struct sms_context *ctx;
	const char *text;		/* the original message */
	struct sms_lexed *lx;
	struct parsed *out;
	size_t first;			/* first token after the command */
	bool args_only;			/* HELP, QUERY, UNDO: a kind and a period, no values */
	const struct kind *kind;
	size_t kind_tok;		/* the keyword that named the kind, SMS_NONE if inferred */
	bool kind_failed;		/* inference failed: fields cannot be resolved */
	size_t err_tok;			/* token of the problem found, SMS_NONE if none */
	bool is_kw[CB_TEXT_MAX];	/* tokens that name w->kind */
	bool seen[CB_MAX_FIELDS];
	int64_t vals[CB_MAX_FIELDS];
};

/* Tokens of a walk (sms_kind.c): token i's folded text and length. */
const char *sms_tok_word(const struct sms_walk *w, size_t i, size_t *n);
/* True if token i exists and is a value: a number or a yes/no word. */
bool sms_tok_is_value(const struct sms_walk *w, size_t i);
/* True if token i exists and is one of the catalog's words. */
bool sms_tok_known(const struct sms_walk *w, size_t i);
/* Token i as a plain yes/no value (是, yes, √): 1, 0, or -1 when it is not one. */
int sms_tok_yesno(const struct sms_walk *w, size_t i);

/*
 * The field of k that folded word s[0..n) names; *yn is 1 for one of its
 * yes words (合格), 0 for a no word (不合格), -1 for a plain alias.
 */
const struct field *sms_field_lookup(const struct kind *k, const char *s, size_t n, int *yn);
/* True if some field of some kind of c is named by folded s[0..n) (the catalog's index). */
bool sms_field_anywhere(const struct catalog *c, const char *s, size_t n);
/* The kind of c one of whose keywords is folded s[0..n), or NULL (the catalog's index). */
const struct kind *sms_keyword_kind(const struct catalog *c, const char *s, size_t n);
/* True if folded s[0..n) is the unit of some field of some kind of c (the catalog's index). */
bool sms_unit_anywhere(const struct catalog *c, const char *s, size_t n);

/* Sets w->kind from the first keyword of the message and marks its keywords in w->is_kw. */
void sms_kind_named(struct sms_walk *w);
/*
 * Infers w->kind from the field words when no keyword named it.  Returns
 * SMS_NONE on success or when there is nothing to infer from, else the
 * token where the message stops fitting one kind (ambiguous_kind).
 */
size_t sms_kind_infer(struct sms_walk *w);

#endif
