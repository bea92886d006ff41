/* cli_compile.c: axcc compile MODEL.onnx -o DIR [--name N] [--runtime embed|external] */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"
#include "report.h"

static const char help[] =
	"usage: axcc compile MODEL.onnx -o DIR [options]\n"
	"Compiles an ONNX model to standalone C: DIR/N.c, DIR/N.h and DIR/N.report.json.\n"
	"  -o, --output DIR         output folder (created if missing)\n"
	"  --name N                 C prefix (default: the model file's stem)\n"
	"  --runtime embed|external embed the kernels the model uses (default) or\n"
	"                           #include \"axrt.h\" and link the installed runtime\n"
	"  --dim NAME=VALUE         bind a symbolic input dimension (default 1)\n"
	"  -d, --dump PASS[,PASS]   print the IR after these passes (import, infer,\n"
	"                           simplify, bnfold, fuse, dce, or all)\n"
	"  -q, --quiet              no notes\n";

/* the model file's stem: "models/lenet-5.onnx" -> "lenet-5" */
char *
model_stem(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	const char *dot = strrchr(b, '.');
	size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	return strndup(b, n);
}

int
mkdir_p(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int
cli_compile(int argc, char **argv)
{
	Options o = {0};
	const char *out = NULL, *name = NULL;
	int external = 0;
	for (int i = 1; i < argc; i++) {
		int r = options_common(&o, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--runtime") && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "embed") && strcmp(argv[i], "external"))
				return usage_error("compile", "--runtime takes embed or external, not '%s'", argv[i]);
			external = !strcmp(argv[i], "external");
		} else if ((r = options_rest(&o, "compile", help, argv[i])) >= 0) {
			return r;
		}
	}
	if (!o.model)
		return usage_error("compile", "no model given");
	if (!out)
		return usage_error("compile", "no output folder given (-o DIR)");
	Diag d = diag_make(o.model);
	Graph *g;
	Program *p = build_program(&o, &d, &g);
	if (!p)
		return 1;
	int rc = 0;
	if (mkdir_p(out) < 0) {
		diag_error(&d, "cannot create %s: %s", out, strerror(errno));
		rc = 1;
	}
	char *stem = model_stem(o.model);
	CodegenOpts co = {name ? name : stem, strrchr(o.model, '/') ? strrchr(o.model, '/') + 1 : o.model, external};
	if (rc == 0 && codegen_write(p, &co, out, &d) < 0)
		rc = 1;
	if (rc == 0 && report_write(p, g, &co, out, &d) < 0)
		rc = 1;
	free(stem);
	prog_free(p);
	graph_free(g);
	return rc;
}
