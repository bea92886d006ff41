/* options.c: options shared by every verb, and usage errors (exit 2). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

int
usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "axcc%s%s: ", verb ? " " : "", verb ? verb : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'axcc %s%s--help'.\n", verb ? verb : "", verb ? " " : "");
	return 2;
}

const char *
opt_value(const char *opt, int argc, char **argv, int *i)
{
	size_t n = strlen(opt);
	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != 0 || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int
options_common(Options *o, int argc, char **argv, int *i)
{
	const char *v;
	if (!strcmp(argv[*i], "-q") || !strcmp(argv[*i], "--quiet")) {
		o->quiet = 1;
		return 1;
	}
	if ((v = opt_value("--dim", argc, argv, i))) {
		const char *eq = strrchr(v, '=');
		char *end;
		if (!eq || eq == v)
			return usage_error(NULL, "--dim takes NAME=VALUE, got '%s'", v) ? -1 : -1;
		long long val = strtoll(eq + 1, &end, 10);
		if (*end || val < 0 || val > (1ll << 31))
			return usage_error(NULL, "--dim %s: value must be a non-negative integer", v) ? -1 : -1;
		if (o->ndim == MAXDIMS)
			return usage_error(NULL, "too many --dim options") ? -1 : -1;
		o->dim[o->ndim].name = strndup(v, (size_t)(eq - v));
		o->dim[o->ndim++].value = val;
		return 1;
	}
	if ((v = opt_value("--freeze", argc, argv, i))) {
		const char *eq = strchr(v, '=');
		if (!eq || eq == v || !eq[1])
			return usage_error(NULL, "--freeze takes NAME=FILE, got '%s'", v) ? -1 : -1;
		if (o->nfreeze == MAXDIMS)
			return usage_error(NULL, "too many --freeze options") ? -1 : -1;
		o->freeze[o->nfreeze].name = strndup(v, (size_t)(eq - v));
		o->freeze[o->nfreeze++].path = eq + 1;
		return 1;
	}
	if ((v = opt_value("--plan", argc, argv, i))) {
		o->plan = v;
		return 1;
	}
	if ((v = opt_value("-d", argc, argv, i)) || (v = opt_value("--dump", argc, argv, i))) {
		o->dump = v;
		return 1;
	}
	return 0;
}

int
options_rest(Options *o, const char *verb, const char *help, const char *arg)
{
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		fputs(help, stdout);
		return 0;
	}
	if (arg[0] == '-')
		return usage_error(verb, "unknown option or missing value '%s'", arg);
	if (o->model)
		return usage_error(verb, "more than one model given ('%s')", arg);
	o->model = arg;
	return -1;
}
