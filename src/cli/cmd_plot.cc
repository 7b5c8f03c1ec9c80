// `minke plot RUN_DIR [--out FILE]`: RUN_DIR/metrics.jsonl -> RUN_DIR/plot.svg
// (loss, learning rate and expert-load imbalance against step; src/data/plot.h).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/mapped_file.h"
#include "data/plot.h"

namespace minke::cli {
namespace {

struct PlotArgs {
  std::string run_dir, out, title;
};

Status Plot(const PlotArgs& a) {
  const std::string metrics = a.run_dir + "/metrics.jsonl";
  MINKE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(metrics));
  MINKE_ASSIGN_OR_RETURN(std::vector<data::MetricsRow> rows, data::ParseMetrics(text, metrics));
  const std::string svg = data::RenderMetricsSvg(rows, a.title.empty() ? a.run_dir : a.title);
  const std::string out = a.out.empty() ? a.run_dir + "/plot.svg" : a.out;
  MINKE_RETURN_IF_ERROR(WriteFileAtomic(out, svg.data(), svg.size()));
  std::printf("plotted  %zu rows (steps %lld to %lld) -> %s\n", rows.size(), (long long)rows.front().step,
              (long long)rows.back().step, out.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterPlot(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("plot",
                                 "Plot a training run: RUN_DIR/metrics.jsonl -> RUN_DIR/plot.svg (train/val loss, "
                                 "learning rate, expert-load imbalance vs step; a self-contained SVG)");
  auto a = std::make_shared<PlotArgs>();
  cmd->add_option("run_dir", a->run_dir, "Run directory holding metrics.jsonl")->required();
  cmd->add_option("--out", a->out, "Output file (default RUN_DIR/plot.svg)");
  cmd->add_option("--title", a->title, "Title (default: the run directory)");
  cmd->callback([=] { *action = [=] { return Plot(*a); }; });
}

}  // namespace minke::cli
