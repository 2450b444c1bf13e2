#pragma once
// Scoring images against signatures: resamples each signature (and the optional mask and atlas)
// onto each data grid it meets, once per grid, and turns pattern statistics into tidy rows.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "algia/core/context.hpp"
#include "algia/image/image.hpp"
#include "algia/signature/pattern.hpp"

namespace algia::signature {

struct ScoreRow {
    std::int64_t volume = 0;
    std::size_t signature = 0;  // index into the scorer's signatures
    Metric metric = Metric::dot;
    double score = 0;
    std::int64_t n_voxels = 0;
    double coverage = 0;
    std::int32_t region = -1;   // atlas label, or -1 for the whole image
};

struct SignatureSource {
    std::string name;
    std::string path;
};

class Scorer {
public:
    Scorer(std::vector<SignatureSource> signatures, std::vector<Metric> metrics, const Context& ctx);
    // Weight maps already in memory (the Python module): `weights[i]` belongs to `signatures[i]`
    // (whose path is only used in messages). The weights are copied (NaN -> 0 is applied to the copy).
    Scorer(std::vector<SignatureSource> signatures, const std::vector<image::Image<float>>& weights,
           std::vector<Metric> metrics);

    // Restrict scoring to voxels where the mask is non-zero (resampled by nearest neighbour).
    void set_mask(const std::string& path, const Context& ctx);
    // Also score within each region of a label atlas (resampled by nearest neighbour).
    void set_regions(const std::string& path, const Context& ctx);
    // The same with images in memory (they must outlive the scorer); `name` is used in messages.
    void set_mask(const image::Image<float>& mask, const std::string& name);
    void set_regions(const image::Image<float>& atlas, const std::string& name);

    const std::vector<SignatureSource>& signatures() const noexcept { return sources_; }
    const std::vector<Metric>& metrics() const noexcept { return metrics_; }
    bool by_region() const noexcept { return atlas_.has_value(); }

    // Scores every volume of `data`. `name` is used in messages. Thread-safe.
    std::vector<ScoreRow> score(const image::Image<float>& data, const std::string& name, const Context& ctx);

private:
    void add_weights(const SignatureSource& source, image::Image<float> w);
    struct OnGrid {
        std::vector<image::Image<float>> weights;
        std::vector<std::uint8_t> keep;        // empty = no mask
        std::vector<std::int32_t> region;      // empty = no atlas; else index into labels_
        std::vector<std::int32_t> labels;      // atlas labels present on this grid
    };
    std::shared_ptr<const OnGrid> on_grid(const image::Grid& grid, const Context& ctx);

    std::vector<SignatureSource> sources_;
    std::vector<image::Image<float>> weights_;
    std::vector<Metric> metrics_;
    std::optional<image::Image<float>> mask_;
    std::optional<image::Image<float>> atlas_;
    std::mutex mutex_;
    std::vector<std::pair<image::Grid, std::shared_ptr<const OnGrid>>> cache_;
};

}  // namespace algia::signature
