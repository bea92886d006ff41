/* demo_main.c: runs the generated Fashion-MNIST classifier (fmnist.c) on the
 * example images and reports accuracy against the labels and agreement with
 * the logits axcc's interpreter wrote. The generated code itself uses no
 * stdio; this driver reads the .npy files.
 * usage: fmnist_demo images.npy labels.npy interp_logits.npy */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmnist.h"

/* Minimal .npy reader for little-endian float32 '<f4' and int64 '<i8'. */
static void *
npy_load(const char *path, const char *descr, long *count)
{
	FILE *f = fopen(path, "rb");
	unsigned char pre[10];
	if (!f || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
		fprintf(stderr, "fmnist_demo: %s: not a .npy file\n", path);
		exit(1);
	}
	size_t hlen = pre[8] | (size_t)pre[9] << 8;
	char *hdr = calloc(1, hlen + 1);
	if (fread(hdr, 1, hlen, f) != hlen || !strstr(hdr, descr)) {
		fprintf(stderr, "fmnist_demo: %s: expected dtype %s\n", path, descr);
		exit(1);
	}
	char *sh = strstr(hdr, "'shape': (");
	long n = 1;
	for (char *s = sh ? sh + 10 : hdr; sh && *s && *s != ')';) {
		n *= strtol(s, &s, 10);
		while (*s == ',' || *s == ' ')
			s++;
	}
	size_t esz = strstr(descr, "8") ? 8 : 4;
	void *data = malloc((size_t)n * esz);
	if (fread(data, esz, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fmnist_demo: %s: truncated\n", path);
		exit(1);
	}
	fclose(f);
	free(hdr);
	*count = n;
	return data;
}

static int
argmax(const float *v, int n)
{
	int best = 0;
	for (int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fmnist_demo images.npy labels.npy interp_logits.npy\n");
		return 2;
	}
	long nimg, nlab, nref;
	float *img = npy_load(argv[1], "<f4", &nimg);
	long long *lab = npy_load(argv[2], "<i8", &nlab);
	float *ref = npy_load(argv[3], "<f4", &nref);
	long per = fmnist_inputs[0].numel, ncls = fmnist_outputs[0].numel;
	long n = nimg / per;
	if (n != nlab || nref != n * ncls) {
		fprintf(stderr, "fmnist_demo: %ld images, %ld labels, %ld interpreter logits do not match\n",
			n, nlab, nref / ncls);
		return 1;
	}
	long correct = 0, agree = 0;
	double maxdiff = 0;
	float logits[64];
	for (long i = 0; i < n; i++) {
		const void *in[] = {img + i * per};
		void *out[] = {logits};
		if (fmnist_run_ptrs(in, out) != 0) {
			fprintf(stderr, "fmnist_demo: the model failed on image %ld\n", i);
			return 1;
		}
		int top = argmax(logits, (int)ncls);
		correct += top == lab[i];
		agree += top == argmax(ref + i * ncls, (int)ncls);
		for (long k = 0; k < ncls; k++)
			if (fabs(logits[k] - ref[i * ncls + k]) > maxdiff)
				maxdiff = fabs(logits[k] - ref[i * ncls + k]);
	}
	printf("generated C (fmnist.c, arena %d bytes) on %ld images:\n", FMNIST_ARENA_BYTES, n);
	printf("  accuracy vs labels:           %.2f%% (%ld/%ld)\n", 100.0 * correct / n, correct, n);
	printf("  top-1 agreement, interpreter: %.2f%% (%ld/%ld), max |logit diff| %.3g\n",
		100.0 * agree / n, agree, n, maxdiff);
	free(img);
	free(lab);
	free(ref);
	return agree == n && maxdiff == 0 ? 0 : 1;
}
