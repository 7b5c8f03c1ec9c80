#include "train/phase_timer.h"

namespace minke::train {
namespace {

bool g_on = false;
double g_seconds[kPhaseCount] = {};

}  // namespace

const char* PhaseName(Phase p) {
  static const char* const kNames[kPhaseCount] = {"fwd blocks",      "  attention",     "  dense ffn",  "  router",
                                                  "  moe experts",   "  shared expert", "  lm_head+ce", "bwd blocks",
                                                  "  attention",     "  dense ffn",     "  router",     "  moe experts",
                                                  "  shared expert", "  lm_head",       "optimizer"};
  return kNames[p];
}

void SetPhaseTiming(bool on) { g_on = on; }
bool PhaseTiming() { return g_on; }
void ResetPhaseTimes() {
  for (double& s : g_seconds) s = 0.0;
}
double PhaseSeconds(Phase p) { return g_seconds[p]; }
void AddPhaseSeconds(Phase p, double s) { g_seconds[p] += s; }

}  // namespace minke::train
