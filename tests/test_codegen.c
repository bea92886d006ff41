/* test_codegen.c: the generated C -- builds warning-free with gcc, clang and
 * arm-none-eabi-gcc, is byte-identical across runs, and computes exactly
 * what the interpreter computes (DESIGN §1: one arithmetic). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data.h"
#include "driver.h"
#include "testutil.h"

#define MODEL AXCC_SOURCE_DIR "/examples/fmnist/fmnist_cnn.onnx"
#define IMAGES AXCC_SOURCE_DIR "/examples/fmnist/data/images.npy"
#define STRICT "-std=c99 -Wall -Wextra -Wpedantic -Werror"

static int
have(const char *tool)
{
	return tg_sh("command -v %s >/dev/null 2>&1", tool) == 0;
}

static char dir[] = "/tmp/axcc_cgXXXXXX";

static void
setup(void)
{
	if (!mkdtemp(dir))
		abort();
	ck_assert_int_eq(tg_sh("'%s/axcc' compile '%s' -o %s/a --name lenet -q", AXCC_BINARY_DIR, MODEL, dir), 0);
}

START_TEST(test_codegen_deterministic)
{
	ck_assert_int_eq(tg_sh("'%s/axcc' compile '%s' -o %s/b --name lenet -q", AXCC_BINARY_DIR, MODEL, dir), 0);
	const char *files[] = {"lenet.c", "lenet.h", "lenet.report.json"};
	for (int i = 0; i < 3; i++) {
		char pa[512], pb[512];
		size_t na, nb;
		snprintf(pa, sizeof pa, "%s/a/%s", dir, files[i]);
		snprintf(pb, sizeof pb, "%s/b/%s", dir, files[i]);
		char *a = tg_slurp(pa, &na), *b = tg_slurp(pb, &nb);
		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_msg(na == nb && memcmp(a, b, na) == 0, "%s differs between two compiles", files[i]);
		ck_assert_ptr_null(strstr(a, "/tmp/"));   /* no absolute paths */
		free(a);
		free(b);
	}
}
END_TEST

START_TEST(test_codegen_abi_shape)
{
	size_t n;
	char path[512];
	snprintf(path, sizeof path, "%s/a/lenet.h", dir);
	char *h = tg_slurp(path, &n);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "#define LENET_NUM_INPUTS  1"));
	ck_assert_ptr_nonnull(strstr(h, "#define LENET_NUM_OUTPUTS 1"));
	ck_assert_ptr_nonnull(strstr(h, "#define LENET_ARENA_BYTES "));
	ck_assert_ptr_nonnull(strstr(h, "int lenet_run(const float input[1][1][28][28], float logits[1][10]);"));
	ck_assert_ptr_nonnull(strstr(h, "int lenet_run_ptrs(const void *const in[], void *const out[]);"));
	ck_assert_ptr_nonnull(strstr(h, "#ifndef AXRT_TENSOR_INFO_DEFINED"));
	free(h);
}
END_TEST

START_TEST(test_codegen_builds_gcc_clang_arm)
{
	ck_assert_int_eq(tg_sh("cd %s/a && gcc " STRICT " -O2 -c lenet.c -o g.o", dir), 0);
	if (have("clang-14"))
		ck_assert_int_eq(tg_sh("cd %s/a && clang-14 " STRICT " -O2 -c lenet.c -o c.o", dir), 0);
	if (have("arm-none-eabi-gcc"))
		ck_assert_int_eq(tg_sh("cd %s/a && arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard "
			"-mfpu=fpv4-sp-d16 " STRICT " -O2 -c lenet.c -o arm.o", dir), 0);
	/* no malloc and no stdio in the generated code */
	ck_assert_int_ne(tg_sh("nm %s/a/g.o | grep -qE ' U (malloc|free|printf|fprintf|puts|calloc)$'", dir), 0);
}
END_TEST

START_TEST(test_codegen_two_models_one_program)
{
	ck_assert_int_eq(tg_sh("'%s/axcc' compile '%s' -o %s/two --name m2 -q", AXCC_BINARY_DIR, MODEL, dir), 0);
	FILE *f = fopen(strcat(strcpy(malloc(600), dir), "/two/both.c"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("#include \"../a/lenet.h\"\n#include \"m2.h\"\n"
	      "int main(void) { return LENET_NUM_INPUTS + M2_NUM_INPUTS - 2 + "
	      "(lenet_inputs[0].numel != m2_inputs[0].numel); }\n", f);
	fclose(f);
	ck_assert_int_eq(tg_sh("cd %s/two && gcc " STRICT " both.c m2.c ../a/lenet.c -o both -lm && ./both", dir), 0);
}
END_TEST

/* The generated C, run on real images, gives bit-identical logits to the
 * interpreter (axcc run). */
START_TEST(test_codegen_matches_interpreter)
{
	ck_assert_int_eq(tg_sh("'%s/axcc' run '%s' -q --input '%s' --output %s/ref.npy", AXCC_BINARY_DIR, MODEL,
		IMAGES, dir), 0);
	ck_assert_int_eq(tg_sh("cd %s/a && printf '#include \"lenet.h\"\\n#define fmnist_inputs lenet_inputs\\n"
		"#define fmnist_outputs lenet_outputs\\n#define fmnist_run_ptrs lenet_run_ptrs\\n"
		"#define FMNIST_ARENA_BYTES LENET_ARENA_BYTES\\n' > fmnist.h", dir), 0);
	ck_assert_int_eq(tg_sh("cd %s/a && gcc " STRICT " -O2 -I. lenet.c '%s/examples/fmnist/demo_main.c' "
		"-o demo -lm", dir, AXCC_SOURCE_DIR), 0);
	ck_assert_int_eq(tg_sh("cd %s/a && ./demo '%s' '%s/examples/fmnist/data/labels.npy' ../ref.npy >out.txt",
		dir, IMAGES, AXCC_SOURCE_DIR), 0);
	/* built for this machine, whose FMA the float kernels would use
	 * (AXRT_FMA): AXRT_NO_FMA keeps the interpreter's bits */
	ck_assert_int_eq(tg_sh("cd %s/a && gcc " STRICT " -O3 -march=native -DAXRT_NO_FMA -I. lenet.c "
		"'%s/examples/fmnist/demo_main.c' -o demo_native -lm", dir, AXCC_SOURCE_DIR), 0);
	ck_assert_int_eq(tg_sh("cd %s/a && ./demo_native '%s' '%s/examples/fmnist/data/labels.npy' ../ref.npy "
		">out_native.txt", dir, IMAGES, AXCC_SOURCE_DIR), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("codegen");
	TCase *tc = tcase_create("codegen");
	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_codegen_deterministic);
	tcase_add_test(tc, test_codegen_abi_shape);
	tcase_add_test(tc, test_codegen_builds_gcc_clang_arm);
	tcase_add_test(tc, test_codegen_two_models_one_program);
	tcase_add_test(tc, test_codegen_matches_interpreter);
	suite_add_tcase(s, tc);
	return tg_main(s);
}
