// _algia: the compiled part of the Python package `algia` (pybind11). The functions mirror the
// library's kernels; python/algia/__init__.py re-exports them with a thin pure-Python layer (which
// resolves paths / nibabel images / DataFrames into the arguments these functions take).
//
// Arrays: images come back as float32 numpy arrays in Fortran order (x fastest) that share the
// image's storage (a capsule owns it: no copy). Images passed in (image_arg) are viewed in place
// when they are float32 Fortran-ordered, else converted once. Matrices passed in (time series,
// designs, data) are converted once to float64 Eigen matrices; results are new float64 arrays
// (connectivity reads its series in place and writes its results straight into the returned arrays).
// Errors: algia::Error becomes algia.AlgiaError (a ValueError) for invalid input, usage and
// unsupported features, algia.AlgiaIOError (an OSError) for files, with the same message.
// Long calls release the GIL, stop on Ctrl-C (KeyboardInterrupt) and report progress to an
// optional Python callback (run_interruptible).
#include <atomic>
#include <cstdlib>
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

#include <algorithm>
#include <map>
#include <set>

#include "algia/connectivity/connectivity.hpp"
#include "algia/core/context.hpp"
#include "algia/core/error.hpp"
#include "algia/core/memory.hpp"
#include "algia/core/parallel.hpp"
#include "algia/glm/design.hpp"
#include "algia/glm/model.hpp"
#include "algia/glm/single_trial.hpp"
#include "algia/core/version.hpp"
#include "algia/glm/first_level.hpp"
#include "algia/glm/epi_mask.hpp"
#include "algia/image/image.hpp"
#include "algia/image/resample.hpp"
#include "algia/io/labels.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "algia/mediation/bootstrap.hpp"
#include "algia/mediation/mediation.hpp"
#include "algia/mediation/table.hpp"
#include "algia/signal/clean.hpp"
#include "algia/signal/confounds.hpp"
#include "algia/signal/regions.hpp"
#include "algia/signature/scorer.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "algia/stats/glm.hpp"
#include "algia/trial/lmm.hpp"
#include "algia/trial/lmm_tables.hpp"
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

// Progress for Python: kernels advance it from any thread; the thread that waits for them (with
// the GIL) reads it every 50 ms and calls the user's callback(done, total). Scopes nest: only the
// outermost one sets the total; inner scopes' advances are ignored unless no outer scope exists.
class CallbackProgress final : public algia::ProgressSink {
public:
    void begin(const std::string&, std::uint64_t total) override {
        std::lock_guard<std::mutex> lock(mutex_);
        if (depth_++ == 0) {
            total_.store(total);
            done_.store(0);
            active_.store(true);
        }
    }
    void advance(std::uint64_t n) override {
        if (depth_.load() == 1) done_.fetch_add(n);
    }
    void end() override {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--depth_ == 0) {
            done_.store(total_.load());
            finished_.store(true);
        }
    }
    bool active() const { return active_.load(); }
    bool finished() const { return finished_.load(); }
    std::uint64_t done() const { return std::min(done_.load(), total_.load()); }
    std::uint64_t total() const { return total_.load(); }

private:
    std::mutex mutex_;
    std::atomic<int> depth_{0};
    std::atomic<std::uint64_t> total_{0}, done_{0};
    std::atomic<bool> active_{false}, finished_{false};
};

// A Context for one call: threads, seed, and (when `progress` is a callable) a CallbackProgress.
Context make_context(int threads, std::uint64_t seed, const py::object& progress) {
    Context ctx = make_context(threads, seed);
    if (!progress.is_none()) {
        if (!PyCallable_Check(progress.ptr()))
            throw algia::Error(algia::Kind::usage, "progress must be a callable progress(done, total) or None");
        ctx.set_progress(std::make_shared<CallbackProgress>());
    }
    return ctx;
}

// Runs `f` (which uses `ctx`) without the GIL on a worker thread while this thread watches for
// Ctrl-C: every 50 ms it takes the GIL and runs Python's signal handlers; on KeyboardInterrupt it
// cancels `ctx` (parallel_for stops before its next block), waits for the worker and re-raises
// the KeyboardInterrupt. Errors thrown by `f` are rethrown here. With a `progress` callable (and
// the CallbackProgress of make_context), the same thread calls progress(done, total) with the GIL
// whenever `done` has grown, and a last time with done == total; an exception raised by the
// callback cancels the call like Ctrl-C and is re-raised.
template <class F>
auto run_interruptible(const Context& ctx, F&& f, const py::object& progress = py::none()) -> decltype(f()) {
    using R = decltype(f());
    std::optional<R> result;
    std::exception_ptr error;
    bool finished = false, interrupted = false;
    std::mutex mutex;
    std::condition_variable cv;
    PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
    auto* sink = progress.is_none() ? nullptr : dynamic_cast<CallbackProgress*>(&ctx.progress());
    std::uint64_t reported = 0;
    bool reported_any = false;
    // Calls the callback if there is news; false (and the Python error fetched) when it raised.
    auto report = [&](bool last) {
        if (!sink || !sink->active()) return true;
        const std::uint64_t total = sink->total();
        const std::uint64_t done = last ? total : sink->done();
        if (reported_any && done <= reported) return true;
        reported = done;
        reported_any = true;
        try {
            progress(done, total);
        } catch (py::error_already_set& e) {
            e.restore();
            PyErr_Fetch(&type, &value, &trace);
            return false;
        }
        return true;
    };
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
            } else if (!report(false)) {
                interrupted = true;
                ctx.cancel();
            }
        }
        worker.join();
    }
    if (!interrupted && !error && sink && sink->finished() && !report(true)) interrupted = true;
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

using FloatImage = algia::image::Image<float>;

// A float32 numpy array (x, y, z[, t]) in Fortran order over an Image's storage: a capsule owns a
// copy of the Image view (and through it the storage), so no voxel is copied.
py::array image_array(const FloatImage& image) {
    auto* img = new FloatImage(image);
    py::capsule owner(img, [](void* p) { delete static_cast<FloatImage*>(p); });
    const auto& d = img->grid().dims;
    std::vector<py::ssize_t> shape = {d[0], d[1], d[2]};
    if (img->volumes() > 1) shape.push_back(img->volumes());
    std::vector<py::ssize_t> strides;
    py::ssize_t stride = sizeof(float);
    for (auto n : shape) {
        strides.push_back(stride);
        stride *= n;
    }
    return py::array_t<float>(shape, strides, img->data(), owner);
}

// An image passed from Python as (array, affine[, tr]). A float32 array in Fortran order (x
// fastest) is used in place (no copy; `keep` holds it for the call); any other array is converted
// once to float32 Fortran order. The view must not outlive the call, and algia must not write
// into it (the user's array): callers that modify voxels copy first.
struct ImageArg {
    py::array keep;
    FloatImage image;
    std::string name;
};

ImageArg image_arg(const py::handle& data, const Eigen::Matrix4d& affine, double tr, const std::string& name) {
    ImageArg out;
    out.name = name;
    auto arr = py::array_t<float, py::array::f_style | py::array::forcecast>::ensure(data);
    if (!arr) {
        PyErr_Clear();
        throw algia::Error(algia::Kind::invalid_input, name + ": is not an array of numbers")
            .hint("pass a numpy array, a nibabel image or a file path");
    }
    if (arr.ndim() != 3 && arr.ndim() != 4)
        throw algia::Error(algia::Kind::invalid_input,
                           name + ": has " + std::to_string(arr.ndim()) + " dimensions; an image has 3 (x, y, z) or 4 (x, y, z, t)")
            .hint("reshape the array, or pass a nibabel image");
    algia::image::Grid grid;
    for (int k = 0; k < 3; ++k) grid.dims[std::size_t(k)] = arr.shape(k);
    grid.affine = affine;
    const std::int64_t volumes = arr.ndim() == 4 ? arr.shape(3) : 1;
    if (grid.voxels() * volumes == 0) throw algia::Error(algia::Kind::invalid_input, name + ": the image is empty");
    out.image = FloatImage(grid, volumes, const_cast<float*>(arr.data()), nullptr);
    out.image.set_tr(tr);
    out.keep = std::move(arr);
    return out;
}

// What the C++ side sees of an image argument: the address of its first voxel (tests check that
// float32 Fortran-ordered arrays are not copied).
std::uintptr_t image_address(const py::array& data) {
    const auto a = image_arg(data, Eigen::Matrix4d::Identity(), 0.0, "image");
    return reinterpret_cast<std::uintptr_t>(a.image.data());
}

py::tuple read_image_tr(const std::string& path) {
    FloatImage img;
    algia::io::ImageHeader h;
    {
        py::gil_scoped_release release;
        img = algia::io::read_image<float>(path, Context(), &h);
    }
    Eigen::Matrix4d affine = img.grid().affine;
    return py::make_tuple(image_array(img), py::cast(affine), h.tr_seconds);
}

py::tuple load_image(const std::string& path) {
    FloatImage img;
    {
        py::gil_scoped_release release;
        img = algia::io::read_image<float>(path, Context());
    }
    Eigen::Matrix4d affine = img.grid().affine;
    return py::make_tuple(image_array(img), py::cast(affine));
}

// A Table as a dict of text columns (the cells the CLI would write).
py::dict table_columns(const algia::io::Table& t) {
    py::dict out;
    for (std::size_t c = 0; c < t.cols(); ++c) {
        py::list col;
        for (std::size_t r = 0; r < t.rows(); ++r) col.append(t.cell(r, c));
        out[py::str(t.columns()[c])] = col;
    }
    return out;
}

// A Table from columns of text cells (the pure-Python layer formats numbers round-trip, n/a for
// missing), as if read from a TSV file named `source`.
algia::io::Table make_table(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& cells,
                            const std::string& source) {
    algia::io::Table t(columns);
    t.set_source(source);
    const std::size_t rows = cells.empty() ? 0 : cells[0].size();
    for (const auto& c : cells)
        if (c.size() != rows) throw algia::Error(algia::Kind::invalid_input, source + ": columns of different lengths");
    if (cells.size() != columns.size()) throw algia::Error(algia::Kind::internal, "make_table: one cell list per column");
    for (std::size_t r = 0; r < rows; ++r) {
        std::vector<std::string> row;
        for (const auto& c : cells) row.push_back(c[r]);
        t.add_row(std::move(row));
    }
    return t;
}

// ---- score ---------------------------------------------------------------------------------------

// images: list of (array, affine, name); signatures: list of (name, array, affine).
py::dict score(const py::list& images, const py::list& signatures, const std::vector<std::string>& metrics,
               const py::object& mask, const py::object& atlas, int threads, const py::object& progress) {
    std::vector<ImageArg> data;
    for (const auto& item : images) {
        const auto t = item.cast<py::tuple>();
        data.push_back(image_arg(t[0], t[1].cast<Eigen::Matrix4d>(), 0.0, t[2].cast<std::string>()));
    }
    std::vector<ImageArg> weights;
    std::vector<algia::signature::SignatureSource> sources;
    for (const auto& item : signatures) {
        const auto t = item.cast<py::tuple>();
        const auto name = t[0].cast<std::string>();
        weights.push_back(image_arg(t[1], t[2].cast<Eigen::Matrix4d>(), 0.0, "signature '" + name + "'"));
        sources.push_back({name, "signature '" + name + "'"});
    }
    std::vector<algia::signature::Metric> ms;
    for (const auto& m : metrics) ms.push_back(algia::signature::parse_metric(m));
    std::optional<ImageArg> mask_arg, atlas_arg;
    if (!mask.is_none()) {
        const auto t = mask.cast<py::tuple>();
        mask_arg = image_arg(t[0], t[1].cast<Eigen::Matrix4d>(), 0.0, "mask");
    }
    if (!atlas.is_none()) {
        const auto t = atlas.cast<py::tuple>();
        atlas_arg = image_arg(t[0], t[1].cast<Eigen::Matrix4d>(), 0.0, "atlas");
    }
    const Context ctx = make_context(threads, 0, progress);
    std::vector<FloatImage> w;
    for (const auto& a : weights) w.push_back(a.image);
    auto rows = run_interruptible(ctx, [&] {
        algia::signature::Scorer scorer(sources, w, ms);
        if (mask_arg) scorer.set_mask(mask_arg->image, "mask");
        if (atlas_arg) scorer.set_regions(atlas_arg->image, "atlas");
        std::vector<std::vector<algia::signature::ScoreRow>> out(data.size());
        Context inner = ctx;
        inner.set_threads(1);
        algia::ProgressScope scope(ctx.progress(), "score", data.size());
        algia::parallel_for(ctx, data.size(), 1, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                out[i] = scorer.score(data[i].image, data[i].name, inner);
                scope.advance();
            }
        });
        return std::make_pair(std::move(out), scorer.metrics());
    }, progress);
    py::list image, volume, signature, region, metric, value, n_voxels, coverage;
    for (std::size_t i = 0; i < rows.first.size(); ++i)
        for (const auto& r : rows.first[i]) {
            image.append(data[i].name);
            volume.append(r.volume);
            signature.append(sources[r.signature].name);
            region.append(r.region);
            metric.append(algia::signature::metric_name(r.metric));
            value.append(r.score);
            n_voxels.append(r.n_voxels);
            coverage.append(r.coverage);
        }
    py::dict out;
    out["image"] = image;
    out["volume"] = volume;
    out["signature"] = signature;
    if (atlas_arg) out["region"] = region;
    out["metric"] = metric;
    out["score"] = value;
    out["n_voxels"] = n_voxels;
    out["coverage"] = coverage;
    return out;
}

// ---- extract -------------------------------------------------------------------------------------

std::string label_error_message(float v) {
    return "the atlas holds a value that is not a label (" + algia::io::format_number(double(v)) + ")";
}

// bold: (array, affine, name); regions: ("atlas"|"maps", array, affine) or ("seeds", [(x,y,z,r)...]);
// mask: None or (array, affine); confound_matrix: None or volumes x k (used as given, all kept).
py::dict extract(const py::tuple& bold, const py::tuple& regions, const py::object& mask,
                 const std::optional<Eigen::MatrixXd>& confound_matrix, const std::string& confounds_path,
                 const std::string& strategy, const std::vector<std::string>& confound_columns, const std::string& compcor_n,
                 std::optional<double> scrub_fd, std::optional<double> scrub_dvars, int min_segment,
                 bool keep_non_steady_state, std::optional<double> high_pass, std::optional<double> low_pass,
                 const std::string& filter, bool detrend, const std::string& standardize, double t_r, int threads,
                 const py::object& progress) {
    const auto b = image_arg(bold[0], bold[1].cast<Eigen::Matrix4d>(), t_r, bold[2].cast<std::string>());
    if (b.image.volumes() < 2)
        throw algia::Error(algia::Kind::invalid_input, b.name + ": is 3-D, but extract needs a 4-D BOLD run")
            .hint("pass the preprocessed BOLD run (desc-preproc_bold.nii.gz), not a mask or a map");
    const auto kind = regions[0].cast<std::string>();
    std::optional<ImageArg> atlas;
    std::vector<algia::signal::Sphere> spheres;
    if (kind == "atlas" || kind == "maps") {
        atlas = image_arg(regions[1], regions[2].cast<Eigen::Matrix4d>(), 0.0, kind);
        if (kind == "atlas" && atlas->image.volumes() != 1)
            throw algia::Error(algia::Kind::invalid_input, "the atlas must be a 3D label image").hint("for probabilistic (4D) maps use maps=");
    } else if (kind == "seeds") {
        for (const auto& s : regions[1].cast<std::vector<std::vector<double>>>()) {
            if (s.size() != 4) throw algia::Error(algia::Kind::internal, "extract: a seed is (x, y, z, radius)");
            spheres.push_back({s[0], s[1], s[2], s[3]});
        }
    } else {
        throw algia::Error(algia::Kind::internal, "extract: unknown region kind " + kind);
    }
    std::optional<ImageArg> mask_arg;
    if (!mask.is_none()) {
        const auto t = mask.cast<py::tuple>();
        mask_arg = image_arg(t[0], t[1].cast<Eigen::Matrix4d>(), 0.0, "mask");
    }
    const std::size_t nt = std::size_t(b.image.volumes());
    // Denoising, as the CLI's prepare_denoising (the TR and the confounds file are resolved by the
    // Python layer: t_r given, from the JSON sidecar or from the header).
    const bool filtering = (filter == "butterworth" && (high_pass || low_pass)) || filter == "cosine";
    if (filtering && !(t_r > 0))
        throw algia::Error(algia::Kind::invalid_input, b.name + ": no repetition time (t_r), needed for filtering")
            .hint("pass t_r=SECONDS");
    if (filter != "butterworth" && filter != "cosine" && filter != "none")
        throw algia::Error(algia::Kind::usage, "unknown filter '" + filter + "'").hint("use 'butterworth', 'cosine' or 'none'");
    algia::signal::Confounds conf;
    if (!confounds_path.empty()) {
        algia::signal::ConfoundOptions co;
        co.strategy = strategy;
        co.columns = confound_columns;
        co.compcor_n = compcor_n;
        co.scrub_fd = scrub_fd;
        co.scrub_dvars = scrub_dvars;
        co.min_segment = min_segment;
        co.drop_non_steady_state = !keep_non_steady_state;
        conf = algia::signal::load_confounds(confounds_path, co, nt);
    } else {
        if (strategy != "none" || !confound_columns.empty() || scrub_fd || scrub_dvars)
            throw algia::Error(algia::Kind::usage, b.name + ": a confound strategy, columns or scrubbing need an fMRIPrep confounds file")
                .hint("pass confounds='..._desc-confounds_timeseries.tsv' (or a confounds array with strategy='none')");
        conf.reason.assign(nt, "");
        conf.fd.assign(nt, std::nan(""));
        conf.dvars.assign(nt, std::nan(""));
        for (std::size_t i = 0; i < nt; ++i) conf.kept.push_back(i);
        if (confound_matrix) {
            if (std::size_t(confound_matrix->rows()) != nt)
                throw algia::Error(algia::Kind::invalid_input,
                                   "confounds: " + std::to_string(confound_matrix->rows()) + " rows for a run of " +
                                       std::to_string(nt) + " volumes")
                    .hint("give one confound row per volume");
            conf.values = *confound_matrix;
        } else {
            conf.values = Eigen::MatrixXd(Eigen::Index(nt), 0);
        }
    }
    algia::signal::CleanOptions clean;
    clean.detrend = detrend;
    clean.standardize = algia::signal::parse_standardize(standardize);
    clean.filter = filter == "cosine" ? algia::signal::FilterKind::cosine
                   : filter == "none" ? algia::signal::FilterKind::none
                                      : algia::signal::FilterKind::butterworth;
    clean.high_pass = high_pass;
    clean.low_pass = low_pass;
    clean.t_r = t_r;
    std::vector<std::size_t> kept;
    if (conf.kept.size() != nt) kept = conf.kept;
    const FloatImage no_mask;
    const Context ctx = make_context(threads, 0, progress);
    auto r = run_interruptible(ctx, [&] {
        algia::signal::RegionSignals rs;
        FloatImage m = mask_arg ? mask_arg->image : no_mask;
        if (!m.empty() && !m.grid().same_as(b.image.grid()))
            m = algia::image::resample(m, b.image.grid(), algia::image::Interp::nearest, ctx);
        // Region signals in blocks of volumes (the atlas resampled once), so that progress can be
        // reported; every volume's means are computed exactly as in one call.
        algia::ProgressScope scope(ctx.progress(), "extract", nt + 1);
        if (kind == "atlas") {
            // The label check label_signals makes, on the atlas as given (before resampling).
            for (float v : atlas->image.values())
                if (std::isfinite(v) && v != 0 && (v != std::round(v) || v < 0 || v > 1e9))
                    throw algia::Error(algia::Kind::invalid_input, label_error_message(v))
                        .hint("pass a label image (integers, 0 = background); probabilistic maps need maps=");
            FloatImage a = atlas->image;
            if (!a.grid().same_as(b.image.grid()))
                a = algia::image::resample(a, b.image.grid(), algia::image::Interp::nearest, ctx);
            const std::size_t block = 16;
            for (std::size_t t0 = 0; t0 < nt; t0 += block) {
                const std::size_t t1 = std::min(nt, t0 + block);
                const FloatImage part(b.image.grid(), std::int64_t(t1 - t0),
                                      const_cast<float*>(b.image.data()) + std::int64_t(t0) * b.image.voxels(), nullptr);
                auto piece = algia::signal::label_signals(part, a, m, ctx);
                if (t0 == 0) {
                    rs = std::move(piece);
                    // Labels missing after resampling, as label_signals reports them from the original atlas.
                    std::set<std::int32_t> all;
                    for (float v : atlas->image.values())
                        if (std::isfinite(v) && v != 0) all.insert(std::int32_t(v));
                    rs.missing.clear();
                    for (auto l : all)
                        if (!std::binary_search(rs.labels.begin(), rs.labels.end(), l)) rs.missing.push_back(l);
                    rs.signals.conservativeResize(Eigen::Index(nt), rs.signals.cols());
                } else {
                    rs.signals.middleRows(Eigen::Index(t0), Eigen::Index(t1 - t0)) = piece.signals;
                }
                scope.advance(t1 - t0);
            }
        } else if (kind == "maps") {
            rs.signals = algia::signal::maps_signals(b.image, atlas->image, m, ctx);
            for (Eigen::Index j = 0; j < rs.signals.cols(); ++j) rs.labels.push_back(std::int32_t(j + 1));
            scope.advance(nt);
        } else {
            rs.signals = algia::signal::sphere_signals(b.image, spheres, m, ctx);
            for (std::size_t i = 0; i < spheres.size(); ++i) rs.labels.push_back(std::int32_t(i + 1));
            scope.advance(nt);
        }
        Eigen::MatrixXd cleaned = algia::signal::clean(rs.signals, conf.values, clean, kept);
        scope.advance();
        return std::make_pair(std::move(rs), std::move(cleaned));
    }, progress);
    py::dict out;
    out["signals"] = py::cast(r.second);
    out["raw"] = py::cast(r.first.signals);
    out["labels"] = py::cast(r.first.labels);
    out["missing"] = py::cast(r.first.missing);
    out["kept"] = py::cast(conf.kept);
    out["reason"] = py::cast(conf.reason);
    out["framewise_displacement"] = py::cast(conf.fd);
    out["std_dvars"] = py::cast(conf.dvars);
    out["confound_columns"] = py::cast(conf.columns);
    out["resampled"] = atlas && !atlas->image.grid().same_as(b.image.grid());
    return out;
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

// Time series arrive as C-ordered float64 arrays (converted once only when they are not) and are
// read in place; the results are written by the kernel into one buffer (huge_page_bytes) that the
// returned arrays share through a capsule.
using SeriesArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

py::tuple connectivity(const std::vector<SeriesArray>& series, const std::string& kind, const std::string& estimator,
                       int threads) {
    const auto k = algia::connectivity::parse_kind(kind == "partial correlation" ? "partial" : kind);
    const auto e = algia::connectivity::parse_estimator(estimator);
    std::vector<std::string> names;
    std::vector<algia::connectivity::SeriesView> views;
    for (std::size_t i = 0; i < series.size(); ++i) {
        names.push_back("time series " + std::to_string(i));
        if (series[i].ndim() != 2)
            throw algia::Error(algia::Kind::invalid_input,
                               names.back() + ": has " + std::to_string(series[i].ndim()) + " dimension(s), not 2")
                .hint("pass each participant's series as a 2-D array (time x regions)");
        views.push_back(algia::connectivity::row_major_view(series[i].data(), series[i].shape(0), series[i].shape(1)));
    }
    const Context ctx = make_context(threads);
    std::shared_ptr<std::byte[]> room;
    const auto r = run_interruptible(ctx, [&] {
        return algia::connectivity::connectivity(views, k, e, names, [&room](std::size_t count) {
            room = algia::huge_page_bytes(count * sizeof(double));  // 2 MB pages, as numpy's own large arrays
            return reinterpret_cast<double*>(room.get());
        }, ctx);
    });
    py::capsule owner(new std::shared_ptr<std::byte[]>(room),
                      [](void* q) { delete static_cast<std::shared_ptr<std::byte[]>*>(q); });
    const auto n = py::ssize_t(r.matrices.size()), p = py::ssize_t(r.mean.rows());
    return py::make_tuple(py::array_t<double>({n, p, p}, r.matrices[0].data(), owner),
                          py::array_t<double>({p, p}, r.mean.data(), owner));
}

py::dict permutation_test(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& contrast,
                          int permutations, std::uint64_t seed, bool two_sided, int threads, const py::object& progress) {
    algia::stats::PermutationOptions o;
    o.permutations = permutations;
    o.seed = seed;
    o.two_sided = two_sided;
    const Context ctx = make_context(threads, seed, progress);
    const auto r = run_interruptible(ctx, [&] { return algia::stats::permutation_test(X, Y, contrast, o, ctx); }, progress);
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
                 int threads, const py::object& progress) {
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
    const Context ctx = make_context(threads, seed, progress);
    const algia::io::Table table = run_interruptible(ctx, [&] {
        const algia::mediation::Model model(std::move(d), serial ? algia::mediation::Structure::serial
                                                                  : algia::mediation::Structure::parallel);
        const auto r = algia::mediation::bootstrap(model, o, ctx);
        return algia::mediation::results_table(model, r, o.ci);
    }, progress);
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

// ---- first_level ---------------------------------------------------------------------------------

// runs: list of (array, affine, tr, slice_time_ref, name); events: list of ("path", str) or
// ("table", columns, cells); confounds: list of None, ("path", str) or ("matrix", array, names);
// contrasts: list of (name, expression). Returns designs (per run: columns, matrix), voxel count,
// and per contrast a dict of maps (float32 arrays on the runs' grid) plus is_f and dof.
struct GlmFit {
    algia::image::Grid grid;
    std::vector<algia::glm::DesignMatrix> designs;
    std::vector<std::int64_t> voxels;
    std::vector<algia::glm::RunFit> fits;
    // Single-trial betas (when asked for): one volume per trial over all runs, and the trials table.
    std::optional<FloatImage> trial_betas;
    algia::io::Table trials{{"volume", "run", "trial", "trial_type", "onset", "duration"}};

    py::array map_of(const Eigen::VectorXd& values) const {
        FloatImage img(grid, 1);
        std::fill(img.data(), img.data() + img.size(), 0.0f);
        for (std::size_t j = 0; j < voxels.size(); ++j) img.data()[voxels[j]] = float(values[Eigen::Index(j)]);
        return image_array(img);
    }

    // The maps of one contrast (fixed effects over the runs), as `algia glm` writes them.
    py::dict contrast(const std::string& expr) const {
        std::vector<Eigen::MatrixXd> C;
        for (const auto& d : designs) C.push_back(algia::glm::parse_contrast_rows(expr, d.columns));
        algia::glm::ContrastResult r;
        {
            py::gil_scoped_release release;
            r = algia::glm::fixed_effects(fits, C);
        }
        py::dict m;
        if (!r.is_f) {
            m["effect"] = map_of(r.effect.row(0).transpose());
            m["t"] = map_of(r.stat);
        } else {
            m["F"] = map_of(r.stat);
        }
        m["variance"] = map_of(r.variance);
        m["z"] = map_of(r.z);
        m["p"] = map_of(r.p);
        m["dof"] = r.dof;
        m["is_f"] = r.is_f;
        return m;
    }

    py::object single_trial_betas() const {
        if (!trial_betas) return py::none();
        return py::make_tuple(image_array(*trial_betas), table_columns(trials));
    }

    py::list design_list() const {
        py::list out;
        for (const auto& d : designs) out.append(py::make_tuple(py::cast(d.columns), py::cast(d.X)));
        return out;
    }
};

GlmFit first_level_fit(const py::list& runs, const py::list& events, const py::list& confounds, const std::string& strategy,
                       const std::vector<std::string>& confound_columns, const py::object& mask, const std::string& hrf,
                       const std::vector<int>& fir_delays, const std::string& drift, double high_pass, int drift_order,
                       const std::string& noise_name, double smooth, bool modulators, const std::string& single_trial,
                       int threads, const py::object& progress, const py::list& sample_masks) {
    const std::size_t n_runs = runs.size();
    if (n_runs == 0) throw algia::Error(algia::Kind::usage, "first_level: no run given");
    if (!sample_masks.empty() && sample_masks.size() != n_runs)
        throw algia::Error(algia::Kind::usage, std::to_string(n_runs) + " runs but " + std::to_string(sample_masks.size()) + " sample masks")
            .hint("give one sample mask (or None) per run, in the same order");
    if (events.size() != n_runs)
        throw algia::Error(algia::Kind::usage, std::to_string(n_runs) + " runs but " + std::to_string(events.size()) + " events tables")
            .hint("give one events table per run, in the same order");
    if (!confounds.empty() && confounds.size() != n_runs)
        throw algia::Error(algia::Kind::usage, std::to_string(n_runs) + " runs but " + std::to_string(confounds.size()) + " confounds")
            .hint("give one confounds table per run, in the same order");
    if (smooth < 0) throw algia::Error(algia::Kind::usage, "smooth must be >= 0");
    if (noise_name != "ar1" && noise_name != "ols")
        throw algia::Error(algia::Kind::usage, "noise must be 'ar1' or 'ols', not '" + noise_name + "'");
    if (!single_trial.empty() && single_trial != "lsa" && single_trial != "lss")
        throw algia::Error(algia::Kind::usage, "single_trial must be 'lsa', 'lss' or None, not '" + single_trial + "'");
    if (drift != "cosine" && drift != "polynomial" && drift != "none")
        throw algia::Error(algia::Kind::usage, "drift must be 'cosine', 'polynomial' or 'none', not '" + drift + "'");
    algia::glm::DesignOptions dopt;
    dopt.hrf = algia::glm::parse_hrf_model(hrf);
    dopt.drift = drift;
    dopt.high_pass = high_pass;
    dopt.drift_order = drift_order;
    dopt.fir_delays = fir_delays;
    const auto noise = noise_name == "ols" ? algia::glm::Noise::ols : algia::glm::Noise::ar1;
    std::vector<ImageArg> imgs;
    std::vector<double> trs, refs;
    for (const auto& item : runs) {
        const auto t = item.cast<py::tuple>();
        imgs.push_back(image_arg(t[0], t[1].cast<Eigen::Matrix4d>(), t[2].cast<double>(), t[4].cast<std::string>()));
        trs.push_back(t[2].cast<double>());
        refs.push_back(t[3].cast<double>());
    }
    const auto& grid = imgs[0].image.grid();
    std::vector<algia::glm::Events> evs;
    for (std::size_t r = 0; r < n_runs; ++r) {
        const auto t = events[r].cast<py::tuple>();
        if (t[0].cast<std::string>() == "path") {
            evs.push_back(algia::glm::read_events(t[1].cast<std::string>(), modulators));
        } else {
            const auto table = make_table(t[1].cast<std::vector<std::string>>(), t[2].cast<std::vector<std::vector<std::string>>>(),
                                          "events of run " + std::to_string(r + 1));
            evs.push_back(algia::glm::events_from_table(table, modulators));
        }
    }
    std::vector<Eigen::MatrixXd> conf(n_runs);
    std::vector<std::vector<std::string>> conf_names(n_runs);
    std::vector<std::string> conf_paths(n_runs);
    for (std::size_t r = 0; r < confounds.size(); ++r) {
        if (confounds[r].is_none()) continue;
        const auto t = confounds[r].cast<py::tuple>();
        if (t[0].cast<std::string>() == "path") {
            conf_paths[r] = t[1].cast<std::string>();
        } else {
            conf[r] = t[1].cast<Eigen::MatrixXd>();
            conf_names[r] = t[2].cast<std::vector<std::string>>();
        }
    }
    std::optional<ImageArg> mask_arg;
    bool nonzero_mask = false;  // mask='nonzero': algia's former rule; None or 'epi': nilearn's EPI mask
    if (py::isinstance<py::str>(mask)) {
        const auto m = mask.cast<std::string>();
        if (m != "epi" && m != "nonzero")
            throw algia::Error(algia::Kind::usage, "mask='" + m + "': expected an image, 'epi' or 'nonzero'");
        nonzero_mask = m == "nonzero";
    } else if (!mask.is_none()) {
        const auto t = mask.cast<py::tuple>();
        mask_arg = image_arg(t[0], t[1].cast<Eigen::Matrix4d>(), 0.0, "mask");
    }
    const Context ctx = make_context(threads, 0, progress);
    return run_interruptible(ctx, [&] {
        GlmFit out;
        out.grid = grid;
        // Progress: per run, gathering the data and fitting count one each (and single-trial betas one).
        algia::ProgressScope scope(ctx.progress(), "first_level", (single_trial.empty() ? 2 : 3) * n_runs);
        std::vector<Eigen::VectorXd> frame_times;
        std::vector<Eigen::VectorXd> betas;
        std::vector<std::vector<std::size_t>> run_kept(n_runs);  // censoring: the kept volumes (empty: all)
        for (std::size_t r = 0; r < n_runs; ++r) {
            const auto& img = imgs[r].image;
            if (img.volumes() < 3)
                throw algia::Error(algia::Kind::invalid_input,
                                   imgs[r].name + ": has " + std::to_string(img.volumes()) + " volume(s); a GLM needs a 4D run");
            if (!img.grid().same_as(grid))
                throw algia::Error(algia::Kind::invalid_input, imgs[r].name + ": is on another grid (" + img.grid().describe() +
                                                                   ") than " + imgs[0].name + " (" + grid.describe() + ")")
                    .hint("all runs must be on the same grid");
            if (!(trs[r] > 0))
                throw algia::Error(algia::Kind::invalid_input, imgs[r].name + ": no repetition time").hint("pass t_r=SECONDS");
            if (refs[r] < 0 || refs[r] > 1)
                throw algia::Error(algia::Kind::usage, "slice-time reference " + std::to_string(refs[r]) + " is outside [0, 1]");
            const std::size_t T = std::size_t(img.volumes());
            const Eigen::VectorXd ft = algia::glm::frame_times(T, trs[r], refs[r]);
            algia::glm::check_events_in_run(evs[r], ft);
            if (!conf_paths[r].empty()) {
                algia::signal::ConfoundOptions co;
                co.strategy = strategy;
                co.columns = confound_columns;
                co.drop_non_steady_state = false;
                const auto c = algia::signal::load_confounds(conf_paths[r], co, T);
                conf[r] = c.values;
                conf_names[r] = c.columns;
            }
            if (conf[r].size() > 0 && std::size_t(conf[r].rows()) != T)
                throw algia::Error(algia::Kind::invalid_input, "confounds of run " + std::to_string(r + 1) + ": " +
                                                                   std::to_string(conf[r].rows()) + " rows for " + std::to_string(T) + " volumes");
            if (!conf[r].allFinite())
                throw algia::Error(algia::Kind::invalid_input, "confounds of run " + std::to_string(r + 1) + ": NaN or n/a values")
                    .hint("fill or drop the incomplete columns (only the first row of derivatives may be n/a)");
            frame_times.push_back(ft);
            auto d = algia::glm::make_design_matrix(ft, evs[r], dopt, conf[r], conf_names[r]);
            // Censoring as nilearn's FirstLevelModel.fit(sample_masks=...) and `algia glm --sample-mask`:
            // the design built on all frame times, then the censored rows dropped.
            const bool censored = !sample_masks.empty() && !sample_masks[r].is_none();
            if (censored) {
                const auto kept = sample_masks[r].cast<std::vector<std::int64_t>>();
                const std::string what = "sample mask of run " + std::to_string(r + 1);
                for (std::size_t i = 0; i < kept.size(); ++i) {
                    if (kept[i] < 0 || kept[i] >= std::int64_t(T))
                        throw algia::Error(algia::Kind::invalid_input, what + ": volume " + std::to_string(kept[i]) + " is outside 0.." +
                                                                           std::to_string(T - 1))
                            .hint("give the indices of the kept volumes, or a boolean array with one value per volume");
                    if (i > 0 && kept[i] <= kept[i - 1])
                        throw algia::Error(algia::Kind::invalid_input, what + ": the kept volumes are not in increasing order")
                            .hint("sort them and drop repeats (numpy.unique)");
                    run_kept[r].push_back(std::size_t(kept[i]));
                }
            }
            algia::glm::censor_design(d, censored, run_kept[r], imgs[r].name + " (run " + std::to_string(r + 1) + ")",
                                      "censor fewer volumes, or use fewer confounds");
            out.designs.push_back(std::move(d));
        }
        if (mask_arg && !mask_arg->image.grid().same_as(grid))
            throw algia::Error(algia::Kind::invalid_input, "the mask is on another grid (" + mask_arg->image.grid().describe() +
                                                               ") than the BOLD runs (" + grid.describe() + ")")
                .hint("resample it with algia resample --interp nearest");
        // Voxels: the mask's, else nilearn's EPI mask of the first run, or with mask='nonzero' those
        // with a positive mean that vary in every run (as the CLI).
        const std::int64_t nvox = grid.voxels();
        std::vector<const algia::image::Image<float>*> run_ptrs;
        for (const auto& a : imgs) run_ptrs.push_back(&a.image);
        algia::image::Image<float> model_mask;
        if (mask_arg) model_mask = mask_arg->image;
        else if (!nonzero_mask) model_mask = algia::glm::compute_epi_mask(imgs[0].image, ctx);
        out.voxels = algia::glm::model_voxels(run_ptrs, model_mask);
        if (out.voxels.empty()) throw algia::Error(algia::Kind::invalid_input, "no voxel in the mask").hint("check mask");
        for (std::size_t r = 0; r < n_runs; ++r) {
            FloatImage img = imgs[r].image;
            if (smooth > 0) {  // smoothing works in place: on a copy, never on the caller's array
                FloatImage copy(img.grid(), img.volumes());
                std::copy(img.data(), img.data() + img.size(), copy.data());
                algia::glm::smooth_volumes(copy.data(), grid.dims, copy.volumes(), grid.voxel_size(), smooth, ctx);
                img = copy;
            }
            const auto& kept = run_kept[r];
            const std::size_t n_kept = kept.empty() ? std::size_t(img.volumes()) : kept.size();
            Eigen::MatrixXf Y(Eigen::Index(out.voxels.size()), Eigen::Index(n_kept));
            algia::parallel_for(ctx, n_kept, 8, [&](std::size_t t0, std::size_t t1) {
                for (std::size_t t = t0; t < t1; ++t) {
                    const float* vol = img.data() + std::int64_t(kept.empty() ? t : kept[t]) * nvox;
                    float* col = Y.col(Eigen::Index(t)).data();
                    for (std::size_t j = 0; j < out.voxels.size(); ++j) col[j] = vol[out.voxels[j]];
                }
            });
            if (!Y.allFinite())
                throw algia::Error(algia::Kind::invalid_input, imgs[r].name + ": NaN or infinite values inside the mask")
                    .hint("check the preprocessing, or pass a tighter mask");
            algia::glm::mean_scaling(Y);
            scope.advance();
            out.fits.push_back(algia::glm::fit_run(out.designs[r].X, Y, noise, ctx));
            scope.advance();
            if (!single_trial.empty()) {
                auto st = algia::glm::single_trial_betas(frame_times[r], evs[r], dopt, conf[r], conf_names[r], Y, noise,
                                                         single_trial == "lss", imgs[r].name + " (run " + std::to_string(r + 1), ctx,
                                                         run_kept[r]);
                for (auto& b : st.betas) betas.push_back(std::move(b));
                for (const auto& tr : st.trials)
                    out.trials.add_row({std::to_string(out.trials.rows()), std::to_string(r + 1), tr.name, tr.trial_type,
                                        algia::io::format_number(tr.onset), algia::io::format_number(tr.duration)});
                scope.advance();
            }
        }
        if (!single_trial.empty()) {
            if (betas.empty()) throw algia::Error(algia::Kind::invalid_input, "no trials in the events").hint("check the events tables");
            FloatImage img(grid, std::int64_t(betas.size()));
            std::fill(img.data(), img.data() + img.size(), 0.0f);
            for (std::size_t k = 0; k < betas.size(); ++k)
                for (std::size_t j = 0; j < out.voxels.size(); ++j)
                    img.data()[std::int64_t(k) * nvox + out.voxels[j]] = float(betas[k][Eigen::Index(j)]);
            out.trial_betas = img;
        }
        return out;
    }, progress);
}

// ---- lmm -----------------------------------------------------------------------------------------

// The tables `algia trial lmm` writes, as dicts of text columns (the same cells).
py::dict lmm(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& cells,
             const std::string& formula, bool reml, const std::vector<std::string>& emmeans_specs, int threads) {
    const auto table = make_table(columns, cells, "data");
    const Context ctx = make_context(threads);
    struct Out {
        algia::trial::LmmFit fit;
        std::vector<algia::trial::Emmeans> emms;
        std::vector<algia::trial::FTestResult> anova;
        std::string anova_note;
    };
    Out r = run_interruptible(ctx, [&] {
        Out o;
        o.fit = algia::trial::fit_lmm(table, formula, {reml, &ctx});
        for (const auto& spec : emmeans_specs) o.emms.push_back(algia::trial::emmeans(o.fit, spec));
        try {
            o.anova = algia::trial::anova_type3(o.fit);
        } catch (const algia::Error& e) {
            if (e.kind() != algia::Kind::unsupported) throw;
            o.anova_note = e.what();
        }
        return o;
    });
    const auto t = algia::trial::lmm_tables(r.fit, r.anova, r.emms, emmeans_specs, formula, table.rows());
    py::dict out;
    out["fixed"] = table_columns(t.fixed);
    out["anova"] = table_columns(t.anova);
    out["random"] = table_columns(t.random);
    out["model"] = table_columns(t.model);
    out["emmeans"] = table_columns(t.emmeans);
    out["contrasts"] = table_columns(t.contrasts);
    out["anova_note"] = r.anova_note;
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

namespace {
// glibc hands blocks from 128 KB up to the kernel (mmap) and gives freed memory back (trim) until
// the first free of a large block raises both thresholds, dynamically, to at most 32 MB (mmap) and
// 64 MB (trim). Until then every temporary of that size (Eigen's product buffers, 400 x 400
// matrices) is a fresh mapping whose first touch costs a page fault per 4 KB, 5-25 us each on
// virtual machines: 85% of a covariance-kind call and 30% of a tangent one on the reference machine.
// The module starts glibc at those maxima, the state it reaches by itself once a 32 MB array has
// been freed. ALGIA_MALLOC=system, or the user's own MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_
// / GLIBC_TUNABLES, leave malloc as it is.
void settle_malloc() {
#if defined(__GLIBC__)
    const char* choice = std::getenv("ALGIA_MALLOC");
    if (choice && std::string(choice) == "system") return;
    for (const char* own : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"})
        if (std::getenv(own)) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}
}  // namespace

PYBIND11_MODULE(_algia, mod) {
    settle_malloc();
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
'precision' or 'tangent'; estimator 'ledoit-wolf' or 'empirical'. Returns the matrices (one array,
inputs x regions x regions) and the group mean (the geometric mean for 'tangent'). The same numbers as
`algia connect`. threads=0 uses every core; results do not depend on it.)");

    mod.def("permutation_test", &permutation_test, py::arg("X"), py::arg("Y"), py::arg("contrast"),
            py::arg("permutations") = 5000, py::arg("seed") = 0, py::arg("two_sided") = false, py::arg("threads") = 0,
            py::arg("progress") = py::none(),
            R"(permutation_test(X, Y, contrast, permutations=5000, seed=0, two_sided=False, threads=0) -> dict

Mass-univariate GLM Y = X b + e (Y: observations x columns) with the t statistic of contrast c'b
and permutation p-values: sign flips for a one-sample design (a single constant column), else
Freedman-Lane. Returns effect, variance, t, df, p_uncorrected, p_fwe (from the maximum t),
null_max_t, permutations, sign_flipping, exhaustive. A fixed seed gives the same result on any
number of threads (the same as `algia stats`).)");

    mod.def("mediate", &mediate, py::arg("x"), py::arg("m"), py::arg("y"), py::arg("covariates") = py::none(),
            py::arg("boot") = 10000, py::arg("ci") = "bca", py::arg("seed") = 0, py::arg("alpha") = 0.05,
            py::arg("serial") = false, py::arg("mediator_names") = std::vector<std::string>(), py::arg("threads") = 0,
            py::arg("progress") = py::none(),
            R"(mediate(x, m, y, covariates=None, boot=10000, ci='bca', seed=0, alpha=0.05, serial=False,
        mediator_names=(), threads=0) -> dict

Mediation X -> M -> Y (m: one column per mediator; parallel, or serial for two mediators) by OLS
with bootstrap intervals ('percentile', 'bc' or 'bca'). Returns the same table as
`algia mediate --table` as a dict of columns: path, estimate, se, ci_low, ci_high, p, n, stat,
p_parametric, boot_se, ci_method, resamples (numbers as float, NaN where not applicable).)");

    mod.def("_image_address", &image_address, py::arg("data"),
            "The address of the first voxel the C++ side sees for an image array (float32 Fortran-ordered "
            "arrays are not copied). For tests.");
    mod.def("_read_image", &read_image_tr, py::arg("path"), "(data, affine, repetition time in s or 0) of an image file.");
    mod.def("_score", &score, py::arg("images"), py::arg("signatures"), py::arg("metrics"), py::arg("mask"),
            py::arg("atlas"), py::arg("threads"), py::arg("progress"));
    mod.def("_extract", &extract, py::arg("bold"), py::arg("regions"), py::arg("mask"), py::arg("confound_matrix"),
            py::arg("confounds_path"), py::arg("strategy"), py::arg("confound_columns"), py::arg("compcor_n"),
            py::arg("scrub_fd"), py::arg("scrub_dvars"), py::arg("min_segment"), py::arg("keep_non_steady_state"),
            py::arg("high_pass"), py::arg("low_pass"), py::arg("filter"), py::arg("detrend"), py::arg("standardize"),
            py::arg("t_r"), py::arg("threads"), py::arg("progress"));
    py::class_<GlmFit>(mod, "_GlmFit", "A fitted first-level model (all runs): contrasts are computed from it.")
        .def("contrast", &GlmFit::contrast, py::arg("expression"))
        .def_property_readonly("designs", &GlmFit::design_list)
        .def_property_readonly("single_trial", &GlmFit::single_trial_betas)
        .def_property_readonly("n_voxels", [](const GlmFit& f) { return f.voxels.size(); });
    mod.def("_first_level_fit", &first_level_fit, py::arg("runs"), py::arg("events"), py::arg("confounds"),
            py::arg("strategy"), py::arg("confound_columns"), py::arg("mask"), py::arg("hrf"), py::arg("fir_delays"),
            py::arg("drift"), py::arg("high_pass"), py::arg("drift_order"), py::arg("noise"), py::arg("smooth"),
            py::arg("modulators"), py::arg("single_trial"), py::arg("threads"), py::arg("progress"),
            py::arg("sample_masks") = py::list());
    mod.def("_read_label_table", &algia::io::read_label_table, py::arg("path"));
    mod.def("_find_confounds_for", &algia::signal::find_confounds_for, py::arg("bold_path"));
    mod.def("_lmm", &lmm, py::arg("columns"), py::arg("cells"), py::arg("formula"), py::arg("reml"), py::arg("emmeans"),
            py::arg("threads"));

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
