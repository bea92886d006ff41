/* sens_rng.c: the analysis's random numbers. xoshiro256** (Blackman and
 * Vigna, "Scrambled linear pseudorandom number generators", 2018), its
 * state filled by splitmix64 from a 64-bit key; each stream's key hashes
 * the fields naming the draw (seed, layer, sample, kind, level, repeat),
 * so no stream depends on thread order. Gaussians by the ziggurat method
 * (Marsaglia and Tsang 2000, with Doornik's 2005 fix: the layer index and
 * the value come from different bits of one draw). */
#include <math.h>
#include <pthread.h>

#include "analysis.h"

/* splitmix64's output function (Steele, Lea, Flood 2014) applied to h ^ v
 * plus its increment: a bijective 64-bit mix. */
uint64_t
rng_mix(uint64_t h, uint64_t v)
{
	uint64_t z = (h ^ v) + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
rng_key(uint64_t seed, uint64_t layer, uint64_t sample, uint64_t kind, uint64_t level,
	uint64_t rep)
{
	uint64_t h = rng_mix(0x61786363u, seed);   /* "axcc" */
	h = rng_mix(h, layer);
	h = rng_mix(h, sample);
	h = rng_mix(h, kind);
	h = rng_mix(h, level);
	return rng_mix(h, rep);
}

/* The four state words are splitmix64 outputs of the key (never all zero
 * in practice; a zero state is replaced by a fixed one). */
void
rng_seed(Rng *r, uint64_t key)
{
	uint64_t x = key;
	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ull;
		r->s[i] = rng_mix(x, 0);
	}
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(Rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double
rng_uniform(Rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1p-53;
}

/* The ziggurat of N(0, 1) with 256 layers of equal area V under
 * f(x) = exp(-x^2 / 2), the base layer including the tail beyond R
 * (Marsaglia and Tsang; R and V for 256 layers as in Doornik 2005): zx[i]
 * is the right edge of layer i (zx[0] = V / f(R), the base's virtual
 * width; zx[256] = 0), zf[i] = f(zx[i]). */
#define ZIG_R 3.6541528853610088
#define ZIG_V 0.00492867323399
static double zx[257], zf[257];
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void
zig_init(void)
{
	zx[0] = ZIG_V / exp(-0.5 * ZIG_R * ZIG_R);
	zx[1] = ZIG_R;
	for (int i = 1; i < 255; i++)
		zx[i + 1] = sqrt(-2.0 * log(ZIG_V / zx[i] + exp(-0.5 * zx[i] * zx[i])));
	zx[256] = 0;
	for (int i = 0; i < 257; i++)
		zf[i] = exp(-0.5 * zx[i] * zx[i]);
}

/* u in (0, 1], for logarithms */
static double
uniform_pos(Rng *r)
{
	return (double)((rng_next(r) >> 11) + 1) * 0x1p-53;
}

/* One draw: the low 8 bits pick a layer, the high 53 a signed position u
 * in it; inside the layer's rectangle below the next layer (99% of draws)
 * that is the value. Otherwise the base layer samples the tail beyond R
 * (Marsaglia 1964), the others accept under the curve or draw again. */
static double
gauss(Rng *r)
{
	for (;;) {
		uint64_t b = rng_next(r);
		int i = (int)(b & 0xff);
		double u = (double)(b >> 11) * 0x1p-52 - 1.0, x = u * zx[i];
		if (fabs(x) < zx[i + 1])
			return x;
		if (i == 0) {
			double xt, yt;
			do {
				xt = -log(uniform_pos(r)) / ZIG_R;
				yt = -log(uniform_pos(r));
			} while (yt + yt < xt * xt);
			return u < 0 ? -(ZIG_R + xt) : ZIG_R + xt;
		}
		if (zf[i + 1] + (zf[i] - zf[i + 1]) * rng_uniform(r) < exp(-0.5 * x * x))
			return x;
	}
}

double
rng_gauss(Rng *r)
{
	pthread_once(&zig_once, zig_init);
	return gauss(r);
}

void
rng_gauss_add(Rng *r, float *y, int64_t n, double sd)
{
	pthread_once(&zig_once, zig_init);
	for (int64_t i = 0; i < n; i++)
		y[i] = (float)(y[i] + sd * gauss(r));
}
