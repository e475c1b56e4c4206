"""The station <-> dashboard wire protocol: one schema, its limits, and how to keep to them.

Role: the single description of what a station may send (`Hello`, `State`,
`Events`), used by both ends. The dashboard validates every frame with
`parse()` before it touches the hub or the database; the station client
shapes what it sends with `clean_event()` / `clean_state()` and splits event
batches with `fits()`, so a well-behaved station never sends a frame the
dashboard refuses.

Why a schema rather than checks at the use sites: every field a station
sends ends up in a database column, a browser or a log, so each one gets a
type, a range and a size here (a sequence number that fits the column, a
state that a browser's `JSON.parse` reads, data no deeper than any real
event), in one place, and a bad frame becomes one readable line
(`ProtocolError`) instead of a traceback that drops the connection. Depth is
checked without recursion, and the JSON parser itself refuses nesting
beyond its limit, so a frame nested 100,000 deep is an error, not a crash.

Limits (bytes are UTF-8 bytes of the frame as received):
  * a frame: at most `MAX_FRAME_BYTES`; a `state` frame at most `MAX_STATE_BYTES`;
  * an `events` frame: 1-`MAX_EVENTS` events; `seq` an integer 1-`MAX_SEQ`;
  * inside `state` and event `data`: JSON nested at most `MAX_DEPTH` deep, numbers
    finite, integers within +-2**53 (what a browser represents exactly);
  * names (`run_id`, `kind`, `exercise`, `patient`): 1-64 of `[A-Za-z0-9._-]`.

What a `state` holds (clinic.station.GameLink.state; every key optional, the live view and
telemetry.live_triage read what is there): scene, exercise, dose, success_rate, checkin
(the latest pain check), tracking (0-1), trunk_lean ({"run": reaches in a row with a
trunk lean, "deg": the largest lean}), paused, note, skeleton, hands.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    TypeAdapter,
    ValidationError,
)

MAX_FRAME_BYTES = 1 << 20  # an events frame: up to 200 events of real sessions (~40 kB the largest)
MAX_STATE_BYTES = 64 << 10  # a live state is ~3 kB (skeleton, hands, dose, check-in)
MAX_EVENTS = 200
MAX_EVENT_BYTES = 256 << 10  # one event's data, encoded; a station shrinks what is larger
MAX_SEQ = 2 ** 31 - 1  # the `seq` column is a 32-bit integer on PostgreSQL
MAX_DEPTH = 16
MAX_INT = 2 ** 53
NAME_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
_NAME = re.compile(NAME_PATTERN)
_KIND_BAD = re.compile(r"[^A-Za-z0-9._-]")


class ProtocolError(ValueError):
    """A frame that breaks the protocol; `str()` is one line fit for a reply and a log."""


def _check_json(value: Any) -> Any:
    """Depth, finite numbers, integer range. Recursive, but never deeper than MAX_DEPTH + 1
    (and the JSON parser has refused anything past its own limit before this runs)."""
    _check_node(value, 1)
    return value


def _check_node(node: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    for child in (node.values() if type(node) is dict else node):
        kind = type(child)
        if kind is float:
            if not math.isfinite(child):
                raise ValueError("numbers must be finite (no NaN or Infinity)")
        elif kind is int:
            if abs(child) > MAX_INT:
                raise ValueError(f"integers must be within +-2**53, got {child}")
        elif kind is dict or kind is list:
            _check_node(child, depth + 1)


JsonObject = Annotated[dict[str, Any], AfterValidator(_check_json)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


def _check_time(value: float | str) -> str:
    """An event time: a finite number, sent as a number or as its text (the station's form)."""
    if isinstance(value, str):
        if len(value) > 40:
            raise ValueError("t must be at most 40 characters")
        try:
            number = float(value)
        except ValueError:
            raise ValueError("t must be a number") from None
    else:
        number = float(value)
        value = repr(value)
    if not math.isfinite(number):
        raise ValueError("t must be finite")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hello(_Strict):
    type: Literal["hello"]
    run_id: Name
    patient: Name | None = None
    exercise: Name | None = None


class State(_Strict):
    type: Literal["state"]
    run_id: Name
    state: JsonObject


class StationEvent(_Strict):
    seq: Annotated[StrictInt, Field(ge=1, le=MAX_SEQ)]
    kind: Name
    t: Annotated[StrictFloat | StrictInt | str, AfterValidator(_check_time)]
    data: JsonObject = Field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "t": self.t, "data": self.data}


class Events(_Strict):
    type: Literal["events"]
    run_id: Name
    events: Annotated[list[StationEvent], Field(min_length=1, max_length=MAX_EVENTS)]


Message = Hello | State | Events
_MESSAGE: TypeAdapter[Message] = TypeAdapter(
    Annotated[Message, Field(discriminator="type")])


def parse(raw: str | bytes) -> Message:
    """One received frame -> a validated message, or `ProtocolError` saying what is wrong.

    Bounded work: the size is checked before any parsing, and parsing is
    linear in the frame. Run it off the event loop (it is per-event work).
    """
    size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {size} bytes is over the {MAX_FRAME_BYTES}-byte limit")
    try:
        msg = _MESSAGE.validate_json(raw)
    except ValidationError as exc:
        raise ProtocolError(describe(exc)) from None
    if isinstance(msg, State) and size > MAX_STATE_BYTES:
        raise ProtocolError(f"state frame of {size} bytes is over the "
                            f"{MAX_STATE_BYTES}-byte limit")
    return msg


def describe(exc: ValidationError) -> str:
    """A pydantic error as one short line: where and what, never the (possibly huge) input."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False)[:3]:
        where = ".".join(str(x) for x in err["loc"]) or "frame"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - len(parts)
    line = "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
    return " ".join(line.split())[:400]


def type_of(raw: str | bytes) -> str | None:
    """The `type` a rejected frame claimed, for the error reply (None when unreadable)."""
    head = raw[:200] if isinstance(raw, str) else raw[:200].decode("utf-8", "replace")
    m = re.search(r'"type"\s*:\s*"([a-z]{1,16})"', head)
    return m.group(1) if m else None


# ------------------------------------------------------------- station side
def clean_json(value: Any, depth: int = 1) -> Any:
    """JSON-ready data that `parse` accepts: non-finite numbers -> None, huge integers ->
    float, anything nested deeper than the limit -> None, other objects -> their text.
    Recursive, but never deeper than MAX_DEPTH + 1."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is int:
        return value if abs(value) <= MAX_INT else float(value)
    if isinstance(value, Mapping):
        if depth > MAX_DEPTH:
            return None
        return {str(k): clean_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if depth > MAX_DEPTH:
            return None
        return [clean_json(v, depth + 1) for v in value]
    if isinstance(value, int):
        return clean_json(int(value), depth)
    if isinstance(value, float):
        return clean_json(float(value), depth)
    return str(value)


def clean_kind(kind: str) -> str:
    """An event kind the schema accepts (other characters become '_', at most 64)."""
    return _KIND_BAD.sub("_", str(kind))[:64] or "event"


def clean_event(seq: int, kind: str, t: float, data: Mapping[str, Any]) -> dict[str, Any]:
    """An event as the station sends it; data too large for a frame is replaced by a note
    saying so (the station's own local telemetry keeps the full event)."""
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"sequence number {seq} is outside 1-{MAX_SEQ}")
    clean = clean_json(dict(data))
    size = len(json.dumps(clean, separators=(",", ":")))
    if size > MAX_EVENT_BYTES:
        clean = {"omitted": f"data of {size} bytes is over the station link's "
                            f"{MAX_EVENT_BYTES}-byte limit"}
    when = f"{t:.3f}" if math.isfinite(t) else "0"
    return {"seq": seq, "kind": clean_kind(kind), "t": when if len(when) <= 40 else f"{t:.17g}",
            "data": clean}


def clean_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """A live state `parse` accepts; one too large keeps only its small fields."""
    clean: dict[str, Any] = clean_json(dict(state))  # a mapping stays a dict
    if len(json.dumps(clean, separators=(",", ":"))) + 200 <= MAX_STATE_BYTES:
        return clean
    small = {k: v for k, v in clean.items()
             if len(json.dumps(v, separators=(",", ":"))) <= 1024}
    small["omitted"] = sorted(set(clean) - set(small))
    return small


def state_frame(run_id: str, state: Mapping[str, Any]) -> str:
    """The `state` frame for a live state. The usual state is already valid and is encoded
    once (the check is the schema's own, ~15 us); anything else is cleaned first."""
    try:
        frame = json.dumps({"type": "state", "run_id": run_id, "state": state},
                           separators=(",", ":"), allow_nan=False)
        if len(frame) <= MAX_STATE_BYTES and type(state) is dict:
            _check_json(state)
            if all(type(k) is str for k in state):
                return frame
    except (ValueError, TypeError, RecursionError):
        pass
    return json.dumps({"type": "state", "run_id": run_id, "state": clean_state(state)},
                      separators=(",", ":"))


def fits(frame: str) -> bool:
    return len(frame.encode("utf-8", "surrogatepass")) <= MAX_FRAME_BYTES


def is_name(value: object) -> bool:
    return isinstance(value, str) and _NAME.match(value) is not None
