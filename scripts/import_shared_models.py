#!/usr/bin/env python3
"""One-time import of ../shared/data/models.toml into rigsize's data/models.toml schema.

Kept so the conversion can be re-run and reviewed; facts and citations carry over unchanged.
Records for benchmark-only models (not in the shared file) live in data/models-extra.toml,
written by hand with their own sources, and are appended here.
Usage: python3 scripts/import_shared_models.py ../shared/data/models.toml > data/models.toml
"""
import sys, tomllib, json

def q(v):
    return json.dumps(v, ensure_ascii=False)

def pattern(m):
    at = m["attention_type"]
    if at.startswith("mla"):
        return "M"
    if "linear_attention_layers" in m:
        interval = m.get("full_attention_interval", 4)
        return "L" * (interval - 1) + "F"
    if m.get("kv_sliding_layers"):
        full = m["full_attention_layer_indices"]
        n = m["num_hidden_layers"]
        # smallest period that reproduces the full-layer indices
        for period in range(1, n + 1):
            p = "".join("F" if i in full else "S" for i in range(period))
            if all((p[i % period] == "F") == (i in full) for i in range(n)):
                return p
    return "F"

DTYPE = {"BF16": "bf16", "FP8": "fp8", "MXFP4": "mxfp4", "INT4": "int4_g128"}

def native(m):
    meth = m["weights_native_method"].split()[0].upper()
    for k, v in DTYPE.items():
        if meth.startswith(k):
            return v
    return "bf16"

def main():
    src = tomllib.load(open(sys.argv[1], "rb"))["model"]
    out = ["# rigsize model catalog. Schema: crates/rigsize-catalog/src/models.rs.",
           "# Imported from shared/data/models.toml by scripts/import_shared_models.py; facts and",
           "# sources unchanged (see that file's models_notes.md for how counts were derived).",
           "# params_*_b: billions; params_active_decode_b excludes the input embedding.",
           "# kv_bytes_per_token_fp16 (and _sliding_): the research's own figures, kept as a cross-check",
           "# of the formula (tests recompute them from the architecture).",
           "# layer_pattern: F full, S sliding, L linear (Gated DeltaNet), M MLA; repeats from layer 0.", ""]
    for m in src:
        mla = "kv_lora_rank" in m
        heads = m["num_attention_heads"]
        head_dim = m.get("head_dim") or (m["qk_nope_head_dim"] + m["qk_rope_head_dim"] if mla else m["hidden_size"] // heads)
        moe = m.get("is_moe")
        ffn = m.get("intermediate_size", 0)
        lines = ["[[model]]",
                 f"id = {q(m['id'])}",
                 f"name = {q(m['name'])}",
                 f"family = {q(m['model_type'].split(' ')[0])}",
                 f"hf_repo = {q(m['hf_repo'])}",
                 f"params_total_b = {m['total_params_b']}",
                 f"params_active_b = {m['active_params_b']}",
                 f"params_active_decode_b = {m['active_params_excl_input_embed_b']}",
                 f"layers = {m['num_hidden_layers']}",
                 f"hidden = {m['hidden_size']}",
                 f"heads = {heads}",
                 f"kv_heads = {m['num_key_value_heads']}",
                 f"head_dim = {head_dim}",
                 f"vocab = {m['vocab_size']}",
                 f"tie_embeddings = {str(m['tie_word_embeddings']).lower()}",
                 f"ffn = {ffn}",
                 f"layer_pattern = {q(pattern(m))}"]
        if m.get("kv_sliding_window_tokens"):
            lines.append(f"sliding_window = {m['kv_sliding_window_tokens']}")
        lines.append(f"native_context = {m['native_context']}")
        if m.get("extended_context"):
            lines.append(f"extended_context = {m['extended_context']}")
        lines.append(f"native_dtype = {q(native(m))}")
        lines.append(f"kv_bytes_per_token_fp16 = {m['kv_bytes_per_token_fp16']}")
        if m.get("kv_sliding_bytes_per_token_fp16"):
            lines.append(f"kv_sliding_bytes_per_token_fp16 = {m['kv_sliding_bytes_per_token_fp16']}")
        if "index_head_dim" in m:
            lines.append(f"indexer_head_dim = {m['index_head_dim']}")
        for k in ("license", "release_date"):
            if m.get(k):
                lines.append(f"{k} = {q(m[k])}")
        lines.append(f"source = {q(m['source'])}")
        lines.append(f"verified = {str(m['verified']).lower()}")
        lines.append(f"unverified_fields = {q(m.get('unverified_fields', []))}")
        if m.get("notes"):
            lines.append(f"notes = {q(m['notes'])}")
        if moe:
            eff = m.get("moe_intermediate_size") or m["intermediate_size"]
            lines += ["[model.moe]",
                      f"experts = {m['num_experts']}",
                      f"experts_per_token = {m['num_experts_per_tok']}",
                      f"shared_experts = {m.get('num_shared_experts', 0)}",
                      f"expert_ffn = {eff}"]
            if m.get("shared_expert_intermediate_size"):
                lines.append(f"shared_expert_ffn = {m['shared_expert_intermediate_size']}")
            lines.append(f"dense_layers = {m.get('first_k_dense_replace', 0)}")
        if mla:
            lines.append("[model.mla]")
            if m.get("q_lora_rank"):
                lines.append(f"q_lora_rank = {m['q_lora_rank']}")
            lines += [f"kv_lora_rank = {m['kv_lora_rank']}",
                      f"qk_nope_head_dim = {m['qk_nope_head_dim']}",
                      f"qk_rope_head_dim = {m['qk_rope_head_dim']}",
                      f"v_head_dim = {m['v_head_dim']}"]
        if "linear_attention_layers" in m:
            lines += ["[model.linear]",
                      f"num_key_heads = {m['linear_num_key_heads']}",
                      f"num_value_heads = {m['linear_num_value_heads']}",
                      f"key_head_dim = {m['linear_key_head_dim']}",
                      f"value_head_dim = {m['linear_value_head_dim']}",
                      f"conv_kernel = {m['linear_conv_kernel_dim']}"]
        out.append("\n".join(lines) + "\n")
    print("\n".join(out))

main()
