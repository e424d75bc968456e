#!/bin/sh
# Regenerates the pictures of docs/factorize.md with the `ferroflux` command
# and prints the summaries that the page quotes. Run from the repository root:
#     sh docs/img/make-pictures.sh
# The report folders go to a temporary folder; only the pictures the page
# shows are copied into docs/img/.
set -eu

cargo build --release -p ferroflux-cli
ferroflux=target/release/ferroflux
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    ferroflux="$CARGO_TARGET_DIR/release/ferroflux"
fi
data=crates/factorize/data
work=$(mktemp -d)
img=docs/img

echo "== the Flux example's synthetic problem"
"$ferroflux" factorize --out "$work/synthetic"
cp "$work/synthetic/weights.png" "$img/synthetic-weights.png"
cp "$work/synthetic/weights_seed_objective.png" "$img/synthetic-weights-seed-objective.png"
cp "$work/synthetic/correlation_seed_objective.png" "$img/synthetic-correlation-seed-objective.png"
cp "$work/synthetic/loss_seed_objective.png" "$img/synthetic-loss-seed-objective.png"

echo "== world fertility, default objective, with a regularisation path"
"$ferroflux" factorize --input "$data/world_fertility_52x188.csv" \
    --series-names "$data/world_fertility_countries.csv" --k 3 \
    --time-label year --time-start 1960 \
    --path 0,0.1,0.3,1,3,10,30,100 --out "$work/fertility"
for picture in basis weights series path; do
    cp "$work/fertility/$picture.png" "$img/fertility-$picture.png"
done

echo "== world fertility, the Flux example's objective (lr 0.01, 5000 steps, k components)"
"$ferroflux" factorize --input "$data/world_fertility_52x188.csv" \
    --series-names "$data/world_fertility_countries.csv" --k 3 \
    --time-label year --time-start 1960 --objective seed \
    --learning-rate 0.01 --iterations 5000 --extra-components 0 \
    --out "$work/fertility-seed"
cp "$work/fertility-seed/basis.png" "$img/fertility-seed-objective-basis.png"

echo "== El Nino sea-surface temperature"
"$ferroflux" factorize --input "$data/elnino_sst_monthly_12x61.csv" --k 3 \
    --time-label month --time-start 1 --path 0,0.3,1,3,10,100 --out "$work/elnino"
for picture in basis weights path; do
    cp "$work/elnino/$picture.png" "$img/elnino-$picture.png"
done

rm -r "$work"
