"""The peer of bench/mediate.sh: voxelwise mediation bootstrap written as one would in numpy —
for each resample, gather the rows and compute a (M ~ X) and b (Y ~ M + X) for every voxel at once
with residualized inner products; percentile p = 2 min(#ab* <= 0, #ab* >= 0) / B. Prints the time
and the mean absolute difference of its p map from algia's. Usage: mediate_peer.py WORK B"""
import sys, time, glob
import numpy as np
import nibabel as nib

work, B = sys.argv[1], int(sys.argv[2])
files = [l.strip() for l in open(f"{work}/list.txt") if l.strip()]
beh = np.loadtxt(f"{work}/beh.tsv", skiprows=1)
t = time.perf_counter()
vols = np.stack([np.asarray(nib.load(f).dataobj, dtype=np.float64).reshape(nib.load(f).shape[:3]) for f in files])
valid = np.all(np.isfinite(vols) & (vols != 0), axis=0)
M = vols[:, valid]
x, y = beh[:, 0], beh[:, 1]
n = len(x)
rng = np.random.default_rng(1)
le = np.zeros(M.shape[1]); ge = np.zeros(M.shape[1])
for r in range(B):
    i = rng.integers(0, n, n)
    xb, yb, Mb = x[i], y[i], M[i]
    xc = xb - xb.mean(); yc = yb - yb.mean(); Mc = Mb - Mb.mean(0)
    sxx = xc @ xc
    a = (xc @ Mc) / sxx
    rM = Mc - np.outer(xc, a)
    ry = yc - xc * ((xc @ yc) / sxx)
    b = (ry @ rM) / np.einsum("ij,ij->j", rM, rM)
    ab = a * b
    le += ab <= 0; ge += ab >= 0
p = np.maximum(2 * np.minimum(le, ge) / B, 1 / B)
elapsed = time.perf_counter() - t
alg = np.asarray(nib.load(f"{work}/fixed/mediation_path-ab_stat-pboot.nii.gz").dataobj).reshape(valid.shape)[valid]
print(f"{elapsed:.3f} {np.mean(np.abs(alg - p)):.4f}")
