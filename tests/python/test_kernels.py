"""score, extract, first_level, lmm, image inputs/outputs, estimators, progress callbacks and the
CLI-derived docstrings: every function gives the numbers the algia CLI gives on the same input.

Run by ctest (label python) with PYTHONPATH=<dir of _algia*.so>:python, ALGIA=<algia binary> and
DATA=<shared data folder>.
"""
import csv
import functools
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import algia
import _algia

nib = pytest.importorskip("nibabel")
pd = pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parents[2]
ALGIA = os.environ.get("ALGIA") or str(ROOT / "build" / "algia")
DATA = Path(os.environ.get("DATA") or ROOT.parent / "shared" / "data")
FIXTURES = ROOT / "tests" / "fixtures"


def run_cli(*args):
    r = subprocess.run([ALGIA, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, f"algia {' '.join(map(str, args))} failed:\n{r.stderr}"
    return r


def read_tsv(path):
    with open(path) as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return rows[0], rows[1:]


def num(cells):
    return np.array([np.nan if c in ("n/a", "") else float(c) for c in cells])


# ---- images in: no copy for float32 Fortran order, one conversion otherwise ---------------------

def test_float32_fortran_arrays_are_not_copied():
    a = np.asfortranarray(np.random.default_rng(0).standard_normal((5, 4, 3, 2)).astype(np.float32))
    assert _algia._image_address(a) == a.ctypes.data
    img = nib.Nifti1Image(a, np.eye(4))
    assert _algia._image_address(algia._image(img).data) == a.ctypes.data
    # Anything else is converted (once): C order, float64.
    c = np.ascontiguousarray(a)
    assert _algia._image_address(c) != c.ctypes.data
    d = a.astype(np.float64, order="F")
    assert _algia._image_address(d) != d.ctypes.data
    # The caller's arrays are never written to (smoothing works on a copy, see test_first_level_*).
    with pytest.raises(algia.AlgiaError, match="dimensions"):
        _algia._image_address(np.zeros((3, 3), np.float32))
    with pytest.raises(algia.AlgiaError, match="4 x 4"):
        algia.score((a[..., 0], np.eye(3)), {"A": (a[..., 0], np.eye(4))})


def test_image_outputs_share_algias_buffer(tmp_path):
    bold, events, conf = _glm_inputs(tmp_path)
    res = _first_level(bold, events, {"a": "a - b"}, confounds=conf, t_r=2.0, noise="ols")
    z = res["a"]["z"]
    assert isinstance(z, nib.Nifti1Image)
    arr = z.dataobj
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32 and arr.flags.f_contiguous
    assert not arr.flags.owndata and arr.base is not None and not isinstance(arr.base, np.ndarray)
    np.testing.assert_array_equal(z.affine, bold.affine)


# ---- score vs algia score -----------------------------------------------------------------------

def _score_inputs(tmp_path):
    rng = np.random.default_rng(4)
    aff = np.diag([3.0, 3.0, 3.0, 1.0])
    paths = []
    for i in range(2):
        d = rng.standard_normal((9, 8, 7, 3 if i == 0 else 1)).astype(np.float32)
        d[0] = 0  # missing voxels
        p = tmp_path / f"img{i}.nii.gz"
        nib.save(nib.Nifti1Image(d if i == 0 else d[..., 0], aff), p)
        paths.append(p)
    w1 = rng.standard_normal((9, 8, 7)).astype(np.float32)
    w1[w1 < 0.2] = 0
    nib.save(nib.Nifti1Image(w1, aff), tmp_path / "w1.nii.gz")
    # A second signature on another grid (resampled onto the data's).
    aff2 = np.diag([2.0, 2.0, 2.0, 1.0])
    aff2[:3, 3] = [1.0, -1.0, 0.5]
    w2 = rng.standard_normal((12, 11, 10)).astype(np.float64)
    nib.save(nib.Nifti1Image(w2, aff2), tmp_path / "w2.nii.gz")
    atlas = np.zeros((9, 8, 7), np.int16)
    atlas[:4] = 1
    atlas[4:, :4] = 2
    atlas[4:, 4:] = 7
    nib.save(nib.Nifti1Image(atlas, aff), tmp_path / "atlas.nii.gz")
    mask = np.ones((9, 8, 7), np.uint8)
    mask[:, :, 0] = 0
    nib.save(nib.Nifti1Image(mask, aff), tmp_path / "mask.nii.gz")
    (tmp_path / "labels.tsv").write_text("index\tname\n1\tleft\n2\tright\n7\tback\n")
    return paths


def test_score_matches_cli(tmp_path):
    paths = _score_inputs(tmp_path)
    out = tmp_path / "scores.tsv"
    run_cli("score", *paths, "--signature", f"A={tmp_path / 'w1.nii.gz'}", "--signature", f"B={tmp_path / 'w2.nii.gz'}",
            "--mask", tmp_path / "mask.nii.gz", "--by-region", tmp_path / "atlas.nii.gz",
            "--labels", tmp_path / "labels.tsv", "--out", out)
    header, rows = read_tsv(out)
    df = algia.score([str(p) for p in paths], {"A": tmp_path / "w1.nii.gz", "B": str(tmp_path / "w2.nii.gz")},
                     mask=str(tmp_path / "mask.nii.gz"), by_region=str(tmp_path / "atlas.nii.gz"),
                     labels=tmp_path / "labels.tsv")
    assert list(df.columns) == header
    assert len(df) == len(rows) == (3 + 1) * 2 * 3 * 4
    for j, col in enumerate(header):
        cli = [r[j] for r in rows]
        if col in ("image", "signature", "metric", "region"):
            assert [str(x) for x in df[col]] == cli, col
        else:  # the CLI writes round-trip numbers: equal to the last bit
            np.testing.assert_array_equal(df[col].to_numpy(dtype=float), num(cli), err_msg=col)
    # The same from nibabel images and arrays (float64 data converted once).
    imgs = [nib.load(p) for p in paths]
    df2 = algia.score(imgs, [("A", nib.load(tmp_path / "w1.nii.gz")), ("B", nib.load(tmp_path / "w2.nii.gz"))],
                      mask=nib.load(tmp_path / "mask.nii.gz"), by_region=nib.load(tmp_path / "atlas.nii.gz"),
                      labels={1: "left", 2: "right", 7: "back"})
    np.testing.assert_array_equal(df2["score"].to_numpy(), df["score"].to_numpy())
    assert list(df2["region"]) == list(df["region"])


def test_score_metrics_and_errors(tmp_path):
    paths = _score_inputs(tmp_path)
    out = tmp_path / "s.tsv"
    run_cli("score", paths[1], "--signature", f"A={tmp_path / 'w1.nii.gz'}", "--metric", "cosine", "--out", out)
    header, rows = read_tsv(out)
    img = nib.load(paths[1])
    arr = np.asfortranarray(img.get_fdata(dtype=np.float32))
    df = algia.score((arr, img.affine), {"A": tmp_path / "w1.nii.gz"}, metrics=["cosine"])
    assert list(df.columns) == header and len(df) == 1
    assert df["score"][0] == float(rows[0][header.index("score")])
    with pytest.raises(algia.AlgiaError, match="no non-zero weights"):
        algia.score(paths[1], {"Z": (np.zeros((9, 8, 7), np.float32), img.affine)})
    with pytest.raises(algia.AlgiaError, match="does not overlap"):
        far = img.affine.copy()
        far[:3, 3] += 1000
        algia.score((arr, far), {"A": tmp_path / "w1.nii.gz"})


# ---- extract vs algia extract -------------------------------------------------------------------

def _extract_inputs(tmp_path, n=40):
    rng = np.random.default_rng(0)
    d = tmp_path / "sub-01" / "func"
    d.mkdir(parents=True)
    aff = np.diag([3.0, 3.0, 3.0, 1.0])
    bold = (1000 + rng.standard_normal((8, 8, 6, n)) * 10 + np.linspace(0, 5, n)).astype(np.float32)
    bold_path = d / "sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz"
    img = nib.Nifti1Image(bold, aff)
    img.header.set_zooms((3.0, 3.0, 3.0, 2.0))
    nib.save(img, bold_path)
    # The atlas on another grid (resampled by nearest neighbour) with a label that falls outside.
    labels = np.zeros((14, 14, 10), np.int16)
    labels[:6] = 1
    labels[6:, :6] = 2
    labels[6:, 6:] = 3
    labels[13, 13, 9] = 9  # beyond the BOLD's field of view
    aff_atlas = np.diag([2.0, 2.0, 2.0, 1.0])
    nib.save(nib.Nifti1Image(labels, aff_atlas), tmp_path / "atlas.nii.gz")
    conf = pd.DataFrame({"c1": rng.standard_normal(n), "c2": np.sin(np.arange(n) / 3.0)})
    conf.to_csv(tmp_path / "conf.tsv", sep="\t", index=False, float_format="%.17g")
    return bold_path, conf


def _cli_timeseries(prefix):
    header, rows = read_tsv(f"{prefix}_timeseries.tsv")
    return header, np.array([[float(c) for c in r] for r in rows])


def test_extract_matches_cli_with_confound_columns(tmp_path):
    bold_path, conf = _extract_inputs(tmp_path)
    run_cli("extract", bold_path, "--atlas", tmp_path / "atlas.nii.gz", "--confounds", tmp_path / "conf.tsv",
            "--confound-columns", "c1", "c2", "--high-pass", 0.01, "--low-pass", 0.1, "--out", tmp_path / "cli")
    header, cli = _cli_timeseries(tmp_path / "cli")
    # A path and an fMRIPrep-style table (selected columns) ...
    df = algia.extract(str(bold_path), atlas=tmp_path / "atlas.nii.gz", confounds=str(tmp_path / "conf.tsv"),
                       confound_columns=["c1", "c2"], high_pass=0.01, low_pass=0.1)
    assert list(df.columns) == header
    np.testing.assert_array_equal(df.to_numpy(), cli)
    qh, qc = read_tsv(tmp_path / "cli_qc.tsv")
    assert qc[0][qh.index("regions_without_voxels")] == "9"
    assert df.attrs["missing"] == ["9"] and df.attrs["t_r"] == 2.0
    # ... and a nibabel image with the confounds as a DataFrame (used as given).
    df2 = algia.extract(nib.load(bold_path), atlas=nib.load(tmp_path / "atlas.nii.gz"), confounds=conf,
                        high_pass=0.01, low_pass=0.1)
    np.testing.assert_allclose(df2.to_numpy(), cli, rtol=0, atol=1e-12)


@pytest.mark.skipif(not (DATA / "fmri" / "fmriprep_confounds_nilearn").is_dir(), reason="shared data absent")
def test_extract_fmriprep_strategy_and_scrubbing_matches_cli(tmp_path):
    bold_path, _ = _extract_inputs(tmp_path, n=30)
    src = DATA / "fmri" / "fmriprep_confounds_nilearn"
    d = bold_path.parent
    for ext in ("tsv", "json"):
        (d / f"sub-01_task-rest_desc-confounds_timeseries.{ext}").write_bytes(
            (src / f"test-v21_desc-confounds_timeseries.{ext}").read_bytes())
    (d / "sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.json").write_text(json.dumps({"RepetitionTime": 2.5}))
    run_cli("extract", bold_path, "--atlas", tmp_path / "atlas.nii.gz", "--strategy", "24p", "--scrub-fd", 1.0,
            "--high-pass", 0.01, "--out", tmp_path / "cli")
    header, cli = _cli_timeseries(tmp_path / "cli")
    df = algia.extract(bold_path, atlas=tmp_path / "atlas.nii.gz", strategy="24p", scrub_fd=1.0, high_pass=0.01)
    assert list(df.columns) == header and df.attrs["t_r"] == 2.5  # from the sidecar, as the CLI
    np.testing.assert_array_equal(df.to_numpy(), cli)
    oh, orows = read_tsv(tmp_path / "cli_outliers.tsv")
    out = df.attrs["outliers"]
    assert list(out.columns) == oh
    assert list(out["reason"]) == [r[2] for r in orows]
    assert list(df.index) == [int(r[0]) for r in orows if r[1] == "1"]
    assert len(df.attrs["confound_columns"]) == 24


def test_extract_seeds_and_maps_match_cli(tmp_path):
    bold_path, _ = _extract_inputs(tmp_path)
    run_cli("extract", bold_path, "--seed", "6,6,6", "--seed", "15,12,3,4", "--radius", 5, "--t-r", 2,
            "--standardize", "none", "--out", tmp_path / "s")
    header, cli = _cli_timeseries(tmp_path / "s")
    df = algia.extract(bold_path, seeds=[(6, 6, 6), (15, 12, 3, 4)], radius=5, standardize="none", t_r=2)
    assert list(df.columns) == header
    np.testing.assert_array_equal(df.to_numpy(), cli)
    maps = np.random.default_rng(1).random((8, 8, 6, 3)).astype(np.float32)
    nib.save(nib.Nifti1Image(maps, np.diag([3.0, 3.0, 3.0, 1.0])), tmp_path / "maps.nii.gz")
    run_cli("extract", bold_path, "--maps", tmp_path / "maps.nii.gz", "--out", tmp_path / "m")
    header, cli = _cli_timeseries(tmp_path / "m")
    df = algia.extract(bold_path, maps=(maps, np.diag([3.0, 3.0, 3.0, 1.0])))
    assert list(df.columns) == header
    np.testing.assert_array_equal(df.to_numpy(), cli)


def test_extract_errors(tmp_path):
    bold_path, _ = _extract_inputs(tmp_path)
    with pytest.raises(algia.AlgiaError, match="exactly one"):
        algia.extract(bold_path)
    with pytest.raises(algia.AlgiaError, match="4-D"):
        algia.extract(tmp_path / "atlas.nii.gz", atlas=tmp_path / "atlas.nii.gz")
    with pytest.raises(algia.AlgiaError, match="rows"):
        algia.extract(bold_path, atlas=tmp_path / "atlas.nii.gz", confounds=np.zeros((5, 2)))
    with pytest.raises(algia.AlgiaError, match="not a label"):
        algia.extract(bold_path, atlas=(np.full((8, 8, 6), 0.5, np.float32), np.diag([3.0, 3.0, 3.0, 1.0])))
    assert algia.extract(bold_path, atlas=tmp_path / "atlas.nii.gz").attrs["atlas_resampled"]


# ---- first_level vs algia glm -------------------------------------------------------------------

# The synthetic runs below have no background, so nilearn's EPI mask (the default of algia glm and
# first_level) would be empty: these tests fit with the 'nonzero' rule on both sides.
_first_level = functools.partial(algia.first_level, mask="nonzero")
_FirstLevelModel = functools.partial(algia.FirstLevelModel, mask_img="nonzero")


def _glm_inputs(tmp_path, n=60, seed=0, name="run"):
    rng = np.random.default_rng(seed)
    aff = np.diag([4.0, 4.0, 4.0, 1.0])
    aff[:3, 3] = [-10, -12, -8]
    t = np.arange(n) * 2.0
    onsets = np.arange(4.0, n * 2 - 20, 12.0)
    types = ["a", "b"] * (len(onsets) // 2) + ["a"] * (len(onsets) % 2)
    events = pd.DataFrame({"onset": onsets, "duration": 3.0, "trial_type": types[: len(onsets)],
                           "temperature": 44 + rng.standard_normal(len(onsets))})
    signal = np.zeros(n)
    for o, ty in zip(onsets, events["trial_type"]):
        signal += (ty == "a") * np.exp(-0.5 * ((t - o - 5) / 2.5) ** 2)
    bold = 800 + 20 * rng.standard_normal((6, 5, 4, n))
    bold[:3] += 15 * signal
    bold[0, 0, 0] = 0  # outside the brain
    img = nib.Nifti1Image(bold.astype(np.float32), aff)
    nib.save(img, tmp_path / f"{name}_bold.nii.gz")
    events.to_csv(tmp_path / f"{name}_events.tsv", sep="\t", index=False, float_format="%.17g")
    conf = pd.DataFrame({"c1": rng.standard_normal(n), "c2": np.cos(t / 17.0)})
    conf.to_csv(tmp_path / f"{name}_conf.tsv", sep="\t", index=False, float_format="%.17g")
    return img, events, conf


def _cli_map(path):
    return np.asarray(nib.load(path).dataobj)


@pytest.mark.parametrize("noise", ["ar1", "ols"])
def test_first_level_matches_cli(tmp_path, noise):
    img, events, conf = _glm_inputs(tmp_path)
    (tmp_path / "res").mkdir()
    run_cli("glm", "--mask", "nonzero", tmp_path / "run_bold.nii.gz", "--events", tmp_path / "run_events.tsv", "--confounds",
            tmp_path / "run_conf.tsv", "--strategy", "none", "--confound-columns", "c1", "c2", "--t-r", 2,
            "--noise", noise, "--contrast", "ab=a - b", "--contrast", "F=a; b", "--contrast", "slope=a_x_temperature",
            "--prefix", "x", "--out", tmp_path / "res")
    res = _first_level(img, events, {"ab": "a - b", "F": "a; b", "slope": "a_x_temperature"}, confounds=conf,
                            t_r=2.0, noise=noise)
    for name in ("ab", "slope"):
        for stat in ("effect", "variance", "t", "z", "p"):
            cli = _cli_map(tmp_path / "res" / f"x_contrast-{name}_stat-{stat}_statmap.nii.gz")
            np.testing.assert_array_equal(np.asarray(res[name][stat].dataobj), cli, err_msg=f"{name} {stat}")
    for stat in ("F", "z", "p", "variance"):
        cli = _cli_map(tmp_path / "res" / f"x_contrast-F_stat-{stat}_statmap.nii.gz")
        np.testing.assert_array_equal(np.asarray(res["F"][stat].dataobj), cli, err_msg=f"F {stat}")
    header, rows = read_tsv(tmp_path / "res" / "run_design.tsv")
    design = res["_designs"][0]
    assert list(design.columns) == header
    np.testing.assert_array_equal(design.to_numpy(), np.array([[float(c) for c in r] for r in rows]))


def test_first_level_default_epi_mask_matches_cli(tmp_path):
    # Without a mask both fit inside nilearn's EPI mask of the run (a cropped simulated 2 mm heat run).
    g = FIXTURES / "glm"
    (tmp_path / "res").mkdir()
    run_cli("glm", g / "sim2mm_bold.nii.gz", "--events", g / "sim2mm_events.tsv", "--t-r", 2, "--noise", "ols",
            "--strategy", "none", "--contrast", "s=heat_x_temperature", "--prefix", "x", "--out", tmp_path / "res")
    res = algia.first_level(str(g / "sim2mm_bold.nii.gz"), g / "sim2mm_events.tsv", {"s": "heat_x_temperature"},
                            strategy="none", t_r=2, noise="ols")
    mask = _cli_map(tmp_path / "res" / "x_desc-epi_mask.nii.gz") > 0
    z = np.asarray(res["s"]["z"].dataobj)
    assert 0 < mask.sum() < mask.size and (z[~mask] == 0).all() and (z[mask] != 0).all()
    np.testing.assert_array_equal(z, _cli_map(tmp_path / "res" / "x_contrast-s_stat-z_statmap.nii.gz"))


def test_first_level_two_runs_paths_and_smoothing_match_cli(tmp_path):
    img1, ev1, _ = _glm_inputs(tmp_path, seed=1, name="r1")
    img2, ev2, _ = _glm_inputs(tmp_path, seed=2, name="r2")
    (tmp_path / "res").mkdir()
    run_cli("glm", "--mask", "nonzero", tmp_path / "r1_bold.nii.gz", tmp_path / "r2_bold.nii.gz", "--events", tmp_path / "r1_events.tsv",
            tmp_path / "r2_events.tsv", "--t-r", 2, "--smooth", 6, "--hrf", "spm", "--drift", "polynomial",
            "--drift-order", 2, "--contrast", "ab=a - b", "--prefix", "x", "--out", tmp_path / "res")
    data1 = np.asarray(img1.dataobj).copy()
    res = _first_level([img1, str(tmp_path / "r2_bold.nii.gz")], [ev1, tmp_path / "r2_events.tsv"],
                            {"ab": "a - b"}, t_r=2, smooth=6, hrf="spm", drift="polynomial", drift_order=2)
    for stat in ("effect", "variance", "t", "z", "p"):
        cli = _cli_map(tmp_path / "res" / f"x_contrast-ab_stat-{stat}_statmap.nii.gz")
        np.testing.assert_array_equal(np.asarray(res["ab"][stat].dataobj), cli, err_msg=stat)
    # Smoothing did not touch the caller's (zero-copy) array.
    np.testing.assert_array_equal(np.asarray(img1.dataobj), data1)


def test_first_level_errors(tmp_path):
    img, events, conf = _glm_inputs(tmp_path)
    with pytest.raises(algia.AlgiaError, match="nothing to compute"):
        _first_level(img, events, {}, t_r=2)
    with pytest.raises(algia.AlgiaError, match="repetition time"):
        _first_level((np.asarray(img.dataobj), img.affine), events, {"a": "a"})
    with pytest.raises(algia.AlgiaError, match="nosuch"):
        _first_level(img, events, {"a": "nosuch - a"}, t_r=2)
    bad = events.copy()
    bad.loc[0, "duration"] = -1
    with pytest.raises(algia.AlgiaError, match="duration"):
        _first_level(img, bad, {"a": "a"}, t_r=2)


# ---- lmm vs algia trial lmm ---------------------------------------------------------------------

def _lmm_compare(prefix, res, tables):
    for t in tables:
        header, rows = read_tsv(f"{prefix}_{t}.tsv")
        df = res[t]
        assert list(df.columns) == header, t
        assert len(df) == len(rows), t
        for j, col in enumerate(header):
            cli = [r[j] for r in rows]
            if df[col].dtype == object:
                assert [str(x) for x in df[col]] == cli, (t, col)
            else:
                np.testing.assert_array_equal(df[col].to_numpy(dtype=float), num(cli), err_msg=f"{t} {col}")


def test_lmm_matches_cli(tmp_path):
    table = FIXTURES / "lmm" / "trial.tsv"
    formula = "pain ~ arm * visit + age + (1 | id)"
    run_cli("trial", "lmm", "--table", table, "--formula", formula, "--emmeans", "arm:visit", "--out", tmp_path / "x")
    tables = ("fixed", "anova", "random", "model", "emmeans", "contrasts")
    _lmm_compare(tmp_path / "x", algia.lmm(table, formula, emmeans=["arm:visit"]), tables)
    # A DataFrame (read exactly: pandas' default float parser may be off in the last bit): numbers
    # are handed over in round-trip form, so the results are the CLI's to the last bit.
    df = pd.read_csv(table, sep="\t", float_precision="round_trip")
    _lmm_compare(tmp_path / "x", algia.lmm(df, formula, emmeans=["arm:visit"]), tables)
    data = {c: df[c].tolist() for c in df.columns}
    res = algia.lmm(data, formula, emmeans=["arm:visit"])
    _lmm_compare(tmp_path / "x", res, tables)


def test_lmm_ml_random_slope_matches_cli(tmp_path):
    table = FIXTURES / "lmm" / "sleepstudy.tsv"
    formula = "Reaction ~ Days + (Days | Subject)"
    run_cli("trial", "lmm", "--table", table, "--formula", formula, "--ml", "--out", tmp_path / "x")
    _lmm_compare(tmp_path / "x", algia.lmm(pd.read_csv(table, sep="\t", float_precision="round_trip"), formula, reml=False),
                 ("fixed", "anova", "random", "model"))


def test_lmm_errors():
    df = pd.read_csv(FIXTURES / "lmm" / "trial.tsv", sep="\t")
    with pytest.raises(algia.AlgiaError, match="nosuch"):
        algia.lmm(df, "pain ~ arm + (1 | nosuch)")
    with pytest.raises(algia.AlgiaError, match="random-effects term"):
        algia.lmm(df, "pain ~ arm")


# ---- estimators ---------------------------------------------------------------------------------

def test_estimator_params():
    m = _FirstLevelModel(noise_model="ols", t_r=2.0)
    assert m.get_params()["noise_model"] == "ols" and m.get_params()["t_r"] == 2.0
    assert m.set_params(noise_model="ar1") is m and m.noise_model == "ar1"
    with pytest.raises(ValueError):
        m.set_params(nope=1)
    assert not any(k.endswith("_") for k in vars(m))  # __init__ only stores parameters
    sklearn = pytest.importorskip("sklearn.base")
    c = sklearn.clone(algia.PermutationTest(permutations=99, seed=3))
    assert c.get_params()["permutations"] == 99


def test_first_level_model_matches_function(tmp_path):
    img, events, conf = _glm_inputs(tmp_path)
    res = _first_level(img, events, {"ab": "a - b"}, confounds=conf, t_r=2.0)
    m = _FirstLevelModel(t_r=2.0).fit(img, events, confounds=conf)
    assert m.n_voxels_ > 0 and list(m.design_matrices_[0].columns) == list(res["_designs"][0].columns)
    z = m.compute_contrast("a - b")
    np.testing.assert_array_equal(np.asarray(z.dataobj), np.asarray(res["ab"]["z"].dataobj))
    eff = m.compute_contrast("a - b", output_type="effect_size")
    np.testing.assert_array_equal(np.asarray(eff.dataobj), np.asarray(res["ab"]["effect"].dataobj))
    cols = list(m.design_matrices_[0].columns)
    w = np.zeros(len(cols))
    w[cols.index("a")], w[cols.index("b")] = 1, -1
    np.testing.assert_array_equal(np.asarray(m.compute_contrast(w).dataobj), np.asarray(z.dataobj))
    assert set(m.compute_contrast("a; b", output_type="all")) == {"F", "variance", "z", "p"}
    with pytest.raises(algia.AlgiaError, match="not fitted"):
        _FirstLevelModel().compute_contrast("a")


def test_labels_masker_matches_extract(tmp_path):
    bold_path, conf = _extract_inputs(tmp_path)
    df = algia.extract(bold_path, atlas=tmp_path / "atlas.nii.gz", confounds=conf, high_pass=0.01)
    masker = algia.LabelsMasker(tmp_path / "atlas.nii.gz", high_pass=0.01)
    ts = masker.fit_transform(str(bold_path), confounds=conf)
    np.testing.assert_array_equal(ts, df.to_numpy())
    assert masker.region_ids_ == [1, 2, 3] and masker.missing_labels_ == ["9"]


def test_connectivity_mediation_permutation_estimators_match_functions():
    rng = np.random.default_rng(5)
    series = [rng.standard_normal((50, 4)) for _ in range(3)]
    for kind in ("correlation", "tangent"):
        mats, mean = algia.connectivity(series, kind=kind)
        cm = algia.ConnectivityMeasure(kind=kind)
        np.testing.assert_array_equal(cm.fit_transform(series), np.stack(mats))
        np.testing.assert_array_equal(cm.mean_, mean)
    cm = algia.ConnectivityMeasure(kind="tangent").fit(series)
    with pytest.raises(algia.AlgiaError, match="tangent"):
        cm.transform(series)
    np.testing.assert_array_equal(algia.ConnectivityMeasure().fit(series).transform(series[:1])[0],
                                  algia.connectivity(series[:1])[0][0])
    n = 60
    x = rng.standard_normal(n)
    m = 0.5 * x + rng.standard_normal(n)
    y = 0.4 * m + rng.standard_normal(n)
    r = algia.mediate(x, m, y, boot=300, seed=2)
    med = algia.Mediation(boot=300, seed=2).fit(x, m, y)
    np.testing.assert_array_equal(med.results_["estimate"].to_numpy(), np.array(r["estimate"]))
    assert list(med.results_["path"]) == r["path"]
    X = np.column_stack([np.ones(n), x])
    Y = np.column_stack([m, y])
    p = algia.permutation_test(X, Y, [0, 1.0], permutations=199, seed=3)
    pt = algia.PermutationTest(permutations=199, seed=3).fit(X, Y, [0, 1.0])
    np.testing.assert_array_equal(pt.t_, p["t"])
    np.testing.assert_array_equal(pt.p_fwe_, p["p_fwe"])
    assert pt.df_ == p["df"]


# ---- progress callbacks -------------------------------------------------------------------------

def _check_progress(calls):
    assert calls, "the callback was never called"
    done = [d for d, _ in calls]
    assert all(b >= a for a, b in zip(done, done[1:])), calls
    total = calls[-1][1]
    assert calls[-1] == (total, total) and total > 0
    assert all(t == total for _, t in calls)


def test_progress_callbacks(tmp_path):
    rng = np.random.default_rng(6)
    X = np.column_stack([np.ones(40), rng.standard_normal(40)])
    Y = rng.standard_normal((40, 300))
    calls = []
    algia.permutation_test(X, Y, [0, 1.0], permutations=3000, seed=1, threads=1,
                           progress=lambda d, t: calls.append((d, t)))
    _check_progress(calls)
    assert calls[-1][1] == 3000
    calls = []
    x = rng.standard_normal(50)
    algia.mediate(x, x + rng.standard_normal(50), rng.standard_normal(50), boot=500, ci="percentile", seed=1,
                  progress=lambda d, t: calls.append((d, t)))
    _check_progress(calls)
    assert calls[-1][1] == 500
    img, events, conf = _glm_inputs(tmp_path)
    calls = []
    _first_level(img, events, {"a": "a"}, t_r=2, progress=lambda d, t: calls.append((d, t)))
    _check_progress(calls)
    paths = _score_inputs(tmp_path)
    calls = []
    algia.score([str(p) for p in paths] * 3, {"A": tmp_path / "w1.nii.gz"}, progress=lambda d, t: calls.append((d, t)))
    _check_progress(calls)
    assert calls[-1][1] == 6
    bold_path, _ = _extract_inputs(tmp_path / "e")
    calls = []
    algia.extract(bold_path, atlas=tmp_path / "e" / "atlas.nii.gz", progress=lambda d, t: calls.append((d, t)))
    _check_progress(calls)
    assert calls[-1][1] == 41


def test_exception_in_progress_callback_cancels_the_call():
    import time
    rng = np.random.default_rng(7)
    X = np.column_stack([np.ones(40), rng.standard_normal(40)])
    Y = rng.standard_normal((40, 2000))

    class Stop(Exception):
        pass

    def stop(done, total):
        if done > 0:
            raise Stop("enough")

    t0 = time.monotonic()
    with pytest.raises(Stop, match="enough"):
        algia.permutation_test(X, Y, [0, 1.0], permutations=200000, seed=1, threads=1, progress=stop)
    assert time.monotonic() - t0 < 5.0
    with pytest.raises(algia.AlgiaError, match="callable"):
        algia.permutation_test(X, Y[:, :2], [0, 1.0], permutations=10, progress=3)
    # The module still works afterwards.
    assert algia.permutation_test(X, Y[:, :3], [0, 1.0], permutations=99, seed=1)["permutations"] == 99


# ---- docstrings from the CLI's help -------------------------------------------------------------

def _cli_help(*cmd):
    return subprocess.run([ALGIA, *cmd, "--help"], capture_output=True, text=True).stdout


def test_docstrings_come_from_the_cli_help():
    noise = json.loads(subprocess.run([ALGIA, "--help-json"], capture_output=True, text=True, check=True).stdout)
    glm = noise["subcommands"]["glm"]
    desc = next(o["description"] for o in glm["options"] if o["name"] == "--noise")
    assert desc in _cli_help("glm")  # the same text --help prints
    assert desc in algia.first_level.__doc__
    assert "--noise" in algia.first_level.__doc__ and "--noise" in algia.FirstLevelModel.__doc__
    extract = noise["subcommands"]["extract"]
    desc = next(o["description"] for o in extract["options"] if o["name"] == "--strategy")
    assert desc in algia.extract.__doc__ and desc in _cli_help("extract")
    lmm = noise["subcommands"]["trial"]["subcommands"]["lmm"]
    desc = next(o["description"] for o in lmm["options"] if o["name"] == "--formula")
    assert desc in algia.lmm.__doc__
    for f in (algia.score, algia.permutation_test, algia.mediate, algia.connectivity, algia.clean,
              algia.LabelsMasker, algia.Mediation, algia.PermutationTest, algia.ConnectivityMeasure):
        assert "descriptions from `algia" in f.__doc__, f


@pytest.mark.parametrize("mode,noise,hrf", [("lsa", "ols", "glover"), ("lss", "ar1", "glover"),
                                            ("lss", "ols", "spm + derivative")])
def test_first_level_single_trial_matches_cli(tmp_path, mode, noise, hrf):
    img, events, conf = _glm_inputs(tmp_path)
    (tmp_path / "res").mkdir()
    run_cli("glm", "--mask", "nonzero", tmp_path / "run_bold.nii.gz", "--events", tmp_path / "run_events.tsv", "--t-r", 2, "--noise", noise,
            "--hrf", hrf, "--no-modulators", "--single-trial", mode, "--prefix", "x", "--out", tmp_path / "res")
    res = _first_level(img, events, {}, t_r=2, noise=noise, hrf=hrf, modulators=False, single_trial=mode)
    st = res["_single_trial"]
    cli = _cli_map(tmp_path / "res" / f"x_desc-{mode}_betas.nii.gz")
    assert st["betas"].shape == cli.shape and cli.shape[3] == len(events)
    np.testing.assert_array_equal(np.asarray(st["betas"].dataobj), cli)
    header, rows = read_tsv(tmp_path / "res" / f"x_desc-{mode}_trials.tsv")
    assert list(st["trials"].columns) == header
    assert list(st["trials"]["trial"]) == [r[2] for r in rows]
    np.testing.assert_array_equal(st["trials"]["onset"].to_numpy(), num([r[4] for r in rows]))


@pytest.mark.parametrize("noise,single_trial", [("ar1", None), ("ols", "lss")])
def test_first_level_sample_masks_match_cli(tmp_path, noise, single_trial):
    # Censoring from Python (nilearn's sample_masks: indices or booleans) = `algia glm --sample-mask`.
    img, events, conf = _glm_inputs(tmp_path)
    n = img.shape[3]
    keep = np.ones(n, dtype=bool)
    keep[[0, 1, 17, 18, 19, 40]] = False
    pd.DataFrame({"kept": keep.astype(int)}).to_csv(tmp_path / "mask.tsv", sep="\t", index=False)
    (tmp_path / "res").mkdir()
    extra = ["--single-trial", single_trial] if single_trial else []
    run_cli("glm", "--mask", "nonzero", tmp_path / "run_bold.nii.gz", "--events", tmp_path / "run_events.tsv", "--confounds",
            tmp_path / "run_conf.tsv", "--strategy", "none", "--confound-columns", "c1", "c2", "--t-r", 2, "--noise", noise,
            "--sample-mask", tmp_path / "mask.tsv", "--contrast", "ab=a - b", "--prefix", "x", "--out", tmp_path / "res", *extra)
    by_index = _first_level(img, events, {"ab": "a - b"}, confounds=conf, t_r=2.0, noise=noise, single_trial=single_trial,
                            sample_masks=np.flatnonzero(keep))
    by_bool = _first_level([img], [events], {"ab": "a - b"}, confounds=[conf], t_r=2.0, noise=noise, single_trial=single_trial,
                           sample_masks=[keep])
    plain = _first_level(img, events, {"ab": "a - b"}, confounds=conf, t_r=2.0, noise=noise)
    for stat in ("effect", "variance", "t", "z", "p"):
        cli = _cli_map(tmp_path / "res" / f"x_contrast-ab_stat-{stat}_statmap.nii.gz")
        np.testing.assert_array_equal(np.asarray(by_index["ab"][stat].dataobj), cli, err_msg=stat)
        np.testing.assert_array_equal(np.asarray(by_bool["ab"][stat].dataobj), cli, err_msg=stat)
    assert not np.array_equal(np.asarray(plain["ab"]["z"].dataobj), np.asarray(by_index["ab"]["z"].dataobj))
    assert len(by_index["_designs"][0]) == keep.sum()
    header, rows = read_tsv(tmp_path / "res" / "run_design.tsv")
    np.testing.assert_array_equal(by_index["_designs"][0].to_numpy(), np.array([[float(c) for c in r] for r in rows]))
    if single_trial:
        np.testing.assert_array_equal(np.asarray(by_index["_single_trial"]["betas"].dataobj),
                                      _cli_map(tmp_path / "res" / f"x_desc-{single_trial}_betas.nii.gz"))
    model = _FirstLevelModel(t_r=2.0, noise_model=noise).fit(img, events, confounds=conf, sample_masks=keep)
    np.testing.assert_array_equal(np.asarray(model.compute_contrast("a - b").dataobj),
                                  _cli_map(tmp_path / "res" / "x_contrast-ab_stat-z_statmap.nii.gz"))


def test_first_level_sample_mask_errors(tmp_path):
    img, events, conf = _glm_inputs(tmp_path)
    n = img.shape[3]
    with pytest.raises(algia.AlgiaError, match="outside 0"):
        _first_level(img, events, {"ab": "a - b"}, t_r=2.0, sample_masks=np.array([0, 5, n]))
    with pytest.raises(algia.AlgiaError, match="increasing order"):
        _first_level(img, events, {"ab": "a - b"}, t_r=2.0, sample_masks=np.array([3, 2, 10]))
    with pytest.raises(algia.AlgiaError, match=f"{n - 1} booleans for {n} volumes"):
        _first_level(img, events, {"ab": "a - b"}, t_r=2.0, sample_masks=np.ones(n - 1, dtype=bool))
    with pytest.raises(algia.AlgiaError, match="volumes are kept after censoring, but the design has"):
        _first_level(img, events, {"ab": "a - b"}, t_r=2.0, sample_masks=np.arange(4))
    with pytest.raises(algia.AlgiaError, match="1 runs but 2 sample masks"):
        _first_level(img, events, {"ab": "a - b"}, t_r=2.0, sample_masks=[None, None])
