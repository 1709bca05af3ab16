#include "report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <unistd.h>

namespace chinook::cachesim {
namespace {

using cache::SimulatedPolicy;

std::optional<double> RateOf(const std::vector<ResultRow>& rows, size_t capacity, SimulatedPolicy policy) {
  for (const ResultRow& row : rows) {
    if (row.capacity == capacity && row.policy == policy) return row.result.hit_rate();
  }
  return std::nullopt;
}

std::string Name(SimulatedPolicy policy) { return std::string(cache::SimulatedPolicyName(policy)); }

std::string Printf(const char* format, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
  }
  return out;
}

// Distinguishable colours (Okabe-Ito, safe for colour blindness) and dashes for a ninth line.
constexpr const char* kColours[] = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442",
                                    "#0072b2", "#d55e00", "#cc79a7", "#999999"};

}  // namespace

bool IsRival(SimulatedPolicy policy) {
  switch (policy) {
    case SimulatedPolicy::kArc:
    case SimulatedPolicy::kLirs:
    case SimulatedPolicy::kS3Fifo:
    case SimulatedPolicy::kSieve:
    case SimulatedPolicy::kWTinyLfuFixed:
      return true;
    default:
      return false;
  }
}

std::string FormatTable(const std::vector<ResultRow>& rows, const std::vector<SimulatedPolicy>& policies,
                        const std::vector<size_t>& capacities) {
  const bool has_ours = std::count(policies.begin(), policies.end(), SimulatedPolicy::kWTinyLfu) > 0;
  const bool has_rival = std::any_of(policies.begin(), policies.end(), IsRival);
  const bool has_lru = std::count(policies.begin(), policies.end(), SimulatedPolicy::kLru) > 0;
  const bool compare = has_ours && has_rival;
  std::string out = Printf("%10s", "capacity");
  for (SimulatedPolicy p : policies) out += Printf(" %14s", Name(p).c_str());
  if (compare) out += Printf(" %14s %9s", "best_rival", "vs_best");
  if (compare && has_lru) out += Printf(" %8s", "vs_lru");
  out += "\n";
  for (size_t capacity : capacities) {
    out += Printf("%10zu", capacity);
    for (SimulatedPolicy p : policies) out += Printf(" %14.4f", RateOf(rows, capacity, p).value_or(0));
    if (compare) {
      const double ours = RateOf(rows, capacity, SimulatedPolicy::kWTinyLfu).value_or(0);
      SimulatedPolicy best = SimulatedPolicy::kLru;
      double best_rate = -1;
      for (SimulatedPolicy p : policies) {
        const double rate = RateOf(rows, capacity, p).value_or(0);
        if (IsRival(p) && rate > best_rate) {
          best = p;
          best_rate = rate;
        }
      }
      out += Printf(" %14s %+9.2f", Name(best).c_str(), 100 * (ours - best_rate));
      if (has_lru) out += Printf(" %+8.2f", 100 * (ours - RateOf(rows, capacity, SimulatedPolicy::kLru).value_or(0)));
    }
    out += "\n";
  }
  if (compare) out += "vs_best, vs_lru: wtinylfu's hit rate minus the best rival's / LRU's, in points\n";
  return out;
}

std::string RenderSvgChart(const std::string& title, const std::vector<ResultRow>& rows,
                           const std::vector<SimulatedPolicy>& policies, const std::vector<size_t>& capacities) {
  constexpr double kWidth = 760, kHeight = 460;
  constexpr double kLeft = 60, kRight = 170, kTop = 40, kBottom = 50;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::vector<size_t> xs = capacities;
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  const double lo = static_cast<double>(xs.front()), hi = static_cast<double>(xs.back());
  const bool log_x = hi > 10 * lo;
  auto x_of = [&](double c) {
    if (hi == lo) return kLeft + plot_w / 2;
    const double t = log_x ? (std::log(c) - std::log(lo)) / (std::log(hi) - std::log(lo)) : (c - lo) / (hi - lo);
    return kLeft + t * plot_w;
  };
  auto y_of = [&](double rate) { return kTop + (1 - rate) * plot_h; };

  std::string svg = Printf(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, kWidth, kHeight);
  svg += Printf("<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", kWidth, kHeight);
  svg += "<text x=\"" + Printf("%.0f", kLeft) + "\" y=\"22\" font-size=\"14\">" + XmlEscape(title) + "</text>\n";
  for (int i = 0; i <= 10; ++i) {  // horizontal grid every 0.1 of hit rate
    const double y = y_of(i / 10.0);
    svg += Printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", kLeft, y,
                  kLeft + plot_w, y);
    svg += Printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", kLeft - 6, y + 4, i / 10.0);
  }
  for (size_t c : xs) {
    const double x = x_of(static_cast<double>(c));
    svg += Printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n", x, kTop, x,
                  kTop + plot_h);
    svg += Printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%zu</text>\n", x, kTop + plot_h + 16, c);
  }
  svg += Printf("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n",
                kLeft, kTop, plot_w, plot_h);
  svg += Printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">capacity (entries%s)</text>\n",
                kLeft + plot_w / 2, kHeight - 12, log_x ? ", log scale" : "");
  svg += Printf("<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">hit rate</text>\n",
                kTop + plot_h / 2);
  for (size_t i = 0; i < policies.size(); ++i) {
    const char* colour = kColours[i % std::size(kColours)];
    const bool ours = policies[i] == SimulatedPolicy::kWTinyLfu;
    const char* dash = policies[i] == SimulatedPolicy::kBelady ? " stroke-dasharray=\"6 4\"" : "";
    std::string points;
    for (size_t c : xs) {
      if (auto rate = RateOf(rows, c, policies[i])) {
        points += Printf("%.1f,%.1f ", x_of(static_cast<double>(c)), y_of(*rate));
      }
    }
    svg += Printf("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"", colour,
                  ours ? "3" : "1.5", dash) +
           points + "\"/>\n";
    for (size_t c : xs) {
      if (auto rate = RateOf(rows, c, policies[i])) {
        svg += Printf("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"><title>%s %zu: %.4f</title></circle>\n",
                      x_of(static_cast<double>(c)), y_of(*rate), colour, Name(policies[i]).c_str(), c, *rate);
      }
    }
    const double ly = kTop + 10 + 18 * static_cast<double>(i);
    svg += Printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
                  kLeft + plot_w + 12, ly, kLeft + plot_w + 36, ly, colour, ours ? "3" : "1.5", dash);
    svg += Printf("<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", kLeft + plot_w + 42, ly + 4, Name(policies[i]).c_str());
  }
  svg += "</svg>\n";
  return svg;
}

namespace {
std::string TemporaryFor(const std::string& path) { return path + ".tmp." + std::to_string(getpid()); }
}  // namespace

Status CheckWritable(const std::string& path) {
  const std::string tmp = TemporaryFor(path);
  if (!std::ofstream(tmp, std::ios::binary | std::ios::trunc)) {
    return UnavailableError(path + ": cannot create a file there: " + std::strerror(errno));
  }
  std::remove(tmp.c_str());
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = TemporaryFor(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return UnavailableError(path + ": cannot create " + tmp + ": " + std::strerror(errno));
    out << content;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return UnavailableError(path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return UnavailableError(path + ": cannot rename " + tmp + " into place: " + why);
  }
  return Status::Ok();
}

}  // namespace chinook::cachesim
