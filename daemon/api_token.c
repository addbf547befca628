/*
 * api_token.c — the API's bearer tokens: loading the token file and
 * checking a presented token in constant time.
 *
 * The file holds "<token> <role> [name]" lines ('#' starts a comment).  It
 * grants access, so it must be private to cunbaod's user: a file that group
 * or others may read or write is refused.  No message ever quotes a token.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"

#define TOKEN_FILE_MAX (1u << 20)

static const struct {
	const char *name;
	enum api_role role;
} roles[] = {
	{ "read", API_ROLE_READ },
	{ "admin", API_ROLE_ADMIN },
};

const char *
api_role_name(enum api_role role)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (roles[i].role == role)
			return roles[i].name;
	return "none";
}

/* Appends one line to err (keeps what is there). */
static void
err_add(char *err, size_t errlen, const char *fmt, ...)
{
	size_t off = strnlen(err, errlen);
	va_list ap;

	if (off + 1 >= errlen)
		return;
	if (off > 0)
		err[off++] = '\n';
	va_start(ap, fmt);
	vsnprintf(err + off, errlen - off, fmt, ap);
	va_end(ap);
}

/* True if s[0..n) is a token's charset: printable ASCII without blanks. */
static bool
token_chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* True if name is 1..API_NAME_MAX bytes of [A-Za-z0-9._@-]. */
static bool
token_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= API_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") == n;
}

/*
 * Parses one non-comment line (split into words) into tok.  Returns false
 * with the problem appended to err.
 */
static bool
token_parse_line(char **w, int nw, const char *file, int line, struct api_token *tok,
    char *err, size_t errlen)
{
	size_t len = strlen(w[0]);
	size_t i;

	if (nw < 2 || nw > 3) {
		err_add(err, errlen, "%s:%d: expected \"<token> <role> [name]\"", file, line);
		return false;
	}
	if (len < API_TOKEN_MIN || len > API_TOKEN_MAX || !token_chars_ok(w[0], len)) {
		err_add(err, errlen, "%s:%d: a token must be %d to %d printable characters",
		    file, line, API_TOKEN_MIN, API_TOKEN_MAX);
		return false;
	}
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(w[1], roles[i].name) == 0)
			break;
	if (i == sizeof roles / sizeof roles[0]) {
		err_add(err, errlen, "%s:%d: unknown role \"%.32s\" (read or admin)", file, line, w[1]);
		return false;
	}
	if (nw == 3 && !token_name_ok(w[2])) {
		err_add(err, errlen, "%s:%d: a name is 1 to %d of [A-Za-z0-9._@-]", file, line, API_NAME_MAX);
		return false;
	}
	memset(tok, 0, sizeof *tok);
	memcpy(tok->secret, w[0], len);
	tok->len = len;
	tok->role = roles[i].role;
	if (nw == 3)
		snprintf(tok->name, sizeof tok->name, "%s", w[2]);
	else
		snprintf(tok->name, sizeof tok->name, "token-line-%d", line);
	return true;
}

/*
 * Reads the whole token file into a malloc'd NUL-terminated buffer after
 * checking its owner-only mode.  NULL with the reason in err.
 */
static char *
token_file_read(const char *file, size_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;

	if (fd < 0) {
		err_add(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_add(err, errlen, "%s: not a regular file", file);
	} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		err_add(err, errlen, "%s: refused: mode %04o lets group or others read it; "
		    "run chmod 600 %s", file, (unsigned)(st.st_mode & 07777), file);
	} else if (st.st_size > TOKEN_FILE_MAX) {
		err_add(err, errlen, "%s: larger than %u bytes", file, TOKEN_FILE_MAX);
	} else if ((buf = malloc((size_t)st.st_size + 1)) != NULL) {
		ssize_t n = read(fd, buf, (size_t)st.st_size);
		if (n != st.st_size) {
			err_add(err, errlen, "%s: short read", file);
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*size = (size_t)n;
		}
	}
	close(fd);
	return buf;
}

/* Splits line in place into at most max words; returns the count (max + 1 if more). */
static int
split_words(char *line, char **w, int max)
{
	int n = 0;

	for (char *p = strtok(line, " \t\r"); p != NULL; p = strtok(NULL, " \t\r")) {
		if (n == max)
			return max + 1;
		w[n++] = p;
	}
	return n;
}

struct api_tokens *
tokens_load(const char *file, char *err, size_t errlen)
{
	struct api_tokens *t = calloc(1, sizeof *t);
	char *text, *line, *next;
	size_t size = 0;
	int lineno = 0, bad = 0;

	if (errlen > 0)
		err[0] = '\0';
	text = t ? token_file_read(file, &size, err, errlen) : NULL;
	if (text == NULL) {
		free(t);
		return NULL;
	}
	for (line = text; line != NULL; line = next) {
		char *w[4], *hash;
		struct api_token tok, *nv;
		int nw;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if ((nw = split_words(line, w, 3)) == 0)
			continue;
		if (!token_parse_line(w, nw, file, lineno, &tok, err, errlen)) {
			bad++;
			continue;
		}
		if (tokens_check(t, tok.secret, tok.len) != NULL) {
			err_add(err, errlen, "%s:%d: the same token twice", file, lineno);
			bad++;
		} else if ((nv = realloc(t->v, (t->n + 1) * sizeof *nv)) == NULL) {
			err_add(err, errlen, "%s: out of memory", file);
			bad++;
		} else {
			t->v = nv;
			t->v[t->n++] = tok;
		}
		explicit_bzero(&tok, sizeof tok);
	}
	explicit_bzero(text, size);
	free(text);
	if (bad > 0) {
		tokens_free(t);
		return NULL;
	}
	return t;
}

void
tokens_free(struct api_tokens *t)
{
	if (t == NULL)
		return;
	if (t->v != NULL)
		explicit_bzero(t->v, t->n * sizeof *t->v);
	free(t->v);
	free(t);
}

const struct api_token *
tokens_check(const struct api_tokens *t, const char *presented, size_t len)
{
	char pad[API_TOKEN_MAX + 1] = { 0 };
	const struct api_token *found = NULL;

	if (t == NULL || len == 0 || len > API_TOKEN_MAX)
		return NULL;
	memcpy(pad, presented, len);
	for (size_t i = 0; i < t->n; i++) {
		const struct api_token *k = &t->v[i];
		volatile unsigned char diff = (unsigned char)((k->len ^ len) != 0);

		for (size_t j = 0; j < sizeof pad; j++)
			diff |= (unsigned char)(k->secret[j] ^ pad[j]);
		/* Keep looping whatever matched, so the time does not tell which token did. */
		if (diff == 0)
			found = k;
	}
	explicit_bzero(pad, sizeof pad);
	return found;
}
