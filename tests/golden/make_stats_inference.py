#!/usr/bin/python3
"""Brute-force references for algia stats' F-contrast cluster inference and
the two-sided network-based statistic (numpy + scipy only, no algia code).

F clusters (fclust_*.tsv): simulated smooth data on a 9 x 8 x 7 grid with 12
voxels left out of the mask, 18 participants in three arms (a, b, c: 6 each,
interleaved) with an age covariate; arm c has an effect in a blob. Design
[intercept, arm b, arm c, age], F contrast rows (arm b; arm c): F of every
voxel (numpy lstsq), cluster-forming threshold scipy.stats.f.isf(0.01, 2, 14),
clusters = scipy.ndimage.label of (F > threshold) inside the mask with
generate_binary_structure(3, 1) (6-connectivity) and (3, 3) (26); size in
voxels, mass = sum(F - threshold). Null: 150 random row permutations
(numpy RandomState(3).permutation), Freedman-Lane: y* = Hz y + (I - Hz) y
[perm] with Z = [intercept, age] (the design with the contrast's space
removed), F recomputed on the full design; the largest cluster size and mass
of each permutation.
  fclust_data.tsv      voxel index (x + 9 (y + 8 z)) then one column per
                       participant (rows: voxels in the mask)
  fclust_design.tsv    arm, age
  fclust_perms.tsv     per permutation the source row of each observation
  fclust_observed.tsv  connectivity, size, mass, peak voxel index, peak F
                       (clusters by decreasing peak F)
  fclust_null.tsv      perm, max size and mass for 6 and 26 connectivity

Two-sided NBS (nbs2_*.tsv): 20 participants, 24 nodes, 276 edges (upper
triangle, row-major), +0.9 SD on the edges among nodes 0-5 and -0.9 SD among
nodes 12-17; one-sample t; components of the edges with t > 3 and,
separately, of those with t < -3 (scipy.sparse.csgraph.connected_components);
extent = edges, intensity = sum(|t| - 3); 300 sign-flip patterns
(RandomState(9)); null = the largest component of either sign.
  nbs2_data.tsv, nbs2_flips.tsv, nbs2_components.tsv (sign, n_edges,
  n_nodes, intensity, first_edge), nbs2_null.tsv (max_extent, max_intensity)

Run:  /usr/bin/python3 <repo>/tests/golden/make_stats_inference.py
(a few seconds; numpy 1.24.2, scipy 1.10.1).
"""
from pathlib import Path

import numpy as np
from scipy import ndimage, stats
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fixtures" / "stats_more"


def f_map(x, c, y):
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    rss = np.sum((y - x @ beta) ** 2, 0)
    df2 = x.shape[0] - x.shape[1]
    cb = c @ beta
    m = np.linalg.inv(c @ np.linalg.inv(x.T @ x) @ c.T)
    num = np.einsum("iv,ij,jv->v", cb, m, cb) / c.shape[0]
    return num / (rss / df2)


def clusters(f3, mask, thr, conn):
    lab, n = ndimage.label((f3 > thr) & mask, ndimage.generate_binary_structure(3, 1 if conn == 6 else 3))
    out = []
    for k in range(1, n + 1):
        sel = lab == k
        vals = f3[sel]
        idx = np.flatnonzero(sel.ravel(order="F"))
        fv = f3.ravel(order="F")[idx]
        peak = int(idx[np.argmax(fv)])
        out.append((int(sel.sum()), float(np.sum(vals - thr)), peak, float(fv.max())))
    return out


def f_clusters():
    dims = (9, 8, 7)
    rng = np.random.RandomState(21)
    mask = np.ones(dims, bool)
    holes = rng.choice(mask.size, 12, replace=False)
    mask.ravel(order="F")[holes] = False
    n = 18
    arm = np.array(["abc"[i % 3] for i in range(n)])
    age = np.round(40 + 10 * rng.standard_normal(n), 3)
    x = np.column_stack([np.ones(n), arm == "b", arm == "c", age]).astype(float)
    c = np.array([[0.0, 1, 0, 0], [0, 0, 1, 0]])
    vol = rng.standard_normal((n,) + dims)
    vol = ndimage.uniform_filter(vol, size=(1, 3, 3, 3), mode="constant") * 3
    blob = np.zeros(dims)
    blob[2:5, 2:5, 1:4] = 1.2
    vol += (arm == "c")[:, None, None, None] * blob + 0.01 * age[:, None, None, None]
    vox = np.flatnonzero(mask.ravel(order="F"))
    y = np.stack([v.ravel(order="F")[vox] for v in vol])  # n x V
    thr = float(stats.f.isf(0.01, 2, n - 4))

    def to3d(vals):
        full = np.zeros(int(np.prod(dims)))
        full[vox] = vals
        return full.reshape(dims, order="F")

    f_obs = f_map(x, c, y)
    z = x[:, [0, 3]]
    fitted = z @ np.linalg.lstsq(z, y, rcond=None)[0]
    resid = y - fitted
    prs = np.random.RandomState(3)
    perms = [prs.permutation(n) for _ in range(150)]
    null = []
    for p in perms:
        f3 = to3d(f_map(x, c, fitted + resid[p]))
        row = []
        for conn in (6, 26):
            cl = clusters(f3, mask, thr, conn)
            row += [max([a[0] for a in cl], default=0), max([a[1] for a in cl], default=0.0)]
        null.append(row)
    (OUT / "fclust_data.tsv").write_text("\n".join(
        ["voxel\t" + "\t".join(f"s{i:02d}" for i in range(n))] +
        [f"{v}\t" + "\t".join(repr(float(a)) for a in y[:, j]) for j, v in enumerate(vox)]) + "\n")
    (OUT / "fclust_design.tsv").write_text("\n".join(
        ["arm\tage"] + [f"{a}\t{g!r}" for a, g in zip(arm, age)]) + "\n")
    (OUT / "fclust_perms.tsv").write_text("\n".join(
        ["perm\t" + "\t".join(f"o{i:02d}" for i in range(n))] +
        [f"{k + 1}\t" + "\t".join(str(int(v)) for v in p) for k, p in enumerate(perms)]) + "\n")
    lines = ["connectivity\tsize\tmass\tpeak_voxel\tpeak_F\tthreshold_F"]
    for conn in (6, 26):
        for s, m, pk, pf in sorted(clusters(to3d(f_obs), mask, thr, conn), key=lambda a: -a[3]):
            lines.append(f"{conn}\t{s}\t{m!r}\t{pk}\t{pf!r}\t{thr!r}")
    (OUT / "fclust_observed.tsv").write_text("\n".join(lines) + "\n")
    (OUT / "fclust_null.tsv").write_text("\n".join(
        ["perm\tmax_size_6\tmax_mass_6\tmax_size_26\tmax_mass_26"] +
        [f"{k + 1}\t{r[0]}\t{r[1]!r}\t{r[2]}\t{r[3]!r}" for k, r in enumerate(null)]) + "\n")


def nbs_two_sided():
    n, nodes, thr = 20, 24, 3.0
    rng = np.random.RandomState(12)
    edges = list(zip(*np.triu_indices(nodes, 1)))
    y = rng.standard_normal((n, len(edges)))
    for e, (a, b) in enumerate(edges):
        if a < 6 and b < 6:
            y[:, e] += 0.9
        if 12 <= a < 18 and 12 <= b < 18:
            y[:, e] -= 0.9
    flips = np.random.RandomState(9).randint(2, size=(300, n)) * 2 - 1

    def tvals(data):
        return data.mean(0) / (data.std(0, ddof=1) / np.sqrt(n))

    def components(t):
        out = []
        for sign in (1, -1):
            sup = np.flatnonzero(sign * t > thr)
            if sup.size == 0:
                continue
            a = np.array([edges[e][0] for e in sup])
            b = np.array([edges[e][1] for e in sup])
            _, lab = connected_components(coo_matrix((np.ones(sup.size), (a, b)), shape=(nodes, nodes)), directed=False)
            for c in np.unique(lab[a]):
                es = sup[lab[a] == c]
                ns = set(a[lab[a] == c]) | set(b[lab[a] == c])
                out.append((sign, len(es), len(ns), float(np.sum(sign * t[es] - thr)), int(es[0])))
        return out

    t = tvals(y)
    (OUT / "nbs2_data.tsv").write_text("\n".join(
        ["\t".join(f"e{e}" for e in range(len(edges)))] +
        ["\t".join(repr(float(v)) for v in row) for row in y]) + "\n")
    (OUT / "nbs2_flips.tsv").write_text("\n".join(
        ["perm\t" + "\t".join(f"s{i:02d}" for i in range(1, n + 1))] +
        [f"{k + 1}\t" + "\t".join(str(int(v)) for v in f) for k, f in enumerate(flips)]) + "\n")
    lines = ["sign\tn_edges\tn_nodes\tintensity\tfirst_edge"]
    for c in sorted(components(t), key=lambda c: (-c[1], -c[0], c[4])):
        lines.append(f"{c[0]}\t{c[1]}\t{c[2]}\t{c[3]!r}\t{c[4]}")
    (OUT / "nbs2_components.tsv").write_text("\n".join(lines) + "\n")
    lines = ["perm\tmax_extent\tmax_intensity"]
    for k, f in enumerate(flips):
        comps = components(tvals(y * f[:, None]))
        lines.append(f"{k + 1}\t{max([c[1] for c in comps], default=0)}\t{max([c[3] for c in comps], default=0.0)!r}")
    (OUT / "nbs2_null.tsv").write_text("\n".join(lines) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    f_clusters()
    nbs_two_sided()


if __name__ == "__main__":
    main()
