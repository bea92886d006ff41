/* analysis.h: sensitivity analysis (APPROX.md §1, §2.1) -- how much error
 * each layer and each filter of a planned Program tolerates, measured by
 * running the interpreter on real data. Errors are injected into one layer
 * at a time; per-sample arena snapshots at layer boundaries let every trial
 * re-run only the suffix of the network. Everything is deterministic: the
 * random streams derive from (seed, layer, sample, kind, level, repeat),
 * never from thread order, so results do not depend on the thread count.
 * A "layer" is one ONNX node that survived canonicalization; for Conv/Gemm
 * its output is the output of the fused step, i.e. after the folded
 * BatchNormalization and the fused activation. */
#ifndef AXCC_ANALYSIS_H
#define AXCC_ANALYSIS_H

#include <stdint.h>

#include "prog/prog.h"

/* ---- sens_rng.c: xoshiro256** (Blackman & Vigna 2018) seeded through
 * splitmix64; Gaussians by the ziggurat method ---- */
typedef struct Rng { uint64_t s[4]; } Rng;
uint64_t rng_mix(uint64_t h, uint64_t v);      /* splitmix64 finalizer of h ^ v */
/* A stream key from the fields that identify one draw sequence. */
uint64_t rng_key(uint64_t seed, uint64_t layer, uint64_t sample, uint64_t kind,
	uint64_t level, uint64_t rep);
void rng_seed(Rng *r, uint64_t key);
uint64_t rng_next(Rng *r);
double rng_uniform(Rng *r);                    /* [0, 1), 53 bits */
double rng_gauss(Rng *r);                      /* N(0, 1) */
/* y[i] = (float)(y[i] + sd * z_i), z_i successive rng_gauss draws */
void rng_gauss_add(Rng *r, float *y, int64_t n, double sd);

/* ---- sens_data.c: the dataset and its split ---- */
#define SENS_MAXCH 64
typedef struct SensPrep {
	double scale;                     /* x * scale first (1: none) */
	int nmean, nstd;                  /* 0, 1 or the model input's channels */
	double mean[SENS_MAXCH], std[SENS_MAXCH]; /* then (x - mean[c]) / std[c] */
} SensPrep;

typedef struct SensData {
	int n;                 /* samples in the file */
	int64_t insz;          /* floats per sample (the model input, batch 1) */
	float *x;              /* n * insz, preprocessed (malloc) */
	int32_t *label;        /* n labels (malloc), or NULL without --labels */
	int64_t nclass;        /* elements of output 0 per sample */
} SensData;
/* Reads inputs (and labels) for graph g, whose single input must be
 * float32 with batch 1. Returns 0 or -1 after diag_error(). */
int sens_data_load(SensData *sd, const Graph *g, const char *xpath, const char *ypath,
	const SensPrep *pp, Diag *d);
void sens_data_free(SensData *sd);
/* The split of n samples: a Fisher-Yates shuffle of 0..n-1 by the stream
 * rng_key(seed, "split"); the first round(frac * n) (at least 1) indices are
 * the analysis part, the rest held out; each part sorted ascending into idx
 * (analysis first). frac >= 1 keeps every sample in order. Returns the
 * analysis count. */
int sens_split(int n, double frac, uint64_t seed, int *idx);
/* Parses "0.5", "1/255" (a fraction) into *v; 0 or -1. */
int sens_parse_num(const char *s, double *v);
/* Parses "a,b,c" into v[0..max); returns the count or -1. */
int sens_parse_list(const char *s, double *v, int max);

/* ---- sens_run.c: the execution engine ---- */
typedef struct Score {
	double metric;         /* top-1 accuracy (or agreement) in [0, 1] */
	double ci95;           /* 1.96 * sqrt(p (1 - p) / N) */
	double snr_db;         /* output 0 vs the exact model; INFINITY if equal */
	double err2, sig2;     /* sums of (y - y0)^2 and y0^2 behind snr_db */
	int n;
} Score;

/* An output perturbation: fn changes the n floats of buffer buf of one
 * sample, right after step `after` ran; it returns 0 if it left them
 * unchanged bit for bit (the sample then takes the exact run's result). */
typedef struct Perturb {
	int after;             /* step index, or -1: none */
	int buf;               /* buffer id (float32) */
	int (*fn)(const struct Perturb *pt, float *y, int64_t n, int sample);
	const void *ctx;
} Perturb;

typedef struct Trial {
	int first;             /* earliest step whose result changes */
	const void *const *constant;  /* per buffer id: replacement data, or NULL */
	Perturb pt;
	int same_at;           /* 0, or a step > first from which on no replaced
	                        * constant is read: where a boundary is captured
	                        * there, a sample whose state equals the exact
	                        * run's takes its result without running on */
} Trial;

/* Called during the capture run after step `after`, once per sample, with
 * the buffer's floats (statistics of layer outputs). Must only touch
 * per-sample state: calls for different samples run concurrently. */
typedef struct Observer {
	int after, buf;
	void (*fn)(void *ctx, const float *y, int64_t n, int sample);
	void *ctx;
} Observer;

typedef struct SensBound SensBound;
typedef struct SensSet {
	const Program *p;
	int n;                 /* analysis samples */
	const float *x;        /* sample i at x + i * insz */
	int64_t insz;
	const int32_t *label;  /* per sample, or NULL: agreement with top0 */
	int64_t ncls;          /* floats of output 0 per sample */
	unsigned char **y0;    /* per graph output: n * its bytes, exact */
	int *top0;             /* exact top-1 per sample */
	Score base;            /* the exact model's score */
	int nthreads;
	size_t budget;         /* bytes allowed for snapshots */
	SensBound *bound; int nbound;  /* sorted by step */
	void **arena;          /* per thread */
	void ***out;           /* per thread: output buffers */
	double *err0;          /* per sample: the exact run's squared error (0, or
	                        * INFINITY for a NaN output) */
	double y0sq;           /* sum of y0^2 over output 0 */
} SensSet;

/* Runs the exact model over the n samples and captures arena snapshots
 * before each step in steps[] (where the budget allows; step 0 is always
 * available), forcing bufs[] (one per step, -1 none) into that snapshot.
 * Observers run during the same pass. Returns 0 or a kernel status. */
int sens_prepare(SensSet *s, const int *steps, const int *bufs, int nsteps,
	const Observer *obs, int nobs);
/* Runs one trial over all samples; fills *sc. Returns 0 or a status. */
int sens_trial(SensSet *s, const Trial *t, Score *sc);
/* Runs nt trials over all samples (each sample's trials back to back);
 * fills sc[0..nt). Returns 0 or a status. */
int sens_trials(SensSet *s, const Trial *t, int nt, Score *sc);
/* The latest captured boundary <= step (0 if none). */
int sens_boundary(const SensSet *s, int step);
void sens_release(SensSet *s);
/* Snapshot bytes per sample at the captured boundaries (for notes). */
size_t sens_snapshot_bytes(const SensSet *s);

/* ---- sens_layer.c: layers, error kinds, sweeps ---- */
/* The error kinds in sweep order (ORDER KIND: names in sens_layer.c). */
enum {
	SK_NOISE,              /* E1 relative Gaussian noise on the output */
	SK_FLIP8,              /* E3 bit flips, weights as int8 */
	SK_FLIP8P,             /*    int8, top bit protected */
	SK_FLIP16,             /*    int16 */
	SK_FLIP16P,            /*    int16, top bit protected */
	SK_WQUANT,             /* Q  weights to k bits */
	SK_OQUANT,             /* Q  output to k bits */
	NSK
};
#define SENS_KINDS_NONE (1u << 31)   /* a kinds mask selecting none */
#define SENS_MAXLEVEL 16
#define SENS_MAXREP 16

typedef struct Point {
	double level;
	Score s;               /* metric averaged over repeats, SNR pooled */
	double rep[SENS_MAXREP]; /* per-repeat metrics (random kinds) */
	int nrep;
} Point;

typedef struct FilterScore {
	double l1, l2;         /* of the channel's (folded) weights; 0 without weights */
	double mean, mean_abs; /* of the post-activation channel over D */
	double apoz;           /* fraction of exact zeros */
	Score zero, repl;      /* E4: channel set to 0 / to its mean */
	int measured;
} FilterScore;

typedef struct SensLayer {
	const Node *node;
	int idx;               /* position in the layer list */
	uint64_t key;          /* FNV-1a of the node name: names its random streams */
	int first, last;       /* the node's steps */
	int out;               /* output buffer (float32) */
	int64_t outn;          /* its floats per sample */
	int64_t nch, inner;    /* channels (dim 1) and floats per channel */
	int wstep;             /* the step reading the weights */
	int wbuf;              /* its weight constant (root id), or -1 */
	const float *w0;       /* the weights in ONNX layout (node->in[1], BN folded) */
	int64_t wn;            /* their count */
	int wcols;             /* channel layout of w0: 0 = one contiguous block per
	                        * channel ([m][...]); 1 = column c of a [k][m]
	                        * matrix (Gemm/MatMul B); -1 unknown */
	float out_amax;        /* max |Y| over D: the calibrated clip for output_quant */
	double *psum, *pabs, *pzero, *pmax; /* capture: per sample (x nch) */
	Point pt[NSK][SENS_MAXLEVEL]; int npt[NSK];
	Score zero[NSK];       /* zero error: sigma 0, BER 0, k = 32 */
	int has_zero[NSK];
	double tol[NSK]; int has_tol[NSK]; /* largest level within eps; has 0: none */
	double score;          /* drop at output_noise sigma_r = 0.1 */
	int rank;              /* 1 = most sensitive */
	FilterScore *filt;     /* nch entries, or NULL */
} SensLayer;

typedef struct SensKind {
	const char *name;      /* key in SENS.json "sweeps" */
	const char *what;      /* for reports */
	const char *unit;      /* "sigma_r", "BER", "bits" */
	int nlevel;
	double level[SENS_MAXLEVEL];
	int random;            /* averaged over repeats */
	int weights;           /* needs a weight constant */
	int logx;              /* plot on a log axis */
	int more_is_worse;     /* error grows with the level (bits: fewer is worse) */
} SensKind;
extern const SensKind sens_kinds[NSK];
/* Parses "output_noise,weight_quant" (or "none") into a kinds mask; -1 on
 * an unknown name. */
int sens_parse_kinds(const char *s, unsigned *mask);

typedef struct SensOpts {
	uint64_t seed;
	int repeats;           /* seeds for random kinds (>= 1, default 3) */
	double eps;            /* tolerated drop, fraction (0.005 = 0.5 points) */
	int all_layers;        /* every node, not just Conv/Gemm/MatMul */
	unsigned kinds;        /* bit k: sweep kind SK_k (0: all; SENS_KINDS_NONE) */
	int filters;           /* 0 none, 1 cheap scores, 2 also measured drops */
	int nthreads;          /* 0: all cores */
	size_t budget;         /* snapshot bytes (0: default 1 GiB) */
	int progress;          /* progress bar on stderr */
} SensOpts;

typedef struct Sens {
	SensOpts o;
	SensSet set;
	SensLayer *layer; int nlayer;
	double t_capture, t_layers, t_filters; /* seconds */
} Sens;

/* Finds the layers of p (Conv/ConvTranspose/Gemm/MatMul, or every node with
 * a float output when all_layers). */
int sens_layers(Sens *s, const Program *p);
/* The whole analysis on n samples x (ncls floats of output 0 per sample),
 * labels or NULL. Returns 0, or -1 after diag_error(). */
int sens_run(Sens *s, const Program *p, const float *x, int64_t insz, int n,
	const int32_t *label, Diag *d);
void sens_free(Sens *s);
/* One layer: every kind, every level; pg advances by the work done. */
typedef struct Progress Progress;
int sens_sweep_layer(Sens *s, SensLayer *L, Progress *pg);
/* The work (fractions of a full pass) sens_sweep_layer will take. */
double sens_layer_work(const Sens *s, const SensLayer *L);
/* tolerances and scores of every layer, then the ranking */
void sens_rank(Sens *s);
/* Per-tensor quantization of the n weights w to k bits (APPROX §3), into q. */
void sens_quant_weights(const float *w, float *q, int64_t n, int k);
/* The kernel constant for L's weights w (ONNX layout, L->wn floats): the
 * node is lowered again with w in place of its weights (the families pack
 * and transpose as they like) and the constant of the weight step is copied
 * into dst (p->buf[L->wbuf].size bytes). Returns 0, or -1 if that lowering
 * does not give the same step shape. */
int sens_pack_weights(const Program *p, const SensLayer *L, const float *w, void *dst);

/* ---- sens_filter.c: filter significance ---- */
/* Cheap scores of every channel of L, and with measure the E4 drops. */
int sens_filters(Sens *s, SensLayer *L, int measure, Progress *pg);
double sens_filter_work(const Sens *s, const SensLayer *L);

/* ---- progress.c ---- */
struct Progress {
	int on;
	double total, done, t0, last;
	const char *what;
};
void progress_start(Progress *pg, int on, double total);
void progress_add(Progress *pg, double work, const char *what);
void progress_end(Progress *pg);
double sens_now(void);   /* monotonic seconds */

/* ---- report.c, svg.c: SENS.json, SENS.md, plots ---- */
typedef struct SensInfo {
	const char *model, *data, *labels;
	int n_total, n_analysis, n_heldout;
	const int *analysis_idx;   /* n_analysis indices into the data file */
	double split;
	SensPrep prep;
} SensInfo;
/* Writes path (SENS.json), the Markdown report and the SVGs beside it.
 * Returns 0 or -1 after diag_error(). */
int sens_report(const Sens *s, const SensInfo *info, const char *path, Diag *d);
char *sens_json(const Sens *s, const SensInfo *info);   /* malloc'd text */
/* SVG of drop (points) against level for kind k, one line per layer;
 * malloc'd text. */
char *sens_svg(const Sens *s, int k);
/* The file path beside `json` with its .json suffix replaced by suffix. */
char *sens_beside(const char *json, const char *suffix);

#endif
