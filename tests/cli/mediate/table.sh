# Intent: `algia mediate` on a table gives the paths, SEs and indirect effects of the numpy/lavaan
# reference (fixtures/mediation, 1e-9), leaves out incomplete rows and says how many, is identical
# on 1 and 2 threads, and runs parallel and serial models with every CI method.
needs_nibabel
F="$FIXTURES/mediation"
"$ALGIA" --nprocs 1 mediate --table "$F/single.tsv" --x x --m m --y y --covariate age --boot 2000 --seed 4 \
  --out "$OUT/single.tsv" 2> "$OUT/stderr1"
grep -q "3 of 150 rows" "$OUT/stderr1"
"$ALGIA" --nprocs 2 mediate --table "$F/single.tsv" --x x --m m --y y --covariate age --boot 2000 --seed 4 \
  --out "$OUT/single2.tsv" 2>/dev/null
cmp "$OUT/single.tsv" "$OUT/single2.tsv"
"$ALGIA" mediate --table "$F/parallel.tsv" --x x --m m1 --m m2 --y y --covariate age --boot 500 --ci bc --out "$OUT/parallel.tsv"
"$ALGIA" mediate --table "$F/serial.tsv" --x x --m m1 --m m2 --serial --y y --boot 500 --ci percentile --out "$OUT/serial.tsv"
"$PYTHON" - "$OUT" "$F" <<'PY'
import sys, csv
out, fx = sys.argv[1], sys.argv[2]
def rows(p): return list(csv.DictReader(open(p), delimiter="\t"))
for name in ("single", "parallel", "serial"):
    got, ref = rows(f"{out}/{name}.tsv"), rows(f"{fx}/{name}_paths.tsv")
    assert [r["path"] for r in got][-1] == "pm"
    for g, r in zip(got, ref):
        for k in ("estimate", "se"):
            a, b = float(g[k]), float(r[k])
            assert abs(a - b) <= 1e-9 * max(1, abs(b)), (name, g["path"], k, a, b)
        lo, hi = float(g["ci_low"]), float(g["ci_high"])
        assert lo < float(g["estimate"]) < hi, (name, g)
        assert 0 < float(g["p"]) <= 1
    assert int(got[0]["n"]) == int(ref[0]["n"])
print("table mediation equals the numpy/lavaan reference")
PY
