"""Docstrings from the CLI's own parameter descriptions.

At build time ``algia --help-json`` is turned into the module ``_algia_cli_docs`` (beside the
compiled ``_algia``; see python/gen_cli_docs.py). Here the mapping between each Python parameter
and the CLI option it mirrors is written once; ``document`` appends a "Parameters" section to the
functions' and estimator classes' docstrings with the CLI's descriptions and defaults. Without
the generated module (a build without the CLI) the docstrings stay as written.
"""
try:
    from _algia_cli_docs import COMMANDS
except ImportError:  # pragma: no cover - built without the CLI
    COMMANDS = {}

_THREADS = ("", "--nprocs")
_DENOISE = {"confounds": "--confounds", "strategy": "--strategy", "confound_columns": "--confound-columns",
            "compcor_n": "--compcor-n", "scrub_fd": "--scrub-fd", "scrub_dvars": "--scrub-dvars",
            "min_segment": "--min-segment", "keep_non_steady_state": "--keep-non-steady-state",
            "high_pass": "--high-pass", "low_pass": "--low-pass", "filter": "--filter", "detrend": "--no-detrend",
            "standardize": "--standardize", "t_r": "--t-r"}

# Python object -> (CLI command, {Python parameter: CLI option}); "threads" / "n_jobs" map to the
# program's --threads. An option written "cmd:--opt" comes from another command.
MAPPING = {
    "score": ("score", {"images": "images", "signatures": "--signature", "metrics": "--metric", "mask": "--mask",
                        "by_region": "--by-region", "labels": "--labels", "threads": _THREADS}),
    "extract": ("extract", {"bold": "bold", "atlas": "--atlas", "maps": "--maps", "seeds": "--seed",
                            "radius": "--radius", "mask": "--mask", "labels": "--labels", **_DENOISE,
                            "threads": _THREADS}),
    "clean": ("extract", {"high_pass": "--high-pass", "low_pass": "--low-pass", "standardize": "--standardize",
                          "detrend": "--no-detrend", "filter": "--filter", "t_r": "--t-r"}),
    "first_level": ("glm", {"runs": "bold", "events": "--events", "contrasts": "--contrast",
                            "confounds": "--confounds", "strategy": "--strategy",
                            "confound_columns": "--confound-columns", "mask": "--mask", "t_r": "--t-r",
                            "slice_time_ref": "--slice-time-ref", "hrf": "--hrf", "fir_delays": "--fir-delays",
                            "drift": "--drift", "high_pass": "--high-pass", "drift_order": "--drift-order",
                            "noise": "--noise", "smooth": "--smooth", "modulators": "--no-modulators",
                            "single_trial": "--single-trial", "threads": _THREADS}),
    "lmm": ("trial lmm", {"data": "--table", "formula": "--formula", "reml": "--reml", "emmeans": "--emmeans",
                          "threads": _THREADS}),
    "permutation_test": ("stats", {"contrast": "--contrast", "permutations": "--permutations",
                                   "seed": "--seed", "two_sided": "--two-sided", "threads": _THREADS}),
    "mediate": ("mediate", {"x": "--x", "m": "--m", "y": "--y", "covariates": "--covariate", "boot": "--boot",
                            "ci": "--ci", "seed": "--seed", "alpha": "--alpha", "serial": "--serial",
                            "threads": _THREADS}),
    "connectivity": ("connect", {"kind": "--kind", "estimator": "--estimator", "threads": _THREADS}),
    "FirstLevelModel": ("glm", {"t_r": "--t-r", "slice_time_ref": "--slice-time-ref", "hrf_model": "--hrf",
                                "drift_model": "--drift", "high_pass": "--high-pass", "drift_order": "--drift-order",
                                "fir_delays": "--fir-delays", "noise_model": "--noise", "smoothing_fwhm": "--smooth",
                                "mask_img": "--mask", "confound_strategy": "--strategy",
                                "confound_columns": "--confound-columns", "modulators": "--no-modulators",
                                "n_jobs": _THREADS}),
    "LabelsMasker": ("extract", {"labels_img": "--atlas", "labels": "--labels", "mask_img": "--mask",
                                 "standardize": "--standardize", "detrend": "--no-detrend", "low_pass": "--low-pass",
                                 "high_pass": "--high-pass", "t_r": "--t-r", "filter": "--filter",
                                 "confound_strategy": "--strategy", "confound_columns": "--confound-columns",
                                 "scrub_fd": "--scrub-fd", "scrub_dvars": "--scrub-dvars", "n_jobs": _THREADS}),
    "ConnectivityMeasure": ("connect", {"kind": "--kind", "cov_estimator": "--estimator", "n_jobs": _THREADS}),
    "Mediation": ("mediate", {"boot": "--boot", "ci": "--ci", "seed": "--seed", "alpha": "--alpha",
                              "serial": "--serial", "n_jobs": _THREADS}),
    "PermutationTest": ("stats", {"permutations": "--permutations", "seed": "--seed", "two_sided": "--two-sided",
                                  "n_jobs": _THREADS}),
}


def cli_doc(command, params):
    """The "Parameters" section for `params` ({python name: CLI option}) of `algia COMMAND`."""
    cmd = COMMANDS.get(command)
    if cmd is None:
        return ""
    lines = [f"Parameters (descriptions from `algia {command} --help`)", "-" * 40]
    for name, opt in params.items():
        where, key = (opt if isinstance(opt, tuple) else (command, opt))
        o = COMMANDS.get(where, {}).get("options", {}).get(key)
        if o is None:
            continue
        text = o["description"]
        if o.get("flag") and key.startswith("--no-"):
            text = f"True unless the CLI flag is given; the flag: {text}"
        if o["default"]:
            text += f" (CLI default: {o['default']})"
        lines.append(f"{name}\n    {text}  [CLI: {o['names'] or key}]")
    if cmd["description"]:
        lines += ["", f"About `algia {command}`:", cmd["description"]]
    return "\n".join(lines)


def document(namespace):
    """Append the CLI-derived Parameters section to each mapped object's docstring (once)."""
    for name, (command, params) in MAPPING.items():
        obj = namespace.get(name)
        if obj is None:
            continue
        section = cli_doc(command, params)
        if not section or (obj.__doc__ and section in obj.__doc__):
            continue
        try:
            obj.__doc__ = (obj.__doc__ or "").rstrip() + "\n\n" + section + "\n"
        except (AttributeError, TypeError):  # a compiled function: its docstring is fixed
            pass
