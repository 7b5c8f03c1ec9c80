#!/usr/bin/env python3
"""Golden data for minke's training objective and gradients (tests/train/golden_grad_test.cc).

Run by hand, never by CI (needs torch + transformers 5.x, like tools/gen_golden.py, whose model
builder and DeepSeek router conventions it reuses):

    python3 tools/gen_train_golden.py

For each case it writes tests/fixtures/train/<case>/{config.json, model.safetensors, golden.safetensors}:
  tokens        I64 [B, T+1]   windows; inputs are [:, :T], targets [:, 1:]
  loss, ce, mtp_ce, balance  F64 scalars
  grad.<name>   F32            d loss / d <name> for every hub tensor (hub names, per-expert layout)
  adamw.<name>  F32            the tensor after one torch.optim.AdamW step on those gradients,
                               after clipping the global grad norm to CLIP
                               (weight decay on matrices only, not on norms / biases)

The objective follows DeepSeek-V3 §2 (transformers has no MTP or balance loss, so they are written
here from the paper, on top of transformers' DeepseekV3ForCausalLM and DeepseekV3DecoderLayer):
  L = CE(main) + lambda/D * sum_k CE(MTP k) + sum over MoE layers of alpha * sum_i f_i P_i
  (per sequence, averaged over the batch; f_i = E/(K T) * #selected, P_i = mean_t s_i / sum_j s_j)
The MTP input is [RMSNorm(Emb(t_{i+1})); RMSNorm(h_i)] with h the main model's final *normed*
hidden state, as minke's MtpForward and tools/gen_golden.py use.
"""
from __future__ import annotations

import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_golden as gg  # noqa: E402  (applies the DeepSeek router patches to transformers)

ROOT = os.path.join(gg.REPO, "tests", "fixtures", "train")
B, T = 2, 8
torch.set_num_threads(1)
LR, BETAS, EPS, WD, CLIP = 1e-3, (0.9, 0.95), 1e-8, 0.1, 1.0


def cases():
    out = []
    hub = gg.base_v3()
    hub.update(num_hidden_layers=2, first_k_dense_replace=1, n_shared_experts=1, num_nextn_predict_layers=1,
               n_group=4, topk_group=2, num_experts_per_tok=3, norm_topk_prob=True, routed_scaling_factor=2.5,
               vocab_size=64, rope_scaling=gg.yarn(4, 256, 1.0, 0.8))
    out.append(("v3_mtp", 2001, hub, dict(mtp_lambda=0.3, alpha=0.01)))
    hub = gg.base_v2()
    hub.update(num_hidden_layers=2, first_k_dense_replace=1, q_lora_rank=None, n_shared_experts=2,
               topk_method="group_limited_greedy", n_group=2, topk_group=1, num_experts_per_tok=2,
               norm_topk_prob=False, routed_scaling_factor=1.0, vocab_size=64, rope_scaling=None,
               max_position_embeddings=512)
    out.append(("v2_softmax", 2002, hub, dict(mtp_lambda=0.0, alpha=0.0)))
    return out


def router_modules(root):
    return [m for m in root.modules() if isinstance(m, (gg.mdv3.DeepseekV3TopkRouter, gg.mdv2.DeepseekV2TopkRouter))]


def balance_loss(hub, mod, x, n_seq, alpha):
    """alpha * sum_i f_i P_i per sequence, mean over sequences; x: router input [n_seq*L, H]."""
    logits = F.linear(x.float(), mod.weight.float())
    E, k = mod.num_experts, mod.top_k
    if hub["model_type"] == "deepseek_v3":
        scores = logits.sigmoid()
    else:
        scores = logits.softmax(-1)
    with torch.no_grad():  # the selection, exactly as the patched router makes it
        idx = mod(x)[-1]
    idx = idx.reshape(n_seq, -1, k)
    s = scores.reshape(n_seq, -1, E)
    Lr = s.shape[1]
    total = 0.0
    for b in range(n_seq):
        f = torch.zeros(E).scatter_add_(0, idx[b].reshape(-1), torch.ones(idx[b].numel())) * (E / (k * Lr))
        P = (s[b] / s[b].sum(-1, keepdim=True)).mean(0)
        total = total + alpha * (f * P).sum()
    return total / n_seq


def objective(model, mtp, hub, tokens, mtp_lambda, alpha):
    inputs, targets = tokens[:, :T], tokens[:, 1:]
    captured = []
    hooks = [r.register_forward_hook(lambda mod, inp, out: captured.append((mod, inp[0])))
             for r in router_modules(model)]
    final = []
    hooks.append(model.model.norm.register_forward_hook(lambda mod, args, out: final.append(out)))
    V = hub["vocab_size"]
    logits = model(input_ids=inputs).logits
    for hh in hooks[:-1]:  # the routers' (balance_loss calls them again); keep the norm's
        hh.remove()
    hooks = hooks[-1:]
    ce = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    bal = torch.zeros(())
    for mod, x in captured:
        bal = bal + balance_loss(hub, mod, x.reshape(-1, x.shape[-1]), B, alpha) if alpha > 0 else bal
    mtp_ce = []
    h = final[0]
    for k, parts in enumerate(mtp, start=1):
        n = T - k
        emb = F.embedding(tokens[:, k:k + n], parts["embed"])
        x = torch.cat([parts["enorm"](emb), parts["hnorm"](h[:, :n])], dim=-1)
        x = F.linear(x, parts["eh_proj"])
        pos = torch.arange(n)[None].expand(B, -1)
        pe = model.model.rotary_emb(x, pos)
        cap = []
        hk = [r.register_forward_hook(lambda mod, inp, out: cap.append((mod, inp[0])))
              for r in router_modules(parts["block"])]
        x = parts["block"](x, attention_mask=gg.causal_mask(n), position_ids=pos, position_embeddings=pe)
        for hh in hk:
            hh.remove()
        for mod, xr in cap:
            if alpha > 0:
                bal = bal + balance_loss(hub, mod, xr.reshape(-1, xr.shape[-1]), B, alpha)
        lg = F.linear(parts["head_norm"](x), parts["head"])
        mtp_ce.append(F.cross_entropy(lg.reshape(-1, V), tokens[:, k + 1:k + 1 + n].reshape(-1)))
        h = x
    for hh in hooks:
        hh.remove()
    loss = ce + bal
    if mtp_ce and mtp_lambda > 0:
        loss = loss + mtp_lambda / len(mtp_ce) * sum(mtp_ce)
    return loss, ce, mtp_ce, bal


def hub_params(model, mtp, hub):
    """hub tensor name -> (tensor with grad, how to slice it out of a fused transformers tensor)."""
    out = {}
    L = hub["num_hidden_layers"]

    def add_layer(prefix_hub, module, prefix_mod, idx):
        for name, p in module.named_parameters():
            if not name.startswith(prefix_mod):
                continue
            rest = name[len(prefix_mod):]
            if rest == "mlp.experts.gate_up_proj":
                I = hub["moe_intermediate_size"]
                for e in range(hub["n_routed_experts"]):
                    out[f"{prefix_hub}mlp.experts.{e}.gate_proj.weight"] = (p, (e, slice(0, I)))
                    out[f"{prefix_hub}mlp.experts.{e}.up_proj.weight"] = (p, (e, slice(I, 2 * I)))
            elif rest == "mlp.experts.down_proj":
                for e in range(hub["n_routed_experts"]):
                    out[f"{prefix_hub}mlp.experts.{e}.down_proj.weight"] = (p, (e,))
            else:
                out[prefix_hub + rest] = (p, None)

    for name, p in model.named_parameters():
        if not name.startswith("model.layers."):
            out[name] = (p, None)
    for i in range(L):
        add_layer(f"model.layers.{i}.", model, f"model.layers.{i}.", i)
    for k, parts in enumerate(mtp):
        p = f"model.layers.{L + k}."
        add_layer(p, parts["block"], "", L + k)
        out[p + "embed_tokens.weight"] = (parts["embed"], None)
        out[p + "eh_proj.weight"] = (parts["eh_proj"], None)
        out[p + "shared_head.head.weight"] = (parts["head"], None)
        out[p + "enorm.weight"] = (parts["enorm"].weight, None)
        out[p + "hnorm.weight"] = (parts["hnorm"].weight, None)
        out[p + "shared_head.norm.weight"] = (parts["head_norm"].weight, None)
    # buffers and empty placeholders are not parameters
    return {k: v for k, v in out.items() if v[0].numel() > 0 and "e_score_correction_bias" not in k}


def take(t, sl):
    return t if sl is None else t[sl]


def generate(name, seed, hub, recipe):
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    gg.write_json(os.path.join(d, "config.json"), hub)
    w = gg.make_hub_weights(hub, seed, {})
    gg.write_model_files(d, w, 1, hub["num_hidden_layers"])
    model, mtp, hub = gg.build_hf(d, w)
    for parts in mtp:
        for key in ("embed", "eh_proj", "head"):
            parts[key] = parts[key].clone().requires_grad_(True)
    # windows whose routing has a safe margin at every decision (checked per sequence)
    rows = []
    for attempt in range(2000):
        g = torch.Generator().manual_seed(seed * 1000 + attempt)
        ids = torch.randint(0, hub["vocab_size"], (T + 1,), generator=g, dtype=torch.int64)
        _, _, _, rin = gg.run_model(model, mtp, hub, ids[:T], record_router=True)
        margin = gg.routing_stats(rin, hub)[0]
        if margin >= gg.ROUTE_MARGIN:
            rows.append(ids)
            if len(rows) == B:
                break
    assert len(rows) == B, "no inputs with a safe routing margin"
    tokens = torch.stack(rows)
    model.zero_grad()
    loss, ce, mtp_ce, bal = objective(model, mtp, hub, tokens, recipe["mtp_lambda"], recipe["alpha"])
    loss.backward()
    params = hub_params(model, mtp, hub)
    missing = set(w) - set(params) - {k for k in w if "e_score_correction_bias" in k}
    assert not missing, sorted(missing)
    golden = {"tokens": tokens, "loss": torch.tensor(loss.item(), dtype=torch.float64),
              "ce": torch.tensor(ce.item(), dtype=torch.float64),
              "balance": torch.tensor(float(bal), dtype=torch.float64)}
    if mtp_ce:
        golden["mtp_ce"] = torch.tensor([m.item() for m in mtp_ce], dtype=torch.float64)
    for k, (p, sl) in params.items():
        golden["grad." + k] = take(p.grad, sl).detach().clone().contiguous()
    # one AdamW step, the reference for minke's optimizer
    uniq = {id(p): p for p, _ in params.values()}
    plist = list(uniq.values())
    torch.nn.utils.clip_grad_norm_(plist, CLIP)
    decay = [p for p in plist if p.dim() >= 2]
    nodecay = [p for p in plist if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=LR, betas=BETAS, eps=EPS)
    opt.step()
    for k, (p, sl) in params.items():
        golden["adamw." + k] = take(p, sl).detach().clone().contiguous()
    gg.save_st(golden, os.path.join(d, "golden.safetensors"))
    print(f"{name}: loss {loss.item():.6f} ce {ce.item():.6f} mtp {[round(m.item(), 6) for m in mtp_ce]} "
          f"balance {float(bal):.6g}, {len(params)} tensors, attempt {attempt}")


def main():
    for name, seed, hub, recipe in cases():
        generate(name, seed, hub, recipe)


if __name__ == "__main__":
    main()
