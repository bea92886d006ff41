/* svg.c: one chart per error kind -- the metric drop (points) against the
 * error level, one line per layer, a legend on the right. Plain SVG 1.1
 * with no scripts or external references; numbers printed with fixed
 * precision so the files are byte-identical across runs. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

typedef struct Str { char *p; size_t n, cap; } Str;

static void
put(Str *s, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = s->cap - s->n;
		va_start(ap, fmt);
		int k = vsnprintf(s->p ? s->p + s->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < room) {
			s->n += (size_t)k;
			return;
		}
		s->cap = (s->cap + (size_t)(k > 0 ? k : 0) + 1) * 2;
		s->p = xrealloc(s->p, s->cap);
	}
}

/* text with XML's five special characters escaped */
static void
put_text(Str *s, const char *t)
{
	for (; *t; t++)
		switch (*t) {
		case '&': put(s, "&amp;"); break;
		case '<': put(s, "&lt;"); break;
		case '>': put(s, "&gt;"); break;
		case '"': put(s, "&quot;"); break;
		case '\'': put(s, "&apos;"); break;
		default: put(s, "%c", *t);
		}
}

enum { W = 760, H = 420, X0 = 70, X1 = 500, Y0 = 50, Y1 = 360, LX = 520 };
static const char *const color[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
};

typedef struct Axes { double xmin, xmax, ymin, ymax, ystep; int logx; } Axes;

static double
px(const Axes *a, double level)
{
	double v = a->logx ? log10(level) : level;
	return X0 + (X1 - X0) * (v - a->xmin) / (a->xmax - a->xmin);
}

static double
py(const Axes *a, double drop)
{
	return Y1 - (Y1 - Y0) * (drop - a->ymin) / (a->ymax - a->ymin);
}

/* a 1-2-5 step giving about five ticks over span */
static double
nice_step(double span)
{
	double r = span / 5, m = pow(10, floor(log10(r)));
	return r <= m ? m : r <= 2 * m ? 2 * m : r <= 5 * m ? 5 * m : 10 * m;
}

static void
axes_make(Axes *a, const Sens *s, int k)
{
	const SensKind *sk = &sens_kinds[k];
	double base = s->set.base.metric, lo = 0, hi = 1;
	a->logx = sk->logx;
	a->xmin = a->xmax = a->logx ? log10(sk->level[0]) : sk->level[0];
	for (int i = 0; i < sk->nlevel; i++) {
		double v = a->logx ? log10(sk->level[i]) : sk->level[i];
		a->xmin = v < a->xmin ? v : a->xmin;
		a->xmax = v > a->xmax ? v : a->xmax;
	}
	if (a->xmax == a->xmin)
		a->xmax = a->xmin + 1;
	for (int i = 0; i < s->nlayer; i++)
		for (int j = 0; j < s->layer[i].npt[k]; j++) {
			double d = 100 * (base - s->layer[i].pt[k][j].s.metric);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
	a->ystep = nice_step(hi - lo);
	a->ymin = floor(lo / a->ystep) * a->ystep;
	a->ymax = ceil(hi / a->ystep) * a->ystep;
	if (a->ymax <= a->ymin)
		a->ymax = a->ymin + a->ystep;
}

static void
draw_axes(Str *o, const Axes *a, const SensKind *sk, const Sens *s)
{
	put(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n",
		X0, Y0, X1 - X0, Y1 - Y0);
	for (double y = a->ymin; y <= a->ymax + a->ystep * 1e-6; y += a->ystep) {
		double v = py(a, y);
		put(o, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#ddd\"/>\n", X0, v, X1, v);
		put(o, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%g</text>\n", X0 - 6, v + 4,
			fabs(y) < 1e-12 ? 0.0 : y);
	}
	for (int i = 0; i < sk->nlevel; i++) {
		double x = px(a, sk->level[i]);
		put(o, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#eee\"/>\n", x, Y0, x, Y1);
		put(o, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", x, Y1 + 18,
			sk->level[i]);
	}
	put(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s%s</text>\n", (X0 + X1) / 2, Y1 + 42,
		sk->unit, sk->logx ? " (log scale)" : "");
	put(o, "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">"
		"drop (points of %s)</text>\n", (Y0 + Y1) / 2, (Y0 + Y1) / 2,
		s->set.label ? "top-1 accuracy" : "top-1 agreement");
	put(o, "<text x=\"%d\" y=\"28\" font-size=\"15\" font-weight=\"bold\">", X0);
	put_text(o, sk->what);
	put(o, "</text>\n");
}

static void
draw_layer(Str *o, const Axes *a, const Sens *s, const SensLayer *L, int k, int slot)
{
	const char *c = color[slot % 10];
	double base = s->set.base.metric;
	put(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", c);
	for (int j = 0; j < L->npt[k]; j++)
		put(o, "%s%.2f,%.2f", j ? " " : "", px(a, L->pt[k][j].level),
			py(a, 100 * (base - L->pt[k][j].s.metric)));
	put(o, "\"/>\n");
	for (int j = 0; j < L->npt[k]; j++)
		put(o, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n", px(a, L->pt[k][j].level),
			py(a, 100 * (base - L->pt[k][j].s.metric)), c);
	int ly = Y0 + 8 + 18 * slot;
	put(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>\n",
		LX, ly, LX + 20, ly, c);
	put(o, "<text x=\"%d\" y=\"%d\">", LX + 26, ly + 4);
	size_t len = strlen(L->node->name);
	if (len > 34) {   /* long names keep their distinctive end (whole UTF-8 characters) */
		const char *t = L->node->name + len - 31;
		while ((*t & 0xc0) == 0x80)
			t++;
		put(o, "...");
		put_text(o, t);
	} else {
		put_text(o, L->node->name);
	}
	put(o, "</text>\n");
}

char *
sens_svg(const Sens *s, int k)
{
	const SensKind *sk = &sens_kinds[k];
	Str o = {0};
	Axes a;
	int n = 0;
	for (int i = 0; i < s->nlayer; i++)
		n += s->layer[i].npt[k] > 0;
	int h = H > Y0 + 30 + 18 * n ? H : Y0 + 30 + 18 * n;
	axes_make(&a, s, k);
	put(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, h, W, h);
	draw_axes(&o, &a, sk, s);
	int slot = 0;
	for (int i = 0; i < s->nlayer; i++)
		if (s->layer[i].npt[k] > 0)
			draw_layer(&o, &a, s, &s->layer[i], k, slot++);
	if (!n)
		put(&o, "<text x=\"%d\" y=\"%d\">no layer has this kind</text>\n", X0 + 20, Y0 + 30);
	put(&o, "</svg>\n");
	return o.p;
}
