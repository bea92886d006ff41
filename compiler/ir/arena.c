/* arena.c: bump allocator that owns the IR; no per-object free. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

typedef struct Block {
	struct Block *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
} Block;

struct Arena {
	Block *head;
	size_t total;
};

Arena *
arena_new(void)
{
	Arena *a = xmalloc(sizeof *a);
	a->head = NULL;
	a->total = 0;
	return a;
}

void *
arena_alloc(Arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	Block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t sz = n > (1u << 20) ? n : (1u << 20);
		if (n > (64u << 10) && b && b->size - b->used >= (64u << 10)) {
			/* big object: own block, keep the current one open */
			Block *big = xmalloc(sizeof *big + n);
			big->size = big->used = n;
			big->next = b->next;
			b->next = big;
			a->total += n;
			memset(big->data, 0, n);
			return big->data;
		}
		b = xmalloc(sizeof *b + sz);
		b->size = sz;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *
arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void *
arena_memdup(Arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n);
	if (n)
		memcpy(q, p, n);
	return q;
}

char *
arena_printf(Arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_reset(Arena *a)
{
	Block *b = a->head;
	while (b) {
		Block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}

void
arena_free(Arena *a)
{
	if (!a)
		return;
	arena_reset(a);
	free(a);
}

size_t
arena_used(const Arena *a)
{
	return a->total;
}
