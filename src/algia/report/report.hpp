#pragma once
// Self-contained HTML reports (no remote loads; PNG brain slices and heat maps as data URIs, plots
// as inline SVG): one per participant (OUTPUT/sub-<label>/sub-<label>_report.html: QC, FD trace,
// carpet plot, connectivity matrix, network connectivity, signature responses, atlas on the brain
// mask) and one for the group (OUTPUT/group/group_report.html: QC across participants, group models
// with CIs and their data, mediation path diagrams, signature weight maps). Each page checks on
// load that every image decoded and records it in <body data-images-ok>.

#include <string>
#include <vector>

#include "algia/core/context.hpp"

namespace algia::report {

// Writes every report whose inputs exist under `output_dir`; returns the paths written (the group
// report last, when there is one).
std::vector<std::string> write_reports(const std::string& output_dir, const Context& ctx);

// Smallest building blocks, exposed for tests.
std::string html_escape(const std::string& text);
std::string svg_line_plot(const std::vector<double>& y, const std::string& title, const std::string& ylabel,
                          double threshold = 0, const std::vector<bool>& marked = {});

}  // namespace algia::report
