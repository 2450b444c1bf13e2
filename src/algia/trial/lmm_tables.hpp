#pragma once
// The result tables of a linear mixed model as `algia trial lmm` writes them (PREFIX_fixed.tsv,
// _anova.tsv, _random.tsv, _model.tsv, _emmeans.tsv, _contrasts.tsv); the Python module returns
// the same tables as DataFrames.

#include <string>
#include <vector>

#include "algia/io/tsv.hpp"
#include "algia/trial/lmm.hpp"

namespace algia::trial {

struct LmmTables {
    io::Table fixed, anova, random, model, emmeans, contrasts;
};

// `specs` are the emmeans specs of `emms` (same order); `table_rows` the input table's row count
// (for dropped_rows); `formula` as the user wrote it.
LmmTables lmm_tables(const LmmFit& fit, const std::vector<FTestResult>& anova, const std::vector<Emmeans>& emms,
                     const std::vector<std::string>& specs, const std::string& formula, std::size_t table_rows);

}  // namespace algia::trial
