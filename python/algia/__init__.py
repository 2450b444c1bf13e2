"""algia from Python: the kernels of the algia engine (C++), as numpy-in / numpy-out functions,
and estimator classes in nilearn's style (``algia.FirstLevelModel``, ``algia.LabelsMasker``, ...).

The compiled module ``_algia`` does the work; this package re-exports it and adds thin helpers.

Images
    Wherever an image is taken, give a file path, a nibabel image (anything with ``dataobj`` and
    ``affine``), a ``(array, affine)`` pair, or a bare 3D/4D array (identity affine). A float32
    array in Fortran order (x fastest: what nibabel and ``load_image`` give) is passed to C++
    *without a copy*; any other array (float64, int16, C order, a nibabel file proxy...) is
    converted once to float32 Fortran order. algia never writes into your arrays.
    Results on a grid (``first_level`` maps) come back as nibabel ``Nifti1Image`` objects with the
    input's affine, whose data is algia's buffer (no copy); ``load_image`` returns such a buffer
    as a float32 Fortran-ordered array (``arr.base`` owns it).
Matrices and tables
    Matrices passed in (time series, designs, data columns) are converted once to float64 (a copy,
    whatever their dtype or order); results come back as new float64 arrays or pandas DataFrames.
    Tables (events, lmm data) may be pandas DataFrames, dicts of columns or file paths; numbers
    are handed over in round-trip form, so the C++ side sees exactly the values the CLI would
    read from a TSV file.
Errors
    ``AlgiaError`` (a ``ValueError``) for invalid input, misuse or unsupported features;
    ``AlgiaIOError`` (an ``OSError``) when a file cannot be read or written. The message is the
    one the ``algia`` command prints (what was wrong, and how to fix it).
Threads, progress, Ctrl-C
    Long calls release the GIL; ``threads=0`` uses every core, and results never depend on it.
    ``permutation_test``, ``mediate``, ``first_level``, ``extract`` and ``score`` take
    ``progress=callable(done, total)``: it is called from the calling thread (with the GIL) as the
    work advances, ``done`` never decreases, and the last call has ``done == total``. An exception
    raised by the callback (or Ctrl-C) cancels the call and is re-raised.
"""
import json as _json
import os as _os

import numpy as _np

from _algia import (  # noqa: F401
    AlgiaError,
    AlgiaIOError,
    __version__,
    clean as _clean,
    compare,
    connectivity as _connectivity,
    load_image,
    mediate as _mediate,
    permutation_test as _permutation_test,
    wilson,
)
import _algia  # noqa: F401,E402  (the compiled module, beside this package on the path)

__all__ = [
    "AlgiaError", "AlgiaIOError", "__version__", "clean", "compare", "connectivity", "load_image",
    "mediate", "permutation_test", "wilson", "responders", "load_img", "mediation_rows",
    "score", "extract", "first_level", "lmm",
    "FirstLevelModel", "LabelsMasker", "ConnectivityMeasure", "Mediation", "PermutationTest",
]


def load_img(path):
    """Load an image as a nibabel ``Nifti1Image`` whose data is algia's buffer (no copy).

    Needs nibabel. The header is nibabel's default for the array; the affine is algia's (which
    agrees with nibabel's reading of the file)."""
    import nibabel as nib
    data, affine = load_image(path)
    return nib.Nifti1Image(data, affine)


def responders(x1, n1, x2=None, n2=None, level=0.95):
    """Responder rates: with one arm, ``{'rate', 'ci'}`` (Wilson interval); with two arms, the
    comparison of ``compare`` plus each arm's Wilson interval (``ci1``, ``ci2``)."""
    if x2 is None and n2 is None:
        return {"rate": x1 / n1 if n1 else float("nan"), "ci": wilson(x1, n1, level)}
    if x2 is None or n2 is None:
        raise AlgiaError("responders: give both x2 and n2 for a second arm (or neither for one arm)")
    out = compare(x1, n1, x2, n2, level)
    out["ci1"] = wilson(x1, n1, level)
    out["ci2"] = wilson(x2, n2, level)
    return out


def mediation_rows(result):
    """The dict of columns ``mediate`` returns, as a list of one dict per path (row)."""
    keys = list(result)
    return [dict(zip(keys, values)) for values in zip(*(result[k] for k in keys))]


def clean(signals, confounds=None, t_r=0.0, high_pass=None, low_pass=None, standardize="zscore", detrend=True,
          standardize_confounds=True, filter="butterworth"):
    return _clean(signals, confounds=confounds, t_r=t_r, high_pass=high_pass, low_pass=low_pass,
                  standardize=standardize, detrend=detrend, standardize_confounds=standardize_confounds, filter=filter)


clean.__doc__ = _clean.__doc__


def connectivity(series, kind="correlation", estimator="ledoit-wolf", threads=0):
    return _connectivity(series, kind=kind, estimator=estimator, threads=threads)


connectivity.__doc__ = _connectivity.__doc__


def permutation_test(X, Y, contrast, permutations=5000, seed=0, two_sided=False, threads=0, progress=None):
    return _permutation_test(X, Y, contrast, permutations=permutations, seed=seed, two_sided=two_sided,
                             threads=threads, progress=progress)


permutation_test.__doc__ = _permutation_test.__doc__ + """

progress: None or callable(done, total), see the package documentation."""


def _as_columns(a):
    """A 1-D array as one column (mediators, covariates); 2-D unchanged."""
    a = _np.asarray(a, dtype=float)
    return a[:, None] if a.ndim == 1 else a


def mediate(x, m, y, covariates=None, boot=10000, ci="bca", seed=0, alpha=0.05, serial=False,
            mediator_names=(), threads=0, progress=None):
    """Mediation X -> M -> Y by OLS with bootstrap intervals, as ``algia mediate --table``.

    x, y: one value per participant; m: one mediator (1-D) or one column per mediator (2-D);
    covariates: None, 1-D or 2-D. All are converted once to float64. ci is 'percentile', 'bc' or
    'bca'; serial=True makes two mediators a chain X -> M1 -> M2 -> Y. Returns a dict of columns
    (path, estimate, se, ci_low, ci_high, p, n, stat, p_parametric, boot_se, ci_method,
    resamples) holding the numbers of the CLI's results table; ``mediation_rows`` turns it into
    rows. A fixed seed gives the same result on any number of threads. progress: see the
    package documentation."""
    cov = None if covariates is None else _as_columns(covariates)
    return _mediate(_np.asarray(x, dtype=float).ravel(), _as_columns(m), _np.asarray(y, dtype=float).ravel(),
                    cov, boot=boot, ci=ci, seed=seed, alpha=alpha, serial=serial,
                    mediator_names=list(mediator_names), threads=threads, progress=progress)


# ---- images in, images out ---------------------------------------------------------------------

class _Img:
    """An image argument resolved: data (array), affine (4x4), tr (s, 0 unknown), path or None."""

    def __init__(self, data, affine, tr=0.0, path=None, name="image"):
        self.data, self.affine, self.tr, self.path, self.name = data, affine, tr, path, name

    def arg(self):
        return (self.data, self.affine)

    def named(self):
        return (self.data, self.affine, self.name)


def _image(img, name="image"):
    """Resolve an image argument (path, nibabel image, (array, affine) or array). No copy is made
    here: arrays are handed to C++ as they are (converted there once if not float32 F-order)."""
    if isinstance(img, (str, _os.PathLike)):
        path = _os.fspath(img)
        data, affine, tr = _algia._read_image(path)
        return _Img(data, affine, tr, path, path)
    if hasattr(img, "dataobj") and hasattr(img, "affine"):
        data = _np.asanyarray(img.dataobj)
        affine = _np.asarray(img.affine if img.affine is not None else _np.eye(4), dtype=float)
        tr = 0.0
        try:
            zooms = img.header.get_zooms()
            if len(zooms) > 3 and data.ndim == 4:
                tr = float(zooms[3])
                if img.header.get_xyzt_units()[1] == "msec":
                    tr /= 1000.0
                elif img.header.get_xyzt_units()[1] == "usec":
                    tr /= 1e6
        except Exception:  # not a NIfTI-like header: no TR
            tr = 0.0
        fname = getattr(img, "get_filename", lambda: None)()
        return _Img(data, affine, tr, None, fname or name)
    if isinstance(img, tuple) and len(img) == 2:
        affine = _np.asarray(img[1], dtype=float)
        if affine.shape != (4, 4):
            raise AlgiaError(f"{name}: the affine has shape {affine.shape}; it must be 4 x 4. "
                             "Fix: pass (array, affine) with the image's voxel-to-world matrix")
        return _Img(img[0], affine, 0.0, None, name)
    if isinstance(img, _np.ndarray):
        return _Img(img, _np.eye(4), 0.0, None, name)
    raise AlgiaError(f"{name}: expected a file path, a nibabel image, an (array, affine) pair or an array, "
                     f"got {type(img).__name__}")


def _nifti(data, affine):
    """A Nifti1Image over `data` (no copy: nibabel keeps the array as its dataobj)."""
    import nibabel as nib
    return nib.Nifti1Image(data, affine)


def _sidecar(path):
    """The BIDS JSON sidecar of an image path ({} when there is none)."""
    if not path:
        return {}
    for ext in (".nii.gz", ".nii"):
        if path.endswith(ext):
            side = path[: -len(ext)] + ".json"
            if _os.path.exists(side):
                with open(side) as f:
                    return _json.load(f)
    return {}


def _cell(v):
    """A table cell as the C++ side reads TSV text: numbers in round-trip form, n/a for missing."""
    if v is None:
        return "n/a"
    if isinstance(v, (bool, _np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, _np.integer)):
        return str(int(v))
    if isinstance(v, (float, _np.floating)):
        return "n/a" if not _np.isfinite(v) else repr(float(v))
    s = str(v)
    return "n/a" if s in ("", "nan", "NaN") else s


def _table(data):
    """(columns, cells) of a pandas DataFrame or a dict of columns."""
    if hasattr(data, "columns") and hasattr(data, "__getitem__") and not isinstance(data, dict):
        cols = [str(c) for c in data.columns]
        cells = [[_cell(v) for v in data[c].tolist()] for c in data.columns]
        return cols, cells
    if isinstance(data, dict):
        cols = [str(c) for c in data]
        cells = [[_cell(v) for v in list(_np.asarray(col, dtype=object))] for col in data.values()]
        return cols, cells
    raise AlgiaError(f"expected a pandas DataFrame or a dict of columns, got {type(data).__name__}")


def _frame(columns, numeric=()):
    """A DataFrame from text columns; `numeric` columns (or all that parse) become floats."""
    import pandas as pd
    out = {}
    for k, v in columns.items():
        if k in numeric or numeric == "all":
            out[k] = [float("nan") if x in ("n/a", "", "NA") else float(x) for x in v]
        else:
            out[k] = v
    return pd.DataFrame(out)


# ---- score -------------------------------------------------------------------------------------

def score(images, signatures, metrics=None, mask=None, by_region=None, labels=None, threads=0, progress=None):
    """Pattern expression of images with weight maps (pain signatures such as NPS or SIIPS1), as
    ``algia score``.

    images: one image or a list (3D, or 4D: every volume is scored). signatures: a dict
    ``{name: image}`` (or a list of (name, image) pairs). metrics: 'dot', 'cosine', 'correlation'
    (default all three). mask: score only where non-zero. by_region: also score within each
    region of this label atlas; labels: ``{label: name}`` or a label file for the region names.
    A signature on another grid is resampled onto the data's grid (trilinear). Returns a pandas
    DataFrame with the CLI's columns: image, volume, signature, [region], metric, score,
    n_voxels, coverage (image: the path, else 'image<i>')."""
    single = not isinstance(images, (list, tuple)) or (
        isinstance(images, tuple) and len(images) == 2 and isinstance(images[0], _np.ndarray))
    imgs = [images] if single else list(images)
    data = [_image(im, f"image{i}") for i, im in enumerate(imgs)]
    sigs = signatures.items() if isinstance(signatures, dict) else signatures
    sig = [(str(n), *_image(w, f"signature '{n}'").arg()) for n, w in sigs]
    if labels is not None and by_region is None:
        raise AlgiaError("labels needs by_region=ATLAS")
    r = _algia._score([d.named() for d in data], sig, list(metrics or []),
                      None if mask is None else _image(mask, "mask").arg(),
                      None if by_region is None else _image(by_region, "atlas").arg(), threads, progress)
    if by_region is not None:
        names = _label_names(labels)
        r["region"] = ["all" if x < 0 else names.get(x, str(x)) for x in r["region"]]
    import pandas as pd
    return pd.DataFrame(r)


def _label_names(labels):
    if labels is None:
        return {}
    if isinstance(labels, dict):
        return {int(k): str(v) for k, v in labels.items()}
    return {int(k): v for k, v in _algia._read_label_table(_os.fspath(labels)).items()}


# ---- extract -----------------------------------------------------------------------------------

def extract(bold, atlas=None, maps=None, seeds=None, radius=6.0, mask=None, labels=None, confounds=None,
            strategy="none", confound_columns=(), compcor_n="all", scrub_fd=None, scrub_dvars=None,
            min_segment=5, keep_non_steady_state=False, high_pass=None, low_pass=None, filter="butterworth",
            detrend=True, standardize="zscore", t_r=None, threads=0, progress=None):
    """Denoised region time series of a 4D BOLD run, as ``algia extract``.

    Regions: a label atlas (``atlas``), 4D probabilistic maps (``maps``) or spheres (``seeds``:
    a list of (x, y, z) or (x, y, z, radius) in mm). confounds: an fMRIPrep confounds TSV path
    (selected by ``strategy`` / ``confound_columns``, with scrubbing), or an array / DataFrame of
    confounds used as given (strategy 'none'); None finds the fMRIPrep table beside a BOLD path
    when a strategy is set. t_r: default the JSON sidecar's RepetitionTime, then the header.
    Returns a pandas DataFrame (kept volumes x regions; index: volume numbers) named as the CLI
    names its columns; ``df.attrs`` holds 'outliers' (a DataFrame: volume, kept, reason,
    framewise_displacement, std_dvars), 'missing' (labels without voxels), 'confound_columns',
    'labels', 'raw' (region means before cleaning), 't_r' and 'atlas_resampled'."""
    import pandas as pd
    b = _image(bold, "bold")
    given = [x is not None for x in (atlas, maps, seeds)]
    if sum(given) != 1:
        raise AlgiaError("extract: give exactly one of atlas=, maps= or seeds=")
    if atlas is not None:
        regions = ("atlas", *_image(atlas, "atlas").arg())
    elif maps is not None:
        regions = ("maps", *_image(maps, "maps").arg())
    else:
        sph = []
        for s in seeds:
            s = [float(v) for v in s]
            if len(s) not in (3, 4):
                raise AlgiaError(f"extract: seed {s} is not (x, y, z) or (x, y, z, radius) in mm")
            sph.append(s if len(s) == 4 else s + [float(radius)])
        regions = ("seeds", sph)
    if t_r is None:
        side = _sidecar(b.path)
        t_r = float(side["RepetitionTime"]) if "RepetitionTime" in side else float(b.tr)
    conf_matrix, conf_path = None, ""
    if isinstance(confounds, (str, _os.PathLike)):
        conf_path = _os.fspath(confounds)
    elif confounds is not None:
        conf_matrix = _np.asarray(confounds, dtype=float)
        if conf_matrix.ndim == 1:
            conf_matrix = conf_matrix[:, None]
    elif b.path and (strategy != "none" or confound_columns or scrub_fd is not None or scrub_dvars is not None):
        conf_path = _algia._find_confounds_for(b.path)
        if not conf_path:
            raise AlgiaError(f"{b.path}: no fMRIPrep confounds table found beside it. "
                             "Fix: pass confounds=PATH (the run's *_desc-confounds_timeseries.tsv)")
    r = _algia._extract(b.named(), regions, None if mask is None else _image(mask, "mask").arg(), conf_matrix,
                        conf_path, strategy, list(confound_columns), str(compcor_n), scrub_fd, scrub_dvars,
                        int(min_segment), bool(keep_non_steady_state), high_pass, low_pass, filter, bool(detrend),
                        standardize, float(t_r), threads, progress)
    names = _label_names(labels)
    cols = []
    for i, lab in enumerate(r["labels"]):
        if lab in names:
            cols.append(names[lab])
        elif seeds is not None:
            cols.append("seed-" + ",".join(f"{v:g}" for v in list(seeds[i])))
        elif maps is not None:
            cols.append(f"map{lab - 1}")
        else:
            cols.append(str(lab))
    df = pd.DataFrame(r["signals"], columns=cols, index=pd.Index(r["kept"], name="volume"))
    nt = len(r["reason"])
    df.attrs["outliers"] = pd.DataFrame({
        "volume": range(nt), "kept": [int(x == "") for x in r["reason"]],
        "reason": [x if x else "n/a" for x in r["reason"]],
        "framewise_displacement": r["framewise_displacement"], "std_dvars": r["std_dvars"]})
    df.attrs["missing"] = [names.get(x, str(x)) for x in r["missing"]]
    df.attrs["confound_columns"] = r["confound_columns"]
    df.attrs["labels"] = r["labels"]
    df.attrs["raw"] = pd.DataFrame(r["raw"], columns=cols)
    df.attrs["t_r"] = t_r
    df.attrs["atlas_resampled"] = bool(r["resampled"])
    return df


# ---- first_level -------------------------------------------------------------------------------

def _events_arg(ev):
    if isinstance(ev, (str, _os.PathLike)):
        return ("path", _os.fspath(ev))
    cols, cells = _table(ev)
    return ("table", cols, cells)


def _confounds_arg(c):
    if c is None:
        return None
    if isinstance(c, (str, _os.PathLike)):
        return ("path", _os.fspath(c))
    if hasattr(c, "columns") and not isinstance(c, dict):
        return ("matrix", _np.asarray(c, dtype=float), [str(x) for x in c.columns])
    if isinstance(c, dict):
        return ("matrix", _np.column_stack([_np.asarray(v, dtype=float) for v in c.values()]), [str(k) for k in c])
    m = _np.asarray(c, dtype=float)
    m = m[:, None] if m.ndim == 1 else m
    return ("matrix", m, [f"confound{j}" for j in range(m.shape[1])])


def _design_frames(designs):
    import pandas as pd
    return [pd.DataFrame(X, columns=cols) for cols, X in designs]


def first_level(runs, events, contrasts, confounds=None, strategy="6p", confound_columns=(), mask=None, t_r=None,
                slice_time_ref=None, hrf="glover", fir_delays=(0,), drift="cosine", high_pass=0.01, drift_order=1,
                noise="ar1", smooth=0.0, modulators=True, single_trial=None, threads=0, progress=None,
                sample_masks=None):
    """First-level GLM of task fMRI runs, as ``algia glm`` (nilearn's FirstLevelModel).

    runs: one 4D image or a list (one per run, same grid); events: one events table per run (a
    BIDS events.tsv path, a pandas DataFrame or a dict with onset, duration, trial_type, ...);
    contrasts: ``{name: expression}`` ('face - house', 'a; b' for an F test, or a weight vector
    '[1, 0, -1]'); confounds: per run an fMRIPrep TSV path (selected by ``strategy``) or an array /
    DataFrame used as given. mask: an image, or None / 'epi' (nilearn's EPI mask of the first run, as
    FirstLevelModel without mask_img) or 'nonzero' (voxels with a positive mean that vary in every
    run). t_r / slice_time_ref default to the JSON sidecar (RepetitionTime,
    StartTime / TR), then the header. Runs are combined by fixed effects. Returns a dict
    ``{name: {stat: Nifti1Image}}`` with stats effect, variance, t (or F), z, p (0 outside the
    model's voxels; data shared with algia, not copied), plus the key ``'_designs'``: one
    design-matrix DataFrame per run. single_trial='lsa' or 'lss' adds ``'_single_trial'``:
    ``{'betas': 4D Nifti1Image (one volume per trial, runs in order), 'trials': DataFrame (volume,
    run, trial, trial_type, onset, duration)}``, as ``algia glm --single-trial``; contrasts may
    then be empty. sample_masks: per run None or the volumes to keep, as indices or a boolean array
    with one value per volume (nilearn's ``FirstLevelModel.fit(sample_masks=...)``, ``algia glm
    --sample-mask``): the design is built on all frame times, then the censored rows are dropped."""
    if isinstance(contrasts, str):
        contrasts = {"contrast": contrasts}
    if not contrasts and not single_trial:
        raise AlgiaError("first_level: nothing to compute. Fix: give contrasts={'name': 'a - b'} "
                         "and/or single_trial='lss'")
    fit, affine = _first_level_fit(runs, events, confounds, strategy, confound_columns, mask, t_r, slice_time_ref, hrf,
                                   fir_delays, drift, high_pass, drift_order, noise, smooth, modulators, threads,
                                   progress, single_trial, sample_masks)
    out = {str(k): _contrast_maps(fit, str(v), affine) for k, v in dict(contrasts or {}).items()}
    out["_designs"] = _design_frames(fit.designs)
    if single_trial:
        betas, trials = fit.single_trial
        out["_single_trial"] = {"betas": _nifti(betas, affine), "trials": _frame(trials, ("onset", "duration"))}
        out["_single_trial"]["trials"]["volume"] = out["_single_trial"]["trials"]["volume"].astype(int)
        out["_single_trial"]["trials"]["run"] = out["_single_trial"]["trials"]["run"].astype(int)
    return out


def _contrast_maps(fit, expression, affine):
    m = fit.contrast(expression)
    return {k: _nifti(v, affine) for k, v in m.items() if isinstance(v, _np.ndarray)}


def _sample_masks_arg(sample_masks, volumes):
    """nilearn-style sample_masks (one array, or one per run; indices or booleans) as per run None
    or the kept volumes' indices (int64)."""
    if sample_masks is None:
        return []
    if isinstance(sample_masks, _np.ndarray) or (isinstance(sample_masks, (list, tuple)) and len(sample_masks) > 0
                                                 and all(_np.ndim(m) == 0 and m is not None for m in sample_masks)):
        sample_masks = [sample_masks]
    out = []
    for r, m in enumerate(sample_masks):
        if m is None:
            out.append(None)
            continue
        a = _np.asarray(m)
        what = f"sample mask of run {r + 1}"
        if a.ndim != 1:
            raise AlgiaError(f"{what}: a {a.ndim}-D array. Fix: give the kept volumes' indices, or one boolean per volume")
        if a.dtype == bool:
            if r < len(volumes) and len(a) != volumes[r]:
                raise AlgiaError(f"{what}: {len(a)} booleans for {volumes[r]} volumes. Fix: one value per volume")
            a = _np.flatnonzero(a)
        elif not _np.issubdtype(a.dtype, _np.integer):
            raise AlgiaError(f"{what}: values of type {a.dtype}. Fix: give integer indices or booleans")
        out.append(a.astype(_np.int64))
    return out


def _first_level_fit(runs, events, confounds, strategy, confound_columns, mask, t_r, slice_time_ref, hrf, fir_delays,
                     drift, high_pass, drift_order, noise, smooth, modulators, threads, progress, single_trial=None,
                     sample_masks=None):
    """(_algia._GlmFit, affine) of the runs."""
    if not isinstance(runs, (list, tuple)) or (isinstance(runs, tuple) and len(runs) == 2
                                               and isinstance(runs[0], _np.ndarray)):
        runs = [runs]
    if not isinstance(events, (list, tuple)):
        events = [events]
    if confounds is not None and not isinstance(confounds, (list, tuple)):
        confounds = [confounds]
    imgs = [_image(r, f"run {i + 1}") for i, r in enumerate(runs)]
    run_args = []
    for im in imgs:
        side = _sidecar(im.path)
        tr = float(t_r) if t_r is not None else float(side.get("RepetitionTime", im.tr))
        if slice_time_ref is not None:
            ref = float(slice_time_ref)
        elif "StartTime" in side and tr > 0:
            ref = float(side["StartTime"]) / tr
        else:
            ref = 0.0
        run_args.append((im.data, im.affine, tr, ref, im.name))
    fit = _algia._first_level_fit(run_args, [_events_arg(e) for e in events],
                                  [] if confounds is None else [_confounds_arg(c) for c in confounds], strategy,
                                  list(confound_columns),
                                  mask if mask is None or (isinstance(mask, str) and mask in ("epi", "nonzero"))
                                  else _image(mask, "mask").arg(), hrf,
                                  [int(d) for d in fir_delays], drift, float(high_pass), int(drift_order), noise,
                                  float(smooth or 0.0), bool(modulators), single_trial or "", threads, progress,
                                  _sample_masks_arg(sample_masks, [im.data.shape[3] if im.data.ndim == 4 else 1
                                                                   for im in imgs]))
    return fit, imgs[0].affine


# ---- lmm ---------------------------------------------------------------------------------------

_LMM_NUMERIC = {
    "fixed": ("estimate", "se", "df", "t", "p"),
    "anova": ("sum_sq", "mean_sq", "num_df", "den_df", "F", "p"),
    "random": ("variance", "sd", "correlation"),
    "emmeans": ("estimate", "se", "df", "t", "p"),
    "contrasts": ("estimate", "se", "df", "t", "p"),
}


def lmm(data, formula, reml=True, emmeans=(), threads=0):
    """Linear mixed model with one grouping factor, as ``algia trial lmm`` (lme4 + lmerTest).

    data: a pandas DataFrame, a dict of columns, or a TSV/CSV path; formula e.g.
    ``'pain ~ arm * visit + age + (1 | id)'`` or ``'Reaction ~ Days + (Days | Subject)'``.
    Text columns are factors (treatment coding; first sorted level is the reference); C(x) makes a
    numeric column a factor; rows with a missing value in a used column are dropped. reml=False
    fits by ML. emmeans: specs like 'arm:visit' for marginal means and first-factor contrasts.
    Returns a dict of pandas DataFrames with the CLI's tables: 'fixed' (estimate, se,
    Satterthwaite df, t, p), 'anova' (Type III F tests), 'random' (variances, SDs,
    correlations), 'model' (key/value: criterion, logLik, AIC, BIC, convergence, singular),
    'emmeans', 'contrasts'."""
    if isinstance(data, (str, _os.PathLike)):
        import pandas as pd
        p = _os.fspath(data)
        data = pd.read_csv(p, sep="," if p.endswith(".csv") else "\t", keep_default_na=False, dtype=str)
    cols, cells = _table(data)
    r = _algia._lmm(cols, cells, formula, bool(reml), list(emmeans), threads)
    out = {k: _frame(r[k], _LMM_NUMERIC.get(k, ())) for k in ("fixed", "anova", "random", "model", "emmeans", "contrasts")}
    out["anova_note"] = r["anova_note"]
    return out


from ._estimators import (  # noqa: E402,F401
    ConnectivityMeasure,
    FirstLevelModel,
    LabelsMasker,
    Mediation,
    PermutationTest,
)

from . import _docs  # noqa: E402

_docs.document(globals())
