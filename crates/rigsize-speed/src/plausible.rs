//! Physical bounds on benchmark rows: a figure no device could produce is
//! not a measurement of what it claims, and is kept out of fit and score.

use rigsize_core::hardware::DeviceSet;

/// A prefill figure that needs more arithmetic than the devices can do
/// (2 FLOP per parameter a prompt token is multiplied through,
/// [`crate::model::prompt_compute_params`], against their fastest tensor
/// rate) was not computed: a prompt-cache hit, or a TTFT measured after the
/// first token. Such a figure is not a measurement of prefill, so it is
/// neither fitted nor scored.
pub(crate) fn beyond_peak(
    pp_tok_s: f64,
    params_per_token: f64,
    devices: &DeviceSet,
) -> Option<String> {
    let d = &devices.device;
    let peak = [Some(d.fp16_flops), d.fp8_flops, d.fp4_flops]
        .into_iter()
        .flatten()
        .fold(0.0, f64::max)
        * devices.count.max(1) as f64;
    let needed = pp_tok_s * 2.0 * params_per_token;
    (peak > 0.0 && needed > peak).then(|| {
        format!(
            "measured prefill {pp_tok_s:.0} tok/s needs {:.0} TFLOP/s, above the devices' peak {:.0} TFLOP/s: a cached prompt, not a prefill measurement",
            needed / 1e12,
            peak / 1e12
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rigsize_catalog::Catalog;

    fn a100() -> DeviceSet {
        Catalog::builtin()
            .unwrap()
            .device_set("a100-80g-pcie")
            .unwrap()
    }

    #[test]
    fn prefill_above_the_float_peak_is_refused_with_both_rates() {
        // 7.62 B active params at 28,086 tok/s needs 428 TFLOP/s; an A100 does 312.
        let why = beyond_peak(28_085.6, 7.62e9, &a100()).unwrap();
        assert!(
            why.contains("428 TFLOP/s") && why.contains("312 TFLOP/s"),
            "{why}"
        );
    }

    #[test]
    fn prefill_within_the_peak_passes_and_devices_add_up() {
        assert!(beyond_peak(15_000.0, 7.62e9, &a100()).is_none());
        let two = DeviceSet { count: 2, ..a100() };
        assert!(beyond_peak(28_085.6, 7.62e9, &two).is_none());
    }
}
