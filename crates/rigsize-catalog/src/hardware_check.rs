//! The rules one `[[device]]` record must keep on its own, apart from the
//! parser so each rule reads in one place; cross-record rules stay in
//! `parse_hardware`.

use std::collections::HashSet;

use super::{DeviceToml, MAX_DEVICE_MEMORY_GIB};

/// Fields a record may list in `unverified_fields`.
const FIELDS: &[&str] = &[
    "name",
    "vendor",
    "arch",
    "memory_type",
    "memory_gib",
    "memory_configs_gib",
    "bandwidth_gbs",
    "fp16_tflops",
    "fp16_fp32acc_tflops",
    "fp8_tflops",
    "fp4_tflops",
    "fp32_tflops",
    "tdp_w",
    "pcie_gen",
    "pcie_lanes",
    "nvlink",
    "nvlink_gbs",
    "cooling",
    "slot_width",
    "launch_date",
    "launch_msrp_usd",
];

fn positive(what: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{what} must be a positive number, got {v}"))
    }
}

fn valid_date(d: &str) -> bool {
    let parts: Vec<&str> = d.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, day] => digits(y, 4) && digits(m, 2) && digits(day, 2),
        _ => false,
    }
}

impl DeviceToml {
    fn has(&self, field: &str) -> bool {
        match field {
            "arch" => self.arch.is_some(),
            "memory_type" => self.memory_type.is_some(),
            "memory_configs_gib" => self.memory_configs_gib.is_some(),
            "fp16_fp32acc_tflops" => self.fp16_fp32acc_tflops.is_some(),
            "fp8_tflops" => self.fp8_tflops.is_some(),
            "fp4_tflops" => self.fp4_tflops.is_some(),
            "tdp_w" => self.tdp_w.is_some(),
            "pcie_gen" => self.pcie_gen.is_some(),
            "pcie_lanes" => self.pcie_lanes.is_some(),
            "nvlink_gbs" => self.nvlink_gbs.is_some(),
            "cooling" => self.cooling.is_some(),
            "slot_width" => self.slot_width.is_some(),
            "launch_date" => self.launch_date.is_some(),
            "launch_msrp_usd" => self.launch_msrp_usd.is_some(),
            _ => true,
        }
    }

    /// Rules one record must keep on its own.
    pub(super) fn check(&self) -> Result<(), String> {
        self.check_names()?;
        self.check_figures()?;
        self.check_memory_configs()?;
        self.check_board()?;
        self.check_unverified_fields()?;
        self.check_aliases()?;
        self.check_family_links()
    }

    /// Ids are typed in device specs (`ID@GB`, `ID:COUNT`), so their alphabet
    /// leaves out the separators.
    fn check_names(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !id_ok {
            return Err("id must be lowercase letters, digits, '-' and '.'".into());
        }
        for (what, v) in [
            ("name", &self.name),
            ("vendor", &self.vendor),
            ("family", &self.family),
            ("source", &self.source),
        ] {
            if v.trim().is_empty() {
                return Err(format!("{what} is empty"));
            }
        }
        Ok(())
    }

    /// Memory, bandwidth and compute rates feed every estimate; a zero, a
    /// negative or an absurd size is a typo, never a real device.
    fn check_figures(&self) -> Result<(), String> {
        positive("memory_gib", self.memory_gib)?;
        let largest = self
            .memory_configs_gib
            .iter()
            .flatten()
            .fold(self.memory_gib, |a, &b| a.max(b));
        if largest > MAX_DEVICE_MEMORY_GIB {
            return Err(format!(
                "{largest} GiB of memory is more than the {MAX_DEVICE_MEMORY_GIB} GiB any device record may have"
            ));
        }
        positive("bandwidth_gbs", self.bandwidth_gbs)?;
        positive("fp16_tflops", self.fp16_tflops)?;
        for (what, v) in [
            ("fp16_fp32acc_tflops", self.fp16_fp32acc_tflops),
            ("fp8_tflops", self.fp8_tflops),
            ("fp4_tflops", self.fp4_tflops),
            ("fp32_tflops", self.fp32_tflops),
            ("tdp_w", self.tdp_w),
            ("launch_msrp_usd", self.launch_msrp_usd),
        ] {
            if let Some(v) = v {
                positive(what, v)
                    .map_err(|e| format!("{e} (leave the key out when unknown or unsupported)"))?;
            }
        }
        Ok(())
    }

    /// `ID@GB` picks from these, so they must be distinct, ordered and
    /// include the default.
    fn check_memory_configs(&self) -> Result<(), String> {
        let Some(configs) = &self.memory_configs_gib else {
            return Ok(());
        };
        for &c in configs {
            positive("memory_configs_gib entry", c)?;
        }
        if configs.windows(2).any(|w| w[0] >= w[1]) {
            return Err("memory_configs_gib must be ascending without repeats".into());
        }
        if !configs.contains(&self.memory_gib) {
            return Err(format!(
                "memory_configs_gib {configs:?} does not include memory_gib {}",
                self.memory_gib
            ));
        }
        Ok(())
    }

    /// Board facts (links, slot, launch date) are optional, but a given one
    /// must be a value that exists.
    fn check_board(&self) -> Result<(), String> {
        match (self.nvlink, self.nvlink_gbs) {
            (true, Some(v)) => positive("nvlink_gbs", v)?,
            (true, None) => return Err("nvlink = true needs nvlink_gbs".into()),
            (false, Some(_)) => return Err("nvlink_gbs given but nvlink is false".into()),
            (false, None) => {}
        }
        if let Some(g) = self.pcie_gen {
            if !(1..=6).contains(&g) {
                return Err(format!("pcie_gen {g} is not 1 to 6"));
            }
        }
        if let Some(l) = self.pcie_lanes {
            if ![1, 2, 4, 8, 16].contains(&l) {
                return Err(format!("pcie_lanes {l} is not 1, 2, 4, 8 or 16"));
            }
        }
        if let Some(s) = self.slot_width {
            if !(s.is_finite() && (0.0..=5.0).contains(&s)) {
                return Err(format!("slot_width {s} is not 0 (module) to 5"));
            }
        }
        if let Some(d) = &self.launch_date {
            if !valid_date(d) {
                return Err(format!(
                    "launch_date '{d}' is not YYYY, YYYY-MM or YYYY-MM-DD"
                ));
            }
        }
        Ok(())
    }

    /// Provenance must point at fields the record really has, once each.
    fn check_unverified_fields(&self) -> Result<(), String> {
        let mut seen = HashSet::new();
        for f in &self.unverified_fields {
            if !FIELDS.contains(&f.as_str()) {
                return Err(format!(
                    "unverified_fields names '{f}', which is not a field of this schema"
                ));
            }
            if !self.has(f) {
                return Err(format!(
                    "unverified_fields names '{f}', which this record lacks"
                ));
            }
            if !seen.insert(f) {
                return Err(format!("unverified_fields lists '{f}' twice"));
            }
        }
        Ok(())
    }

    /// Aliases are matched case-insensitively in device specs, so one that
    /// collides or carries a spec separator would make lookups ambiguous.
    fn check_aliases(&self) -> Result<(), String> {
        let mut seen = HashSet::new();
        for a in &self.aliases {
            if a.trim().is_empty() || a.trim() != a {
                return Err(format!("alias '{a}' is empty or has surrounding spaces"));
            }
            if a.contains(['@', ':']) {
                return Err(format!(
                    "alias '{a}' contains '@' or ':' (they separate memory and count)"
                ));
            }
            if a.eq_ignore_ascii_case(&self.id) || !seen.insert(a.to_ascii_lowercase()) {
                return Err(format!("alias '{a}' repeats the id or another alias"));
            }
        }
        Ok(())
    }

    /// Candidates and the power-limit twin point at other records; a record
    /// pointing at itself would loop.
    fn check_family_links(&self) -> Result<(), String> {
        if self.candidates.iter().any(|c| c == &self.id) {
            return Err("a family id cannot list itself as a candidate".into());
        }
        if let Some(p) = &self.power_limit {
            if !(p.decode_factor.is_finite() && p.decode_factor > 0.0 && p.decode_factor <= 1.0) {
                return Err(format!(
                    "power_limit.decode_factor {} is not in (0, 1]",
                    p.decode_factor
                ));
            }
            if p.source.trim().is_empty() || p.twin == self.id {
                return Err("power_limit needs a source and a twin other than itself".into());
            }
        }
        Ok(())
    }
}
