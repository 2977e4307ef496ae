//! Requirements stage: each role's model options resolved against the
//! catalog and the quality scores, with the weights per engine family and the
//! KV bytes per role × model × engine × KV type computed once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use rigsize_catalog::Catalog;
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::memory::{weights_for_scheme_shared, WeightsEstimate};
use rigsize_core::model::ModelArch;
use rigsize_core::quant::QuantScheme;
use rigsize_core::units::format_tokens;

use super::{ModelChoice, Requirements, Role, RoleKind};
use crate::data::{BuildRules, PartPrice, PriceBook, Quality};
use crate::error::PlanError;

mod kv_table;

/// Models tried per role (in order of preference); the cost estimate of
/// `limits` counts with the same figure.
const MAX_OPTIONS_PER_ROLE: usize = crate::limits::OPTIONS_PER_ROLE as usize;
/// The benchmark that ranks models when a role names none.
pub const DEFAULT_BENCHMARK: &str = "swe-bench-verified";

/// The two engines the planner deploys: llama.cpp on PCs and boxes, MLX on Macs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum EngineFamily {
    LlamaCpp,
    Mlx,
}

impl EngineFamily {
    pub(crate) const ALL: [EngineFamily; 2] = [EngineFamily::LlamaCpp, EngineFamily::Mlx];

    pub(crate) fn engine(self) -> Engine {
        match self {
            EngineFamily::LlamaCpp => Engine::LlamaCpp,
            EngineFamily::Mlx => Engine::Mlx,
        }
    }

    /// The engine configuration the KV and compute sizes are computed for:
    /// one cache shared by the slots of all roles served by this model
    /// (llama-server --kv-unified): cells = the sum of the roles' contexts.
    pub(crate) fn kv_engine(self) -> EngineConfig {
        let mut e = EngineConfig::new(self.engine());
        e.kv_unified = true;
        e
    }
}

/// One model option of one role.
#[derive(Clone)]
pub(crate) struct ModelOpt {
    /// Index into [`Ctx::models`].
    pub model: usize,
    pub quality: Option<f64>,
}

/// A model at the quantization each engine family runs it with.
pub(crate) struct ResolvedModel {
    pub arch: ModelArch,
    pub weights_gguf: Arc<WeightsEstimate>,
    pub quant_gguf: String,
    pub weights_mlx: Arc<WeightsEstimate>,
    pub quant_mlx: String,
}

impl ResolvedModel {
    /// The model at the quantization each engine family runs it with: the
    /// role's `quant` where it applies, else the engine's default.
    pub(crate) fn new(arch: ModelArch, quant: Option<&str>) -> Result<ResolvedModel, PlanError> {
        let (sg, sm) = match quant {
            Some(q) => {
                let s = QuantScheme::parse(q).map_err(|e| PlanError::Invalid(e.to_string()))?;
                let mlx = if matches!(s, QuantScheme::Mlx { .. }) {
                    s
                } else {
                    default_scheme(&arch, EngineFamily::Mlx)
                };
                (s, mlx)
            }
            None => (
                default_scheme(&arch, EngineFamily::LlamaCpp),
                default_scheme(&arch, EngineFamily::Mlx),
            ),
        };
        Ok(ResolvedModel {
            weights_gguf: weights_for_scheme_shared(&arch, sg),
            quant_gguf: sg.name(),
            weights_mlx: weights_for_scheme_shared(&arch, sm),
            quant_mlx: sm.name(),
            arch,
        })
    }

    pub(crate) fn weights(&self, fam: EngineFamily) -> &WeightsEstimate {
        match fam {
            EngineFamily::LlamaCpp => &self.weights_gguf,
            EngineFamily::Mlx => &self.weights_mlx,
        }
    }
    pub(crate) fn quant(&self, fam: EngineFamily) -> &str {
        match fam {
            EngineFamily::LlamaCpp => &self.quant_gguf,
            EngineFamily::Mlx => &self.quant_mlx,
        }
    }
}

/// A model left out of a role because its window is below the role's hard minimum.
#[derive(Clone, Debug)]
pub(crate) struct WindowOut {
    pub model: String,
    pub role: usize,
    pub window: u64,
    pub needed: u64,
    pub quality: Option<f64>,
    /// The buyer named it.
    pub named: bool,
}

/// Truncates to `n` options but keeps every option `keep` marks (the buyer's named models).
fn keep_first(opts: &mut Vec<ModelOpt>, n: usize, keep: impl Fn(&ModelOpt) -> bool) {
    let mut i = 0;
    opts.retain(|o| {
        i += 1;
        i <= n || keep(o)
    });
}

/// The quantization name and weight bytes the planner plans `model` with on
/// `engine` (llama.cpp or MLX) — for checking that fit and plan agree.
pub fn planned_weights(
    catalog: &Catalog,
    model: &str,
    quant: Option<&str>,
    engine: Engine,
) -> Result<(String, u64), PlanError> {
    let fam = match engine {
        Engine::Mlx => EngineFamily::Mlx,
        Engine::LlamaCpp => EngineFamily::LlamaCpp,
        other => {
            return Err(PlanError::Invalid(format!(
                "the planner deploys llama.cpp and MLX, not {}",
                other.name()
            )))
        }
    };
    let m = ResolvedModel::new(catalog.model(model)?.arch.clone(), quant)?;
    Ok((m.quant(fam).to_string(), m.weights(fam).bytes))
}

/// KV + state bytes of one role on one model (all its streams).
#[derive(Clone, Copy, Default)]
pub(crate) struct RoleKv {
    pub kv: u64,
    pub state: u64,
}

/// Everything the later stages read: the requirements, the embedded data and
/// the resolved model options.
pub(crate) struct Ctx<'a> {
    pub req: &'a Requirements,
    pub rules: &'a BuildRules,
    pub book: &'a PriceBook,
    pub quality: &'a Quality,
    pub models: Vec<ResolvedModel>,
    /// options[role] = model options in order of preference.
    pub options: Vec<Vec<ModelOpt>>,
    /// Context per stream, per role (the target when `context_min` is given).
    pub ctx: Vec<u64>,
    /// Hard minimum context per stream, per role.
    pub ctx_min: Vec<u64>,
    /// Models left out of a role for their window, with the numbers.
    pub windows_out: Vec<WindowOut>,
    /// KV bytes per role × model × family × KV type (see [`Ctx::role_kv`]):
    /// a flat table, as the model search reads it for every combination.
    role_kv: Vec<RoleKv>,
    /// Compute buffer bytes per model × family.
    compute: Vec<u64>,
    pub flags: Vec<String>,
    pub not_considered: Vec<String>,
    /// (model id, quant) → index into `models`.
    index: HashMap<String, usize>,
    /// Part prices looked up so far: the candidates ask for the same CPUs,
    /// boards, PSUs and drives hundreds of times per plan.
    prices: RefCell<HashMap<String, Option<Rc<PartPrice>>>>,
    /// Deployment speeds computed so far, shared by the plan's candidates.
    pub speeds: RefCell<crate::evaluate::Speeds>,
}

/// The engine's default quantization (one source: rigsize-core).
fn default_scheme(m: &ModelArch, fam: EngineFamily) -> QuantScheme {
    rigsize_core::engine::default_quant(m, fam.engine())
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(req: &'a Requirements, catalog: &Catalog) -> Result<Ctx<'a>, PlanError> {
        let mut cx = Ctx {
            req,
            rules: BuildRules::builtin(),
            book: PriceBook::builtin(),
            quality: Quality::builtin(),
            models: vec![],
            options: vec![],
            ctx: vec![],
            ctx_min: vec![],
            windows_out: vec![],
            role_kv: vec![],
            compute: vec![],
            flags: vec![],
            not_considered: vec![],
            index: HashMap::new(),
            prices: RefCell::default(),
            speeds: RefCell::default(),
        };
        for (ri, role) in req.roles.iter().enumerate() {
            let c = role.context.tokens()?;
            cx.ctx.push(c);
            let min = match &role.context_min {
                Some(m) => m.tokens()?,
                None => c,
            };
            cx.ctx_min.push(min);
            for id in &role.named_models {
                catalog.model(id).map_err(|_| {
                    PlanError::Invalid(format!(
                        "role '{}': named model '{id}' is not in the model catalog",
                        role.name
                    ))
                })?;
            }
            let mut opts = match &role.models {
                ModelChoice::List(list) => cx.listed_options(ri, role, list, catalog)?,
                ModelChoice::Keyword(_) => cx.ranked_options(ri, role, catalog)?,
            };
            keep_first(&mut opts, MAX_OPTIONS_PER_ROLE, |o| {
                role.named_models.iter().any(|n| {
                    catalog
                        .model(n)
                        .is_ok_and(|m| m.arch.id == cx.models[o.model].arch.id)
                })
            });
            cx.options.push(opts);
        }
        cx.context_flags();
        cx.precompute_kv();
        cx.flags.dedup();
        Ok(cx)
    }

    /// The price of a part: a build-rule allowance or the snapshot's best offer.
    pub(crate) fn price(&self, item: &str) -> Option<Rc<PartPrice>> {
        if let Some(p) = self.prices.borrow().get(item) {
            return p.clone();
        }
        let p = match self.rules.allowance.iter().find(|a| a.id == item) {
            Some(a) => Some(a.part()),
            None => self.book.best(item, &self.req.purchase),
        }
        .map(Rc::new);
        self.prices.borrow_mut().insert(item.to_string(), p.clone());
        p
    }

    fn add_model(
        &mut self,
        catalog: &Catalog,
        id: &str,
        quant: Option<&str>,
    ) -> Result<usize, PlanError> {
        let rec = catalog.model(id)?;
        let key = format!("{}|{}", rec.arch.id, quant.unwrap_or(""));
        if let Some(i) = self.index.get(&key) {
            return Ok(*i);
        }
        self.flags.extend(rec.user_added_note());
        self.models
            .push(ResolvedModel::new(rec.arch.clone(), quant)?);
        self.index.insert(key, self.models.len() - 1);
        Ok(self.models.len() - 1)
    }

    /// The planned context of `role` on `model`: the requested context, or the
    /// model's own window when it lies between the role's minimum and target.
    pub(crate) fn ctx_of(&self, role: usize, model: usize) -> u64 {
        let window = self.models[model].arch.max_context();
        if window < self.ctx[role] && window >= self.ctx_min[role] {
            window
        } else {
            self.ctx[role]
        }
    }

    /// A listed role's models (and the buyer's named ones). A sub-agent role
    /// tries them best score first: the sub-agent model is the best one that
    /// keeps the minimums, not the first listed.
    fn listed_options(
        &mut self,
        ri: usize,
        role: &Role,
        list: &[String],
        catalog: &Catalog,
    ) -> Result<Vec<ModelOpt>, PlanError> {
        let bench = role.rank_by.as_deref().unwrap_or(DEFAULT_BENCHMARK);
        let mut opts: Vec<ModelOpt> = Vec::new();
        // Listed models are kept whatever their window (a short one fails the
        // context check with its numbers); named extras must reach the minimum.
        for (k, id) in list.iter().chain(&role.named_models).enumerate() {
            if k >= list.len() && !self.window_ok(ri, role, catalog, id, None) {
                continue;
            }
            let i = self.add_model(catalog, id, role.quant.as_deref())?;
            let q = self
                .quality
                .score(&self.models[i].arch.id, bench)
                .map(|s| s.score_pct);
            if opts.iter().all(|o| o.model != i) {
                opts.push(ModelOpt {
                    model: i,
                    quality: q,
                });
            }
        }
        if role.kind == RoleKind::SubAgent {
            // Stable: unscored models keep their listed order, after the scored ones.
            opts.sort_by(|a, b| match (a.quality, b.quality) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
        }
        Ok(opts)
    }

    /// Whether a model's window reaches the role's hard minimum; if not, the
    /// model is recorded in `windows_out` with its shortfall.
    fn window_ok(
        &mut self,
        ri: usize,
        role: &Role,
        catalog: &Catalog,
        id: &str,
        score: Option<f64>,
    ) -> bool {
        let Ok(rec) = catalog.model(id) else {
            return true; // the caller's lookup reports it
        };
        let window = rec.arch.max_context();
        if window >= self.ctx_min[ri] {
            return true;
        }
        let named = role
            .named_models
            .iter()
            .any(|n| catalog.model(n).is_ok_and(|m| m.arch.id == rec.arch.id));
        if self
            .windows_out
            .iter()
            .all(|w| w.model != rec.arch.id || w.role != ri)
        {
            self.windows_out.push(WindowOut {
                model: rec.arch.id.clone(),
                role: ri,
                window,
                needed: self.ctx_min[ri],
                quality: score,
                named,
            });
        }
        false
    }

    /// `"best-that-fits"`: the open models with a score, best first, and the
    /// buyer's named models.
    fn ranked_options(
        &mut self,
        ri: usize,
        role: &Role,
        catalog: &Catalog,
    ) -> Result<Vec<ModelOpt>, PlanError> {
        let c = self.ctx_min[ri];
        let bench = role.rank_by.as_deref().unwrap_or(DEFAULT_BENCHMARK);
        let mut scored: Vec<(String, f64)> = self
            .quality
            .score
            .iter()
            .filter(|s| s.kind == "open" && s.benchmark == bench)
            .map(|s| (s.model.clone(), s.score_pct))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.dedup_by(|a, b| a.0 == b.0);
        if scored.is_empty() {
            return Err(PlanError::Invalid(format!(
                "role '{}': no model has a '{bench}' score to rank \"best-that-fits\"; list the models",
                role.name
            )));
        }
        let mut opts = Vec::new();
        for (id, score) in scored {
            let Ok(rec) = catalog.model(&id) else {
                self.not_considered
                    .push(format!("{id} ({bench} {score}%): not in the model catalog"));
                continue;
            };
            if rec.arch.max_context() < c {
                self.not_considered.push(format!(
                    "{id} ({bench} {score}%) for role '{}': its context of {} tokens is below the {} requested",
                    role.name,
                    format_tokens(rec.arch.max_context()),
                    format_tokens(c)
                ));
                self.window_ok(ri, role, catalog, &id, Some(score));
                continue;
            }
            let i = self.add_model(catalog, &id, role.quant.as_deref())?;
            opts.push(ModelOpt {
                model: i,
                quality: Some(score),
            });
        }
        for id in &role.named_models {
            if self.window_ok(ri, role, catalog, id, None) {
                let i = self.add_model(catalog, id, role.quant.as_deref())?;
                if opts.iter().all(|o| o.model != i) {
                    let q = self
                        .quality
                        .score(&self.models[i].arch.id, bench)
                        .map(|s| s.score_pct);
                    opts.push(ModelOpt {
                        model: i,
                        quality: q,
                    });
                }
            }
        }
        if opts.is_empty() {
            return Err(PlanError::Invalid(format!(
                "role '{}': no ranked model supports {} tokens of context",
                role.name,
                format_tokens(c)
            )));
        }
        Ok(opts)
    }

    /// Context traps of listed models.
    fn context_flags(&mut self) {
        for (ri, role) in self.req.roles.iter().enumerate() {
            for o in &self.options[ri] {
                let m = &self.models[o.model].arch;
                if m.max_context() < self.ctx_min[ri] {
                    self.flags.push(format!(
                        "{} supports {} tokens of context, below the {} asked for role '{}': it can only serve that role with a shorter context",
                        m.id,
                        format_tokens(m.max_context()),
                        format_tokens(self.ctx[ri]),
                        role.name
                    ));
                } else if m.native_context < self.ctx[ri] {
                    self.flags.push(format!(
                        "{} is trained for {} tokens; {} for role '{}' needs its documented context extension (YaRN), which may cost quality",
                        m.id,
                        format_tokens(m.native_context),
                        format_tokens(self.ctx[ri]),
                        role.name
                    ));
                }
            }
        }
    }
}
