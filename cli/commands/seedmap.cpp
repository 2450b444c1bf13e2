// algia seedmap BOLD --seed X,Y,Z[,R] ... --out MAP.nii.gz: seed-to-voxel connectivity maps.

#include <cmath>
#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "../command.hpp"
#include "../denoise.hpp"
#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/io/file.hpp"
#include "algia/io/nifti.hpp"
#include "algia/signal/regions.hpp"

namespace algia::cli {

Command seedmap_command() {
    return {"seedmap", "Seed-to-voxel correlation maps (Fisher z) of a BOLD run", [](CLI::App& app) -> Run {
                struct Options {
                    std::string bold, mask, out, stat = "z";
                    std::vector<std::string> seeds;
                    double radius = 6.0;
                    DenoiseCli dn;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Cleans the mean signal of each seed sphere (nilearn NiftiSpheresMasker's voxel sets) and every "
                    "voxel's signal with the same denoising as `algia extract`, and writes the Pearson correlation of "
                    "each voxel with each seed, as Fisher z (default) or r: one volume per seed, on the BOLD's grid, "
                    "0 outside the mask.");
                app.add_option("bold", o->bold, "Preprocessed 4D BOLD")->required();
                app.add_option("--seed", o->seeds, "X,Y,Z[,RADIUS] in mm (repeatable)")->required();
                app.add_option("--radius", o->radius, "Default sphere radius (mm)")->capture_default_str();
                app.add_option("--mask", o->mask, "Brain mask (default: voxels non-zero in the first volume)");
                app.add_option("--stat", o->stat, "z (Fisher z) or r")->check(CLI::IsMember({"z", "r"}))->capture_default_str();
                add_denoise_options(app, o->dn);
                app.add_option("--out,-o", o->out, "Output map (.nii.gz)")->required();
                return [o](Context& ctx) {
                    io::check_output_path(o->out, {o->bold}, "--out");
                    std::vector<signal::Sphere> spheres;
                    for (const auto& s : o->seeds) spheres.push_back(parse_seed(s, o->radius));
                    io::ImageHeader h;
                    const auto bold = io::read_image<float>(o->bold, ctx, &h);
                    if (bold.volumes() < 3)
                        throw Error(Kind::invalid_input, fmt::format("{}: is not a 4-D BOLD run", o->bold))
                            .hint("pass the preprocessed BOLD file (desc-preproc_bold.nii.gz)");
                    image::Image<float> mask;
                    if (!o->mask.empty()) {
                        mask = io::read_image<float>(o->mask, ctx);
                    } else {
                        mask = image::Image<float>(bold.grid(), 1);
                        for (std::int64_t v = 0; v < bold.voxels(); ++v)
                            mask.data()[v] = (std::isfinite(bold.data()[v]) && bold.data()[v] != 0) ? 1.0f : 0.0f;
                    }
                    const Denoising dn = prepare_denoising(o->dn, o->bold, h.tr_seconds, std::size_t(bold.volumes()));
                    const image::Image<float> out = signal::seed_maps(bold, spheres, o->seeds, mask, dn.confounds.values, dn.clean,
                                                                      dn.kept, o->stat == "z", ctx);
                    io::WriteOptions wo;
                    wo.descrip = fmt::format("algia seedmap ({})", o->stat);
                    wo.xform_code = h.sform_code ? h.sform_code : (h.qform_code ? h.qform_code : 1);
                    io::write_nifti(o->out, out, ctx, wo);
                    return 0;
                };
            }};
}

}  // namespace algia::cli
