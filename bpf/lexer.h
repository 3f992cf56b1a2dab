/*
 * bpf/lexer.h - bpftrace program text to tokens.
 *
 * The lexer is a cursor over the source; the parser pulls one token at a
 * time. bpftrace's grammar is context sensitive in one place: an attach
 * point such as `uprobe:/bin/bash:readline` or `tracepoint:syscalls:*` is
 * not made of ordinary tokens, so the parser asks for it explicitly with
 * bt_lexer__attach_point() where a probe may start.
 *
 * Invariants: the lexer never reads past src + len; every call advances at
 * least one byte unless it returns BT_TOK_EOF; every problem becomes a
 * BT_TOK_ERROR token plus one diagnostic at the offending line:col (unless
 * the lexer is quiet, which the parser uses while looking ahead
 * speculatively). Decoded strings and names live in the arena.
 */
#ifndef BT_LEXER_H
#define BT_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/ast.h"
#include "tracetab/bt.h"

enum bt_tok_kind {
	BT_TOK_EOF,
	BT_TOK_ERROR, /* already reported */
	BT_TOK_INT, /* ival */
	BT_TOK_STR, /* str/slen: decoded bytes */
	BT_TOK_IDENT, /* str: the name */
	BT_TOK_VAR, /* $name; str: name without '$' */
	BT_TOK_MAP, /* @name or @; str: name without '@' */
	BT_TOK_POSITIONAL, /* $1; ival: the number */
	BT_TOK_NARGS, /* $# */
	BT_TOK_DIRECTIVE, /* '#' line; str: the rest of the line after '#' */
	BT_TOK_ATTACH, /* from bt_lexer__attach_point(); str: raw text */
	/* keywords */
	BT_TOK_IF,
	BT_TOK_ELSE,
	BT_TOK_UNROLL,
	BT_TOK_WHILE,
	BT_TOK_RETURN,
	BT_TOK_BREAK,
	BT_TOK_CONTINUE,
	BT_TOK_SIZEOF,
	BT_TOK_STRUCT,
	BT_TOK_UNION,
	BT_TOK_ENUM,
	/* punctuation */
	BT_TOK_LPAREN,
	BT_TOK_RPAREN,
	BT_TOK_LBRACE,
	BT_TOK_RBRACE,
	BT_TOK_LBRACKET,
	BT_TOK_RBRACKET,
	BT_TOK_COMMA,
	BT_TOK_SEMI,
	BT_TOK_COLON,
	BT_TOK_QUESTION,
	BT_TOK_DOT,
	BT_TOK_ARROW,
	BT_TOK_INC,
	BT_TOK_DEC,
	BT_TOK_PLUS,
	BT_TOK_MINUS,
	BT_TOK_STAR,
	BT_TOK_SLASH,
	BT_TOK_PERCENT,
	BT_TOK_SHL,
	BT_TOK_SHR,
	BT_TOK_LT,
	BT_TOK_LE,
	BT_TOK_GT,
	BT_TOK_GE,
	BT_TOK_EQ,
	BT_TOK_NE,
	BT_TOK_AMP,
	BT_TOK_CARET,
	BT_TOK_PIPE,
	BT_TOK_LAND,
	BT_TOK_LOR,
	BT_TOK_BANG,
	BT_TOK_TILDE,
	BT_TOK_ASSIGN,
	BT_TOK_ADD_ASSIGN,
	BT_TOK_SUB_ASSIGN,
	BT_TOK_MUL_ASSIGN,
	BT_TOK_DIV_ASSIGN,
	BT_TOK_MOD_ASSIGN,
	BT_TOK_AND_ASSIGN,
	BT_TOK_OR_ASSIGN,
	BT_TOK_XOR_ASSIGN,
	BT_TOK_SHL_ASSIGN,
	BT_TOK_SHR_ASSIGN,
	BT_TOK__COUNT
};

struct bt_token {
	enum bt_tok_kind kind;
	int line, col; /* 1-based, of the first byte */
	size_t off, len; /* the raw bytes in the source */
	uint64_t ival; /* BT_TOK_INT, BT_TOK_POSITIONAL */
	const char *str; /* see enum bt_tok_kind; NUL-terminated, in arena */
	size_t slen;
};

struct bt_lexer {
	const char *src;
	size_t len;
	size_t pos;
	int line;
	size_t line_start; /* offset of the current line's first byte */
	bool quiet; /* no diagnostics (speculative look-ahead) */
	int nerrors; /* errors reported */
	size_t report_from; /* errors before this offset were reported */
	struct bt_arena *arena;
	struct bt_diags *diags; /* may be NULL */
};

/* Starts lexing len bytes of src. Diagnostics go to diags (may be NULL). */
void bt_lexer__init(struct bt_lexer *lx, const char *src, size_t len,
		    struct bt_arena *arena, struct bt_diags *diags);

/*
 * Reads the next token into *tok. Returns 0, or -ENOMEM (tok is then an
 * error token). Lexical errors are BT_TOK_ERROR tokens with a diagnostic:
 * "unterminated string", "unknown character '`'", "invalid escape '\q'",
 * "integer literal too large", "unterminated comment", ...
 */
int bt_lexer__next(struct bt_lexer *lx, struct bt_token *tok);

/*
 * Skips blanks and comments, then reads one attach point as raw text
 * (BT_TOK_ATTACH): letters, digits and the characters _ - . / * ? + $ [ ] : @
 * up to anything else (blank, ',', '{', a comment...). A '/' belongs to the
 * attach point only in the file argument of uprobe/uretprobe/usdt (and their
 * aliases u, ur, U); elsewhere it starts the predicate. Quoted parts ("/a b")
 * keep their quotes. Returns 0 or -ENOMEM; an empty attach point is a
 * BT_TOK_ERROR without diagnostic (the parser says what it expected); an
 * unterminated quote is a BT_TOK_ERROR with one.
 */
int bt_lexer__attach_point(struct bt_lexer *lx, struct bt_token *tok);

/*
 * Skips blanks and comments and returns the identifier that starts there
 * (its length in *len, 0 if none) without consuming it. The parser uses it
 * to tell a top-level `struct` definition from an attach point.
 */
const char *bt_lexer__peek_word(struct bt_lexer *lx, size_t *len);

/*
 * The 1-based source column of byte decoded_off of string literal str
 * (a BT_EXPR_STR), accounting for escapes written before it: in "a\tb%q"
 * the decoded offset 3 ('%') is at str->col + 5. Offsets at or past the end
 * map to the closing quote. Strings never span lines, so the line is
 * str->line.
 */
int bt_lexer__str_col(const struct bt_expr *str, size_t decoded_off);

/* A human name for a token kind: "'{'", "identifier", "end of input". */
const char *bt_tok_kind__str(enum bt_tok_kind kind);

#endif
