/* sens_rng.c: the analysis's random numbers. xoshiro256** (Blackman and
 * Vigna, "Scrambled linear pseudorandom number generators", 2018), its
 * state filled by splitmix64 from a 64-bit key; each stream's key hashes
 * the fields naming the draw (seed, layer, sample, kind, level, repeat),
 * so no stream depends on thread order. Gaussians by Box-Muller. */
#include <math.h>

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

/* Box-Muller: u1 in (0, 1] so the logarithm is finite. */
void
rng_gauss2(Rng *r, double *z0, double *z1)
{
	double u1 = (double)((rng_next(r) >> 11) + 1) * 0x1p-53;
	double u2 = rng_uniform(r);
	double rad = sqrt(-2.0 * log(u1)), th = 2.0 * 3.14159265358979323846 * u2;
	*z0 = rad * cos(th);
	*z1 = rad * sin(th);
}
