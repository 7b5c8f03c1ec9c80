#include "data/plot.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/json_depth.h"

namespace minke::data {
namespace {

// Layout, in SVG user units.
constexpr double kWidth = 820, kPanelHeight = 230, kTop = 44, kLeft = 78, kRight = 24, kPlotHeight = 160;

struct Series {
  std::string name, color;
  double MetricsRow::*field;
  bool markers;  // sparse series (val loss) get a dot per point
};

struct Panel {
  std::string title, y_label;
  std::vector<Series> series;
};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string Coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string Text(double x, double y, std::string_view s, const char* anchor = "middle", int size = 11,
                 const std::string& extra = "") {
  return "<text x=\"" + Coord(x) + "\" y=\"" + Coord(y) + "\" font-size=\"" + std::to_string(size) +
         "\" text-anchor=\"" + anchor + "\"" + extra + ">" + Escape(s) + "</text>\n";
}

// One panel at vertical offset y0: frame, ticks, grid, series, legend.
std::string DrawPanel(const Panel& p, const std::vector<MetricsRow>& rows, double y0, double x_lo, double x_hi) {
  const double plot_w = kWidth - kLeft - kRight, top = y0 + 24, bottom = top + kPlotHeight;
  std::string s = Text(kLeft, y0 + 14, p.title, "start", 13, " font-weight=\"bold\"");
  double lo = INFINITY, hi = -INFINITY;
  for (const Series& se : p.series)
    for (const MetricsRow& r : rows)
      if (std::isfinite(r.*se.field)) lo = std::min(lo, r.*se.field), hi = std::max(hi, r.*se.field);
  s += "<rect x=\"" + Coord(kLeft) + "\" y=\"" + Coord(top) + "\" width=\"" + Coord(plot_w) + "\" height=\"" +
       Coord(kPlotHeight) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  if (lo > hi) return s + Text(kLeft + plot_w / 2, top + kPlotHeight / 2, "no data", "middle", 12, " fill=\"#888\"");
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi)))
    lo -= 0.5 * std::max(std::fabs(lo), 1e-3), hi += 0.5 * std::max(std::fabs(hi), 1e-3);
  const std::vector<double> yt = NiceTicks(lo, hi), xt = NiceTicks(x_lo, x_hi);
  lo = std::min(lo, yt.front()), hi = std::max(hi, yt.back());
  auto X = [&](double x) { return kLeft + (x - x_lo) / (x_hi - x_lo) * plot_w; };
  auto Y = [&](double y) { return bottom - (y - lo) / (hi - lo) * kPlotHeight; };
  for (double t : yt) {
    s += "<line x1=\"" + Coord(kLeft - 4) + "\" x2=\"" + Coord(kLeft + plot_w) + "\" y1=\"" + Coord(Y(t)) + "\" y2=\"" +
         Coord(Y(t)) + "\" stroke=\"#ddd\"/>\n";
    s += Text(kLeft - 7, Y(t) + 4, Num(t), "end", 10);
  }
  for (double t : xt) {
    if (t < x_lo || t > x_hi) continue;
    s += "<line x1=\"" + Coord(X(t)) + "\" x2=\"" + Coord(X(t)) + "\" y1=\"" + Coord(bottom) + "\" y2=\"" +
         Coord(bottom + 4) + "\" stroke=\"#444\"/>\n";
    s += Text(X(t), bottom + 16, Num(t), "middle", 10);
  }
  s += Text(kLeft + plot_w / 2, bottom + 32, "step", "middle", 11);
  s += Text(18, (top + bottom) / 2, p.y_label, "middle", 11,
            " transform=\"rotate(-90 18 " + Coord((top + bottom) / 2) + ")\"");
  double legend_x = kLeft + plot_w - 8;
  std::string legend;  // drawn last, on a white box, so lines never hide it
  for (auto it = p.series.rbegin(); it != p.series.rend(); ++it) {
    const Series& se = *it;
    std::string pts, dots;
    for (const MetricsRow& r : rows) {
      const double v = r.*se.field;
      if (!std::isfinite(v)) continue;
      pts += Coord(X(r.step)) + "," + Coord(Y(v)) + " ";
      if (se.markers)
        dots += "<circle cx=\"" + Coord(X(r.step)) + "\" cy=\"" + Coord(Y(v)) + "\" r=\"2.5\" fill=\"" + se.color +
                "\"/>\n";
    }
    if (pts.empty()) continue;
    s += "<polyline fill=\"none\" stroke=\"" + se.color + "\" stroke-width=\"1.5\" points=\"" + pts + "\"/>\n" + dots;
    // Legend, right-aligned inside the frame's top edge.
    const double w = 26 + 7.0 * se.name.size();
    legend_x -= w;
    legend += "<line x1=\"" + Coord(legend_x) + "\" x2=\"" + Coord(legend_x + 18) + "\" y1=\"" + Coord(top + 12) +
              "\" y2=\"" + Coord(top + 12) + "\" stroke=\"" + se.color + "\" stroke-width=\"2\"/>\n";
    legend += Text(legend_x + 22, top + 16, se.name, "start", 11);
  }
  if (legend.empty()) return s;
  const double box_x = legend_x - 6, box_w = kLeft + plot_w - 2 - box_x;
  return s + "<rect x=\"" + Coord(box_x) + "\" y=\"" + Coord(top + 2) + "\" width=\"" + Coord(box_w) +
         "\" height=\"20\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n" + legend;
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  // From the last tick at or below lo to the first at or above hi.
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  for (double k = first; k <= last && t.size() < 100; ++k) t.push_back(k == 0 ? 0.0 : k * step);
  return t;
}

Result<std::vector<MetricsRow>> ParseMetrics(std::string_view text, const std::string& where) {
  std::vector<MetricsRow> rows;
  size_t pos = 0;
  for (int64_t line_no = 1; pos < text.size(); ++line_no) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    const std::string at = where + ":" + std::to_string(line_no) + ": ";
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (!JsonDepthWithin(line, kMaxJsonDepth)) return Status::Error(at + "malformed JSON: nested too deeply");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      return Status::Error(at + "malformed JSON: " + e.what());
    }
    if (!j.is_object()) return Status::Error(at + "expected a JSON object, got " + j.type_name());
    MetricsRow r;
    auto step = j.find("step");
    if (step == j.end()) return Status::Error(at + "missing \"step\"");
    if (!step->is_number_integer() || step->get<int64_t>() < 0)
      return Status::Error(at + "\"step\": expected a non-negative integer, got " + step->dump());
    r.step = step->get<int64_t>();
    const std::pair<const char*, double MetricsRow::*> fields[] = {
        {"tokens", &MetricsRow::tokens},
        {"loss", &MetricsRow::loss},
        {"lr", &MetricsRow::lr},
        {"val_loss", &MetricsRow::val_loss},
        {"expert_load_imbalance", &MetricsRow::expert_load_imbalance},
        {"tokens_per_s", &MetricsRow::tokens_per_s},
        {"grad_norm", &MetricsRow::grad_norm}};
    for (const auto& [key, field] : fields) {
      auto it = j.find(key);
      if (it == j.end() || it->is_null()) continue;
      if (!it->is_number()) return Status::Error(at + "\"" + key + "\": expected a number, got " + it->dump());
      r.*field = it->get<double>();
    }
    rows.push_back(r);
  }
  if (rows.empty()) return Status::Error(where + ": no metrics (an empty file?)");
  return rows;
}

std::string RenderMetricsSvg(const std::vector<MetricsRow>& unsorted, const std::string& title) {
  std::vector<MetricsRow> rows = unsorted;
  std::stable_sort(rows.begin(), rows.end(), [](const MetricsRow& a, const MetricsRow& b) { return a.step < b.step; });
  const std::vector<Panel> panels = {
      {"Loss",
       "loss (nats/token)",
       {{"train", "#1f77b4", &MetricsRow::loss, false}, {"val", "#ff7f0e", &MetricsRow::val_loss, true}}},
      {"Learning rate", "lr", {{"lr", "#2ca02c", &MetricsRow::lr, false}}},
      {"Expert-load imbalance",
       "max / mean load",
       {{"imbalance", "#d62728", &MetricsRow::expert_load_imbalance, false}}}};
  double x_lo = rows.empty() ? 0 : static_cast<double>(rows.front().step);
  double x_hi = rows.empty() ? 1 : static_cast<double>(rows.back().step);
  if (x_hi <= x_lo) x_hi = x_lo + 1;
  const double height = kTop + kPanelHeight * panels.size() + 10;
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  Coord(kWidth) + "\" height=\"" + Coord(height) + "\" viewBox=\"0 0 " + Coord(kWidth) + " " +
                  Coord(height) + "\" font-family=\"sans-serif\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += Text(kWidth / 2, 26, title, "middle", 15, " font-weight=\"bold\"");
  for (size_t i = 0; i < panels.size(); ++i) s += DrawPanel(panels[i], rows, kTop + kPanelHeight * i, x_lo, x_hi);
  return s + "</svg>\n";
}

}  // namespace minke::data
