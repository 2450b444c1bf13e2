"""algia from Python: the kernels of the algia engine (C++), as numpy-in / numpy-out functions.

The compiled module ``_algia`` does the work; this package re-exports it and adds thin helpers.

Arrays
    ``load_image`` returns the image's voxels as a float32, Fortran-ordered (x fastest) numpy
    array that *shares* algia's buffer (no copy; ``arr.base`` owns it). Matrices passed in
    (time series, designs, data columns) are converted once to float64 (a copy, whatever their
    dtype or order); results come back as new float64 arrays.
Errors
    ``AlgiaError`` (a ``ValueError``) for invalid input, misuse or unsupported features;
    ``AlgiaIOError`` (an ``OSError``) when a file cannot be read or written. The message is the
    one the ``algia`` command prints (what was wrong, and how to fix it).
Threads
    Long calls release the GIL; ``threads=0`` uses every core, and results never depend on it.
"""
import numpy as _np

from _algia import (  # noqa: F401
    AlgiaError,
    AlgiaIOError,
    __version__,
    clean,
    compare,
    connectivity,
    load_image,
    mediate as _mediate,
    permutation_test,
    wilson,
)
import _algia  # noqa: F401,E402  (the compiled module, beside this package on the path)

__all__ = [
    "AlgiaError", "AlgiaIOError", "__version__", "clean", "compare", "connectivity", "load_image",
    "mediate", "permutation_test", "wilson", "responders", "load_img", "mediation_rows",
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


def _as_columns(a):
    """A 1-D array as one column (mediators, covariates); 2-D unchanged."""
    a = _np.asarray(a, dtype=float)
    return a[:, None] if a.ndim == 1 else a


def mediate(x, m, y, covariates=None, boot=10000, ci="bca", seed=0, alpha=0.05, serial=False,
            mediator_names=(), threads=0):
    """Mediation X -> M -> Y by OLS with bootstrap intervals, as ``algia mediate --table``.

    x, y: one value per participant; m: one mediator (1-D) or one column per mediator (2-D);
    covariates: None, 1-D or 2-D. All are converted once to float64. ci is 'percentile', 'bc' or
    'bca'; serial=True makes two mediators a chain X -> M1 -> M2 -> Y. Returns a dict of columns
    (path, estimate, se, ci_low, ci_high, p, n, stat, p_parametric, boot_se, ci_method,
    resamples) holding the numbers of the CLI's results table; ``mediation_rows`` turns it into
    rows. A fixed seed gives the same result on any number of threads."""
    cov = None if covariates is None else _as_columns(covariates)
    return _mediate(_np.asarray(x, dtype=float).ravel(), _as_columns(m), _np.asarray(y, dtype=float).ravel(),
                    cov, boot=boot, ci=ci, seed=seed, alpha=alpha, serial=serial,
                    mediator_names=list(mediator_names), threads=threads)
