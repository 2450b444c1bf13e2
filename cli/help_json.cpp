// `algia --help-json`: every subcommand's description and options (names, description, default,
// required, flag or not) as JSON, from the same CLI11 declarations that `--help` prints. The
// Python package's docstrings are generated from it at build time (python/gen_cli_docs.py).

#include "help_json.hpp"

#include "algia/io/json.hpp"

namespace algia::cli {

namespace {

io::Json describe(const CLI::App& app) {
    io::Json j;
    j["name"] = app.get_name();
    j["description"] = app.get_description();
    io::Json options = io::Json::array();
    for (const CLI::Option* opt : app.get_options()) {
        if (opt->get_lnames() == std::vector<std::string>{"help"}) continue;
        io::Json o;
        // The name the docs use: a positional's name, else the first long name (--x), else -x.
        if (opt->get_positional()) o["name"] = opt->get_name(true);
        else if (!opt->get_lnames().empty()) o["name"] = "--" + opt->get_lnames()[0];
        else o["name"] = "-" + opt->get_snames().at(0);
        o["names"] = opt->get_name(false, true);
        o["description"] = opt->get_description();
        o["default"] = opt->get_default_str();
        o["required"] = opt->get_required();
        o["flag"] = opt->get_expected_max() == 0;  // add_flag: no value
        o["positional"] = opt->get_positional();
        options.push_back(std::move(o));
    }
    j["options"] = std::move(options);
    io::Json subs = io::Json::object();
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        subs[sub->get_name()] = describe(*sub);
    j["subcommands"] = std::move(subs);
    return j;
}

}  // namespace

std::string help_json(const CLI::App& app) { return describe(app).dump(2) + "\n"; }

}  // namespace algia::cli
