#include <algorithm>
// algia: the command-line program. Parses the command line (CLI11), builds the run context, runs
// one subcommand, and turns any error into one paragraph on stderr and a non-zero exit code:
// 2 usage, 3 invalid input, 4 I/O, 5 unsupported input, 70 internal error, 130 cancelled.

#include <csignal>
#include <cstdio>
#include <iostream>
#include <new>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/version.hpp"
#include "command.hpp"
#include "help_json.hpp"

namespace {

algia::Context* g_context = nullptr;

extern "C" void on_interrupt(int) {
    if (g_context) g_context->cancel();
}

void print_error(const std::string& command, const algia::Error& e) {
    std::fprintf(stderr, "algia%s%s: %s: %s\n", command.empty() ? "" : " ", command.c_str(),
                 algia::kind_name(e.kind()), e.describe().c_str());
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"algia: brain-based chronic-pain research, from fMRIPrep outputs to group results.",
                 "algia"};
    app.set_version_flag("--version", std::string("algia ") + algia::version());
    app.require_subcommand(1);
    app.fallthrough();
    int threads = 0;
    bool quiet = false;
    app.add_option("--nprocs,--threads", threads, "Threads to use (0 = all cores)")->check(CLI::NonNegativeNumber);
    app.add_flag("-q,--quiet", quiet, "No progress bars");

    std::vector<std::pair<CLI::App*, algia::cli::Run>> runs;
    for (const auto& cmd : algia::cli::all_commands()) {
        CLI::App* sub = app.add_subcommand(cmd.name, cmd.summary);
        runs.emplace_back(sub, cmd.declare(*sub));
    }

    // Hidden: the option declarations as JSON (the Python package's docstrings are built from it).
    if (argc == 2 && std::string(argv[1]) == "--help-json") {
        std::fputs(algia::cli::help_json(app).c_str(), stdout);
        return 0;
    }

    // The BIDS-App form `algia FMRIPREP_DIR OUTPUT_DIR participant|group ...` is `algia run ...`: when
    // the first positional argument names no command and the third is an analysis level, insert it.
    std::vector<std::string> args(argv + 1, argv + argc);
    {
        std::vector<std::size_t> positional;
        for (std::size_t i = 0; i < args.size() && positional.size() < 3; ++i) {
            if (args[i].rfind("-", 0) == 0) {
                if ((args[i] == "--nprocs" || args[i] == "--threads") && i + 1 < args.size()) ++i;
                continue;
            }
            positional.push_back(i);
        }
        bool known = false;
        if (!positional.empty())
            for (const auto& [sub, run] : runs) known = known || sub->get_name() == args[positional[0]];
        if (positional.size() == 3 && !known && (args[positional[2]] == "participant" || args[positional[2]] == "group"))
            args.insert(args.begin() + std::ptrdiff_t(positional[0]), "run");
    }
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first

    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        std::string which;
        for (auto* sub : app.get_subcommands()) which = sub->get_name();
        std::fprintf(stderr, "algia%s%s: usage error: %s. Fix: see `algia %s--help`.\n",
                     which.empty() ? "" : " ", which.c_str(), e.what(),
                     which.empty() ? "" : (which + " ").c_str());
        return 2;
    }

    algia::Context ctx;
    std::string name;
    try {
        ctx.set_threads(threads);
        ctx.set_progress(algia::make_cli_progress(quiet));
        g_context = &ctx;
        std::signal(SIGINT, on_interrupt);
        std::signal(SIGTERM, on_interrupt);
        for (auto& [sub, run] : runs)
            if (sub->parsed()) {
                name = sub->get_name();
                return run(ctx);
            }
        return 2;
    } catch (const algia::Error& e) {
        print_error(name, e);
        return algia::exit_code(e.kind());
    } catch (const std::bad_alloc&) {
        print_error(name, algia::Error(algia::Kind::io, "out of memory")
                              .hint("process fewer or smaller images at once, or use a machine with more memory"));
        return algia::exit_code(algia::Kind::io);
    } catch (const std::exception& e) {
        print_error(name, algia::Error(algia::Kind::internal, e.what())
                              .hint("this is a bug in algia; please report it with the command line"));
        return algia::exit_code(algia::Kind::internal);
    }
}
