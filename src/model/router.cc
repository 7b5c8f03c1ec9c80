#include "model/router.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace minke::model {
namespace {

// Indices of the k largest values (descending; ties to the lower index).
void TopK(const float* v, int64_t n, int64_t k, int32_t* out, std::vector<int32_t>* scratch) {
  scratch->resize(n);
  std::iota(scratch->begin(), scratch->end(), 0);
  std::partial_sort(scratch->begin(), scratch->begin() + k, scratch->end(),
                    [v](int32_t a, int32_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
  std::copy(scratch->begin(), scratch->begin() + k, out);
}

}  // namespace

void Route(const ModelConfig& c, const float* logits, const float* bias, int64_t T, int32_t* experts, float* weights) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, G = c.n_group;
  const int64_t per_group = E / G;
  std::vector<float> scores(E), choice(E), group_score(G);
  std::vector<int32_t> scratch, top_groups(c.topk_group), pair(2);
  for (int64_t t = 0; t < T; ++t) {
    const float* l = logits + t * E;
    if (c.scoring_func == ScoringFunc::kSoftmax) {
      float m = *std::max_element(l, l + E);
      double sum = 0.0;
      for (int64_t e = 0; e < E; ++e) sum += (scores[e] = std::exp(l[e] - m));
      for (int64_t e = 0; e < E; ++e) scores[e] = static_cast<float>(scores[e] / sum);
    } else {
      for (int64_t e = 0; e < E; ++e) scores[e] = 1.0f / (1.0f + std::exp(-l[e]));
    }
    for (int64_t e = 0; e < E; ++e)
      choice[e] = scores[e] + (c.topk_method == TopkMethod::kNoauxTc && bias ? bias[e] : 0.0f);

    if (c.topk_method != TopkMethod::kGreedy && G > 1) {
      for (int64_t g = 0; g < G; ++g) {
        const float* cg = choice.data() + g * per_group;
        if (c.topk_method == TopkMethod::kNoauxTc) {
          TopK(cg, per_group, 2, pair.data(), &scratch);
          group_score[g] = cg[pair[0]] + cg[pair[1]];
        } else {
          group_score[g] = *std::max_element(cg, cg + per_group);
        }
      }
      TopK(group_score.data(), G, c.topk_group, top_groups.data(), &scratch);
      std::vector<bool> keep(G, false);
      for (int32_t g : top_groups) keep[g] = true;
      const float masked = c.topk_method == TopkMethod::kNoauxTc ? -INFINITY : 0.0f;
      for (int64_t e = 0; e < E; ++e)
        if (!keep[e / per_group]) choice[e] = masked;
    }

    int32_t* idx = experts + t * K;
    float* w = weights + t * K;
    TopK(choice.data(), E, K, idx, &scratch);
    double sum = 0.0;
    for (int64_t k = 0; k < K; ++k) sum += (w[k] = scores[idx[k]]);
    bool normalise = c.norm_topk_prob && K > 1;
    bool scale = c.model_type == ModelType::kDeepseekV3 || !normalise;
    for (int64_t k = 0; k < K; ++k) {
      if (normalise) w[k] = static_cast<float>(w[k] / (sum + 1e-20));
      if (scale) w[k] = static_cast<float>(w[k] * c.routed_scaling_factor);
    }
  }
}

}  // namespace minke::model
