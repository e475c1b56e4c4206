#!/usr/bin/env bash
# Redraw the game's main screenshots in docs/screenshots from the demo (no camera needed).
#
# Why a script: the gallery's pictures come from a demo patient with a plan and a PSFS goal,
# played twice (the second run has a "last time" and a week against the plan), then one run
# with a pain rise at the rests (the pain question and the pain pause) and the GMI sets. Run
# from the repository root with the project installed:  bash docs/screenshots/regenerate.sh
# The TemugeB frame (10_tracking_cue_over_camera.png), the dashboard pages, the report and the
# 3-D views are made elsewhere (NOTICE.md says how).
set -euo pipefail
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy
OUT="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PIN=402917

setup() {  # a demo patient with the seated plan and one PSFS goal, in data dir $1
    neuroplay patients add demo --side right --data-dir "$1" >/dev/null
    printf '%s\n' "$PIN" | neuroplay plan set-pin --data-dir "$1" >/dev/null
    printf '%s\n' "$PIN" | neuroplay plan new demo --template neuropathic_upper_limb_seated \
        --pin-stdin --author "screenshots" --data-dir "$1" >/dev/null
    neuroplay patients psfs demo --add "Reach a cup on a kitchen shelf" --data-dir "$1" >/dev/null
}

# 1. The visit, twice on one data directory: the second run is the one shown.
setup "$WORK/d"
neuroplay demo --headless --seconds 60 --no-report --data-dir "$WORK/d" --screenshots "$WORK/run1" >/dev/null
neuroplay demo --headless --seconds 60 --no-report --data-dir "$WORK/d" --screenshots "$WORK/run2" >/dev/null
pick() {  # pick SRC_GLOB DEST: the demo numbers its shots in the order the scenes came
    local src
    src=$(ls "$WORK"/run2/$1 2>/dev/null | head -1 || true)
    if [ -n "$src" ]; then cp "$src" "$OUT/$2"; else echo "no $1 in the second run" >&2; fi
}
pick "*_title.png" 01_title.png
pick "*_safety.png" 02_safety.png
pick "*_patient.png" 03_patient.png
pick "*_checkin_pre.png" 04_checkin_pre.png
pick "*_calibration.png" 05_calibration.png
pick "*_exercise_later.png" 06_exercise.png
pick "*_rest.png" 07_rest.png
pick "*_checkin_post.png" 08_checkin_post.png
pick "*_summary.png" 09_summary.png
pick "*_easier_today.png" 11_easier_today.png

# 2. A pain rise at the rests: the pain question and the pain pause.
setup "$WORK/p"
neuroplay demo --headless --seconds 60 --rest-pain 6 --no-report --data-dir "$WORK/p" \
    --screenshots "$WORK/pain" >/dev/null
cp "$(ls "$WORK"/pain/*_checkin_in_session.png | head -1)" "$OUT/13_pain_check.png"
cp "$(ls "$WORK"/pain/*_pain_easier.png | head -1)" "$OUT/14_pain_easier.png"

# 3. The GMI sets (their own runner draws them).
neuroplay demo --game laterality --seed 1 --no-report --data-dir "$WORK/g" --screenshots "$WORK/gmi" >/dev/null
neuroplay demo --game imagery --seed 1 --no-report --data-dir "$WORK/g" --screenshots "$WORK/gmi" >/dev/null
cp "$WORK/gmi/laterality_show.png" "$OUT/gmi_laterality.png"
cp "$WORK/gmi/laterality_feedback.png" "$OUT/gmi_laterality_feedback.png"
cp "$WORK/gmi/imagery_imagine.png" "$OUT/gmi_imagery_imagine.png"
cp "$WORK/gmi/imagery_outcome_moved.png" "$OUT/gmi_imagery_outcome_moved.png"
cp "$WORK/gmi/imagery_rating.png" "$OUT/gmi_imagery_rating.png"
echo "redrawn in $OUT"
