/*
 * sms.h — the SMS and chat grammar of docs/sms.md.
 *
 * One message is one report or one command.  sms_parse reads it the way
 * leaders really type on phones: full-width digits and letters folded,
 * Chinese numerals (十二, 两百, 一千零二十, 壹贰叁) read, joined tokens
 * (牛12猪40羊5), any of the separators, units checked against the field,
 * decimals kept exact, the kind inferred from its fields when its keyword is
 * left out, a single-field kind taking a bare value (道路 1020米), group
 * tokens (3组, 三组, G3) and period tokens (11月, 2023-11, 上月, W48, ...).
 * Commands: 帮助/HELP [kind], 查询/Q [kind], 更正/FIX <report>, 撤销/UNDO [kind] [period].
 */
#ifndef CB_SMS_H
#define CB_SMS_H

#include "cunbao.h"
#include "catalog.h"
#include "parsed.h"

struct sms_context {
	int64_t now;		/* unix seconds: resolves default and relative periods */
	int32_t utc_offset;	/* seconds east of UTC of the sender's area */
};

/*
 * Parses text[0..len) against catalog c.  Always fills *out (zeroed first);
 * returns out->error: CB_OK, or the first problem with its byte span in
 * out->at and the offending text in out->token.  Text longer than
 * CB_TEXT_MAX is CB_TOO_LARGE, invalid UTF-8 CB_BAD_UTF8, blank CB_EMPTY.
 */
enum cb_error sms_parse(const struct catalog *c, const char *text, size_t len,
    const struct sms_context *ctx, struct parsed *out);

#endif
