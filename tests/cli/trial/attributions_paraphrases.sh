# Intent: the shipped codebook on 34 paraphrased causes (not the simulator's phrases) hand-coded into
# the 12 categories. Written before the codebook saw them, it agreed on 23/34 (kappa 0.654); the
# codebook was then extended with the missed phrasings (slipped, playing sports, pressure, caring for,
# parents had, not young, never warmed up, ...), so this is now a regression check: every category
# agrees and kappa = 1.
cat > "$OUT/p.tsv" <<'TSV'
participant_id	cause	ref
p01	I hurt my back moving furniture	injury
p02	slipped on wet stairs	injury
p03	whiplash from a rear-end collision	injury
p04	years of playing football	activity
p05	overdoing it at the gym	activity
p06	heavy manual labour in my job	activity
p07	bulging discs in my lower back	spinal condition
p08	spinal stenosis	spinal condition
p09	sciatica	spinal condition
p10	muscle spasms	physiology
p11	my pelvis is out of alignment	physiology
p12	inflamed joints	physiology
p13	my mother had the same back problems	hereditary
p14	bad genetics	hereditary
p15	pressure at my job	stress
p16	a very stressful year	stress
p17	caring for my sick father	stress
p18	too much time on the couch	sedentary
p19	I don't move enough	sedentary
p20	desk job	sedentary
p21	I'm not young anymore	age
p22	aging	age
p23	I never warmed up before running	negligence
p24	ignoring the early warning signs	negligence
p25	being overweight	negligence
p26	I was depressed for years	psychological
p27	bottled up anger	psychological
p28	childhood trauma	psychological
p29	my nervous system is on high alert	brain
p30	the brain keeps sending pain signals	brain
p31	central sensitization	brain
p32	just bad luck	other
p33	cold damp weather	other
p34	nobody knows	other
TSV
mkdir -p "$OUT/o"
"$ALGIA" trial attributions --table "$OUT/p.tsv" --column cause --reference ref --out "$OUT/o"
cat "$OUT/o/agreement.tsv"
grep -P '^all \(Cohen'"'"'s kappa\)\t34\t34\t34\t1\t1$' "$OUT/o/agreement.tsv"
[ "$(wc -l < "$OUT/o/uncoded.tsv")" -eq 1 ]
