"""The Python module gives the numbers the algia CLI (or the named peer) gives on the same input.

Run by ctest (label python) with PYTHONPATH=<dir of _algia*.so>:python and ALGIA=<algia binary>.
"""
import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import algia

ROOT = Path(__file__).resolve().parents[2]
ALGIA = os.environ.get("ALGIA") or str(ROOT / "build" / "algia")
NILEARN = Path("/work/peers/nilearn-0.10.3")


def run_cli(*args):
    r = subprocess.run([ALGIA, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, f"algia {' '.join(map(str, args))} failed:\n{r.stderr}"
    return r


def write_tsv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([repr(float(v)) for v in row])


def read_tsv(path):
    with open(path) as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return rows[0], rows[1:]


# ---- load_image ---------------------------------------------------------------------------------

def test_load_image_matches_nibabel_without_copy(tmp_path):
    nib = pytest.importorskip("nibabel")
    rng = np.random.default_rng(1)
    data = rng.integers(-300, 300, size=(5, 4, 3, 2)).astype(np.int16)
    affine = np.array([[-2.0, 0, 0, 10], [0, 2.5, 0, -20], [0, 0, 3, 5], [0, 0, 0, 1]])
    img = nib.Nifti1Image(data, affine)
    img.header.set_slope_inter(0.5, 1.25)
    path = tmp_path / "img.nii.gz"
    nib.save(img, path)
    ref = nib.load(path)
    arr, aff = algia.load_image(str(path))
    assert arr.dtype == np.float32 and arr.shape == (5, 4, 3, 2)
    assert arr.flags.f_contiguous
    np.testing.assert_array_equal(arr, ref.get_fdata(dtype=np.float32))
    np.testing.assert_allclose(aff, ref.affine, atol=1e-6)
    # Zero copy: numpy does not own the buffer, the capsule (algia's image) does.
    assert not arr.flags.owndata
    assert arr.base is not None and not isinstance(arr.base, np.ndarray)
    # The buffer outlives every other reference to the image.
    view = arr[1:3]
    del arr
    assert float(view.sum()) == pytest.approx(float(ref.get_fdata()[1:3].sum()), rel=1e-6)


def test_load_image_3d_and_load_img(tmp_path):
    nib = pytest.importorskip("nibabel")
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4, order="F")
    path = tmp_path / "v.nii"
    nib.save(nib.Nifti1Image(data, np.eye(4)), path)
    arr, _ = algia.load_image(str(path))
    assert arr.shape == (2, 3, 4)
    np.testing.assert_array_equal(arr, data)
    img = algia.load_img(str(path))
    np.testing.assert_array_equal(np.asarray(img.dataobj), data)


def test_load_image_errors(tmp_path):
    with pytest.raises(algia.AlgiaIOError) as e:
        algia.load_image(str(tmp_path / "missing.nii.gz"))
    assert isinstance(e.value, OSError)
    assert "missing.nii.gz" in str(e.value)
    bad = tmp_path / "bad.nii"
    bad.write_bytes(b"not an image at all" * 30)
    with pytest.raises((algia.AlgiaError, algia.AlgiaIOError)) as e:
        algia.load_image(str(bad))
    assert "bad.nii" in str(e.value)


# ---- connectivity vs algia connect --------------------------------------------------------------

@pytest.mark.parametrize("kind", ["correlation", "partial correlation", "covariance", "tangent"])
def test_connectivity_matches_cli(tmp_path, kind):
    rng = np.random.default_rng(7)
    names = [f"r{i}" for i in range(5)]
    series, paths = [], []
    for s in range(3):
        x = rng.standard_normal((60, 5)) + 0.4 * rng.standard_normal((60, 1))
        series.append(x)
        p = tmp_path / f"sub-{s}_timeseries.tsv"
        write_tsv(p, names, x)
        paths.append(p)
    out = tmp_path / "out"
    out.mkdir()
    cli_kind = "partial" if kind == "partial correlation" else kind
    run_cli("connect", *paths, "--kind", cli_kind, "--out-dir", out)
    mats, mean = algia.connectivity(series, kind=kind)
    token = "partialcorrelation" if cli_kind == "partial" else cli_kind
    assert mats.shape == (3, 5, 5) and mean.shape == (5, 5)
    for s in range(3):
        header, rows = read_tsv(out / f"sub-{s}_desc-{token}_relmat.tsv")
        assert header[1:] == names
        cli = np.array([[float(v) for v in r[1:]] for r in rows])
        np.testing.assert_allclose(mats[s], cli, rtol=1e-9, atol=1e-12)


def test_connectivity_arrays_share_one_buffer_and_any_layout_gives_the_same_numbers():
    import gc
    rng = np.random.default_rng(3)
    series = [rng.standard_normal((40, 6)) + 0.5 * rng.standard_normal((40, 1)) for _ in range(4)]
    for kind in ("covariance", "correlation", "partial correlation", "precision", "tangent"):
        mats, mean = algia.connectivity(series, kind=kind)
        # The results live in one buffer owned by a capsule, shared by both arrays, writeable.
        assert type(mats.base).__name__ == "PyCapsule" and mats.base is mean.base
        assert mats.flags.c_contiguous and mats.flags.writeable and mean.flags.writeable
        # Exactly symmetric: row- and column-major readings are the same matrices.
        assert np.array_equal(mats, mats.transpose(0, 2, 1)) and np.array_equal(mean, mean.T)
        # Fortran-ordered, float32-castable lists and strided views are converted; the numbers do
        # not depend on the input's layout.
        again, _ = algia.connectivity([np.asfortranarray(x) for x in series], kind=kind)
        np.testing.assert_array_equal(again, mats)
        strided, _ = algia.connectivity([np.repeat(x, 2, axis=1)[:, ::2] for x in series], kind=kind)
        np.testing.assert_array_equal(strided, mats)
        # The buffer outlives the call and the other array.
        keep = mats.copy()
        del mean, again, strided
        gc.collect()
        mats[0, 0, 0] += 1.0
        assert mats[0, 0, 0] == keep[0, 0, 0] + 1.0 and np.array_equal(mats[1:], keep[1:])
    with pytest.raises(algia.AlgiaError, match="dimension"):
        algia.connectivity([np.zeros(10)])


def test_connectivity_errors():
    with pytest.raises(algia.AlgiaError, match="unknown connectivity kind"):
        algia.connectivity([np.zeros((10, 3))], kind="bogus")
    with pytest.raises(ValueError, match="regions"):
        algia.connectivity([np.random.rand(10, 3), np.random.rand(10, 4)])


# ---- mediate vs algia mediate --table -----------------------------------------------------------

@pytest.mark.parametrize("ci", ["bca", "percentile"])
def test_mediate_matches_cli(tmp_path, ci):
    rng = np.random.default_rng(3)
    n = 80
    x = rng.standard_normal(n)
    age = rng.standard_normal(n)
    m = 0.5 * x + 0.2 * age + rng.standard_normal(n)
    y = 0.4 * m + 0.1 * x + rng.standard_normal(n)
    table = tmp_path / "t.tsv"
    write_tsv(table, ["x", "m", "y", "age"], zip(x, m, y, age))
    out = tmp_path / "med.tsv"
    run_cli("mediate", "--table", table, "--x", "x", "--m", "m", "--y", "y", "--covariate", "age",
            "--boot", 500, "--ci", ci, "--seed", 11, "--out", out)
    res = algia.mediate(x, m, y, covariates=age, boot=500, ci=ci, seed=11, mediator_names=["m"])
    header, rows = read_tsv(out)
    assert list(res) == header
    assert res["path"] == [r[0] for r in rows]
    for j, col in enumerate(header):
        if col in ("path", "ci_method"):
            assert res[col] == [r[j] for r in rows]
            continue
        cli = np.array([float(r[j]) if r[j] not in ("", "n/a", "NA") else np.nan for r in rows])
        np.testing.assert_allclose(np.array(res[col], dtype=float), cli, rtol=1e-9, atol=1e-12,
                                   equal_nan=True, err_msg=col)
    rows_py = algia.mediation_rows(res)
    assert rows_py[0]["path"] == res["path"][0]


def test_mediate_errors():
    with pytest.raises(algia.AlgiaError, match="bca|percentile|ci"):
        algia.mediate(np.arange(10.0), np.arange(10.0) ** 2, np.arange(10.0), boot=10, ci="nope")
    with pytest.raises(ValueError):
        algia.mediate(np.zeros(20), np.random.rand(20), np.random.rand(20), boot=10)  # constant X


# ---- permutation_test ---------------------------------------------------------------------------

def test_permutation_test_t_and_determinism():
    rng = np.random.default_rng(5)
    n = 30
    X = np.column_stack([np.ones(n), rng.standard_normal(n)])
    Y = rng.standard_normal((n, 6))
    Y[:, 0] += 1.5 * X[:, 1]
    c = np.array([0.0, 1.0])
    r1 = algia.permutation_test(X, Y, c, permutations=499, seed=4, threads=1)
    r2 = algia.permutation_test(X, Y, c, permutations=499, seed=4, threads=2)
    # OLS t by numpy.
    beta, *_ = np.linalg.lstsq(X, Y, rcond=None)
    resid = Y - X @ beta
    s2 = (resid ** 2).sum(0) / (n - 2)
    se = np.sqrt(s2 * (np.linalg.inv(X.T @ X)[1, 1]))
    np.testing.assert_allclose(r1["t"], beta[1] / se, rtol=1e-10)
    assert r1["df"] == n - 2
    np.testing.assert_array_equal(r1["p_uncorrected"], r2["p_uncorrected"])
    np.testing.assert_array_equal(r1["p_fwe"], r2["p_fwe"])
    assert r1["p_uncorrected"][0] < 0.01 and r1["p_fwe"][0] < 0.01
    assert np.all(r1["p_fwe"] >= r1["p_uncorrected"])


def test_permutation_test_matches_cli_stats_table(tmp_path):
    rng = np.random.default_rng(1)
    n = 30
    age = rng.standard_normal(n)
    y1 = 0.8 * age + rng.standard_normal(n)
    y2 = rng.standard_normal(n)
    write_tsv(tmp_path / "t.tsv", ["age", "y1", "y2"], zip(age, y1, y2))
    (tmp_path / "out").mkdir()
    run_cli("stats", "--table", tmp_path / "t.tsv", "--formula", "~ age", "--columns", "y1", "y2",
            "--permutations", 499, "--seed", 4, "--out", tmp_path / "out")
    header, rows = read_tsv(tmp_path / "out" / "stats.tsv")
    col = {h: np.array([float(r[j]) for r in rows]) for j, h in enumerate(header) if h in ("t", "df", "p_perm", "p_fwe")}
    X = np.column_stack([np.ones(n), age])
    r = algia.permutation_test(X, np.column_stack([y1, y2]), [0.0, 1.0], permutations=499, seed=4)
    np.testing.assert_allclose(r["t"], col["t"], rtol=1e-12)
    assert r["df"] == col["df"][0]
    np.testing.assert_array_equal(r["p_uncorrected"], col["p_perm"])
    np.testing.assert_array_equal(r["p_fwe"], col["p_fwe"])


# ---- clean vs nilearn.signal.clean --------------------------------------------------------------

def nilearn_clean(**kw):
    if not NILEARN.is_dir():
        pytest.skip("nilearn 0.10.3 source not at /work/peers")
    sys.path.insert(0, str(NILEARN))
    try:
        from nilearn.signal import clean as nclean
    except Exception as e:  # pragma: no cover
        pytest.skip(f"nilearn not importable: {e}")
    return nclean(**kw)


def test_clean_matches_nilearn():
    rng = np.random.default_rng(9)
    t = 120
    signals = rng.standard_normal((t, 4)) + np.linspace(0, 3, t)[:, None]
    conf = rng.standard_normal((t, 2))
    ours = algia.clean(signals, confounds=conf, t_r=2.0, high_pass=0.01, low_pass=0.1)
    ref = nilearn_clean(signals=signals, confounds=conf, t_r=2.0, high_pass=0.01, low_pass=0.1,
                        standardize="zscore", detrend=True)
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_clean_errors():
    with pytest.raises(algia.AlgiaError):
        algia.clean(np.random.rand(20, 2), standardize="bogus")


# ---- responders ---------------------------------------------------------------------------------

def test_responders_vs_statsmodels_and_scipy():
    sm = pytest.importorskip("statsmodels.stats.proportion")
    stats = pytest.importorskip("scipy.stats")
    lo, hi = algia.wilson(7, 20)
    ref = sm.proportion_confint(7, 20, method="wilson")
    np.testing.assert_allclose([lo, hi], ref, rtol=1e-10)
    r = algia.responders(12, 30, 5, 28)
    assert r["p1"] == pytest.approx(12 / 30) and r["p2"] == pytest.approx(5 / 28)
    table = [[12, 18], [5, 23]]
    np.testing.assert_allclose(r["fisher_p"], stats.fisher_exact(table)[1], rtol=1e-6)
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    np.testing.assert_allclose([r["chi2"], r["chi2_p"]], [chi2, p], rtol=1e-10)
    rd = sm.confint_proportions_2indep(12, 30, 5, 28, method="newcomb", compare="diff")
    np.testing.assert_allclose(r["rd_ci"], rd, rtol=1e-8)
    np.testing.assert_allclose(r["ci1"], sm.proportion_confint(12, 30, method="wilson"), rtol=1e-10)
    one = algia.responders(3, 10)
    assert one["rate"] == pytest.approx(0.3)
    with pytest.raises(algia.AlgiaError):
        algia.wilson(5, 3)


def test_exception_hierarchy():
    assert issubclass(algia.AlgiaError, ValueError)
    assert issubclass(algia.AlgiaIOError, OSError)
    assert algia.__version__
    for f in (algia.load_image, algia.clean, algia.connectivity, algia.permutation_test, algia.mediate,
              algia.wilson, algia.compare, algia.responders):
        assert f.__doc__ and len(f.__doc__) > 40


def test_long_calls_release_the_gil():
    import threading
    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(40), rng.standard_normal(40)])
    Y = rng.standard_normal((40, 400))
    done = {}
    t = threading.Thread(target=lambda: done.setdefault(
        "r", algia.permutation_test(X, Y, [0.0, 1.0], permutations=4000, seed=1, threads=1)))
    t.start()
    spins = 0
    while t.is_alive():
        spins += 1
    t.join()
    assert "r" in done
    # With the GIL held for the whole call this thread could barely run while it lasted.
    # (~1e6 spins here; a held GIL allows at most one 5 ms switch interval, ~1e4.)
    assert spins > 100000, spins


def test_ctrl_c_cancels_a_long_call():
    import _thread
    import threading
    import time
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(40), rng.standard_normal(40)])
    Y = rng.standard_normal((40, 2000))
    timer = threading.Timer(0.3, _thread.interrupt_main)  # as if Ctrl-C were pressed after 0.3 s
    t0 = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        algia.permutation_test(X, Y, [0.0, 1.0], permutations=200000, seed=1, threads=1)  # minutes uninterrupted
    elapsed = time.monotonic() - t0
    timer.cancel()
    assert elapsed < 5.0, elapsed
    # The module still works afterwards.
    assert algia.permutation_test(X, Y[:, :3], [0.0, 1.0], permutations=99, seed=1)["permutations"] == 99


MALLOC_PROBE = """
import ctypes, sys
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.sbrk.restype = ctypes.c_void_p
libc.sbrk.argtypes = [ctypes.c_long]
import algia
block = libc.malloc(4 << 20)  # 4 MB: mapped by glibc's defaults, from the heap at 32 MB
print("heap" if block < libc.sbrk(0) else "mapped")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc")
def test_import_settles_malloc_thresholds_unless_told_not_to():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "ALGIA_MALLOC"))}
    run = lambda extra: subprocess.run([sys.executable, "-c", MALLOC_PROBE], env={**env, **extra},
                                       capture_output=True, text=True, check=True).stdout.strip()
    assert run({}) == "heap"
    assert run({"ALGIA_MALLOC": "system"}) == "mapped"
    assert run({"MALLOC_MMAP_THRESHOLD_": "131072"}) == "mapped"
