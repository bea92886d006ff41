/* main.c: axcc's entry point -- dispatches to the verbs. The only place
 * that calls exit codes directly: 0 ok, 1 user error, 2 usage error. */
#include <stdio.h>
#include <string.h>

#include "driver.h"

static const char help[] =
	"usage: axcc VERB [options]\n"
	"axcc compiles ONNX models to standalone, dependency-free C.\n\n"
	"verbs:\n"
	"  compile MODEL.onnx -o DIR   write DIR/N.c, DIR/N.h, DIR/N.report.json\n"
	"  run MODEL.onnx --input X.npy --output Y.npy   run in the interpreter\n"
	"  verify MODEL.onnx (--test-data DIR | --input X --reference Y)\n"
	"                              build the C, run it, compare with references\n"
	"  info MODEL.onnx             layers, parameters, MACs, arena, unsupported ops\n"
	"  analyze MODEL.onnx --data X [--labels Y] -o SENS.json   layer/filter sensitivity\n"
	"  optimize MODEL.onnx --data X [--labels Y] --budget 1% -o PLAN.json\n"
	"                              choose approximations within an accuracy budget\n"
	"  eval MODEL.onnx --data X [--labels Y] [--plan P.json]   accuracy of a plan\n\n"
	"'axcc VERB --help' describes each verb. --version prints the version.\n";

int
main(int argc, char **argv)
{
#ifdef AXCC_HOST_AVX2
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2")) {   /* runtime/CMakeLists.txt */
		fputs("axcc: error: this axcc was built for CPUs with AVX2 (AXCC_HOST_AVX2); "
			"rebuild it with -DAXCC_HOST_AVX2=OFF\n", stderr);
		return 1;
	}
#endif
	if (argc < 2)
		return usage_error(NULL, "no verb given");
	const char *v = argv[1];
	if (!strcmp(v, "--help") || !strcmp(v, "-h") || !strcmp(v, "help")) {
		fputs(help, stdout);
		return 0;
	}
	if (!strcmp(v, "--version")) {
		printf("axcc %s\n", AXCC_VERSION);
		return 0;
	}
	if (!strcmp(v, "compile"))
		return cli_compile(argc - 1, argv + 1);
	if (!strcmp(v, "run"))
		return cli_run(argc - 1, argv + 1);
	if (!strcmp(v, "verify"))
		return cli_verify(argc - 1, argv + 1);
	if (!strcmp(v, "analyze"))
		return cli_analyze(argc - 1, argv + 1);
	if (!strcmp(v, "optimize"))
		return cli_optimize(argc - 1, argv + 1);
	if (!strcmp(v, "eval"))
		return cli_eval(argc - 1, argv + 1);
	if (!strcmp(v, "info"))
		return cli_info(argc - 1, argv + 1);
	return usage_error(NULL, "unknown verb '%s'", v);
}
