/* progress.c: a progress bar with an ETA on stderr, drawn only when the
 * caller says stderr is a terminal (cli_analyze.c checks isatty); redrawn
 * at most five times a second, erased at the end. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analysis.h"

double
sens_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
draw(Progress *pg)
{
	enum { W = 30 };
	double f = pg->total > 0 ? pg->done / pg->total : 1;
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	char bar[W + 1];
	int k = (int)(f * W);
	for (int i = 0; i < W; i++)
		bar[i] = i < k ? '=' : i == k ? '>' : ' ';
	bar[W] = 0;
	double el = sens_now() - pg->t0, eta = f > 0.005 ? el * (1 - f) / f : -1;
	char tail[32] = "--:--";
	if (eta >= 0)
		snprintf(tail, sizeof tail, "%d:%02d", (int)eta / 60, (int)eta % 60);
	char what[33];
	snprintf(what, sizeof what, "%s", pg->what ? pg->what : "");
	fprintf(stderr, "\ranalyze [%s] %3d%% ETA %s  %-32s", bar, (int)(f * 100), tail, what);
	fflush(stderr);
}

void
progress_start(Progress *pg, int on, double total)
{
	memset(pg, 0, sizeof *pg);
	pg->on = on;
	pg->total = total;
	pg->t0 = pg->last = sens_now();
	if (on)
		draw(pg);
}

void
progress_add(Progress *pg, double work, const char *what)
{
	if (!pg)
		return;
	pg->done += work;
	pg->what = what;
	double t = sens_now();
	if (pg->on && t - pg->last >= 0.2) {
		pg->last = t;
		draw(pg);
	}
}

void
progress_end(Progress *pg)
{
	if (pg->on)
		fprintf(stderr, "\r%*s\r", 100, "");
}
