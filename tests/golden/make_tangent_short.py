#!/usr/bin/python3
"""nilearn 0.10.3 ConnectivityMeasure(kind='tangent') on series with fewer time points than
regions: the nitime resting-state ROI series (fmri/nitime/fmri_timeseries.csv, 250 x 31) cut into
6 "subjects" of 20 rows (20 < 31 regions, Ledoit-Wolf, nilearn defaults). algia whitens such
covariances from their factors (scale X'X + ridge I), not from the assembled matrix, so this case
checks that path; the 50-row cases of make_signal_golden.py check the other.

Writes tests/fixtures/signal/tangent_short_sub<i>.tsv and tangent_short_mean.tsv (header = ROI
names, floats as repr()); and tangent_mixed_sub<i>.tsv / tangent_mixed_mean.tsv for 4 subjects of
20, 50, 25 and 40 rows (rows 0-19, 20-69, 70-94, 95-134): factored and assembled covariances in one
group.

    PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 tests/golden/make_tangent_short.py [DATA_DIR]
"""
import os
import sys
import warnings

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")
from nilearn.connectome import ConnectivityMeasure  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "..", "shared", "data")
out = os.path.join(here, "..", "fixtures", "signal")
series = pd.read_csv(os.path.join(data, "fmri", "nitime", "fmri_timeseries.csv"))
names = list(series.columns)
x = series.to_numpy(dtype=float)
subjects = [x[20 * s: 20 * (s + 1)] for s in range(6)]
cm = ConnectivityMeasure(kind="tangent")
mats = cm.fit_transform(subjects)


def write(name, m):
    with open(os.path.join(out, name), "w") as f:
        f.write("\t".join(names) + "\n")
        for row in m:
            f.write("\t".join(repr(float(v)) for v in row) + "\n")


for s, m in enumerate(mats):
    write(f"tangent_short_sub{s}.tsv", m)
write("tangent_short_mean.tsv", cm.mean_)
mixed = [x[0:20], x[20:70], x[70:95], x[95:135]]
cm_mixed = ConnectivityMeasure(kind="tangent")
mats_mixed = cm_mixed.fit_transform(mixed)
for s, m in enumerate(mats_mixed):
    write(f"tangent_mixed_sub{s}.tsv", m)
write("tangent_mixed_mean.tsv", cm_mixed.mean_)
print("wrote", len(mats) + len(mats_mixed) + 2, "files to", out)
