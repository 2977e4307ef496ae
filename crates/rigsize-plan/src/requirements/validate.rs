//! Checks a parsed requirements file beyond its types: every error names the
//! file and the line of the offending value.

use std::collections::HashSet;

use rigsize_core::units::MAX_STREAMS;

use super::{ModelChoice, Requirements, Role, BEST_THAT_FITS};
use crate::error::PlanError;

/// Builds errors that point at the first line containing a needle.
struct Locator<'a> {
    text: &'a str,
    file: &'a str,
}

impl Locator<'_> {
    fn bad(&self, needle: &str, message: String) -> PlanError {
        PlanError::Requirements {
            file: self.file.to_string(),
            line: self
                .text
                .lines()
                .position(|l| l.contains(needle))
                .map(|i| i + 1),
            message,
        }
    }

    /// `!(v > 0)` rather than `v <= 0`: NaN fails every comparison and
    /// would otherwise pass as a budget no build is within.
    fn positive(&self, field: &str, v: f64) -> Result<(), PlanError> {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            let name = field.rsplit('.').next().unwrap_or(field);
            Err(self.bad(name, format!("{field} must be positive")))
        }
    }
}

impl Requirements {
    pub(super) fn validate(&self, text: &str, file: &str) -> Result<(), PlanError> {
        let at = Locator { text, file };
        if self.roles.is_empty() {
            return Err(at.bad("", "at least one [[role]] is needed".into()));
        }
        let mut names = HashSet::new();
        for r in &self.roles {
            if !names.insert(r.name.clone()) {
                let here = format!("\"{}\"", r.name);
                return Err(at.bad(&here, format!("role name '{}' is used twice", r.name)));
            }
            validate_role(r, &at)?;
        }
        self.validate_budget(&at)?;
        self.validate_environment(&at)?;
        if self.platform.allowed.is_empty() {
            return Err(at.bad("allowed", "platform.allowed is empty".into()));
        }
        if let Some(v) = self.upgrade.as_ref().and_then(|u| u.stage2_max_chf) {
            at.positive("upgrade.stage2_max_chf", v)?;
        }
        if self.purchase.conditions.is_empty() {
            return Err(at.bad("conditions", "purchase.conditions is empty".into()));
        }
        Ok(())
    }

    fn validate_budget(&self, at: &Locator) -> Result<(), PlanError> {
        at.positive("budget.max_chf", self.budget.max_chf)?;
        if let Some(m) = self.budget.min_chf {
            if !(m.is_finite() && (0.0..=self.budget.max_chf).contains(&m)) {
                return Err(at.bad(
                    "min_chf",
                    "budget.min_chf must be from 0 to budget.max_chf".into(),
                ));
            }
        }
        if let Some([lo, hi]) = self.budget.sweet_spot_chf {
            at.positive("budget.sweet_spot_chf", lo)?;
            at.positive("budget.sweet_spot_chf", hi)?;
            if lo > hi {
                return Err(at.bad(
                    "sweet_spot_chf",
                    "budget.sweet_spot_chf must be [low, high]".into(),
                ));
            }
        }
        if let Some(v) = self.memory.target_gb {
            at.positive("memory.target_gb", v)?;
        }
        if let Some(v) = self.memory.min_gb {
            at.positive("memory.min_gb", v)?;
        }
        if let (Some(t), Some(m)) = (self.memory.target_gb, self.memory.min_gb) {
            if t < m {
                return Err(at.bad(
                    "target_gb",
                    "memory.target_gb is below memory.min_gb".into(),
                ));
            }
        }
        Ok(())
    }

    fn validate_environment(&self, at: &Locator) -> Result<(), PlanError> {
        let e = &self.environment;
        at.positive("environment.outlet_volts", e.outlet_volts)?;
        at.positive("environment.outlet_amps", e.outlet_amps)?;
        at.positive("environment.continuous_share", e.continuous_share)?;
        if e.continuous_share > 1.0 {
            return Err(at.bad(
                "continuous_share",
                "environment.continuous_share is a share of V×A: at most 1".into(),
            ));
        }
        if let Some(w) = e.max_continuous_w {
            at.positive("environment.max_continuous_w", w)?;
        }
        Ok(())
    }
}

fn validate_role(r: &Role, at: &Locator) -> Result<(), PlanError> {
    let here = format!("\"{}\"", r.name);
    let bad = |message: String| at.bad(&here, message);
    match &r.models {
        ModelChoice::Keyword(k) if k != BEST_THAT_FITS => {
            return Err(bad(format!(
                "role '{}': models must be a list of model ids or \"{BEST_THAT_FITS}\", not \"{k}\"",
                r.name
            )));
        }
        ModelChoice::List(l) if l.is_empty() => {
            return Err(bad(format!("role '{}': models is empty", r.name)));
        }
        _ => {}
    }
    r.context
        .tokens()
        .map_err(|e| bad(format!("role '{}': context: {e}", r.name)))?;
    if let Some(m) = &r.context_min {
        let m = m
            .tokens()
            .map_err(|e| bad(format!("role '{}': context_min: {e}", r.name)))?;
        if m > r.context.tokens()? {
            return Err(bad(format!(
                "role '{}': context_min is above context (the target)",
                r.name
            )));
        }
    }
    if let Some(p) = &r.ttft_prompt {
        p.tokens()
            .map_err(|e| bad(format!("role '{}': ttft_prompt: {e}", r.name)))?;
    }
    if r.streams == 0 {
        return Err(bad(format!("role '{}': streams must be ≥ 1", r.name)));
    }
    for (what, n) in [
        ("streams", Some(r.streams)),
        ("streams_target", r.streams_target),
    ] {
        if n.is_some_and(|n| n > MAX_STREAMS) {
            return Err(bad(format!(
                "role '{}': {what} must be at most {MAX_STREAMS}",
                r.name
            )));
        }
    }
    for (what, v) in [
        ("speed_target", r.speed_target),
        ("speed_min", r.speed_min),
        ("prefill_target", r.prefill_target),
        ("ttft_max_s", r.ttft_max_s),
    ] {
        if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(bad(format!(
                "role '{}': {what} must be a positive number, got {v}",
                r.name
            )));
        }
    }
    if let (Some(t), Some(m)) = (r.speed_target, r.speed_min) {
        if t < m {
            return Err(bad(format!(
                "role '{}': speed_target {t} is below speed_min {m}",
                r.name
            )));
        }
    }
    if r.streams_target.is_some_and(|t| t < r.streams) {
        return Err(bad(format!(
            "role '{}': streams_target is below streams",
            r.name
        )));
    }
    Ok(())
}
