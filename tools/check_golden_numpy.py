#!/usr/bin/env python3
"""Independent numpy (float64) re-check of the golden fixtures in tests/fixtures/model/.

Uses only numpy + json: its own safetensors reader (F32, BF16, F8_E4M3, I64), its own fp8
block dequantisation, and a from-scratch DeepSeek forward pass written from DeepSeek's hub
modeling_deepseek.py semantics (MLA, interleaved RoPE with YaRN, MoE routers, MTP) -- no torch,
no transformers.  It reads config.json in the hub layout, i.e. the same inputs the C++ engine
gets, and compares with golden.safetensors (max abs error <= 1e-4).

    python3 tools/check_golden_numpy.py            # all cases
    python3 tools/check_golden_numpy.py v3_full    # some cases
"""

import json
import math
import os
import struct
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures", "model")
TOL = 1e-4


# ---------------------------------------------------------------- safetensors reader
def _fp8_e4m3fn_table():
    t = np.zeros(256, dtype=np.float64)
    for b in range(256):
        s, e, m = b >> 7, (b >> 3) & 0xF, b & 7
        if e == 15 and m == 7:
            v = float("nan")
        elif e == 0:
            v = (m / 8.0) * 2.0 ** -6
        else:
            v = (1 + m / 8.0) * 2.0 ** (e - 7)
        t[b] = -v if s else v
    return t


FP8_TABLE = _fp8_e4m3fn_table()


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = raw[base + b: base + e]
        shape = info["shape"]
        dt = info["dtype"]
        if dt == "F32":
            a = np.frombuffer(buf, dtype="<f4").astype(np.float64)
        elif dt == "BF16":
            a = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        elif dt == "F8_E4M3":
            a = FP8_TABLE[np.frombuffer(buf, dtype=np.uint8)]
        elif dt == "I64":
            a = np.frombuffer(buf, dtype="<i8")
        else:
            raise ValueError(f"{name}: dtype {dt}")
        out[name] = (a.reshape(shape), dt)
    return out


def load_weights(d):
    idx = os.path.join(d, "model.safetensors.index.json")
    if os.path.exists(idx):
        wm = json.load(open(idx))["weight_map"]
        files = sorted(set(wm.values()))
    else:
        wm, files = None, ["model.safetensors"]
    raw = {}
    for f in files:
        part = read_safetensors(os.path.join(d, f))
        if wm is not None:
            assert all(wm[k] == f for k in part), "index json disagrees with shard contents"
        raw.update(part)
    if wm is not None:
        assert set(wm) == set(raw)
    w = {}
    for name, (a, dt) in raw.items():
        if name.endswith("_scale_inv"):
            continue
        if dt == "F8_E4M3":
            s = raw[name + "_scale_inv"][0]
            rows, cols = a.shape
            full = np.repeat(np.repeat(s, 128, axis=0), 128, axis=1)[:rows, :cols]
            a = a * full
        w[name] = a
    return w


# ---------------------------------------------------------------- model pieces
def rms(x, wt, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * wt


def silu(x):
    return x / (1 + np.exp(-x))


def softmax(x, axis=-1):
    x = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def yarn_get_mscale(scale=1.0, mscale=1.0):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def rope_params(cfg):
    dim, base = cfg["qk_rope_head_dim"], float(cfg.get("rope_theta", 10000))
    qk_head = cfg["qk_nope_head_dim"] + cfg["qk_rope_head_dim"]
    softmax_scale = qk_head ** -0.5
    expo = np.arange(0, dim, 2, dtype=np.float64) / dim
    rs = cfg.get("rope_scaling")
    if not rs:
        return 1.0 / base ** expo, 1.0, softmax_scale
    assert rs.get("type", rs.get("rope_type")) == "yarn", rs
    factor = rs["factor"]
    orig = rs["original_max_position_embeddings"]
    beta_fast, beta_slow = rs.get("beta_fast", 32), rs.get("beta_slow", 1)
    mscale, mscale_all_dim = rs.get("mscale", 1), rs.get("mscale_all_dim", 0)

    def corr_dim(rot):
        return (dim * math.log(orig / (rot * 2 * math.pi))) / (2 * math.log(base))

    low = max(math.floor(corr_dim(beta_fast)), 0)
    high = min(math.ceil(corr_dim(beta_slow)), dim - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(dim // 2) - low) / (high - low), 0, 1)
    inv_freq_mask = 1.0 - ramp
    freq_extra = 1.0 / base ** expo
    freq_inter = 1.0 / (factor * base ** expo)
    inv_freq = freq_inter * (1 - inv_freq_mask) + freq_extra * inv_freq_mask
    cs_scale = yarn_get_mscale(factor, mscale) / yarn_get_mscale(factor, mscale_all_dim)
    if mscale_all_dim:
        softmax_scale *= yarn_get_mscale(factor, mscale_all_dim) ** 2
    return inv_freq, cs_scale, softmax_scale


def apply_rope(x, pos, inv_freq, cs_scale):
    # x [..., T, (heads,) dim] with interleaved pairs (x[2i], x[2i+1])
    ang = pos[:, None] * inv_freq[None, :]  # [T, dim/2]
    cos, sin = np.cos(ang) * cs_scale, np.sin(ang) * cs_scale
    if x.ndim == 3:
        cos, sin = cos[:, None, :], sin[:, None, :]
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x0 * cos - x1 * sin
    out[..., 1::2] = x1 * cos + x0 * sin
    return out


def attention(cfg, w, p, x, pos, rp):
    T = x.shape[0]
    nh = cfg["num_attention_heads"]
    nope, rope, vd, kvl = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"], cfg["kv_lora_rank"]
    if cfg.get("q_lora_rank") is None:
        q = x @ w[p + "q_proj.weight"].T
    else:
        q = rms(x @ w[p + "q_a_proj.weight"].T, w[p + "q_a_layernorm.weight"], 1e-6) @ w[p + "q_b_proj.weight"].T
    q = q.reshape(T, nh, nope + rope)
    ckv = x @ w[p + "kv_a_proj_with_mqa.weight"].T
    c, k_pe = ckv[:, :kvl], ckv[:, kvl:]
    kv = (rms(c, w[p + "kv_a_layernorm.weight"], 1e-6) @ w[p + "kv_b_proj.weight"].T).reshape(T, nh, nope + vd)
    k_nope, v = kv[..., :nope], kv[..., nope:]
    inv_freq, cs_scale, sm_scale = rp
    q_pe = apply_rope(q[..., nope:], pos, inv_freq, cs_scale)
    k_pe = apply_rope(k_pe, pos, inv_freq, cs_scale)
    s = np.einsum("ihd,jhd->hij", q[..., :nope], k_nope) + np.einsum("ihd,jd->hij", q_pe, k_pe)
    s = s * sm_scale
    s = np.where(np.tril(np.ones((T, T), dtype=bool))[None], s, -np.inf)
    o = np.einsum("hij,jhd->ihd", softmax(s), v).reshape(T, nh * vd)
    return o @ w[p + "o_proj.weight"].T


def mlp(w, p, x):
    return (silu(x @ w[p + "gate_proj.weight"].T) * (x @ w[p + "up_proj.weight"].T)) @ w[p + "down_proj.weight"].T


def route(cfg, w, p, x):
    """DeepSeek MoEGate: returns (idx [T, k], weight [T, k])."""
    E, k = cfg["n_routed_experts"], cfg["num_experts_per_tok"]
    logits = x @ w[p + "gate.weight"].T
    ng = cfg.get("n_group") or 1
    tg = cfg.get("topk_group") or 1
    if cfg["model_type"] == "deepseek_v3":
        assert cfg.get("scoring_func", "sigmoid") == "sigmoid" and cfg.get("topk_method", "noaux_tc") == "noaux_tc"
        scores = 1 / (1 + np.exp(-logits))
        choice = scores + w[p + "gate.e_score_correction_bias"][None]
        gs = np.sort(choice.reshape(-1, ng, E // ng), axis=-1)[..., -2:].sum(-1)
        keep = np.argsort(-gs, axis=-1, kind="stable")[:, :tg]
        gmask = np.zeros_like(gs, dtype=bool)
        np.put_along_axis(gmask, keep, True, axis=-1)
        choice = np.where(np.repeat(gmask, E // ng, axis=-1), choice, -np.inf)
        idx = np.argsort(-choice, axis=-1, kind="stable")[:, :k]
        wt = np.take_along_axis(scores, idx, axis=-1)
        if k > 1 and cfg["norm_topk_prob"]:
            wt = wt / (wt.sum(-1, keepdims=True) + 1e-20)
        wt = wt * cfg["routed_scaling_factor"]
    else:
        assert cfg.get("scoring_func", "softmax") == "softmax"
        scores = softmax(logits)
        if cfg["topk_method"] == "group_limited_greedy":
            gs = scores.reshape(-1, ng, E // ng).max(-1)
            keep = np.argsort(-gs, axis=-1, kind="stable")[:, :tg]
            gmask = np.zeros_like(gs, dtype=bool)
            np.put_along_axis(gmask, keep, True, axis=-1)
            scores = np.where(np.repeat(gmask, E // ng, axis=-1), scores, 0.0)
        else:
            assert cfg["topk_method"] == "greedy"
        idx = np.argsort(-scores, axis=-1, kind="stable")[:, :k]
        wt = np.take_along_axis(scores, idx, axis=-1)
        if k > 1 and cfg["norm_topk_prob"]:
            wt = wt / (wt.sum(-1, keepdims=True) + 1e-20)
        else:
            wt = wt * cfg["routed_scaling_factor"]
    return idx, wt


def moe(cfg, w, p, x):
    idx, wt = route(cfg, w, p, x)
    y = np.zeros_like(x)
    for t in range(x.shape[0]):
        for e, g in zip(idx[t], wt[t]):
            y[t] += g * mlp(w, p + f"experts.{e}.", x[t:t + 1])[0]
    if cfg.get("n_shared_experts"):
        y = y + mlp(w, p + "shared_experts.", x)
    return y


def decoder_layer(cfg, w, l, x, pos, rp):
    p = f"model.layers.{l}."
    eps = cfg["rms_norm_eps"]
    x = x + attention(cfg, w, p + "self_attn.", rms(x, w[p + "input_layernorm.weight"], eps), pos, rp)
    h = rms(x, w[p + "post_attention_layernorm.weight"], eps)
    is_moe = (cfg.get("n_routed_experts") is not None and l >= cfg["first_k_dense_replace"]
              and l % cfg.get("moe_layer_freq", 1) == 0)
    return x + (moe(cfg, w, p + "mlp.", h) if is_moe else mlp(w, p + "mlp.", h))


def forward(cfg, w, ids):
    rp = rope_params(cfg)
    eps = cfg["rms_norm_eps"]
    L = cfg["num_hidden_layers"]
    T = len(ids)
    x = w["model.embed_tokens.weight"][ids]
    pos = np.arange(T, dtype=np.float64)
    for l in range(L):
        x = decoder_layer(cfg, w, l, x, pos, rp)
    h0 = rms(x, w["model.norm.weight"], eps)
    logits = h0 @ w["lm_head.weight"].T
    mtp_logits = None
    if cfg.get("num_nextn_predict_layers", 0) > 0:
        p = f"model.layers.{L}."
        e = rms(w[p + "embed_tokens.weight"][ids[1:]], w[p + "enorm.weight"], eps)
        h = rms(h0[:-1], w[p + "hnorm.weight"], eps)
        y = np.concatenate([e, h], axis=-1) @ w[p + "eh_proj.weight"].T
        y = decoder_layer(cfg, w, L, y, np.arange(T - 1, dtype=np.float64), rp)
        mtp_logits = rms(y, w[p + "shared_head.norm.weight"], eps) @ w[p + "shared_head.head.weight"].T
    return logits, mtp_logits


def check(case):
    d = os.path.join(ROOT, case)
    cfg = json.load(open(os.path.join(d, "config.json")))
    w = load_weights(d)
    g = {k: v for k, (v, _) in read_safetensors(os.path.join(d, "golden.safetensors")).items()}
    logits, mtp_logits = forward(cfg, w, g["input_ids"])
    err = np.abs(logits - g["logits"]).max()
    msg = f"{case}: logits max abs err {err:.2e}"
    ok = err <= TOL
    if mtp_logits is not None:
        e2 = np.abs(mtp_logits - g["mtp_logits"]).max()
        msg += f", mtp_logits max abs err {e2:.2e}"
        ok = ok and e2 <= TOL
    else:
        assert "mtp_logits" not in g
    print(("OK   " if ok else "FAIL ") + msg)
    return ok


def main():
    cases = sys.argv[1:] or sorted(c for c in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, c)))
    ok = all([check(c) for c in cases])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
