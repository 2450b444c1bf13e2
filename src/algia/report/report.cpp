#include "algia/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/version.hpp"
#include "algia/connectivity/graph.hpp"
#include "algia/io/file.hpp"
#include "algia/io/json.hpp"
#include "algia/io/labels.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "algia/report/png.hpp"
#include "algia/signal/regions.hpp"

namespace algia::report {

namespace fs = std::filesystem;

std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace {

const char* kStyle = R"(<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:1.6em;border-bottom:2px solid #444}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #bbb}
h3{font-size:1.05em}table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}.meta{color:#666;font-size:.85em}
figure{margin:1em 0}figcaption{font-size:.85em;color:#555}img{image-rendering:pixelated;max-width:100%}.warn{color:#a33}
</style>)";

const char* kCheck = R"(<script>
window.addEventListener('load',function(){var bad=0,imgs=document.images;for(var i=0;i<imgs.length;i++){if(!imgs[i].complete||imgs[i].naturalWidth===0)bad++;}
document.body.setAttribute('data-images',String(imgs.length));document.body.setAttribute('data-images-ok',bad===0?'yes':'no');});
</script>)";

std::string page(const std::string& title, const std::string& body) {
    return fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>{}</head>\n<body>\n<h1>{}</h1>\n"
                       "<p class=\"meta\">algia {} &middot; self-contained report: no remote resources</p>\n{}\n{}</body></html>\n",
                       html_escape(title), kStyle, html_escape(title), html_escape(version()), body, kCheck);
}

std::string fmt_num(double v, int digits = 3) {
    if (!std::isfinite(v)) return "n/a";
    if (v != 0 && (std::fabs(v) < 1e-3 || std::fabs(v) >= 1e5)) return fmt::format("{:.{}e}", v, digits - 1);
    return fmt::format("{:.{}f}", v, digits);
}

std::string table_html(const io::Table& t, std::size_t max_rows = 200) {
    std::string out = "<table><tr>";
    for (const auto& c : t.columns()) out += "<th>" + html_escape(c) + "</th>";
    out += "</tr>\n";
    for (std::size_t r = 0; r < std::min(t.rows(), max_rows); ++r) {
        out += "<tr>";
        for (std::size_t c = 0; c < t.cols(); ++c) {
            const std::string& cell = t.cell(r, c);
            char* end = nullptr;
            const double v = std::strtod(cell.c_str(), &end);
            const bool num = !cell.empty() && end && *end == '\0' && cell.find_first_not_of("0123456789") != std::string::npos;
            out += "<td>" + html_escape(num ? fmt_num(v) : cell) + "</td>";
        }
        out += "</tr>\n";
    }
    out += "</table>";
    if (t.rows() > max_rows) out += fmt::format("<p class=\"meta\">{} more rows in the TSV</p>", t.rows() - max_rows);
    return out;
}

std::string img_file(const fs::path& png, int display_width = 0) {
    return fmt::format("<img alt=\"\" src=\"data:image/png;base64,{}\"{}>", base64(io::read_text_file(png.string())),
                       display_width ? fmt::format(" width=\"{}\"", display_width) : "");
}

std::string figure(const std::string& content, const std::string& caption) {
    return "<figure>" + content + "<figcaption>" + html_escape(caption) + "</figcaption></figure>\n";
}

std::string img(const Picture& p, int display_width = 0) {
    return fmt::format("<img alt=\"\" src=\"{}\"{}>", png_data_uri(p), display_width ? fmt::format(" width=\"{}\"", display_width) : "");
}

// Heat map of a matrix (rows x cols) scaled to [lo, hi] with the given colour map, each cell `scale` px.
Picture heatmap(const Eigen::MatrixXd& m, double lo, double hi, Rgb (*map)(double), int scale_x, int scale_y) {
    Picture p(int(m.cols()) * scale_x, int(m.rows()) * scale_y);
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j) {
            const double v = (m(i, j) - lo) / (hi - lo);
            const Rgb c = map == &diverging ? map(2 * v - 1) : map(v);
            for (int y = 0; y < scale_y; ++y)
                for (int x = 0; x < scale_x; ++x) p.at(int(j) * scale_x + x, int(i) * scale_y + y) = c;
        }
    return p;
}

// Axial montage of a 3D volume (grey, scaled to its 99th percentile) with an optional overlay:
// labels (palette) or a signed map (diverging, symmetric around 0; |v| below `threshold` not drawn).
// With `threshold` >= 0, the overlay is drawn where |v| > threshold (colours still scaled to the max).
Picture montage(const image::Image<float>& base, const image::Image<float>* overlay, bool labels, int slices = 6, double threshold = -1) {
    const auto d = base.grid().dims;
    const int nx = int(d[0]), ny = int(d[1]), nz = int(d[2]);
    const int scale = std::max(1, 160 / std::max(nx, ny));
    std::vector<float> vals;
    for (std::int64_t v = 0; v < base.grid().voxels(); ++v)
        if (std::isfinite(base.data()[v]) && base.data()[v] != 0) vals.push_back(std::fabs(base.data()[v]));
    double top = 1;
    if (!vals.empty()) {
        std::nth_element(vals.begin(), vals.begin() + std::ptrdiff_t(vals.size() * 99 / 100), vals.end());
        top = vals[vals.size() * 99 / 100];
        if (top <= 0) top = 1;
    }
    double otop = 1;
    if (overlay && !labels) {
        otop = 0;
        for (std::int64_t v = 0; v < overlay->grid().voxels(); ++v)
            if (std::isfinite(overlay->data()[v])) otop = std::max(otop, double(std::fabs(overlay->data()[v])));
        if (otop <= 0) otop = 1;
    }
    Picture p(slices * nx * scale, ny * scale, {0, 0, 0});
    for (int s = 0; s < slices; ++s) {
        const int z = int(double(nz) * (s + 1) / (slices + 1));
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x) {
                const std::int64_t v = x + std::int64_t(nx) * (y + std::int64_t(ny) * z);
                Rgb c = grey(base.data()[v] / top);
                if (!std::isfinite(base.data()[v])) c = {0, 0, 0};
                if (overlay) {
                    const float o = overlay->data()[v];
                    if (labels && o > 0) {
                        const Rgb l = palette(int(o));
                        c = {std::uint8_t((c.r + 2 * l.r) / 3), std::uint8_t((c.g + 2 * l.g) / 3), std::uint8_t((c.b + 2 * l.b) / 3)};
                    } else if (!labels && std::isfinite(o) && std::fabs(o) > (threshold >= 0 ? threshold : 0.05 * otop)) {
                        c = diverging(o / otop);
                    }
                }
                // Radiological orientation is not assumed: x left to right as stored, y flipped so anterior is up.
                for (int yy = 0; yy < scale; ++yy)
                    for (int xx = 0; xx < scale; ++xx) p.at(s * nx * scale + x * scale + xx, (ny - 1 - y) * scale + yy) = c;
            }
    }
    return p;
}

struct Axis {
    double lo, hi;
};

Axis nice_range(double lo, double hi) {
    if (!(hi > lo)) hi = lo + 1;
    const double pad = 0.05 * (hi - lo);
    return {lo - pad, hi + pad};
}

}  // namespace

std::string svg_line_plot(const std::vector<double>& y, const std::string& title, const std::string& ylabel, double threshold,
                          const std::vector<bool>& marked) {
    const int W = 760, H = 170, L = 55, R = 10, T = 22, B = 28;
    double lo = 0, hi = 0;
    bool any = false;
    for (double v : y)
        if (std::isfinite(v)) lo = any ? std::min(lo, v) : v, hi = any ? std::max(hi, v) : v, any = true;
    if (threshold > 0) hi = std::max(hi, threshold);
    const Axis a = nice_range(lo, hi);
    const auto X = [&](double i) { return L + (W - L - R) * (y.size() > 1 ? i / double(y.size() - 1) : 0.5); };
    const auto Y = [&](double v) { return T + (H - T - B) * (1 - (v - a.lo) / (a.hi - a.lo)); };
    std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-size=\"11\">", W, H, W, H);
    s += fmt::format("<text x=\"{}\" y=\"14\" font-weight=\"bold\">{}</text>", L, html_escape(title));
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>", L, T, W - L - R, H - T - B);
    for (std::size_t i = 0; i < marked.size() && i < y.size(); ++i)
        if (marked[i]) s += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#f4c7c3\"/>", X(double(i)) - 1, T, 2.0, H - T - B);
    if (threshold > 0)
        s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>", L, W - R, Y(threshold), Y(threshold));
    std::string path;
    for (std::size_t i = 0; i < y.size(); ++i)
        if (std::isfinite(y[i])) path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", X(double(i)), Y(y[i]));
    s += "<path d=\"" + path + "\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.2\"/>";
    for (double v : {a.lo, (a.lo + a.hi) / 2, a.hi})
        s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", L - 4, Y(v) + 4, fmt_num(v, 2));
    s += fmt::format("<text x=\"12\" y=\"{}\" transform=\"rotate(-90 12 {})\" text-anchor=\"middle\">{}</text>", (T + H - B) / 2,
                     (T + H - B) / 2, html_escape(ylabel));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">volume (0 - {})</text></svg>", (L + W - R) / 2, H - 8, y.size() ? y.size() - 1 : 0);
    return s;
}

namespace {

// Estimates with confidence intervals, one row each.
std::string svg_effects(const std::vector<std::string>& labels, const std::vector<double>& est, const std::vector<double>& lo,
                        const std::vector<double>& hi, const std::string& title) {
    const int row = 26, L = 260, R = 20, T = 28, W = 760;
    const int H = T + row * int(labels.size()) + 30;
    double a = 0, b = 0;
    for (std::size_t i = 0; i < est.size(); ++i)
        for (double v : {est[i], lo[i], hi[i]})
            if (std::isfinite(v)) a = std::min(a, v), b = std::max(b, v);
    const Axis ax = nice_range(a, b);
    const auto X = [&](double v) { return L + (W - L - R) * (v - ax.lo) / (ax.hi - ax.lo); };
    std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-size=\"11\">", W, H);
    s += fmt::format("<text x=\"4\" y=\"16\" font-weight=\"bold\">{}</text>", html_escape(title));
    s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#888\" stroke-dasharray=\"3 3\"/>", X(0), X(0), T - 4, H - 26);
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const double y = T + row * (double(i) + 0.5);
        s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", L - 8, y + 4, html_escape(labels[i]));
        if (std::isfinite(lo[i]) && std::isfinite(hi[i]))
            s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#1f77b4\" stroke-width=\"2\"/>", X(lo[i]), X(hi[i]), y, y);
        if (std::isfinite(est[i])) s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"#1f77b4\"/>", X(est[i]), y);
    }
    for (double v : {ax.lo, 0.0, ax.hi})
        s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", X(v), H - 10, fmt_num(v, 2));
    return s + "</svg>";
}

// Histogram of values in [lo, hi] (bins of equal width), with the x axis in the values' units.
std::string svg_histogram(const std::vector<double>& values, double lo, double hi, int bins, const std::string& title, const std::string& xlabel) {
    std::vector<double> h(std::size_t(bins), 0.0);
    for (double x : values)
        if (std::isfinite(x)) h[std::size_t(std::clamp(int((x - lo) / (hi - lo) * bins), 0, bins - 1))] += 1;
    const double top = std::max(1.0, *std::max_element(h.begin(), h.end()));
    const int W = 760, H = 180, L = 55, R = 10, T = 22, B = 34;
    const double bw = double(W - L - R) / bins;
    std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-size=\"11\">", W, H);
    s += fmt::format("<text x=\"{}\" y=\"14\" font-weight=\"bold\">{}</text>", L, html_escape(title));
    for (int b = 0; b < bins; ++b) {
        const double hh = (H - T - B) * h[std::size_t(b)] / top;
        s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#1f77b4\"/>", L + b * bw, H - B - hh, bw - 1, hh);
    }
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#999\"/>", L, W - R, H - B, H - B);
    for (double v : {lo, (lo + hi) / 2, hi})
        s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", L + (v - lo) / (hi - lo) * (W - L - R), H - B + 14, fmt_num(v, 2));
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", L - 4, double(T) + 4, fmt_num(top, 0));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></svg>", (L + W - R) / 2, H - 4, html_escape(xlabel));
    return s;
}

// X -> M -> Y diagram with coefficients and CIs.
std::string svg_mediation(const io::Table& t, const std::string& x, const std::vector<std::string>& ms, const std::string& y) {
    std::map<std::string, std::string> text;
    const auto names = t.strings("path");
    const auto est = t.numeric("estimate"), lo = t.numeric("ci_low"), hi = t.numeric("ci_high"), p = t.numeric("p");
    for (std::size_t i = 0; i < t.rows(); ++i)
        text[names[i]] = fmt::format("{} [{}, {}]{}", fmt_num(est[i], 2), fmt_num(lo[i], 2), fmt_num(hi[i], 2), p[i] < 0.05 ? " *" : "");
    const int W = 760, H = 120 + 70 * int(ms.size());
    std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-size=\"12\">", W, H);
    s += "<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#333\"/></marker></defs>";
    const auto box = [&](double cx, double cy, const std::string& label) {
        return fmt::format("<rect x=\"{:.0f}\" y=\"{:.0f}\" width=\"170\" height=\"34\" rx=\"6\" fill=\"#eef3fa\" stroke=\"#336\"/>"
                           "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"middle\">{}</text>",
                           cx - 85, cy - 17, cx, cy + 4, html_escape(label));
    };
    const double yb = H - 40, xl = 110, xr = W - 110;
    s += box(xl, yb, "X: " + x) + box(xr, yb, "Y: " + y);
    const bool single = ms.size() == 1;
    for (std::size_t j = 0; j < ms.size(); ++j) {
        const double ym = 40 + 70 * double(j), xm = W / 2.0;
        s += box(xm, ym, "M: " + ms[j]);
        const std::string a = text[single ? "a" : "a[" + ms[j] + "]"], b = text[single ? "b" : "b[" + ms[j] + "]"];
        s += fmt::format("<line x1=\"{:.0f}\" y1=\"{:.0f}\" x2=\"{:.0f}\" y2=\"{:.0f}\" stroke=\"#333\" marker-end=\"url(#arr)\"/>", xl, yb - 17, xm - 85, ym);
        s += fmt::format("<line x1=\"{:.0f}\" y1=\"{:.0f}\" x2=\"{:.0f}\" y2=\"{:.0f}\" stroke=\"#333\" marker-end=\"url(#arr)\"/>", xm + 85, ym, xr, yb - 17);
        s += fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">a = {}</text>", (xl + xm - 85) / 2 - 4, (yb + ym) / 2 - 8, html_escape(a));
        s += fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\">b = {}</text>", (xr + xm + 85) / 2 + 4, (yb + ym) / 2 - 8, html_escape(b));
    }
    s += fmt::format("<line x1=\"{:.0f}\" y1=\"{:.0f}\" x2=\"{:.0f}\" y2=\"{:.0f}\" stroke=\"#333\" marker-end=\"url(#arr)\"/>", xl + 85, yb, xr - 85, yb);
    s += fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"middle\">c' = {} &#160; (c = {})</text>", W / 2.0, yb + 30,
                     html_escape(text["c'"]), html_escape(text["c"]));
    return s + "</svg>";
}

// Outcome against one design variable: scatter (numeric) or points by level with mean and 95% CI.
std::string svg_outcome(const io::Table& table, const std::string& outcome, const std::string& predictor, const std::string& title) {
    if (!table.has(outcome) || !table.has(predictor)) return "";
    const auto y = table.numeric(outcome);
    const auto raw = table.strings(predictor);
    bool numeric = true;
    std::vector<double> xv;
    for (const auto& c : raw) {
        char* end = nullptr;
        const double v = std::strtod(c.c_str(), &end);
        if (c.empty() || c == "n/a") xv.push_back(std::nan(""));
        else if (end && *end == '\0') xv.push_back(v);
        else numeric = false, xv.push_back(std::nan(""));
    }
    const int W = 420, H = 260, L = 55, R = 12, T = 24, B = 36;
    double ylo = 0, yhi = 0;
    bool any = false;
    for (double v : y)
        if (std::isfinite(v)) ylo = any ? std::min(ylo, v) : v, yhi = any ? std::max(yhi, v) : v, any = true;
    if (!any) return "";
    const Axis ay = nice_range(ylo, yhi);
    const auto Y = [&](double v) { return T + (H - T - B) * (1 - (v - ay.lo) / (ay.hi - ay.lo)); };
    std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-size=\"11\">", W, H);
    s += fmt::format("<text x=\"{}\" y=\"15\" font-weight=\"bold\">{}</text>", L, html_escape(title));
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>", L, T, W - L - R, H - T - B);
    for (double v : {ay.lo, ay.hi})
        s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", L - 4, Y(v) + 4, fmt_num(v, 2));
    if (numeric) {
        double xlo = 0, xhi = 0;
        bool anyx = false;
        for (double v : xv)
            if (std::isfinite(v)) xlo = anyx ? std::min(xlo, v) : v, xhi = anyx ? std::max(xhi, v) : v, anyx = true;
        const Axis ax = nice_range(xlo, xhi);
        const auto X = [&](double v) { return L + (W - L - R) * (v - ax.lo) / (ax.hi - ax.lo); };
        double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
        for (std::size_t i = 0; i < y.size(); ++i)
            if (std::isfinite(y[i]) && std::isfinite(xv[i])) {
                s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#1f77b4\" fill-opacity=\"0.7\"/>", X(xv[i]), Y(y[i]));
                sx += xv[i], sy += y[i], sxx += xv[i] * xv[i], sxy += xv[i] * y[i], n += 1;
            }
        if (n > 2) {
            const double slope = (sxy - sx * sy / n) / (sxx - sx * sx / n), icpt = (sy - slope * sx) / n;
            s += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#d62728\"/>", X(ax.lo), Y(icpt + slope * ax.lo),
                             X(ax.hi), Y(icpt + slope * ax.hi));
        }
        for (double v : {ax.lo, ax.hi})
            s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", X(v), H - 20, fmt_num(v, 2));
        s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", (L + W - R) / 2, H - 6, html_escape(predictor));
    } else {
        std::map<std::string, std::vector<double>> by;
        for (std::size_t i = 0; i < y.size(); ++i)
            if (std::isfinite(y[i]) && raw[i] != "n/a" && !raw[i].empty()) by[raw[i]].push_back(y[i]);
        const double step = double(W - L - R) / double(by.size() + 1);
        int k = 0;
        for (const auto& [level, v] : by) {
            ++k;
            const double cx = L + step * k;
            double m = 0, ss = 0;
            for (double u : v) m += u / double(v.size());
            for (double u : v) ss += (u - m) * (u - m);
            for (std::size_t i = 0; i < v.size(); ++i)
                s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\" fill-opacity=\"0.5\"/>",
                                 cx - 14 + 28.0 * double(i % 8) / 8.0, Y(v[i]), fmt::format("rgb({},{},{})", palette(k).r, palette(k).g, palette(k).b));
            if (v.size() > 1) {
                const double se = std::sqrt(ss / double(v.size() - 1) / double(v.size()));
                const double q = boost::math::quantile(boost::math::students_t(double(v.size() - 1)), 0.975);
                s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#000\" stroke-width=\"2\"/>", cx + 22, cx + 22,
                                 Y(m - q * se), Y(m + q * se));
            }
            s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"8\" height=\"3\" fill=\"#000\"/>", cx + 18, Y(m) - 1.5);
            s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{} (n={})</text>", cx, H - 20, html_escape(level), v.size());
        }
        s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}: mean and 95% CI</text>", (L + W - R) / 2, H - 6, html_escape(predictor));
    }
    return s + "</svg>";
}

io::Table read_if(const fs::path& p) { return fs::exists(p) ? io::read_table(p.string()) : io::Table(); }

Eigen::MatrixXd numeric_block(const io::Table& t, std::size_t first_col) {
    Eigen::MatrixXd m(Eigen::Index(t.rows()), Eigen::Index(t.cols() - first_col));
    for (std::size_t c = first_col; c < t.cols(); ++c) {
        const auto v = t.numeric(c);
        for (std::size_t r = 0; r < t.rows(); ++r) m(Eigen::Index(r), Eigen::Index(c - first_col)) = v[r];
    }
    return m;
}

// Where the nodes of the DMN drawing go. With the atlas: each region at its centroid seen from
// above (x to the right, y up: left hemisphere on the left, anterior at the top), over the atlas's
// outline in grey; without it (or when a default-mode region has no centroid): on a circle,
// clockwise from the top in atlas order.
struct NodeLayout {
    std::vector<double> px, py;
    std::vector<Eigen::Vector3d> mm;  // empty for the circle
};

NodeLayout layout_nodes(Picture& p, const std::vector<std::string>& region_names, const image::Image<float>* atlas,
                        const std::map<std::string, Eigen::Vector3d>* where) {
    const int n = int(region_names.size()), W = p.width;
    NodeLayout out;
    out.px.resize(std::size_t(n));
    out.py.resize(std::size_t(n));
    bool anatomical = atlas && where;
    for (const auto& r : region_names) anatomical = anatomical && where->count(r);
    if (!anatomical) {
        const double c = W / 2.0, radius = W / 2.0 - 34, kPi = 3.14159265358979323846;
        draw_ring(p, c, c, radius, 1, {225, 225, 225});
        for (int k = 0; k < n; ++k) {
            const double a = -kPi / 2 + 2 * kPi * k / n;
            out.px[std::size_t(k)] = c + radius * std::cos(a);
            out.py[std::size_t(k)] = c + radius * std::sin(a);
        }
        return out;
    }
    // The atlas's labelled voxels seen from above, in mm; the picture spans their extent.
    const auto& g = atlas->grid();
    std::vector<Eigen::Vector2d> top;
    double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
    for (std::int64_t j = 0; j < g.dims[1]; ++j)
        for (std::int64_t i = 0; i < g.dims[0]; ++i)
            for (std::int64_t k = 0; k < g.dims[2]; ++k) {
                const float v = atlas->data()[g.index(i, j, k)];
                if (!(v > 0) || !std::isfinite(v)) continue;
                const Eigen::Vector3d w = g.world(double(i), double(j), double(k));
                top.emplace_back(w[0], w[1]);
                x0 = std::min(x0, w[0]), x1 = std::max(x1, w[0]), y0 = std::min(y0, w[1]), y1 = std::max(y1, w[1]);
                break;  // one voxel of the column is enough for the outline
            }
    const double margin = 24, span = std::max({x1 - x0, y1 - y0, 1e-9});
    const double scale = (W - 2 * margin) / span;
    const double ox = margin + (W - 2 * margin - (x1 - x0) * scale) / 2, oy = margin + (W - 2 * margin - (y1 - y0) * scale) / 2;
    const auto to_px = [&](double x, double y) { return Eigen::Vector2d(ox + (x - x0) * scale, oy + (y1 - y) * scale); };
    const double dot = std::max(1.0, 0.72 * g.voxel_size()[0] * scale);  // half a voxel's diagonal: the discs cover the outline
    for (const auto& t : top) fill_disc(p, to_px(t[0], t[1])[0], to_px(t[0], t[1])[1], dot, {236, 236, 236});
    for (int k = 0; k < n; ++k) {
        const Eigen::Vector3d& c = where->at(region_names[std::size_t(k)]);
        const Eigen::Vector2d q = to_px(c[0], c[1]);
        out.px[std::size_t(k)] = q[0];
        out.py[std::size_t(k)] = q[1];
        out.mm.push_back(c);
    }
    return out;
}

// The default-mode subgraph of a run's correlation matrix as the participant level measures it
// (proportional threshold `density` over the whole graph, then the Default-network nodes): nodes
// placed by layout_nodes, node area by strength, edges shaded and widened by weight. Empty when the
// atlas names fewer than three default-mode regions.
std::string dmn_graph_html(const io::Table& rel, double density, const std::string& anchor, const image::Image<float>* atlas,
                           const std::map<std::string, Eigen::Vector3d>* where) {
    const std::vector<std::string> names(rel.columns().begin() + 1, rel.columns().end());
    std::vector<int> nodes;
    std::vector<std::string> node_names;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (io::is_default_mode(io::network_of(names[i]))) nodes.push_back(int(i)), node_names.push_back(names[i]);
    if (nodes.size() < 3) return "";
    const Eigen::MatrixXd R = numeric_block(rel, 1);
    if (R.rows() != R.cols() || R.rows() != Eigen::Index(names.size())) return "";
    const auto g = connectivity::subgraph(connectivity::make_graph(R, density), nodes);
    const auto nm = connectivity::node_measures(g);
    const int n = int(nodes.size()), W = 440;
    Picture p(W, W);
    const NodeLayout at = layout_nodes(p, node_names, atlas, where);
    const bool anatomical = !at.mm.empty();
    struct Edge {
        int i, j;
        double w;
    };
    std::vector<Edge> edges;
    double wmax = 0, wmin = std::numeric_limits<double>::infinity();
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j)
            if (g.w(i, j) > 0) edges.push_back({i, j, g.w(i, j)}), wmax = std::max(wmax, g.w(i, j)), wmin = std::min(wmin, g.w(i, j));
    std::stable_sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) { return a.w < b.w; });  // strongest on top
    const auto mix = [](double a, double b, double t) { return std::uint8_t(std::lround(a + (b - a) * t)); };
    for (const auto& e : edges) {
        const double t = wmax > wmin ? 0.2 + 0.8 * (e.w - wmin) / (wmax - wmin) : 1;  // shade over the drawn edges' range
        const Rgb col{mix(248, 150, t), mix(200, 0, t), mix(200, 24, t)};
        draw_line(p, at.px[std::size_t(e.i)], at.py[std::size_t(e.i)], at.px[std::size_t(e.j)], at.py[std::size_t(e.j)], col,
                  1 + int(std::lround(2 * t)));
    }
    double smax = 0;
    for (double s : nm.strength) smax = std::max(smax, s);
    io::Table t(anatomical ? std::vector<std::string>{"node", "region", "x_mm", "y_mm", "z_mm", "degree", "strength"}
                           : std::vector<std::string>{"node", "region", "degree", "strength"});
    // Larger discs first, so that a small node next to a large one stays visible.
    std::vector<int> order(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) order[std::size_t(k)] = k;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return nm.strength[std::size_t(a)] > nm.strength[std::size_t(b)]; });
    const double rmax = anatomical ? 8 : 14;
    for (int k : order) {
        const double s = nm.strength[std::size_t(k)];
        const double r = 3 + (rmax - 3) * std::sqrt(smax > 0 ? s / smax : 0.0);
        fill_disc(p, at.px[std::size_t(k)], at.py[std::size_t(k)], r, {31, 119, 180});
        draw_ring(p, at.px[std::size_t(k)], at.py[std::size_t(k)], r, 1.5, {20, 40, 80});
    }
    for (int k = 0; k < n; ++k) {
        std::vector<std::string> row = {std::to_string(k + 1), node_names[std::size_t(k)]};
        if (anatomical)
            for (int d = 0; d < 3; ++d) row.push_back(fmt::format("{:.1f}", at.mm[std::size_t(k)][d]));
        row.push_back(fmt::format("{}", nm.degree[std::size_t(k)]));
        row.push_back(fmt::format("{:.3f}", nm.strength[std::size_t(k)]));
        t.add_row(row);
    }
    const std::string where_text =
        anatomical ? "at their atlas centroids seen from above (left hemisphere on the left, anterior at the top; the grey outline is "
                     "the atlas; coordinates in the table)"
                   : "on a circle, numbered clockwise from the top as in the table";
    return "<h3 id=\"" + html_escape(anchor) + "\">Default-mode network graph</h3>" +
           figure(img(p), fmt::format("Default-mode regions ({} nodes, {}) with the edges kept by the proportional threshold of the "
                                      "whole graph (density {}: the strongest positive correlations, as the graph measures); {} edges, "
                                      "shaded and widened from the weakest (r = {}) to the strongest (r = {}); node area by strength "
                                      "within the default-mode subgraph.",
                                      n, where_text, fmt_num(density, 2), edges.size(), fmt_num(edges.empty() ? std::nan("") : wmin, 2),
                                      fmt_num(wmax, 2))) +
           table_html(t);
}

std::string participant_report(const fs::path& dir, const std::string& label, const io::Json& config, const Context& ctx) {
    std::string body;
    const auto done = io::read_json((dir / ("sub-" + label + "_desc-done.json")).string());
    body += "<p>Participant-level outputs of <b>sub-" + html_escape(label) + "</b>; configuration hash " +
            html_escape(done.value("ConfigurationHash", "")) + ".</p>\n";
    const auto measures = read_if(dir / ("sub-" + label + "_desc-measures.tsv"));
    if (measures.rows()) body += "<h2>Measures</h2>" + table_html(measures);
    // Atlas on the brain mask of the first run that has one.
    std::string mask_path;
    for (const auto& in : done["Inputs"]) {
        const std::string p = (fs::path(config.value("_root", "")) / in["path"].get<std::string>()).string();
        if (p.find("desc-brain_mask") != std::string::npos && mask_path.empty()) mask_path = p;
    }
    const std::string atlas = config.contains("atlas") ? config["atlas"].value("image", "") : "";
    const std::string labels = config.contains("atlas") ? config["atlas"].value("labels", "") : "";
    std::optional<image::Image<float>> at;  // the atlas, and its regions' centroids for the DMN drawing
    std::map<std::string, Eigen::Vector3d> centroids;
    if (!atlas.empty() && fs::exists(atlas)) {
        at = io::read_image<float>(atlas, ctx);
        centroids = signal::label_centroids(*at, !labels.empty() && fs::exists(labels) ? io::read_label_table(labels)
                                                                                      : std::map<std::int32_t, std::string>{});
    }
    if (!mask_path.empty() && at && fs::exists(mask_path)) {
        const auto mask = io::read_image<float>(mask_path, ctx);
        if (at->grid().same_as(mask.grid()))
            body += "<h2>Atlas on the brain mask</h2>" + figure(img(montage(mask, &*at, true)), "Axial slices, inferior to superior; atlas regions coloured.");
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        const std::string name = f.filename().string();
        const auto ends = [&](const std::string& s) { return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
        if (ends("_outliers.tsv")) {
            const std::string stem = name.substr(0, name.size() - 13);
            body += "<h2>" + html_escape(stem) + "</h2>";
            const auto qc = read_if(f.parent_path() / (stem + "_qc.tsv"));
            if (qc.rows()) body += table_html(qc);
            const auto o = io::read_table(f.string());
            const auto fd = o.numeric("framewise_displacement");
            const auto kept = o.numeric("kept");
            std::vector<bool> censored;
            for (double k : kept) censored.push_back(k == 0);
            body += figure(svg_line_plot(fd, "Framewise displacement", "FD (mm)", 0.5, censored),
                           "FD per volume; censored volumes shaded; dashed line 0.5 mm.");
            const auto ts = read_if(f.parent_path() / (stem + "_timeseries.tsv"));
            if (ts.rows()) {
                const Eigen::MatrixXd m = numeric_block(ts, 0).transpose();  // regions x time
                const int sx = std::max(1, 700 / int(std::max<Eigen::Index>(1, m.cols())));
                const int sy = std::max(1, 300 / int(std::max<Eigen::Index>(1, m.rows())));
                body += figure(img(heatmap(m, -2.5, 2.5, &grey, sx, sy)),
                               "Carpet plot: denoised region time series (rows: regions in atlas order; z-scored, -2.5 to 2.5), kept volumes.");
            }
            const auto rel = read_if(f.parent_path() / (stem + "_desc-correlation_relmat.tsv"));
            if (rel.rows()) {
                const Eigen::MatrixXd m = numeric_block(rel, 1);
                const int sc = std::max(1, 400 / int(std::max<Eigen::Index>(1, m.rows())));
                body += figure(img(heatmap(m, -1, 1, &diverging, sc, sc)), "Correlation matrix (blue -1, white 0, red 1), regions in atlas order.");
                double density = 0.1;
                if (config.contains("connectivity") && config["connectivity"].contains("density") && config["connectivity"]["density"].is_number())
                    density = config["connectivity"]["density"].get<double>();
                body += dmn_graph_html(rel, density, "dmn-graph-" + stem, at ? &*at : nullptr, at ? &centroids : nullptr);
            }
            const auto nets = read_if(f.parent_path() / (stem + "_desc-networks_connectivity.tsv"));
            if (nets.rows()) body += "<h3>Within- and between-network connectivity</h3>" + table_html(nets);
        }
        if (ends("_stat-z_statmap.nii.gz") && name.find("_contrast-") != std::string::npos) {
            const std::string prefix = name.substr(0, name.find("_contrast-"));
            const std::string contrast = name.substr(prefix.size() + 10, name.size() - 22 - prefix.size() - 10);
            const fs::path ref = f.parent_path() / (prefix + "_desc-mean_bold.nii.gz");
            const fs::path design = f.parent_path() / (prefix + "_design.png");
            body += "<h2>" + html_escape(prefix) + ": contrast " + html_escape(contrast) + "</h2>";
            if (fs::exists(ref)) {
                const auto base = io::read_image<float>(ref.string(), ctx);
                const auto z = io::read_image<float>(f.string(), ctx);
                if (z.grid().same_as(base.grid()))
                    body += figure(img(montage(base, &z, false, 6, 2.3)),
                                   "z map of the contrast over the run's mean image, |z| > 2.3 (blue negative, red positive; scaled to the maximum |z|).");
            }
            if (fs::exists(design) && body.find(design.filename().string()) == std::string::npos)
                body += figure(img_file(design, 360), "Design matrix (" + design.filename().string() + ").");
            const auto scores = read_if(f.parent_path() / (prefix + "_desc-signatures_scores.tsv"));
            if (scores.rows() && body.find("scores-" + prefix) == std::string::npos)
                body += "<h3 id=\"scores-" + html_escape(prefix) + "\">Signature responses of the contrast maps and single-trial betas</h3>" + table_html(scores, 60);
        }
        if (ends("_desc-signatures_timeseries.tsv")) {
            const std::string stem = name.substr(0, name.size() - 31);
            body += "<h2>" + html_escape(stem) + "</h2>";
            const auto t = io::read_table(f.string());
            std::map<std::string, std::vector<double>> by;
            const auto sig = t.strings("signature");
            const auto v = t.numeric("expression");
            for (std::size_t i = 0; i < t.rows(); ++i) by[sig[i]].push_back(v[i]);
            for (const auto& [s, y] : by)
                body += figure(svg_line_plot(y, "Signature expression: " + s, "dot product"), "Pattern expression of every volume.");
        }
    }
    return page("algia report: sub-" + label, body);
}

std::string group_report(const fs::path& out, const io::Json& config, const Context& ctx) {
    std::string body;
    const fs::path g = out / "group";
    const auto table = read_if(g / "group_table.tsv");
    body += fmt::format("<p>{} participants in the group table.</p>", table.rows());
    // QC across participants.
    if (table.rows()) {
        std::vector<std::string> qc_cols{table.columns()[0]};
        for (const auto& c : table.columns())
            if (c.rfind("mean_fd", 0) == 0 || c.rfind("censored", 0) == 0 || c.rfind("dmn_within", 0) == 0) qc_cols.push_back(c);
        io::Table qc(qc_cols);
        for (std::size_t r = 0; r < table.rows(); ++r) {
            std::vector<std::string> row;
            for (const auto& c : qc_cols) row.push_back(table.cell(r, table.index(c)));
            qc.add_row(std::move(row));
        }
        body += "<h2>Quality control and default-mode connectivity</h2>" + table_html(qc);
    }
    const auto qsum = read_if(g / "qcfc_summary.tsv");
    if (qsum.rows()) {
        body += "<h2>QC-FC: motion and connectivity</h2><p>Across participants, per session: the correlation of mean framewise "
                "displacement with each connectivity edge (qcfc.tsv), the median |r|, the share of edges with p &lt; 0.05 before "
                "and after Benjamini-Hochberg FDR, and the correlation of QC-FC with the distance between region centroids.</p>" +
                table_html(qsum);
        const auto q = read_if(g / "qcfc.tsv");
        if (q.rows()) {
            const auto ses = q.strings("session");
            const auto r = q.numeric("r");
            std::map<std::string, std::vector<double>> by;
            for (std::size_t i = 0; i < q.rows(); ++i)
                if (std::isfinite(r[i])) by[ses[i]].push_back(r[i]);
            for (const auto& [sname, v] : by)
                body += figure(svg_histogram(v, -1, 1, 40, "QC-FC distribution, session " + sname, "r (mean FD, edge) across participants"),
                               "Number of edges per bin of r; the bar height scale is on the left.");
        }
    }
    for (const auto& e : [&] {
             std::vector<fs::path> v;
             for (const auto& d : fs::directory_iterator(g)) v.push_back(d.path());
             std::sort(v.begin(), v.end());
             return v;
         }()) {
        const std::string n = e.filename().string();
        const std::string tail = "_stat-t_statmap.nii.gz";
        if (n.size() <= tail.size() || n.compare(n.size() - tail.size(), tail.size(), tail) != 0 || n.find("_contrast-") == std::string::npos) continue;
        const fs::path ref = g / (n.substr(0, n.find("_contrast-")) + "_desc-mean_bold.nii.gz");
        if (!fs::exists(ref)) continue;
        const auto base = io::read_image<float>(ref.string(), ctx);
        const auto t = io::read_image<float>(e.string(), ctx);
        if (!t.grid().same_as(base.grid())) continue;
        body += "<h2>Group map: " + html_escape(n.substr(0, n.size() - tail.size())) + "</h2>" +
                figure(img(montage(base, &t, false, 6, 3.0)),
                       "One-sample t of the participants' contrast effect maps over their mean image, |t| > 3 (blue negative, red positive).");
    }
    const auto models = read_if(g / "models.tsv");
    if (models.rows()) {
        body += "<h2>Group models</h2>" + table_html(models);
        std::vector<std::string> labels;
        std::vector<double> est, lo, hi;
        const auto e = models.numeric("estimate"), se = models.numeric("se"), df = models.numeric("df");
        const auto names = models.strings("model"), contrast = models.strings("contrast"), outcome = models.strings("outcome");
        for (std::size_t i = 0; i < models.rows(); ++i) {
            const double q = df[i] > 0 ? boost::math::quantile(boost::math::students_t(df[i]), 0.975) : std::nan("");
            labels.push_back(names[i] + ": " + contrast[i]);
            est.push_back(e[i]);
            lo.push_back(e[i] - q * se[i]);
            hi.push_back(e[i] + q * se[i]);
        }
        for (std::size_t i = 0; i < models.rows(); ++i) {
            body += "<h3>" + html_escape(names[i]) + "</h3>";
            body += figure(svg_effects({labels[i]}, {est[i]}, {lo[i]}, {hi[i]}, "Contrast estimate with 95% CI"),
                           "t-based 95% CI; permutation p in the table above.");
            std::string pred = contrast[i];
            const auto bracket = pred.find("[T.");
            if (bracket != std::string::npos) pred = pred.substr(0, bracket);
            const std::string svg = svg_outcome(table, outcome[i], pred, names[i] + ": " + outcome[i]);
            if (!svg.empty()) body += figure(svg, outcome[i] + " by " + pred + " (one point per participant).");
        }
    }
    const auto mixed = read_if(g / "mixed_models.tsv");
    if (mixed.rows()) {
        body += "<h2 id=\"mixed-models\">Mixed-model estimates</h2><p>Linear mixed models over sessions (one row per participant "
                "and session; REML, Satterthwaite df, as lme4 + lmerTest): fixed effects with 95% CIs (estimate &plusmn; "
                "t<sub>df, 0.975</sub> &middot; se). Type III F tests, marginal means and arm contrasts per session follow; "
                "every table is in group/mixed_model-NAME_*.tsv.</p>";
        const auto anova = read_if(g / "mixed_models_anova.tsv");
        const auto emm = read_if(g / "mixed_models_emmeans.tsv");
        const auto con = read_if(g / "mixed_models_contrasts.tsv");
        const auto model_names = mixed.strings("model");
        std::vector<std::string> order;
        for (const auto& m : model_names)
            if (std::find(order.begin(), order.end(), m) == order.end()) order.push_back(m);
        const auto rows_of = [](const io::Table& t, const std::string& model) {
            io::Table out(std::vector<std::string>(t.columns().begin() + 2, t.columns().end()));
            if (!t.has("model")) return out;
            const auto names = t.strings("model");
            for (std::size_t r = 0; r < t.rows(); ++r)
                if (names[r] == model) {
                    std::vector<std::string> row;
                    for (std::size_t c = 2; c < t.cols(); ++c) row.push_back(t.cell(r, c));
                    out.add_row(std::move(row));
                }
            return out;
        };
        for (const auto& model : order) {
            const io::Table f = rows_of(mixed, model);
            const auto outcome = mixed.strings("outcome")[std::size_t(std::find(model_names.begin(), model_names.end(), model) - model_names.begin())];
            body += "<h3>" + html_escape(model) + ": " + html_escape(outcome) + "</h3>" + table_html(f);
            std::vector<std::string> labels;
            std::vector<double> est, lo, hi;
            const auto e = f.numeric("estimate"), l = f.numeric("ci_low"), h = f.numeric("ci_high");
            const auto terms = f.strings("term");
            for (std::size_t i = 0; i < f.rows(); ++i) {
                if (terms[i] == "(Intercept)") continue;
                labels.push_back(terms[i]);
                est.push_back(e[i]);
                lo.push_back(l[i]);
                hi.push_back(h[i]);
            }
            if (!labels.empty())
                body += figure(svg_effects(labels, est, lo, hi, "Fixed effects with 95% CI (" + model + ")"),
                               "Satterthwaite t-based 95% CIs; the intercept is left out of the plot.");
            const io::Table a = rows_of(anova, model), m = rows_of(emm, model), k = rows_of(con, model);
            if (a.rows()) body += "<p>Type III F tests (Satterthwaite denominator df)</p>" + table_html(a);
            if (m.rows()) body += "<p>Estimated marginal means</p>" + table_html(m);
            if (k.rows()) body += "<p>Contrasts within each level (e.g. arm difference per session)</p>" + table_html(k);
        }
    }
    if (config.contains("mediation"))
        for (const auto& m : config["mediation"]) {
            const std::string name = m["name"];
            const auto t = read_if(g / ("mediation-" + name + ".tsv"));
            if (!t.rows()) continue;
            body += "<h2>Mediation: " + html_escape(name) + "</h2>";
            body += figure(svg_mediation(t, m["x"], m["m"].get<std::vector<std::string>>(), m["y"]),
                           "Path coefficients with bootstrap 95% CIs (* p < 0.05).");
            body += table_html(t);
        }
    for (const auto& e : fs::directory_iterator(g)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("responders", 0) == 0 && n.size() > 4 && n.substr(n.size() - 4) == ".tsv")
            body += "<h2>Responders: " + html_escape(n) + "</h2>" + table_html(io::read_table(e.path().string()));
    }
    if (config.contains("signatures"))
        for (const auto& [name, path] : config["signatures"].items()) {
            const std::string p = path;
            if (!fs::exists(p)) continue;
            const auto w = io::read_image<float>(p, ctx);
            if (w.volumes() != 1) continue;
            body += "<h2>Signature weights: " + html_escape(name) + "</h2>" +
                    figure(img(montage(w, &w, false)), "Axial slices of the weight map (blue negative, red positive).");
        }
    return page("algia report: group", body);
}

}  // namespace

std::vector<std::string> write_reports(const std::string& output_dir, const Context& ctx) {
    std::vector<std::string> written;
    const fs::path out(output_dir);
    io::Json config = io::Json::object();
    const fs::path dd = out / "dataset_description.json";
    if (fs::exists(dd)) {
        const auto j = io::read_json(dd.string());
        if (j.contains("GeneratedBy") && !j["GeneratedBy"].empty() && j["GeneratedBy"][0].contains("Configuration")) {
            config = j["GeneratedBy"][0]["Configuration"];
            // Paths in the configuration are relative to its file's folder.
            const fs::path base = (out / j["GeneratedBy"][0].value("ConfigurationFile", "")).parent_path();
            const auto fix = [&](io::Json& v) {
                if (v.is_string() && !v.get<std::string>().empty() && fs::path(v.get<std::string>()).is_relative())
                    v = (base / v.get<std::string>()).lexically_normal().string();
            };
            if (config.contains("atlas")) {
                fix(config["atlas"]["image"]);
                if (config["atlas"].contains("labels")) fix(config["atlas"]["labels"]);
            }
            config["_root"] = (out / j["GeneratedBy"][0].value("InputFolder", "")).lexically_normal().string();
            if (config.contains("signatures"))
                for (auto& [k, v] : config["signatures"].items()) fix(v);
        }
    }
    std::vector<fs::path> subs;
    for (const auto& e : fs::directory_iterator(out))
        if (e.is_directory() && e.path().filename().string().rfind("sub-", 0) == 0) subs.push_back(e.path());
    std::sort(subs.begin(), subs.end());
    for (const auto& s : subs) {
        const std::string label = s.filename().string().substr(4);
        if (!fs::exists(s / ("sub-" + label + "_desc-done.json"))) continue;
        const fs::path p = s / ("sub-" + label + "_report.html");
        io::write_text_file_atomic(p.string(), participant_report(s, label, config, ctx));
        written.push_back(p.string());
    }
    if (fs::exists(out / "group" / "group_table.tsv")) {
        const fs::path p = out / "group" / "group_report.html";
        io::write_text_file_atomic(p.string(), group_report(out, config, ctx));
        written.push_back(p.string());
    }
    return written;
}

}  // namespace algia::report
