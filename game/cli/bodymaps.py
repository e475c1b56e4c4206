"""`neuroplay bodymap`: the sensory body maps of a patient, and the therapist's
examination layer.

`show` prints the maps (date, layer, who drew them, per feeling its intensity, % of
the body and regions). `exam` stores the therapist's examination layer after bedside
testing (CLINICAL.md 5c): the borders of brush allodynia and pinprick hyperalgesia as
whole regions of the fixed grid (telemetry.bodymap; `--region` takes the keys `show
--regions` lists), e.g. after a phone or clinic visit. The patient paints their own
layer in the game (game/scenes/bodymap.py).
"""

from __future__ import annotations

import json

import click

from game.cli.params import PATIENT
from game.errors import UserError


@click.group()
def bodymap() -> None:
    """Sensory body maps (the patient's drawings and the therapist's examination)."""


def _open(data_dir: str | None, patient: str) -> object:
    from game.session import open_store

    store = open_store(data_dir)
    if not store.patient_exists(patient):
        store.close()
        raise UserError(f"unknown patient {patient!r}; add them first with "
                        f"`neuroplay patients add {patient}`")
    return store


@bodymap.command()
@click.argument("patient", type=PATIENT)
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where the data lives (default: $NEUROPLAY_HOME or the user data directory).")
@click.option("--json", "as_json", is_flag=True, help="Print the maps as one JSON object.")
@click.option("--regions", is_flag=True, help="Also list the grid's region keys and SNOMED codes.")
def show(patient: str, data_dir: str | None, as_json: bool, regions: bool) -> None:
    """The patient's body maps, oldest first."""
    from exercises.bodymap import painted_summary
    from telemetry.bodymap import REGIONS, BodyMapError, from_compact

    store = _open(data_dir, patient)
    try:
        rows = store.body_maps(patient)  # type: ignore[attr-defined]
    finally:
        store.close()  # type: ignore[attr-defined]
    maps = []
    for r in rows:
        try:
            body = from_compact(r.data)
        except BodyMapError as exc:
            maps.append({"id": r.map_id, "at": r.at.isoformat(), "error": str(exc)})
            continue
        maps.append({"id": r.map_id, "at": r.at.isoformat(), "layer": r.layer,
                     "drawn_by": r.drawn_by, "session_id": r.session_id,
                     "sensations": painted_summary(body)})
    out: dict[str, object] = {"patient": patient, "maps": maps}
    if regions:
        out["regions"] = [{"key": g.key, "label": g.label, "snomed": g.snomed,
                           "display": g.snomed_display} for g in REGIONS]
    if as_json:
        click.echo(json.dumps(out))
        return
    if not maps:
        click.echo(f"No body maps for patient {patient} yet.")
    for m in maps:
        click.echo(f"Map {m['id']} ({m['at'][:16]}, {m.get('layer')} layer, drawn by "
                   f"{m.get('drawn_by')})")
        for name, s in (m.get("sensations") or {}).items():  # type: ignore[union-attr]
            if name != "any":
                click.echo(f"  {name}: {s['intensity']}/10, {s['percent_body']} % of the body: "
                           f"{', '.join(s['regions'])}")
    if regions:
        for g in REGIONS:
            click.echo(f"{g.key:26} {g.label:24} SNOMED CT {g.snomed} {g.snomed_display}")


@bodymap.command()
@click.argument("patient", type=PATIENT)
@click.option("--sensation", type=click.Choice(["allodynia_brush", "hyperalgesia_pinprick"]),
              required=True, help="Which examination finding the regions are for.")
@click.option("--region", "region_keys", multiple=True, required=True,
              help="A region key of the grid (`neuroplay bodymap show ID --regions`); repeat.")
@click.option("--intensity", type=click.IntRange(0, 10), default=0, show_default=True,
              help="The patient's rating of the evoked pain, 0-10 (0: not rated).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where the data lives (default: $NEUROPLAY_HOME or the user data directory).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored map as one JSON object.")
def exam(patient: str, sensation: str, region_keys: tuple[str, ...], intensity: int,
         data_dir: str | None, as_json: bool) -> None:
    """Store the therapist's examination layer (whole regions), added to the latest one."""
    from exercises.bodymap import painted_summary
    from telemetry.bodymap import (
        REGION_BY_KEY,
        BodyMap,
        BodyMapError,
        from_compact,
        region_cells,
        to_compact,
    )

    unknown = [k for k in region_keys if k not in REGION_BY_KEY]
    if unknown:
        raise UserError(f"unknown region {unknown[0]!r}; `neuroplay bodymap show {patient} "
                        f"--regions` lists them")
    store = _open(data_dir, patient)
    try:
        last = store.body_maps(patient, layer="therapist")  # type: ignore[attr-defined]
        body = BodyMap("therapist")
        if last:
            try:
                body = from_compact(last[-1].data)
            except BodyMapError:
                body = BodyMap("therapist")
        cells = frozenset().union(*(region_cells(k) for k in region_keys))
        body = body.with_cells(sensation, cells, intensity)
        map_id = store.save_body_map(patient, to_compact(body),  # type: ignore[attr-defined]
                                     drawn_by="therapist")
    finally:
        store.close()  # type: ignore[attr-defined]
    out = {"patient": patient, "body_map_id": map_id, "layer": "therapist",
           "sensations": painted_summary(body)}
    if as_json:
        click.echo(json.dumps(out))
        return
    s = out["sensations"][sensation]  # type: ignore[index]
    click.echo(f"Examination layer saved for patient {patient} (map {map_id}): {sensation} "
               f"on {s['percent_body']} % of the body: {', '.join(s['regions'])}")
