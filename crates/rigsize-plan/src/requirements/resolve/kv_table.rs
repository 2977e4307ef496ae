//! The KV and compute-buffer bytes of a plan's options, computed once in
//! [`Ctx::new`] and kept in flat tables: the model search reads them for
//! every combination of every candidate.

use rigsize_core::dtype::KvType;
use rigsize_core::kv;
use rigsize_core::memory::compute_buffer_bytes;

use super::{Ctx, EngineFamily, RoleKv};

impl Ctx<'_> {
    /// Slot of (model, family) in `compute`; times two plus the KV type's
    /// index, plus the role's offset, its slot in `role_kv`.
    fn model_slot(&self, model: usize, fam: EngineFamily) -> usize {
        model * 2 + fam as usize
    }

    /// KV + state bytes of `role` on `model` under `fam` at KV type `kv`
    /// (zero for a model that is not one of the role's options, or a KV
    /// type the planner does not try).
    pub(crate) fn role_kv(
        &self,
        role: usize,
        model: usize,
        fam: EngineFamily,
        kv: KvType,
    ) -> RoleKv {
        let k = match kv {
            KvType::F16 => 0,
            KvType::Q8_0 => 1,
            _ => return RoleKv::default(),
        };
        let i = (role * self.models.len() * 2 + self.model_slot(model, fam)) * 2 + k;
        self.role_kv.get(i).copied().unwrap_or_default()
    }

    /// Compute buffer bytes of `model` under `fam`.
    pub(crate) fn compute_bytes(&self, model: usize, fam: EngineFamily) -> u64 {
        self.compute
            .get(self.model_slot(model, fam))
            .copied()
            .unwrap_or(0)
    }

    /// KV per role × model × engine × KV type, and compute buffers per model × engine.
    pub(super) fn precompute_kv(&mut self) {
        let n = self.models.len();
        self.compute = vec![0; n * 2];
        self.role_kv = vec![RoleKv::default(); self.req.roles.len() * n * 4];
        for (ri, role) in self.req.roles.iter().enumerate() {
            for o in &self.options[ri] {
                for fam in EngineFamily::ALL {
                    let m = &self.models[o.model];
                    let slot = self.model_slot(o.model, fam);
                    self.compute[slot] = compute_buffer_bytes(&m.arch, &fam.kv_engine());
                    for (k, kv) in [KvType::F16, KvType::Q8_0].into_iter().enumerate() {
                        // The KV part of `memory::estimate_on` alone: its
                        // worded explanation is not read here.
                        let e = kv::allocate(
                            &m.arch,
                            self.ctx_of(ri, o.model),
                            role.streams.max(1),
                            kv,
                            kv,
                            &fam.kv_engine(),
                        );
                        self.role_kv[(ri * n * 2 + slot) * 2 + k] = RoleKv {
                            kv: e.kv_bytes,
                            state: e.recurrent_bytes,
                        };
                    }
                }
            }
        }
    }
}
