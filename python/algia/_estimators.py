"""Estimator classes in nilearn's (scikit-learn's) style over algia's functions.

``__init__`` only stores its parameters; ``fit`` learns attributes whose names end in ``_``;
``get_params`` / ``set_params`` work as in scikit-learn (so ``sklearn.base.clone`` works).
Each class gives the same numbers as the function it wraps.
"""
import inspect

import numpy as np

import algia


class _Estimator:
    """get_params / set_params from the __init__ signature (scikit-learn's convention)."""

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD]

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for k, v in params.items():
            if k not in valid:
                raise ValueError(f"{type(self).__name__}: invalid parameter {k!r} (valid: {', '.join(valid)})")
            setattr(self, k, v)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_fitted(self, attr):
        if not hasattr(self, attr):
            raise algia.AlgiaError(f"this {type(self).__name__} is not fitted yet. Fix: call fit() first")


class FirstLevelModel(_Estimator):
    """First-level GLM of task runs, as nilearn's ``FirstLevelModel`` (``algia.first_level``).

    ``fit(run_imgs, events, confounds=None, sample_masks=None)`` builds each run's design matrix (the
    rows of censored volumes dropped, as ``algia.first_level``) and fits the model
    (OLS or AR(1)); ``compute_contrast(contrast_def, stat_type=None, output_type='z_score')``
    returns a Nifti1Image ('z_score', 'stat', 'p_value', 'effect_size', 'effect_variance') or,
    with output_type='all', a dict of them. Learned: ``design_matrices_`` (DataFrames),
    ``n_voxels_``, ``affine_``. confound_strategy selects fMRIPrep confounds when confounds are
    TSV paths. n_jobs: threads (0 = all cores)."""

    def __init__(self, t_r=None, slice_time_ref=None, hrf_model="glover", drift_model="cosine", high_pass=0.01,
                 drift_order=1, fir_delays=(0,), noise_model="ar1", smoothing_fwhm=None, mask_img=None,
                 confound_strategy="6p", confound_columns=(), modulators=True, n_jobs=0, progress=None):
        self.t_r = t_r
        self.slice_time_ref = slice_time_ref
        self.hrf_model = hrf_model
        self.drift_model = drift_model
        self.high_pass = high_pass
        self.drift_order = drift_order
        self.fir_delays = fir_delays
        self.noise_model = noise_model
        self.smoothing_fwhm = smoothing_fwhm
        self.mask_img = mask_img
        self.confound_strategy = confound_strategy
        self.confound_columns = confound_columns
        self.modulators = modulators
        self.n_jobs = n_jobs
        self.progress = progress

    def fit(self, run_imgs, events, confounds=None, sample_masks=None):
        fit, affine = algia._first_level_fit(
            run_imgs, events, confounds, self.confound_strategy, self.confound_columns, self.mask_img, self.t_r,
            self.slice_time_ref, self.hrf_model, self.fir_delays, self.drift_model if self.drift_model else "none",
            self.high_pass, self.drift_order, self.noise_model, self.smoothing_fwhm or 0.0, self.modulators,
            self.n_jobs, self.progress, sample_masks=sample_masks)
        self._fit = fit
        self.affine_ = affine
        self.design_matrices_ = algia._design_frames(fit.designs)
        self.n_voxels_ = fit.n_voxels
        return self

    _OUTPUTS = {"z_score": "z", "p_value": "p", "effect_size": "effect", "effect_variance": "variance"}

    def compute_contrast(self, contrast_def, stat_type=None, output_type="z_score"):
        self._check_fitted("_fit")
        if not isinstance(contrast_def, str):  # a weight vector, as nilearn accepts
            contrast_def = "[" + ", ".join(repr(float(v)) for v in np.ravel(contrast_def)) + "]"
        if stat_type == "F" and ";" not in contrast_def:
            raise algia.AlgiaError("stat_type='F' needs an F contrast: rows separated by ';'")
        maps = algia._contrast_maps(self._fit, contrast_def, self.affine_)
        if stat_type == "t" and "t" not in maps:
            raise algia.AlgiaError(f"contrast {contrast_def!r} is an F contrast, not a t contrast")
        if output_type == "all":
            return maps
        if output_type == "stat":
            return maps["t"] if "t" in maps else maps["F"]
        if output_type not in self._OUTPUTS:
            raise algia.AlgiaError(f"unknown output_type {output_type!r}: use 'z_score', 'stat', 'p_value', "
                                   "'effect_size', 'effect_variance' or 'all'")
        key = self._OUTPUTS[output_type]
        if key not in maps:
            raise algia.AlgiaError(f"no {output_type} map for an F contrast")
        return maps[key]


class LabelsMasker(_Estimator):
    """Region time series within the labels of an atlas, as nilearn's ``NiftiLabelsMasker``
    (strategy 'mean', resampling to the data), cleaned as ``algia.extract`` cleans them.

    ``fit()`` checks and keeps the atlas (``labels_img_``); ``transform(imgs, confounds=None)``
    returns an array (kept volumes x regions) and sets ``region_ids_``, ``region_names_``,
    ``missing_labels_`` and ``outliers_``. confounds: an fMRIPrep TSV (selected by
    ``confound_strategy``) or an array used as given."""

    def __init__(self, labels_img, labels=None, mask_img=None, standardize="zscore", detrend=True, low_pass=None,
                 high_pass=None, t_r=None, filter="butterworth", confound_strategy="none", confound_columns=(),
                 scrub_fd=None, scrub_dvars=None, n_jobs=0, progress=None):
        self.labels_img = labels_img
        self.labels = labels
        self.mask_img = mask_img
        self.standardize = standardize
        self.detrend = detrend
        self.low_pass = low_pass
        self.high_pass = high_pass
        self.t_r = t_r
        self.filter = filter
        self.confound_strategy = confound_strategy
        self.confound_columns = confound_columns
        self.scrub_fd = scrub_fd
        self.scrub_dvars = scrub_dvars
        self.n_jobs = n_jobs
        self.progress = progress

    def fit(self, imgs=None, y=None):
        img = algia._image(self.labels_img, "labels_img")
        data = np.asarray(img.data)
        if data.ndim != 3:
            raise algia.AlgiaError("labels_img must be a 3D label image")
        self.labels_img_ = (img.data, img.affine)
        return self

    def transform(self, imgs, confounds=None):
        self._check_fitted("labels_img_")
        std = self.standardize
        std = "zscore" if std is True else ("none" if std in (False, None) else std)
        df = algia.extract(imgs, atlas=self.labels_img_, mask=self.mask_img, labels=self.labels, confounds=confounds,
                           strategy=self.confound_strategy, confound_columns=self.confound_columns,
                           scrub_fd=self.scrub_fd, scrub_dvars=self.scrub_dvars, high_pass=self.high_pass,
                           low_pass=self.low_pass, filter=self.filter, detrend=self.detrend, standardize=std,
                           t_r=self.t_r, threads=self.n_jobs, progress=self.progress)
        self.region_ids_ = list(df.attrs["labels"])
        self.region_names_ = list(df.columns)
        self.missing_labels_ = list(df.attrs["missing"])
        self.outliers_ = df.attrs["outliers"]
        return df.to_numpy()

    def fit_transform(self, imgs, y=None, confounds=None):
        return self.fit(imgs).transform(imgs, confounds=confounds)


class ConnectivityMeasure(_Estimator):
    """Connectivity matrices of a group, as nilearn's ``ConnectivityMeasure``
    (``algia.connectivity``): kind 'covariance', 'correlation', 'partial correlation',
    'precision' or 'tangent'; cov_estimator 'ledoit-wolf' or 'empirical'.

    ``fit(X)`` (X: list of time x regions arrays) learns ``mean_`` (the geometric mean for
    'tangent') and ``connectivities_``; ``fit_transform(X)`` returns the matrices as an array
    (subjects x regions x regions). ``transform(X)`` of other subjects works for every kind but
    'tangent' (whose reference is the fitted group's mean, which algia computes in one step:
    use fit_transform on the whole group)."""

    def __init__(self, kind="correlation", cov_estimator="ledoit-wolf", n_jobs=0):
        self.kind = kind
        self.cov_estimator = cov_estimator
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        mats, mean = algia.connectivity([np.asarray(x, dtype=float) for x in X], kind=self.kind,
                                        estimator=self.cov_estimator, threads=self.n_jobs)
        self.connectivities_ = mats  # already one (subjects x regions x regions) array
        self.mean_ = mean
        self.n_subjects_ = len(mats)
        return self

    def fit_transform(self, X, y=None):
        return self.fit(X).connectivities_

    def transform(self, X):
        self._check_fitted("mean_")
        if self.kind == "tangent":
            raise algia.AlgiaError("ConnectivityMeasure(kind='tangent').transform of new subjects is not supported. "
                                   "Fix: call fit_transform on the whole group")
        mats, _ = algia.connectivity([np.asarray(x, dtype=float) for x in X], kind=self.kind,
                                     estimator=self.cov_estimator, threads=self.n_jobs)
        return mats


class Mediation(_Estimator):
    """Mediation X -> M -> Y with bootstrap intervals (``algia.mediate``).

    ``fit(x, m, y, covariates=None)`` learns ``results_`` (a DataFrame: one row per path, the
    columns of ``algia mediate --table``), ``indirect_`` (the estimate of the first indirect path)
    and ``paths_`` (path -> estimate)."""

    def __init__(self, boot=10000, ci="bca", seed=0, alpha=0.05, serial=False, mediator_names=(), n_jobs=0,
                 progress=None):
        self.boot = boot
        self.ci = ci
        self.seed = seed
        self.alpha = alpha
        self.serial = serial
        self.mediator_names = mediator_names
        self.n_jobs = n_jobs
        self.progress = progress

    def fit(self, x, m, y, covariates=None):
        import pandas as pd
        r = algia.mediate(x, m, y, covariates=covariates, boot=self.boot, ci=self.ci, seed=self.seed,
                          alpha=self.alpha, serial=self.serial, mediator_names=self.mediator_names,
                          threads=self.n_jobs, progress=self.progress)
        self.results_ = pd.DataFrame(r)
        self.paths_ = dict(zip(r["path"], r["estimate"]))
        ind = [i for i, p in enumerate(r["path"]) if p.startswith("indirect")]
        self.indirect_ = r["estimate"][ind[0]] if ind else float("nan")
        return self


class PermutationTest(_Estimator):
    """Mass-univariate GLM with permutation p-values (``algia.permutation_test``): sign flips
    for a one-sample design, else Freedman-Lane; FWE from the maximum t.

    ``fit(X, Y, contrast)`` learns ``effect_``, ``variance_``, ``t_``, ``df_``,
    ``p_uncorrected_``, ``p_fwe_``, ``null_max_t_``, ``permutations_``."""

    def __init__(self, permutations=5000, seed=0, two_sided=False, n_jobs=0, progress=None):
        self.permutations = permutations
        self.seed = seed
        self.two_sided = two_sided
        self.n_jobs = n_jobs
        self.progress = progress

    def fit(self, X, Y, contrast):
        r = algia.permutation_test(np.asarray(X, dtype=float), np.asarray(Y, dtype=float),
                                   np.asarray(contrast, dtype=float), permutations=self.permutations, seed=self.seed,
                                   two_sided=self.two_sided, threads=self.n_jobs, progress=self.progress)
        for k in ("effect", "variance", "t", "df", "p_uncorrected", "p_fwe", "null_max_t", "permutations"):
            setattr(self, k + "_", np.asarray(r[k]) if k not in ("df", "permutations") else r[k])
        return self
