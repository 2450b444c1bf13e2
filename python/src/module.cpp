// _algia: the compiled part of the Python package `algia` (pybind11). The functions mirror the
// library's kernels; python/algia/__init__.py re-exports them with a thin pure-Python layer.
//
// Arrays: images come back as float32 numpy arrays in Fortran order (x fastest) that share the
// image's storage (a capsule owns it: no copy). Matrices passed in (time series, designs, data)
// are converted once to float64 Eigen matrices; results are returned as new float64 arrays.
// Errors: algia::Error becomes algia.AlgiaError (a ValueError) for invalid input, usage and
// unsupported features, algia.AlgiaIOError (an OSError) for files, with the same message.
// Long calls release the GIL; connectivity, permutation_test and mediate stop on Ctrl-C
// (KeyboardInterrupt).
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "algia/connectivity/connectivity.hpp"
#include "algia/core/context.hpp"
#include "algia/core/error.hpp"
#include "algia/core/version.hpp"
#include "algia/image/image.hpp"
#include "algia/io/nifti.hpp"
#include "algia/mediation/bootstrap.hpp"
#include "algia/mediation/mediation.hpp"
#include "algia/mediation/table.hpp"
#include "algia/signal/clean.hpp"
#include "algia/stats/glm.hpp"
#include "algia/trial/proportions.hpp"

namespace py = pybind11;
using algia::Context;

namespace {

Context make_context(int threads, std::uint64_t seed = 0) {
    Context ctx;
    ctx.set_threads(threads);
    ctx.set_seed(seed);
    return ctx;
}

// Runs `f` (which uses `ctx`) without the GIL on a worker thread while this thread watches for
// Ctrl-C: every 50 ms it takes the GIL and runs Python's signal handlers; on KeyboardInterrupt it
// cancels `ctx` (parallel_for stops before its next block), waits for the worker and re-raises
// the KeyboardInterrupt. Errors thrown by `f` are rethrown here.
template <class F>
auto run_interruptible(const Context& ctx, F&& f) -> decltype(f()) {
    using R = decltype(f());
    std::optional<R> result;
    std::exception_ptr error;
    bool finished = false, interrupted = false;
    std::mutex mutex;
    std::condition_variable cv;
    PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
    {
        py::gil_scoped_release release;
        std::thread worker([&] {
            try {
                result.emplace(f());
            } catch (...) {
                error = std::current_exception();
            }
            std::lock_guard<std::mutex> lock(mutex);
            finished = true;
            cv.notify_all();
        });
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex);
                if (cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return finished; })) break;
            }
            if (interrupted) continue;
            py::gil_scoped_acquire acquire;
            if (PyErr_CheckSignals() != 0) {
                PyErr_Fetch(&type, &value, &trace);
                interrupted = true;
                ctx.cancel();
            }
        }
        worker.join();
    }
    if (interrupted) {
        PyErr_Restore(type, value, trace);
        throw py::error_already_set();
    }
    if (error) std::rethrow_exception(error);
    return std::move(*result);
}

py::array_t<double> vector_array(const Eigen::VectorXd& v) {
    py::array_t<double> out(v.size());
    for (Eigen::Index i = 0; i < v.size(); ++i) out.mutable_at(i) = v[i];
    return out;
}

py::tuple load_image(const std::string& path) {
    auto* img = new algia::image::Image<float>();
    try {
        py::gil_scoped_release release;
        *img = algia::io::read_image<float>(path, Context());
    } catch (...) {
        delete img;
        throw;
    }
    // The capsule owns the Image view (and through it the storage); numpy frees it with the array.
    py::capsule owner(img, [](void* p) { delete static_cast<algia::image::Image<float>*>(p); });
    const auto& d = img->grid().dims;
    std::vector<py::ssize_t> shape = {d[0], d[1], d[2]};
    if (img->volumes() > 1) shape.push_back(img->volumes());
    std::vector<py::ssize_t> strides;
    py::ssize_t stride = sizeof(float);
    for (auto n : shape) {
        strides.push_back(stride);
        stride *= n;
    }
    py::array_t<float> data(shape, strides, img->data(), owner);
    Eigen::Matrix4d affine = img->grid().affine;
    return py::make_tuple(data, py::cast(affine));
}

Eigen::MatrixXd clean(const Eigen::MatrixXd& signals, const std::optional<Eigen::MatrixXd>& confounds, double t_r,
                      std::optional<double> high_pass, std::optional<double> low_pass, const std::string& standardize,
                      bool detrend, bool standardize_confounds, const std::string& filter) {
    algia::signal::CleanOptions o;
    o.t_r = t_r;
    o.high_pass = high_pass;
    o.low_pass = low_pass;
    o.standardize = algia::signal::parse_standardize(standardize);
    o.detrend = detrend;
    o.standardize_confounds = standardize_confounds;
    if (filter == "butterworth") o.filter = algia::signal::FilterKind::butterworth;
    else if (filter == "cosine") o.filter = algia::signal::FilterKind::cosine;
    else if (filter == "none") o.filter = algia::signal::FilterKind::none;
    else
        throw algia::Error(algia::Kind::usage, "unknown filter '" + filter + "'")
            .hint("use filter='butterworth', 'cosine' or 'none'");
    const Eigen::MatrixXd conf = confounds ? *confounds : Eigen::MatrixXd(signals.rows(), 0);
    py::gil_scoped_release release;
    return algia::signal::clean(signals, conf, o);
}

py::tuple connectivity(const std::vector<Eigen::MatrixXd>& series, const std::string& kind,
                       const std::string& estimator, int threads) {
    const auto k = algia::connectivity::parse_kind(kind == "partial correlation" ? "partial" : kind);
    const auto e = algia::connectivity::parse_estimator(estimator);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < series.size(); ++i) names.push_back("time series " + std::to_string(i));
    const Context ctx = make_context(threads);
    const auto r = run_interruptible(ctx, [&] { return algia::connectivity::connectivity(series, k, e, names, ctx); });
    py::list matrices;
    for (const auto& m : r.matrices) matrices.append(py::cast(m));
    return py::make_tuple(matrices, py::cast(r.mean));
}

py::dict permutation_test(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& contrast,
                          int permutations, std::uint64_t seed, bool two_sided, int threads) {
    algia::stats::PermutationOptions o;
    o.permutations = permutations;
    o.seed = seed;
    o.two_sided = two_sided;
    const Context ctx = make_context(threads, seed);
    const auto r = run_interruptible(ctx, [&] { return algia::stats::permutation_test(X, Y, contrast, o, ctx); });
    py::dict out;
    out["effect"] = vector_array(r.observed.effect);
    out["variance"] = vector_array(r.observed.variance);
    out["t"] = vector_array(r.observed.t);
    out["df"] = r.observed.df;
    out["p_uncorrected"] = vector_array(r.p_uncorrected);
    out["p_fwe"] = vector_array(r.p_fwe);
    out["null_max_t"] = py::cast(r.null_max_t);
    out["permutations"] = r.permutations;
    out["sign_flipping"] = r.sign_flipping;
    out["exhaustive"] = r.exhaustive;
    return out;
}

// The CLI's results table (mediation::results_table) as columns: numbers as floats, text as str.
py::dict mediate(const Eigen::VectorXd& x, const Eigen::MatrixXd& m, const Eigen::VectorXd& y,
                 const std::optional<Eigen::MatrixXd>& covariates, int boot, const std::string& ci,
                 std::uint64_t seed, double alpha, bool serial, const std::vector<std::string>& mediator_names,
                 int threads) {
    algia::mediation::Data d;
    d.x = x;
    d.m = m;
    d.y = y;
    d.covariates = covariates ? *covariates : Eigen::MatrixXd(x.size(), 0);
    if (!mediator_names.empty()) {
        if (mediator_names.size() != std::size_t(m.cols()))
            throw algia::Error(algia::Kind::usage, "mediator_names: " + std::to_string(mediator_names.size()) +
                                                       " names for " + std::to_string(m.cols()) + " mediators")
                .hint("give one name per column of m");
        d.mediator_names = mediator_names;
    } else {
        for (Eigen::Index j = 0; j < m.cols(); ++j) d.mediator_names.push_back("m" + std::to_string(j + 1));
    }
    if (boot < 1) throw algia::Error(algia::Kind::usage, "boot must be at least 1").hint("e.g. boot=10000");
    algia::mediation::BootstrapOptions o;
    o.resamples = boot;
    o.seed = seed;
    o.ci = algia::mediation::parse_ci_method(ci);
    o.alpha = alpha;
    const Context ctx = make_context(threads, seed);
    const algia::io::Table table = run_interruptible(ctx, [&] {
        const algia::mediation::Model model(std::move(d), serial ? algia::mediation::Structure::serial
                                                                  : algia::mediation::Structure::parallel);
        const auto r = algia::mediation::bootstrap(model, o, ctx);
        return algia::mediation::results_table(model, r, o.ci);
    });
    py::dict out;
    for (std::size_t c = 0; c < table.cols(); ++c) {
        py::list col;
        for (std::size_t r = 0; r < table.rows(); ++r) {
            const std::string& cell = table.cell(r, c);
            const bool text = table.columns()[c] == "path" || table.columns()[c] == "ci_method";
            if (text) {
                col.append(cell);
            } else if (cell.empty() || cell == "n/a" || cell == "NA") {
                col.append(std::nan(""));
            } else {
                try {
                    col.append(std::stod(cell));
                } catch (const std::exception&) {
                    col.append(cell);
                }
            }
        }
        out[py::str(table.columns()[c])] = col;
    }
    return out;
}

py::tuple wilson(std::int64_t x, std::int64_t n, double level) {
    if (n <= 0 || x < 0 || x > n)
        throw algia::Error(algia::Kind::invalid_input,
                           "wilson: need 0 <= x <= n and n > 0, got x=" + std::to_string(x) + ", n=" + std::to_string(n));
    const auto i = algia::trial::wilson(x, n, level);
    return py::make_tuple(i.lower, i.upper);
}

py::dict compare(std::int64_t x1, std::int64_t n1, std::int64_t x2, std::int64_t n2, double level) {
    if (n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2)
        throw algia::Error(algia::Kind::invalid_input, "compare: need 0 <= x <= n and n > 0 in both arms")
            .hint("x1/n1 and x2/n2 are responders / participants per arm");
    const auto c = algia::trial::compare({x1, n1, x2, n2}, level);
    py::dict out;
    auto pair = [](const algia::trial::Interval& i) { return py::make_tuple(i.lower, i.upper); };
    out["p1"] = c.p1;
    out["p2"] = c.p2;
    out["risk_difference"] = c.risk_difference;
    out["rd_ci"] = pair(c.rd_newcombe);
    out["risk_ratio"] = c.risk_ratio;
    out["rr_ci"] = pair(c.rr_log);
    out["odds_ratio"] = c.odds_ratio;
    out["or_ci"] = pair(c.or_woolf);
    out["or_conditional"] = c.or_conditional;
    out["or_exact_ci"] = pair(c.or_exact);
    out["fisher_p"] = c.fisher_p;
    out["chi2"] = c.chi2;
    out["chi2_p"] = c.chi2_p;
    out["chi2_yates"] = c.chi2_yates;
    out["chi2_yates_p"] = c.chi2_yates_p;
    return out;
}

}  // namespace

PYBIND11_MODULE(_algia, mod) {
    mod.doc() = "algia's compiled kernels (use the `algia` package, which re-exports them)";
    mod.attr("__version__") = algia::version();

    // Handles, not py::object: nothing to release after the interpreter has gone at exit.
    static py::handle algia_error = py::exception<algia::Error>(mod, "AlgiaError", PyExc_ValueError).release();
    static py::handle algia_io_error = py::exception<algia::Error>(mod, "AlgiaIOError", PyExc_OSError).release();
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const algia::Error& e) {
            switch (e.kind()) {
                case algia::Kind::io: PyErr_SetString(algia_io_error.ptr(), e.what()); break;
                case algia::Kind::cancelled: PyErr_SetString(PyExc_KeyboardInterrupt, e.what()); break;
                case algia::Kind::internal: PyErr_SetString(PyExc_RuntimeError, e.what()); break;
                default: PyErr_SetString(algia_error.ptr(), e.what()); break;
            }
        }
    });

    mod.def("load_image", &load_image, py::arg("path"),
            R"(load_image(path) -> (data, affine)

Reads a NIfTI-1/2 or Analyze image (.nii, .nii.gz, .hdr/.img) as nibabel does (scaling, byte order,
affine). `data` is a float32 array in Fortran order (x fastest), shape (x, y, z) or (x, y, z, t),
that shares algia's buffer: no copy is made (data.base owns it). `affine` is the 4x4 voxel-to-world
matrix (float64). Raises AlgiaIOError (an OSError) when the file cannot be read and AlgiaError (a
ValueError) when it is not a valid image.)");

    mod.def("clean", &clean, py::arg("signals"), py::arg("confounds") = py::none(), py::arg("t_r") = 0.0,
            py::arg("high_pass") = py::none(), py::arg("low_pass") = py::none(), py::arg("standardize") = "zscore",
            py::arg("detrend") = true, py::arg("standardize_confounds") = true, py::arg("filter") = "butterworth",
            R"(clean(signals, confounds=None, t_r=0, high_pass=None, low_pass=None, standardize='zscore',
      detrend=True, standardize_confounds=True, filter='butterworth') -> ndarray

Denoises time series (time x signals) as nilearn.signal.clean (0.10.3): linear detrend,
Butterworth (or cosine) filtering of signals and confounds, confound regression, standardisation
('zscore', 'zscore_sample', 'psc' or 'none'). t_r (seconds) is required when filtering; high_pass
and low_pass are in Hz. signals and confounds are converted once to float64.)");

    mod.def("connectivity", &connectivity, py::arg("series"), py::arg("kind") = "correlation",
            py::arg("estimator") = "ledoit-wolf", py::arg("threads") = 0,
            R"(connectivity(series, kind='correlation', estimator='ledoit-wolf', threads=0) -> (matrices, mean)

Connectivity matrices from a list of region time series (each time x regions), as nilearn's
ConnectivityMeasure: kind is 'covariance', 'correlation', 'partial correlation' (or 'partial'),
'precision' or 'tangent'; estimator 'ledoit-wolf' or 'empirical'. Returns the list of matrices
(one per input) and the group mean (the geometric mean for 'tangent'). The same numbers as
`algia connect`. threads=0 uses every core; results do not depend on it.)");

    mod.def("permutation_test", &permutation_test, py::arg("X"), py::arg("Y"), py::arg("contrast"),
            py::arg("permutations") = 5000, py::arg("seed") = 0, py::arg("two_sided") = false, py::arg("threads") = 0,
            R"(permutation_test(X, Y, contrast, permutations=5000, seed=0, two_sided=False, threads=0) -> dict

Mass-univariate GLM Y = X b + e (Y: observations x columns) with the t statistic of contrast c'b
and permutation p-values: sign flips for a one-sample design (a single constant column), else
Freedman-Lane. Returns effect, variance, t, df, p_uncorrected, p_fwe (from the maximum t),
null_max_t, permutations, sign_flipping, exhaustive. A fixed seed gives the same result on any
number of threads (the same as `algia stats`).)");

    mod.def("mediate", &mediate, py::arg("x"), py::arg("m"), py::arg("y"), py::arg("covariates") = py::none(),
            py::arg("boot") = 10000, py::arg("ci") = "bca", py::arg("seed") = 0, py::arg("alpha") = 0.05,
            py::arg("serial") = false, py::arg("mediator_names") = std::vector<std::string>(), py::arg("threads") = 0,
            R"(mediate(x, m, y, covariates=None, boot=10000, ci='bca', seed=0, alpha=0.05, serial=False,
        mediator_names=(), threads=0) -> dict

Mediation X -> M -> Y (m: one column per mediator; parallel, or serial for two mediators) by OLS
with bootstrap intervals ('percentile', 'bc' or 'bca'). Returns the same table as
`algia mediate --table` as a dict of columns: path, estimate, se, ci_low, ci_high, p, n, stat,
p_parametric, boot_se, ci_method, resamples (numbers as float, NaN where not applicable).)");

    mod.def("wilson", &wilson, py::arg("x"), py::arg("n"), py::arg("level") = 0.95,
            R"(wilson(x, n, level=0.95) -> (lower, upper)

Wilson score interval for x responders out of n (no continuity correction).)");

    mod.def("compare", &compare, py::arg("x1"), py::arg("n1"), py::arg("x2"), py::arg("n2"),
            py::arg("level") = 0.95,
            R"(compare(x1, n1, x2, n2, level=0.95) -> dict

Two arms' responder rates: p1, p2, risk difference with Newcombe's hybrid-score interval, risk
ratio (log interval), odds ratio (Woolf interval), conditional MLE odds ratio with the exact
interval and Fisher's exact p (as R's fisher.test), Pearson's chi-square with and without Yates'
correction. The numbers `algia trial responders` reports.)");
}
