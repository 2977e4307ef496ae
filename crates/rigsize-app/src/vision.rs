//! Images in a prompt: the tokens they become (prefilled with the text) and
//! the vision-encoder time before prefill, for the catalog's VL models
//! (`[model.vision]` in data/models.toml).

use rigsize_core::hardware::DeviceSet;
use rigsize_core::model::ModelArch;

/// ViT patch edge, pixels, used to count the encoder's input patches: the
/// towers of the catalog's VL models (SigLIP, Qwen2.5-VL's ViT, Pixtral's)
/// all cut 14×14-pixel patches; the merge/pooling to LLM tokens comes after
/// the tower.
pub const VISION_PATCH_PX: u64 = 14;

/// Most images one request may carry.
pub const MAX_IMAGES: u32 = 1024;

/// Largest image edge accepted, pixels.
pub const MAX_IMAGE_PX: u32 = 16_384;

/// What the images of one prompt cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageLoad {
    pub images: u32,
    /// Edge the encoder sees: the image's (dynamic resolution) or the
    /// model's reference size (fixed-size encoders resize to it).
    pub encoder_edge_px: u32,
    pub tokens_per_image: u64,
    /// All images' tokens.
    pub tokens: u64,
    /// Encoder FLOPs for all images: 2 × params × patches (the linear
    /// layers; the tower's own attention is left out).
    pub encoder_flops: f64,
    pub encoder_params: u64,
}

impl ImageLoad {
    /// The load of `images` square images of `edge_px` (default: the
    /// model's reference resolution).
    pub fn new(
        model: &ModelArch,
        images: Option<u32>,
        edge_px: Option<u32>,
    ) -> anyhow::Result<Self> {
        let n = images.unwrap_or(0);
        anyhow::ensure!(
            n <= MAX_IMAGES,
            "--images must be 0 to {MAX_IMAGES}, got {n}"
        );
        if let Some(px) = edge_px {
            anyhow::ensure!(
                (1..=MAX_IMAGE_PX).contains(&px),
                "--image-px must be 1 to {MAX_IMAGE_PX} pixels, got {px}"
            );
            anyhow::ensure!(n > 0, "--image-px needs --images N (N ≥ 1)");
        }
        if n == 0 {
            return Ok(ImageLoad::default());
        }
        let v = model.vision.as_ref().ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no vision encoder in the catalog: it cannot take --images (vision-language models carry [model.vision])",
                model.id
            )
        })?;
        let px = edge_px.unwrap_or(v.reference_resolution_px);
        let per = v.tokens_for_image(px);
        let encoder_edge = if v.pixels_per_token.is_some() {
            px
        } else {
            v.reference_resolution_px
        };
        let patches = (encoder_edge as u64).div_ceil(VISION_PATCH_PX).pow(2);
        Ok(ImageLoad {
            images: n,
            encoder_edge_px: encoder_edge,
            tokens_per_image: per,
            tokens: per * n as u64,
            encoder_flops: 2.0 * v.encoder_params as f64 * patches as f64 * n as f64,
            encoder_params: v.encoder_params,
        })
    }

    /// Encoder time on one device of `set` at the prefill utilization the
    /// calibration found for it (the tower runs on one device).
    pub fn encoder_seconds(&self, set: &DeviceSet, prefill_util: f64) -> f64 {
        if self.images == 0 {
            return 0.0;
        }
        self.encoder_flops / (set.device.fp16_flops.max(1.0) * prefill_util.max(1e-3))
    }

    /// A note for the report, when there are images.
    pub fn note(&self, model: &ModelArch) -> Option<String> {
        (self.images > 0).then(|| {
            format!(
                "{} image(s) of {} px: {} tokens each, {} in all, prefilled with the text; {} loads its vision encoder ({:.2} B params)",
                self.images,
                self.encoder_edge_px,
                self.tokens_per_image,
                self.tokens,
                model.id,
                self.encoder_params as f64 / 1e9
            )
        })
    }

    /// The explain line for the encoder's share of TTFT.
    pub fn explain(&self, seconds: f64) -> String {
        format!(
            "vision encoder: {} image(s) × {} patches of {VISION_PATCH_PX} px × 2 × {:.2} B params = {:.2} TFLOP → {:.0} ms before prefill (added to TTFT)",
            self.images,
            (self.encoder_edge_px as u64).div_ceil(VISION_PATCH_PX).pow(2),
            self.encoder_params as f64 / 1e9,
            self.encoder_flops / 1e12,
            seconds * 1e3
        )
    }
}
