#pragma once
// `algia --help-json`: the CLI's option declarations as JSON (for the Python docstrings).

#include <string>

#include <CLI/CLI.hpp>

namespace algia::cli {

std::string help_json(const CLI::App& app);

}  // namespace algia::cli
