// Wall-clock time per phase of a training step, for bench/bench_train.cc's
// breakdown (attention, MoE experts, router, lm_head/CE, optimizer, ...).
//
// Off by default: a PhaseTimer then costs one branch. When on, it reads
// steady_clock at construction and destruction and adds the difference to
// its phase. Only used on the calling thread, outside OpenMP regions (the
// totals are not synchronised). MTP modules' blocks and heads add to the
// inner phases (attention, experts, lm_head, ...) but sit outside the
// "blocks" totals.
#pragma once

#include <chrono>

namespace minke::train {

enum Phase {
  kFwdBlocks,  // embedding, blocks and final norm (the head is kFwdHead); contains attn..shared
  kFwdAttn,
  kFwdDense,  // dense SwiGLU FFN blocks
  kFwdRouter,
  kFwdExperts,  // routed experts: gather, GEMMs, scatter, combine
  kFwdShared,
  kFwdHead,    // lm_head GEMM + cross-entropy
  kBwdBlocks,  // final norm, blocks and embedding backward; contains attn..shared
  kBwdAttn,
  kBwdDense,
  kBwdRouter,
  kBwdExperts,
  kBwdShared,
  kBwdHead,  // lm_head's two backward GEMMs
  kOptimizer,
  kPhaseCount
};

const char* PhaseName(Phase p);
void SetPhaseTiming(bool on);
bool PhaseTiming();
void ResetPhaseTimes();
double PhaseSeconds(Phase p);
void AddPhaseSeconds(Phase p, double s);

class PhaseTimer {
 public:
  explicit PhaseTimer(Phase p) : phase_(p), on_(PhaseTiming()) {
    if (on_) t0_ = std::chrono::steady_clock::now();
  }
  ~PhaseTimer() {
    if (on_) AddPhaseSeconds(phase_, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count());
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  Phase phase_;
  bool on_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace minke::train
