/* diag.c: user-facing diagnostics. Errors accumulate in Diag.nerr; a pass
 * keeps checking the other nodes and the driver stops afterwards. Format:
 *   axcc: error: model.onnx: node 'conv_3' (Conv): pads has 6 values, expected 4 */
#include <stdarg.h>
#include <string.h>

#include "ir.h"

Diag
diag_make(const char *path)
{
	Diag d;
	memset(&d, 0, sizeof d);
	d.path = path;
	return d;
}

Diag
diag_capture(void)
{
	Diag d = diag_make("test.onnx");
	d.capture = 1;
	return d;
}

static void
emit(Diag *d, const char *kind, const Node *n, const char *fmt, va_list ap)
{
	char msg[1024];
	int k = snprintf(msg, sizeof msg, "axcc: %s: ", kind);
	if (d->path && k < (int)sizeof msg)
		k += snprintf(msg + k, sizeof msg - k, "%s: ", d->path);
	if (n && k < (int)sizeof msg)
		k += snprintf(msg + k, sizeof msg - k, "node '%s' (%s): ", n->name, n->optype);
	if (k < (int)sizeof msg)
		vsnprintf(msg + k, sizeof msg - k, fmt, ap);
	if (d->capture) {
		snprintf(d->last, sizeof d->last, "%s", msg);
		size_t l = strlen(d->all);
		if (l + 1 < sizeof d->all)
			snprintf(d->all + l, sizeof d->all - l, "%s\n", msg);
	} else {
		fprintf(stderr, "%s\n", msg);
	}
}

int
diag_error(Diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(d, "error", NULL, fmt, ap);
	va_end(ap);
	d->nerr++;
	return -1;
}

int
diag_node(Diag *d, const Node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(d, "error", n, fmt, ap);
	va_end(ap);
	d->nerr++;
	return -1;
}

void
diag_warn(Diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(d, "warning", NULL, fmt, ap);
	va_end(ap);
	d->nwarn++;
}

void
diag_note(Diag *d, const char *fmt, ...)
{
	if (d->quiet_notes)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(d, "note", NULL, fmt, ap);
	va_end(ap);
}
