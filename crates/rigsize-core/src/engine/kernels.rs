//! llama.cpp's small-batch weight kernels per backend (`[engine.batch.metal]`,
//! `[engine.batch.cuda]` in `data/engines.toml`): which batch widths read the
//! weights once, where the matrix-matrix kernel takes over, which builds
//! capture a step as one graph, and how older builds dispatched.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::dtype::DType;

/// The weight kernels of a batched decode step at small widths, as the
/// engine's dispatch picks them: where no small-batch kernel covers a weight
/// type, the plain mat-vec kernel runs once per stream and streams the
/// weights from memory each time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmallBatchKernels {
    /// Widest batch the mat-vec kernels run (a matrix-matrix kernel, one
    /// read of the weights, above).
    pub matvec_max_streams: u32,
    /// Tokens per tile of that matrix-matrix kernel: a batch is padded to
    /// whole tiles, so 16 streams cost a 32-token tile's math.
    pub gemm_tile_tokens: u32,
    /// Small-batch kernels that read the weights once for several streams.
    pub covered: Vec<Coverage>,
    /// Streams from which routed experts run as one grouped GEMM per expert;
    /// below, each (token, expert) pair is its own mat-vec and reads its
    /// expert's weights again.
    pub expert_gemm_from_streams: u32,
    /// Streams one threadgroup of the small-batch kernel takes, for 2, 3, …
    /// `matvec_max_streams` streams (empty: all of them). A wider batch is
    /// split over threadgroups that each stream the weights again (Metal's
    /// mul_mv_ext takes at most 5: 6–8 streams read the weights twice).
    #[serde(default)]
    pub columns_per_pass: Vec<u32>,
    /// Types whose small-batch math is light: one scale per block of 32
    /// (the legacy quants, MXFP4, IQ4_NL) or none (8-bit, floats), where the
    /// K-quants unpack sub-block scales per column. The calibration fits how
    /// much less math their dense mat-vecs cost (`light_math_saving`).
    #[serde(default)]
    pub light_math: Vec<DType>,
    /// Which builds capture a decode step in one graph (CUDA graphs), or on
    /// Metal encode its command buffers ahead of the GPU; where they do not,
    /// every kernel pays its launch (`None`: always one graph, or no such
    /// mechanism).
    #[serde(default)]
    pub graphs: Option<KernelGraphs>,
    /// Whether a step of two or more streams leaves the one-stream kernels
    /// for other ones (CUDA's multi-column `mul_mat_vec_q` variants, Metal's
    /// `mul_mv_ext`): the speed model charges such a step a fixed cost per
    /// layer (`batch_overhead_s`). Vulkan's mat-vec shader is one shader for
    /// 1–8 columns: no switch.
    #[serde(default)]
    pub batch_switch: bool,
    /// Older builds' dispatch where it differs from today's (benchmark rows
    /// carry their build month; predictions are current builds).
    #[serde(default)]
    pub eras: Vec<KernelEra>,
    /// Chips whose dispatch puts the matrix-matrix kernel elsewhere (MLX's
    /// `get_qmv_batch_limit` by GPU generation and die); first match wins.
    #[serde(default)]
    pub chip_limits: Vec<ChipLimit>,
    /// Routed experts run as one grouped GEMM once a step gives each expert
    /// this many tokens on average (MLX's `gather_qmm_rhs`: B·k/E ≥ 4);
    /// where set, it takes the place of `expert_gemm_from_streams`.
    #[serde(default)]
    pub expert_gemm_tokens_per_expert: Option<f64>,
    pub source: String,
}

/// A batch width limit of the mat-vec kernels on some chips.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipLimit {
    /// Chip families it applies to (empty: any).
    #[serde(default)]
    pub families: Vec<String>,
    /// Chip tiers it applies to (`apple-ultra`, …; empty: any).
    #[serde(default)]
    pub tiers: Vec<String>,
    pub matvec_max_streams: u32,
}

/// How builds before a month dispatched the weight GEMMs of a small batch:
/// the matrix-matrix kernel above `matvec_max_streams` (llama.cpp's Metal
/// backend ran `mul_mm` from two streams until December 2024, CUDA ran MMQ
/// or cuBLAS from two columns until February 2024).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelEra {
    /// The month (`YYYY-MM`) from which builds no longer dispatch this way.
    pub until: String,
    pub matvec_max_streams: u32,
    /// The matrix-matrix kernel's column tile then, where it differs.
    #[serde(default)]
    pub gemm_tile_tokens: Option<u32>,
    /// The small-batch kernels then, where they differ.
    #[serde(default)]
    pub covered: Option<Vec<Coverage>>,
    /// Their streams per threadgroup then, where they differ.
    #[serde(default)]
    pub columns_per_pass: Option<Vec<u32>>,
    /// The chips' own widths then, where they differ (empty: the era's
    /// width on every chip).
    #[serde(default)]
    pub chip_limits: Option<Vec<ChipLimit>>,
    pub source: String,
}

/// When the backend runs a decode step without a per-kernel launch cost (a
/// captured CUDA graph; Metal's command buffers encoded while the GPU runs),
/// by build month and chip family: before that, each kernel pays its launch.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelGraphs {
    /// The month (`YYYY-MM`) builds began to capture decode steps.
    pub since: String,
    /// Families whose chips joined later, with the month they did.
    #[serde(default)]
    pub family_since: BTreeMap<String, String>,
    /// Families whose chips never run the step as a graph.
    #[serde(default)]
    pub without: Vec<String>,
    pub source: String,
}

impl KernelGraphs {
    /// Whether a build of `month` (`None`: a current build) launches each
    /// kernel of a decode step on its own on a chip of `family`.
    pub fn launches_each_kernel(&self, family: &str, month: Option<&str>) -> bool {
        if self.without.iter().any(|f| f == family) {
            return true;
        }
        let since = self.family_since.get(family).unwrap_or(&self.since);
        month.is_some_and(|m| m < since.as_str())
    }
}

/// Weight types a small-batch kernel covers from a batch width up.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    pub from_streams: u32,
    pub types: Vec<DType>,
    /// Chip families whose builds run the kernel (empty: all).
    #[serde(default)]
    pub families: Vec<String>,
}

impl SmallBatchKernels {
    /// The dispatch of a build of `month` (`None`: a current build): the
    /// earliest era that build predates, else today's table.
    pub fn at_build(&self, month: Option<&str>) -> std::borrow::Cow<'_, SmallBatchKernels> {
        let era = month.and_then(|m| {
            self.eras
                .iter()
                .filter(|e| m < e.until.as_str())
                .min_by(|a, b| a.until.cmp(&b.until))
        });
        match era {
            None => std::borrow::Cow::Borrowed(self),
            Some(e) => std::borrow::Cow::Owned(SmallBatchKernels {
                matvec_max_streams: e.matvec_max_streams,
                gemm_tile_tokens: e.gemm_tile_tokens.unwrap_or(self.gemm_tile_tokens),
                covered: e.covered.clone().unwrap_or_else(|| self.covered.clone()),
                columns_per_pass: (e.columns_per_pass.clone())
                    .unwrap_or_else(|| self.columns_per_pass.clone()),
                eras: Vec::new(),
                chip_limits: e
                    .chip_limits
                    .clone()
                    .unwrap_or_else(|| self.chip_limits.clone()),
                ..self.clone()
            }),
        }
    }

    /// The dispatch on a chip of `family` and `tier`: its own mat-vec width
    /// where a chip limit names it, and only the small-batch kernels its
    /// family runs.
    pub fn for_chip(&self, family: &str, tier: &str) -> SmallBatchKernels {
        let names = |v: &[String], x: &str| v.is_empty() || v.iter().any(|f| f == x);
        let width = self
            .chip_limits
            .iter()
            .find(|c| names(&c.families, family) && names(&c.tiers, tier))
            .map_or(self.matvec_max_streams, |c| c.matvec_max_streams);
        SmallBatchKernels {
            matvec_max_streams: width,
            covered: self
                .covered
                .iter()
                .filter(|c| names(&c.families, family))
                .cloned()
                .collect(),
            chip_limits: Vec::new(),
            ..self.clone()
        }
    }

    /// Streams from which a step's routed experts run as grouped GEMMs, for
    /// a model routing each token to `k` of `experts` experts.
    pub fn expert_gemm_from(&self, experts: u32, k: u32) -> u32 {
        match self.expert_gemm_tokens_per_expert {
            Some(t) if experts > 0 && k > 0 => {
                ((t * f64::from(experts) / f64::from(k)).ceil() as u32).max(2)
            }
            _ => self.expert_gemm_from_streams,
        }
    }

    /// Tokens the matrix-matrix kernel computes for `streams` streams (whole
    /// tiles), or `None` at widths the mat-vec kernels run.
    pub fn gemm_tokens(&self, streams: u32) -> Option<u32> {
        (streams > self.matvec_max_streams)
            .then(|| streams.div_ceil(self.gemm_tile_tokens) * self.gemm_tile_tokens)
    }

    /// How many times a small-batch kernel reads the weights it covers for a
    /// step of `streams` streams.
    pub fn covered_passes(&self, streams: u32) -> u32 {
        if streams < 2 || streams > self.matvec_max_streams {
            return 1;
        }
        match self.columns_per_pass.get(streams as usize - 2) {
            Some(&c) if c > 0 => streams.div_ceil(c),
            _ => 1,
        }
    }

    /// Whether weights of `t` are read once for a step of `streams` streams.
    pub fn reads_once(&self, t: DType, streams: u32) -> bool {
        streams <= 1
            || streams > self.matvec_max_streams
            || self
                .covered
                .iter()
                .any(|c| streams >= c.from_streams && c.types.contains(&t))
    }
}

/// `YYYY-MM`, the form months compare in as text.
pub fn is_month(m: &str) -> bool {
    let b = m.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && m[..4].parse::<u32>().is_ok()
        && m[5..].parse::<u32>().is_ok_and(|x| (1..=12).contains(&x))
}
