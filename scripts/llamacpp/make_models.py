#!/usr/bin/env python3
"""Write small GGUF fixtures (random F16 weights, F32 norms) with the real
attention layouts of several architectures, so llama.cpp can load them and
log its KV-cache allocation.

Uses the gguf-py shipped inside the llama.cpp sdist (see build.sh); run it
with the venv that build.sh / README describe, e.g.

    /work/llamacpp-build/venv/bin/python scripts/llamacpp/make_models.py \
        --out tests/fixtures/llamacpp --tmp /work/llamacpp-build/tmp

It also writes <out>/fixtures_hparams.json: the hyper-parameters of every
fixture (what a Rust test needs to rebuild the expected numbers).

The F32 source for the Q4_K_M file is written to --tmp (not a fixture);
measure.py quantizes it with llama-quantize.
"""
import argparse
import json
import os
import sys

import numpy as np

GGUF_PY = os.environ.get("GGUF_PY")
if GGUF_PY:
    sys.path.insert(0, GGUF_PY)
import gguf  # noqa: E402

VOCAB = 256


class M:
    """Tiny model builder: records tensors (ggml order shapes) and KVs."""

    def __init__(self, arch, seed):
        self.arch = arch
        self.kv = []        # (key, kind, value)
        self.tensors = []   # (name, ne (ggml order), dtype)
        self.rng = np.random.default_rng(seed)

    def u32(self, key, v):
        self.kv.append((key.replace("{a}", self.arch), "u32", v))

    def f32(self, key, v):
        self.kv.append((key.replace("{a}", self.arch), "f32", v))

    def arr_u32(self, key, v):
        self.kv.append((key.replace("{a}", self.arch), "arr_u32", v))

    def arr_bool(self, key, v):
        self.kv.append((key.replace("{a}", self.arch), "arr_bool", v))

    def t(self, name, ne, dtype="f16"):
        """ne in ggml order (ne0 = row length)."""
        self.tensors.append((name, tuple(int(x) for x in ne), dtype))

    def norm(self, name, n):
        self.t(name, (n,), "f32")

    def write(self, path, weight_dtype=None):
        w = gguf.GGUFWriter(path, self.arch)
        w.add_name(os.path.splitext(os.path.basename(path))[0])
        for key, kind, v in self.kv:
            if kind == "u32":
                w.add_uint32(key, v)
            elif kind == "f32":
                w.add_float32(key, v)
            elif kind == "arr_u32":
                w.add_array(key, [int(x) for x in v])
            elif kind == "arr_bool":
                w.add_array(key, [bool(x) for x in v])
        # dummy tokenizer understood by this llama.cpp version ("test": 5-char chunks)
        w.add_tokenizer_model("test")
        w.add_token_list([f"tok_{i}" for i in range(VOCAB)])
        w.add_token_scores([0.0] * VOCAB)
        for name, ne, dtype in self.tensors:
            if weight_dtype is not None and dtype == "f16":
                dtype = weight_dtype
            shape = tuple(reversed(ne))
            if name.endswith("_norm.weight") or name.endswith("norm.weight"):
                a = np.ones(shape, dtype=np.float32)
            elif name.endswith(".ssm_a"):
                a = -np.abs(self.rng.standard_normal(shape)).astype(np.float32)
            else:
                a = (self.rng.standard_normal(shape) * 0.02).astype(np.float32)
            if dtype == "f16":
                a = a.astype(np.float16)
            w.add_tensor(name, a)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()


def common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff=None, ctx_train=32768):
    m.u32("{a}.context_length", ctx_train)
    m.u32("{a}.embedding_length", n_embd)
    m.u32("{a}.block_count", n_layer)
    if n_ff is not None:
        m.u32("{a}.feed_forward_length", n_ff)
    m.u32("{a}.attention.head_count", n_head)
    m.u32("{a}.attention.head_count_kv", n_head_kv)
    m.u32("{a}.attention.key_length", head_dim)
    m.u32("{a}.attention.value_length", head_dim)
    m.u32("{a}.rope.dimension_count", head_dim)
    m.f32("{a}.rope.freq_base", 10000.0)
    m.f32("{a}.attention.layer_norm_rms_epsilon", 1e-6)
    m.u32("{a}.vocab_size", VOCAB)


def emb(m, n_embd, tied=True):
    m.t("token_embd.weight", (n_embd, VOCAB))
    m.norm("output_norm.weight", n_embd)
    if not tied:
        m.t("output.weight", (n_embd, VOCAB))


def attn(m, i, n_embd, n_head, n_head_kv, head_dim, qk_norm=False, q_mult=1):
    m.norm(f"blk.{i}.attn_norm.weight", n_embd)
    m.t(f"blk.{i}.attn_q.weight", (n_embd, n_head * head_dim * q_mult))
    m.t(f"blk.{i}.attn_k.weight", (n_embd, n_head_kv * head_dim))
    m.t(f"blk.{i}.attn_v.weight", (n_embd, n_head_kv * head_dim))
    m.t(f"blk.{i}.attn_output.weight", (n_head * head_dim, n_embd))
    if qk_norm:
        m.norm(f"blk.{i}.attn_q_norm.weight", head_dim)
        m.norm(f"blk.{i}.attn_k_norm.weight", head_dim)


def dense_ffn(m, i, n_embd, n_ff):
    m.norm(f"blk.{i}.ffn_norm.weight", n_embd)
    m.t(f"blk.{i}.ffn_gate.weight", (n_embd, n_ff))
    m.t(f"blk.{i}.ffn_up.weight", (n_embd, n_ff))
    m.t(f"blk.{i}.ffn_down.weight", (n_ff, n_embd))


def moe_ffn(m, i, n_embd, n_ff_exp, n_expert, norm=True):
    if norm:
        m.norm(f"blk.{i}.ffn_norm.weight", n_embd)
    m.t(f"blk.{i}.ffn_gate_inp.weight", (n_embd, n_expert), "f32")
    m.t(f"blk.{i}.ffn_gate_exps.weight", (n_embd, n_ff_exp, n_expert))
    m.t(f"blk.{i}.ffn_up_exps.weight", (n_embd, n_ff_exp, n_expert))
    m.t(f"blk.{i}.ffn_down_exps.weight", (n_ff_exp, n_embd, n_expert))


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------

def llama(name, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff, seed):
    m = M("llama", seed)
    common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff)
    emb(m, n_embd)
    for i in range(n_layer):
        attn(m, i, n_embd, n_head, n_head_kv, head_dim)
        dense_ffn(m, i, n_embd, n_ff)
    hp = dict(arch="llama", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
              head_dim_k=head_dim, head_dim_v=head_dim, n_ff=n_ff, n_vocab=VOCAB,
              swa_layers=[], n_swa=0, kv_layers=list(range(n_layer)))
    return name, m, hp


def qwen3(seed):
    n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff = 4, 64, 4, 2, 64, 64
    m = M("qwen3", seed)
    common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff)
    emb(m, n_embd)
    for i in range(n_layer):
        attn(m, i, n_embd, n_head, n_head_kv, head_dim, qk_norm=True)
        dense_ffn(m, i, n_embd, n_ff)
    hp = dict(arch="qwen3", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
              head_dim_k=head_dim, head_dim_v=head_dim, n_ff=n_ff, n_vocab=VOCAB,
              note="explicit head_dim 64 != n_embd/n_head (16)",
              swa_layers=[], n_swa=0, kv_layers=list(range(n_layer)))
    return "qwen3-l4-h4-kv2-d64.gguf", m, hp


def qwen3moe(seed):
    n_layer, n_embd, n_head, n_head_kv, head_dim = 2, 64, 4, 2, 32
    n_expert, n_used, n_ff_exp = 8, 2, 32
    m = M("qwen3moe", seed)
    common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff=n_ff_exp * n_used)
    m.u32("{a}.expert_count", n_expert)
    m.u32("{a}.expert_used_count", n_used)
    m.u32("{a}.expert_feed_forward_length", n_ff_exp)
    emb(m, n_embd)
    for i in range(n_layer):
        attn(m, i, n_embd, n_head, n_head_kv, head_dim, qk_norm=True)
        moe_ffn(m, i, n_embd, n_ff_exp, n_expert)
    hp = dict(arch="qwen3moe", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
              head_dim_k=head_dim, head_dim_v=head_dim, n_expert=n_expert, n_expert_used=n_used,
              n_ff_exp=n_ff_exp, n_vocab=VOCAB, swa_layers=[], n_swa=0, kv_layers=list(range(n_layer)))
    return "qwen3moe-l2-e8-k2.gguf", m, hp


def gemma3(seed):
    n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff = 8, 64, 4, 2, 32, 16
    n_swa = 128
    m = M("gemma3", seed)
    common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff)
    m.u32("{a}.attention.sliding_window", n_swa)
    m.f32("{a}.rope.freq_base_swa", 10000.0)
    # no sliding_window_pattern key: llama.cpp uses its hard-coded gemma3 pattern 6
    emb(m, n_embd)
    for i in range(n_layer):
        attn(m, i, n_embd, n_head, n_head_kv, head_dim, qk_norm=True)
        m.norm(f"blk.{i}.post_attention_norm.weight", n_embd)
        dense_ffn(m, i, n_embd, n_ff)
        m.norm(f"blk.{i}.post_ffw_norm.weight", n_embd)
    swa = [i for i in range(n_layer) if i % 6 < 5]
    hp = dict(arch="gemma3", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
              head_dim_k=head_dim, head_dim_v=head_dim, n_ff=n_ff, n_vocab=VOCAB,
              n_swa=n_swa, swa_pattern_rule="is_swa(il) = il % 6 < 5 (hard-coded n_pattern=6, no key in file)",
              swa_layers=swa, kv_layers=list(range(n_layer)))
    return "gemma3-l8-swa128.gguf", m, hp


def gpt_oss(seed):
    n_layer, n_embd, n_head, n_head_kv, head_dim = 4, 64, 4, 2, 32
    n_expert, n_used, n_ff_exp = 4, 2, 32
    n_swa = 128
    m = M("gpt-oss", seed)
    common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff=n_ff_exp)
    m.u32("{a}.expert_count", n_expert)
    m.u32("{a}.expert_used_count", n_used)
    m.u32("{a}.expert_feed_forward_length", n_ff_exp)
    m.u32("{a}.attention.sliding_window", n_swa)
    emb(m, n_embd, tied=False)
    for i in range(n_layer):
        attn(m, i, n_embd, n_head, n_head_kv, head_dim)
        m.norm(f"blk.{i}.post_attention_norm.weight", n_embd)
        m.t(f"blk.{i}.attn_sinks.weight", (n_head,), "f32")
        m.t(f"blk.{i}.attn_output.bias", (n_embd,), "f32")
        moe_ffn(m, i, n_embd, n_ff_exp, n_expert, norm=False)
        m.t(f"blk.{i}.ffn_gate_inp.bias", (n_expert,), "f32")
        m.t(f"blk.{i}.ffn_gate_exps.bias", (n_ff_exp, n_expert), "f32")
        m.t(f"blk.{i}.ffn_up_exps.bias", (n_ff_exp, n_expert), "f32")
        m.t(f"blk.{i}.ffn_down_exps.bias", (n_embd, n_expert), "f32")
    swa = [i for i in range(n_layer) if i % 2 < 1]
    hp = dict(arch="gpt-oss", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
              head_dim_k=head_dim, head_dim_v=head_dim, n_expert=n_expert, n_expert_used=n_used,
              n_ff_exp=n_ff_exp, n_vocab=VOCAB, n_swa=n_swa,
              swa_pattern_rule="is_swa(il) = il % 2 < 1 (hard-coded n_pattern=2: even layers SWA)",
              swa_layers=swa, kv_layers=list(range(n_layer)))
    return "gpt-oss-l4-swa128.gguf", m, hp


def deepseek2(seed):
    n_layer, n_embd, n_head = 3, 64, 4
    kv_lora, rope, nope, v_mla = 64, 32, 32, 32
    n_expert, n_used, n_shared, n_ff_exp, n_ff, n_dense = 4, 2, 1, 32, 64, 1
    m = M("deepseek2", seed)
    m.u32("{a}.context_length", 32768)
    m.u32("{a}.embedding_length", n_embd)
    m.u32("{a}.block_count", n_layer)
    m.u32("{a}.feed_forward_length", n_ff)
    m.u32("{a}.attention.head_count", n_head)
    m.u32("{a}.attention.head_count_kv", 1)            # MLA: one latent "head"
    m.u32("{a}.attention.key_length", kv_lora + rope)  # 96: latent + rope part
    m.u32("{a}.attention.value_length", kv_lora)       # 64
    m.u32("{a}.attention.key_length_mla", nope + rope)  # 64
    m.u32("{a}.attention.value_length_mla", v_mla)      # 32
    m.u32("{a}.rope.dimension_count", rope)
    m.f32("{a}.rope.freq_base", 10000.0)
    m.f32("{a}.attention.layer_norm_rms_epsilon", 1e-6)
    m.u32("{a}.attention.q_lora_rank", 0)
    m.u32("{a}.attention.kv_lora_rank", kv_lora)
    m.u32("{a}.leading_dense_block_count", n_dense)
    m.u32("{a}.expert_count", n_expert)
    m.u32("{a}.expert_used_count", n_used)
    m.u32("{a}.expert_shared_count", n_shared)
    m.u32("{a}.expert_feed_forward_length", n_ff_exp)
    m.f32("{a}.expert_weights_scale", 1.0)
    m.u32("{a}.vocab_size", VOCAB)
    emb(m, n_embd)
    for i in range(n_layer):
        m.norm(f"blk.{i}.attn_norm.weight", n_embd)
        m.norm(f"blk.{i}.attn_kv_a_norm.weight", kv_lora)
        m.t(f"blk.{i}.attn_q.weight", (n_embd, n_head * (nope + rope)))
        m.t(f"blk.{i}.attn_kv_a_mqa.weight", (n_embd, kv_lora + rope))
        m.t(f"blk.{i}.attn_k_b.weight", (nope, kv_lora, n_head))
        m.t(f"blk.{i}.attn_v_b.weight", (kv_lora, v_mla, n_head))
        m.t(f"blk.{i}.attn_output.weight", (n_head * v_mla, n_embd))
        if i < n_dense:
            dense_ffn(m, i, n_embd, n_ff)
        else:
            moe_ffn(m, i, n_embd, n_ff_exp, n_expert)
            m.t(f"blk.{i}.ffn_gate_shexp.weight", (n_embd, n_ff_exp * n_shared))
            m.t(f"blk.{i}.ffn_up_shexp.weight", (n_embd, n_ff_exp * n_shared))
            m.t(f"blk.{i}.ffn_down_shexp.weight", (n_ff_exp * n_shared, n_embd))
    hp = dict(arch="deepseek2", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=1,
              head_dim_k=kv_lora + rope, head_dim_v=kv_lora, kv_lora_rank=kv_lora, rope_dim=rope,
              key_length_mla=nope + rope, value_length_mla=v_mla, q_lora_rank=0,
              n_expert=n_expert, n_expert_used=n_used, n_expert_shared=n_shared,
              n_ff_exp=n_ff_exp, n_ff=n_ff, leading_dense=n_dense, n_vocab=VOCAB,
              mla=True, kv_row_k="n_head_kv(1) * key_length(kv_lora_rank + rope) per cell; no V cache",
              swa_layers=[], n_swa=0, kv_layers=list(range(n_layer)))
    return "deepseek2-mla-l3.gguf", m, hp


def qwen3next(seed):
    n_layer, n_embd, n_head, n_head_kv, head_dim = 4, 64, 4, 2, 32
    n_expert, n_used, n_ff_exp, n_ff_shexp = 4, 2, 32, 32
    d_conv, d_state, n_group, dt_rank = 4, 16, 2, 4
    d_inner = d_state * dt_rank  # value_dim
    key_dim = d_state * n_group
    conv_dim = 2 * key_dim + d_inner
    m = M("qwen3next", seed)
    common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff=n_ff_exp)
    m.u32("{a}.expert_count", n_expert)
    m.u32("{a}.expert_used_count", n_used)
    m.u32("{a}.expert_feed_forward_length", n_ff_exp)
    m.u32("{a}.expert_shared_feed_forward_length", n_ff_shexp)
    m.u32("{a}.ssm.conv_kernel", d_conv)
    m.u32("{a}.ssm.state_size", d_state)
    m.u32("{a}.ssm.group_count", n_group)
    m.u32("{a}.ssm.time_step_rank", dt_rank)
    m.u32("{a}.ssm.inner_size", d_inner)
    m.u32("{a}.full_attention_interval", 4)
    emb(m, n_embd)
    recr = [i for i in range(n_layer) if (i + 1) % 4 != 0]
    for i in range(n_layer):
        m.norm(f"blk.{i}.attn_norm.weight", n_embd)
        m.norm(f"blk.{i}.post_attention_norm.weight", n_embd)
        if i not in recr:
            m.t(f"blk.{i}.attn_q.weight", (n_embd, n_head * head_dim * 2))  # q + gate
            m.t(f"blk.{i}.attn_k.weight", (n_embd, n_head_kv * head_dim))
            m.t(f"blk.{i}.attn_v.weight", (n_embd, n_head_kv * head_dim))
            m.t(f"blk.{i}.attn_output.weight", (n_head * head_dim, n_embd))
            m.norm(f"blk.{i}.attn_q_norm.weight", head_dim)
            m.norm(f"blk.{i}.attn_k_norm.weight", head_dim)
        else:
            m.t(f"blk.{i}.attn_qkv.weight", (n_embd, conv_dim))
            m.t(f"blk.{i}.attn_gate.weight", (n_embd, d_inner))
            m.t(f"blk.{i}.ssm_conv1d.weight", (d_conv, conv_dim), "f32")
            m.t(f"blk.{i}.ssm_dt.bias", (dt_rank,), "f32")
            m.t(f"blk.{i}.ssm_a", (dt_rank,), "f32")
            m.t(f"blk.{i}.ssm_ba.weight", (n_embd, 2 * dt_rank))
            m.norm(f"blk.{i}.ssm_norm.weight", d_state)
            m.t(f"blk.{i}.ssm_out.weight", (d_inner, n_embd))
        moe_ffn(m, i, n_embd, n_ff_exp, n_expert, norm=False)
        m.t(f"blk.{i}.ffn_gate_inp_shexp.weight", (n_embd,), "f32")
        m.t(f"blk.{i}.ffn_gate_shexp.weight", (n_embd, n_ff_shexp))
        m.t(f"blk.{i}.ffn_up_shexp.weight", (n_embd, n_ff_shexp))
        m.t(f"blk.{i}.ffn_down_shexp.weight", (n_ff_shexp, n_embd))
    hp = dict(arch="qwen3next", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
              head_dim_k=head_dim, head_dim_v=head_dim, n_expert=n_expert, n_expert_used=n_used,
              n_ff_exp=n_ff_exp, n_ff_shexp=n_ff_shexp, n_vocab=VOCAB,
              ssm_d_conv=d_conv, ssm_d_state=d_state, ssm_n_group=n_group, ssm_dt_rank=dt_rank,
              ssm_d_inner=d_inner, full_attention_interval=4,
              recurrent_layers=recr, kv_layers=[i for i in range(n_layer) if i not in recr],
              n_embd_r="(d_conv-1)*(d_inner + 2*n_group*d_state)",
              n_embd_s="d_state*d_inner",
              swa_layers=[], n_swa=0)
    return "qwen3next-l4-hybrid.gguf", m, hp


def q4km_source(seed):
    """llama F32 source for llama-quantize Q4_K_M (dims multiple of 256 where
    K-quants should apply; attn_output rows are 128 wide to exercise the
    fallback)."""
    n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff = 4, 256, 2, 1, 64, 256
    m = M("llama", seed)
    common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff)
    emb(m, n_embd, tied=False)
    for i in range(n_layer):
        attn(m, i, n_embd, n_head, n_head_kv, head_dim)
        dense_ffn(m, i, n_embd, n_ff)
    hp = dict(arch="llama", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
              head_dim_k=head_dim, head_dim_v=head_dim, n_ff=n_ff, n_vocab=VOCAB, tied_embeddings=False,
              swa_layers=[], n_swa=0, kv_layers=list(range(n_layer)))
    return "llama-q4km-src-f32.gguf", m, hp


def qwen3moe_q4km_source(seed):
    """qwen3moe F32 source with exactly 8 experts (llama-quant.cpp has
    n_expert == 8 special cases) and tied embeddings (token_embd then gets the
    output.weight treatment)."""
    n_layer, n_embd, n_head, n_head_kv, head_dim = 2, 256, 4, 2, 64
    n_expert, n_used, n_ff_exp = 8, 2, 32
    m = M("qwen3moe", seed)
    common(m, n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff=n_ff_exp * n_used)
    m.u32("{a}.expert_count", n_expert)
    m.u32("{a}.expert_used_count", n_used)
    m.u32("{a}.expert_feed_forward_length", n_ff_exp)
    emb(m, n_embd, tied=True)
    for i in range(n_layer):
        attn(m, i, n_embd, n_head, n_head_kv, head_dim, qk_norm=True)
        moe_ffn(m, i, n_embd, n_ff_exp, n_expert)
    hp = dict(arch="qwen3moe", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
              head_dim_k=head_dim, head_dim_v=head_dim, n_expert=n_expert, n_expert_used=n_used,
              n_ff_exp=n_ff_exp, n_vocab=VOCAB, tied_embeddings=True,
              swa_layers=[], n_swa=0, kv_layers=list(range(n_layer)))
    return "qwen3moe-q4km-src-f32.gguf", m, hp


# (F32 source builder, name of the Q4_K_M fixture llama-quantize makes from it)
QUANT_SOURCES = [
    (lambda: q4km_source(9), "llama-q4km-l4-e256.gguf"),
    (lambda: qwen3moe_q4km_source(10), "qwen3moe-q4km-l2-e8-tied.gguf"),
]

FIXTURES = [
    lambda: llama("llama-gqa-l4-h8-kv2-d32.gguf", 4, 64, 8, 2, 32, 64, 1),
    lambda: llama("llama-mha-l4-h4-d32.gguf", 4, 64, 4, 4, 32, 64, 2),
    lambda: qwen3(3),
    lambda: qwen3moe(4),
    lambda: gemma3(5),
    lambda: gpt_oss(6),
    lambda: deepseek2(7),
    lambda: qwen3next(8),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/llamacpp")
    ap.add_argument("--tmp", default="/work/llamacpp-build/tmp")
    ap.add_argument("--only", default="", help="comma list of file-name prefixes")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.tmp, exist_ok=True)

    hp_path = os.path.join(args.out, "fixtures_hparams.json")
    all_hp = {}
    if os.path.exists(hp_path):
        with open(hp_path) as f:
            all_hp = json.load(f)

    only = [s for s in args.only.split(",") if s]
    for mk in FIXTURES:
        name, m, hp = mk()
        if only and not any(name.startswith(o) for o in only):
            continue
        path = os.path.join(args.out, name)
        m.write(path)
        hp["file"] = name
        all_hp[name] = hp
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")

    for mk, qname in QUANT_SOURCES:
        name, m, hp = mk()
        src = os.path.join(args.tmp, name)
        m.write(src, weight_dtype="f32")
        print(f"wrote {src} ({os.path.getsize(src)} bytes)")
        hp = dict(hp, file=qname, quantized_from=name + " (all F32; written to --tmp, not a fixture)",
                  ftype="Q4_K_M")
        all_hp[qname] = hp

    with open(hp_path, "w") as f:
        json.dump(all_hp, f, indent=1, sort_keys=True)
    print(f"wrote {hp_path}")


if __name__ == "__main__":
    main()
