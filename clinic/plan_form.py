"""The plan editor's form <-> plan mapping: fields for people over the ONE validated plan.

Role: the dashboard's plan editor shows a plan (exercises.plans.Plan) as a form, one row
per dose parameter (start, min, max, step, with its unit, which way is harder and a
sentence of help) and one field per progression / pain / staircase rule; what the
therapist types goes back into the plan's TOML text, and that text is validated by
`exercises.plans.load_plan`, exactly as a TOML file is. There is no second set of rules
here: a value the plan model refuses comes back as the model's own message, attached to
the field it names (`FormResult.errors`), and the "Advanced" TOML tab edits the same text.

Also here, pure and shared by the editor: the diff of two plans in words (what the
therapist is about to change), and the therapist's reason for a version, kept as a
comment at the top of the version's TOML text (the plans table has text and author;
a comment survives every reader and shows in the TOML tab and any export).

No web imports, no store, no clock (the caller passes the date): tested directly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from exercises.dosing import label
from exercises.plans import HARDER, PHYSICAL, Plan, PlanError, load_plan

SOURCE = "form"  # the `source` of plans built from the form (errors read "form: line N: key: ...")
PARTS = ("start", "min", "max", "step")
TITLES = {"session": "Session (every game)", "reaching": "Reaching", "tapping": "Finger tapping",
          "pinch": "Pinch and place", "openclose": "Open and close the hand"}

# A parameter's name in words (exercises.dosing.label for the rest).
PARAM_LABEL: dict[str, str] = {
    "session_minutes": "Session length", "rest_every_s": "Rest every", "rest_s": "Rest length",
    "pace": "Pace", "reach_fraction": "Reach", "target_radius": "Target size",
    "hold_s": "Hold", "repetitions": "Repetitions", "target_timeout_s": "Time to reach",
    "inter_target_s": "Pause between targets", "tempo_hz": "Tempo", "set_s": "Set length",
    "sets": "Sets", "rest_between_sets_s": "Rest between sets", "objects": "Objects",
    "object_radius": "Object size", "object_mass": "Object weight", "friction": "Grip friction",
    "time_limit_s": "Time limit", "min_range": "Opening range",
}


# Units the physical bounds leave blank (exercises.plans.PHYSICAL), in words.
PARAM_UNIT: dict[tuple[str, str], str] = {
    ("session", "pace"): "x full speed", ("reaching", "repetitions"): "targets",
    ("openclose", "repetitions"): "cycles", ("openclose", "min_range"): "of the range",
    ("tapping", "sets"): "sets", ("pinch", "objects"): "objects",
    ("pinch", "object_mass"): "game units", ("pinch", "friction"): "game units",
}


def param_unit(exercise: str, key: str) -> str:
    return PHYSICAL[exercise][key][2] or PARAM_UNIT.get((exercise, key), "")


def param_label(key: str) -> str:
    return PARAM_LABEL.get(key) or label(key).capitalize()


# One sentence a therapist reads next to each dose parameter: what it is, in the room.
PARAM_HELP: dict[str, dict[str, str]] = {
    "session": {
        "session_minutes": "How long one session lasts.",
        "rest_every_s": "Playing time between two rest breaks (each with a pain check).",
        "rest_s": "How long each rest break lasts.",
        "pace": "Game speed: 1 is full speed; lower is slower and easier.",
    },
    "reaching": {
        "reach_fraction": "How far the targets are, as a share of the reach measured at "
                          "calibration (1 = the full comfortable reach).",
        "target_radius": "Target size, in shoulder widths; a bigger target is easier.",
        "hold_s": "How long the hand stays on a target for it to count.",
        "repetitions": "Targets in a session: the quota; the session ends when it is met.",
        "target_timeout_s": "Time to reach a target before it counts as missed.",
        "inter_target_s": "Pause before the next target appears.",
    },
    "tapping": {
        "tempo_hz": "Taps a second asked of the patient.",
        "set_s": "Length of one set of tapping.",
        "sets": "Sets in a session.",
        "rest_between_sets_s": "Rest between two sets.",
    },
    "pinch": {
        "objects": "Objects to pick up and place in a session.",
        "object_radius": "Object size, in shoulder widths; a bigger object is easier.",
        "object_mass": "How heavy the objects feel; heavier is harder.",
        "friction": "Grip; less friction makes objects slip (harder).",
        "time_limit_s": "Time allowed for the set.",
    },
    "openclose": {
        "repetitions": "Open-and-close cycles in a session: the quota.",
        "min_range": "How far the hand must open and close, as a share of its calibrated range.",
        "hold_s": "How long the hand holds open (or closed).",
        "time_limit_s": "Time allowed for the set.",
    },
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the plan as a form field."""

    table: str
    key: str
    label: str
    unit: str
    help: str

    @property
    def name(self) -> str:
        return f"{self.table}.{self.key}"


RULE_GROUPS: tuple[tuple[str, tuple[Rule, ...]], ...] = (
    ("Pain rules", (
        Rule("guardrails", "pain_stop_threshold", "Pause the session at pain above", "/10",
             "In-session pain (0-10) above this pauses the game and drops one level. "
             "Safe: at most 7."),
        Rule("guardrails", "pain_rise_limit", "... or at a rise over the pain before of",
             "points", "A rise this large during a session also pauses it. Safe: at most 4."),
        Rule("guardrails", "pre_session_stop", "Only easier or rest at pain before of",
             "/10", "Pain at or above this before a session: the full dose is not offered."),
        Rule("progression", "acceptable_pain", "Highest pain that still allows a rise", "/10",
             "Any answer above: the week does not rise; two sessions in a row: one level "
             "down. Safe: at most 6."),
        Rule("progression", "max_pain_rise", "Pain rise allowed for a session to count",
             "points", "Pain after minus pain before, for the session to meet its quota."),
        Rule("progression", "next_day_margin", "Next-morning worsening that eases that day",
             "points", "Pain the next morning worse by more than this: that session is one "
             "level easier."),
        Rule("progression", "flare_rise", "Flare: pain above the personal baseline by",
             "points", "With the next field: how a flare is recognised."),
        Rule("progression", "flare_days", "... on this many rated days", "days", ""),
        Rule("progression", "flare_hold_sessions", "After a flare, one level down for",
             "sessions", "Held this many sessions before the dose may rise again."),
    )),
    ("Progression", (
        Rule("plan", "sessions_per_week", "Sessions prescribed a week", "sessions", ""),
        Rule("progression", "baseline_sessions", "Tolerance sessions that set the baseline",
             "sessions", "The first sessions measure what the patient can do today."),
        Rule("progression", "start_fraction", "First quota, share of the baseline", "0-1",
             "0.8 = the quota starts at 80 % of the baseline."),
        Rule("progression", "weekly_increase", "Rise a week when the week went well", "0-1",
             "0.10 = 10 % a week. Safe: at most 0.20."),
        Rule("progression", "week_days", "Length of a progression week", "days", ""),
        Rule("progression", "min_sessions_per_week", "Fewest sessions in a week for a rise",
             "sessions", "Fewer sessions: the week holds, it does not rise."),
        Rule("progression", "plateau_weeks", "Weeks without a rise before the plateau flag",
             "weeks", ""),
        Rule("progression", "progress", "What rises, in turn", "",
             "EXERCISE.FIELD names separated by commas, one a week in this order "
             "(e.g. reaching.repetitions, reaching.reach_fraction)."),
    )),
    ("Within a session (staircase)", (
        Rule("staircase", "band_low", "Easier when success falls below", "0-1",
             "Rolling share of trials won. Safe: at least 0.60."),
        Rule("staircase", "band_high", "Harder when success rises above", "0-1",
             "Safe: at most 0.90."),
        Rule("staircase", "window", "Trials the success is counted over", "trials", ""),
        Rule("staircase", "min_trials", "Trials before the first change", "trials", ""),
    )),
    ("Safety", (
        Rule("safety", "override_reason", "Reason to switch a safeguard off", "",
             "Only when a rule above is beyond its safe value; shown on every report and "
             "page. Leave empty otherwise."),
    )),
)
RULES: dict[str, Rule] = {r.name: r for _, group in RULE_GROUPS for r in group}


# ------------------------------------------------------------------ plan -> form
def fmt(v: Any) -> str:
    """A value as the form shows it (and as the TOML would read it back)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.10g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)


def form_exercises(plan: Plan) -> tuple[str, ...]:
    """The tables the form shows: the session, then the plan's exercises."""
    return ("session", *plan.exercises)


def form_values(plan: Plan) -> dict[str, str]:
    """Every form field's value in the plan (defaults filled in), as text."""
    out: dict[str, str] = {}
    for ex in form_exercises(plan):
        for name, r in plan.ranges(ex).items():
            for part in PARTS:
                out[f"{ex}.{name}.{part}"] = fmt(getattr(r, part))
    for rule in RULES.values():
        out[rule.name] = fmt(getattr(getattr(plan.model, rule.table), rule.key))
    return out


@dataclass(frozen=True)
class Param:
    """A dose parameter's row of the form."""

    exercise: str
    key: str
    label: str
    unit: str
    harder: str  # "higher" / "lower"
    help: str
    names: dict[str, str]  # part -> field name
    values: dict[str, str]
    error: str | None
    part_errors: dict[str, bool]

    @property
    def name(self) -> str:
        return f"{self.exercise}.{self.key}"

    @property
    def fixed(self) -> bool:
        return self.values.get("min") == self.values.get("max")


@dataclass(frozen=True)
class Section:
    title: str
    params: list[Param] = field(default_factory=list)


@dataclass(frozen=True)
class RuleField:
    rule: Rule
    value: str
    error: str | None


def sections(plan: Plan, values: Mapping[str, str],
             errors: Mapping[str, str]) -> tuple[list[Section], list[tuple[str, list[RuleField]]]]:
    """The form for a template: dose sections (one per exercise), then the rule groups,
    each field with its value (what was typed, else the plan's) and its error."""
    own = form_values(plan)
    doses = []
    for ex in form_exercises(plan):
        rows = []
        for key in HARDER[ex]:
            names = {p: f"{ex}.{key}.{p}" for p in PARTS}
            unit = param_unit(ex, key)
            rows.append(Param(
                ex, key, param_label(key), unit,
                "higher" if HARDER[ex][key] > 0 else "lower",
                PARAM_HELP.get(ex, {}).get(key, ""), names,
                {p: values.get(n, own.get(n, "")) for p, n in names.items()},
                errors.get(f"{ex}.{key}"),
                {p: n in errors for p, n in names.items()}))
        doses.append(Section(TITLES.get(ex, ex), rows))
    groups = [(title, [RuleField(r, values.get(r.name, own.get(r.name, "")), errors.get(r.name))
                       for r in group]) for title, group in RULE_GROUPS]
    return doses, groups


# ------------------------------------------------------------------ form -> plan
@dataclass(frozen=True)
class FormResult:
    """What a submitted form became: the TOML text, and the validated plan or the errors."""

    text: str
    plan: Plan | None
    errors: dict[str, str]  # field or parameter name -> the plan model's message
    other: list[str]  # messages that name no field of the form

    @property
    def ok(self) -> bool:
        return self.plan is not None


def _literal(raw: str, rule: Rule | None) -> str:
    """What the therapist typed, as a TOML value: numbers stay numbers, a list field
    becomes a list, anything else is text (which the model then refuses, with its
    own message, when a number was expected)."""
    s = raw.strip()
    if rule is not None and rule.key == "progress":
        return "[" + ", ".join(_toml_str(x) for x in _names(s)) + "]"
    if rule is not None and rule.key == "override_reason":
        return _toml_str(raw.strip())
    try:
        v = tomllib.loads(f"v = {s}")["v"]
    except tomllib.TOMLDecodeError:
        return _toml_str(s)
    return s if isinstance(v, (int, float)) and not isinstance(v, bool) else _toml_str(s)


def _toml_str(s: str) -> str:
    import tomli_w

    return tomli_w.dumps({"v": s}).split("=", 1)[1].strip()


def _same(raw: str, current: str, rule: Rule | None) -> bool:
    """The typed value is the plan's value (1 and 1.0 are the same number; a list the
    same names in the same order; text the same words)."""
    if rule is not None and rule.key == "progress":
        return _names(raw) == _names(current)
    if raw.strip() == current.strip():
        return True
    try:
        a = tomllib.loads(f"v = {raw.strip()}")["v"]
        b = tomllib.loads(f"v = {current}")["v"]
    except tomllib.TOMLDecodeError:
        return False
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))
    return numbers and float(a) == float(b)


def _names(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def apply_form(base: Plan, values: Mapping[str, str]) -> FormResult:
    """The plan `base` with the form's values, validated by the plan model itself.

    Only the fields whose value changed are written, each in place in the TOML text
    (`neuroplay plan set`'s editing, which keeps the therapist's comments); a blank
    field is an error next to it and nothing else is tried."""
    from game.cli.plan import set_key
    from game.errors import UserError

    own = form_values(base)
    errors: dict[str, str] = {}
    text = base.text
    for name, current in own.items():
        if name not in values:
            continue
        raw = str(values[name])
        rule = RULES.get(name)
        if not raw.strip() and (rule is None or rule.key not in ("override_reason", "progress")):
            errors[name] = "enter a value"
            continue
        if _same(raw, current, rule):
            continue
        try:
            text = set_key(_make_room(text, name, own), name, _literal(raw, rule))
        except UserError as exc:  # a plan shaped so that the key has no place to go
            errors[name] = str(exc)
    if errors:
        return FormResult(text, None, _attach(errors), [])
    try:
        plan = load_plan(text, SOURCE)
    except PlanError as exc:
        found, other = field_errors(exc.problems, own)
        return FormResult(text, None, _attach(found), other)
    return FormResult(text, plan, {}, [])


def _make_room(text: str, name: str, own: Mapping[str, str]) -> str:
    """The text with a place for `name` written in the plan's style, so that `set_key`
    edits one line in place instead of rewriting the document (and losing the
    therapist's comments): a missing table is added at the end, a missing key under its
    table's header, a fixed number `key = 8.0` becomes `key = { start, min, max, step }`
    with the values it already had."""
    parts = name.split(".")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text
    table, key = parts[0], parts[1]
    if len(parts) == 3:
        r = {p: own.get(f"{table}.{key}.{p}", "0") for p in PARTS}
        line = f"{key} = {{ " + ", ".join(f"{p} = {r[p]}" for p in PARTS) + " }"
    else:
        line = f"{key} = {own.get(name, '0') if name != 'safety.override_reason' else chr(34) * 2}"
    node = doc.get(table)
    if node is None:
        return text.rstrip("\n") + f"\n\n[{table}]\n{line}\n"
    if not isinstance(node, dict):
        return text
    lines = text.splitlines(keepends=True)
    head = next((i for i, x in enumerate(lines)
                 if re.match(rf"^\s*\[\s*{re.escape(table)}\s*\]\s*(#.*)?$", x)), None)
    if head is None:
        return text
    if key not in node:
        lines.insert(head + 1, line + "\n")
        return "".join(lines)
    if len(parts) == 3 and isinstance(node[key], (int, float)) and not isinstance(node[key], bool):
        for i in range(head + 1, len(lines)):
            if re.match(r"^\s*\[", lines[i]):
                break
            m = re.match(rf"^(\s*{re.escape(key)}\s*=\s*)([^#\n]*?)(\s*#.*)?(\r?\n)?$", lines[i])
            if m:
                lines[i] = line + (m.group(3) or "") + (m.group(4) or "\n")
                return "".join(lines)
    return text


_PROBLEM = re.compile(r"^(?P<src>.*?): line (?:\d+|\?): (?P<key>[^\s:]+): (?P<msg>.*)$")


def field_errors(problems: Sequence[str], names: Mapping[str, Any]
                 ) -> tuple[dict[str, str], list[str]]:
    """The plan model's problems ("src: line N: key: message") by the form field they
    name: the longest form field or parameter that the key starts with; the rest apart."""
    params = {n.rsplit(".", 1)[0] for n in names if n.rsplit(".", 1)[-1] in PARTS}
    found: dict[str, str] = {}
    other: list[str] = []
    for p in problems:
        m = _PROBLEM.match(p)
        if not m:
            other.append(p)
            continue
        parts = m.group("key").split(".")
        target = None
        for n in range(len(parts), 0, -1):
            cand = ".".join(parts[:n])
            if cand in names or cand in params:
                target = cand
                break
        if target is None:
            other.append(f"{m.group('key')}: {m.group('msg')}")
        else:
            found.setdefault(target, m.group("msg"))
    return found, other


def _attach(errors: Mapping[str, str]) -> dict[str, str]:
    """A part's error (`reaching.repetitions.start`) also marks its parameter's row."""
    out = dict(errors)
    for name, msg in errors.items():
        head, _, last = name.rpartition(".")
        if last in PARTS:
            out.setdefault(head, msg)
    return out


def toml_error_line(problem: str) -> int | None:
    """The TOML line a plan problem names (None: none)."""
    m = re.match(r"^.*?: line (\d+): ", problem)
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------ diff
@dataclass(frozen=True, slots=True)
class Change:
    where: str  # "Reaching", "Pain rules"...
    what: str  # the field in words
    before: str
    after: str


def _flat(value: Any, prefix: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def plan_diff(old: Plan, new: Plan) -> list[Change]:
    """What `new` changes in `old`, in the form's words: each dose parameter's range and
    every rule (defaults filled in, so a value written out equal to its default is no
    change), then anything else of the document by its key."""
    changes: list[Change] = []
    for ex in dict.fromkeys(form_exercises(old) + form_exercises(new)):
        title = TITLES.get(ex, ex)
        a = old.ranges(ex) if ex in form_exercises(old) else {}
        b = new.ranges(ex) if ex in form_exercises(new) else {}
        for key in HARDER[ex]:
            ra, rb = a.get(key), b.get(key)
            if ra is None and rb is None:
                continue
            for part in PARTS:
                va = getattr(ra, part) if ra is not None else None
                vb = getattr(rb, part) if rb is not None else None
                if va != vb:
                    unit = param_unit(ex, key)
                    changes.append(Change(title, f"{param_label(key)}: {part}",
                                          _with_unit(va, unit), _with_unit(vb, unit)))
    da = _flat(old.model.model_dump(mode="json"), "")
    db = _flat(new.model.model_dump(mode="json"), "")
    skip = tuple(f"{ex}." for ex in HARDER) + tuple(HARDER)
    for key in dict.fromkeys([*da, *db]):
        if key.startswith(skip) and not key.endswith((".directions", ".variant")):
            continue
        va, vb = da.get(key), db.get(key)
        if va == vb:
            continue
        rule = RULES.get(key)
        if rule is not None:
            group = next(t for t, g in RULE_GROUPS if rule in g)
            changes.append(Change(group, rule.label, _with_unit(va, rule.unit),
                                  _with_unit(vb, rule.unit)))
        else:
            changes.append(Change("Other", key, _plain(va), _plain(vb)))
    return changes


def _plain(v: Any) -> str:
    if v is None:
        return "(not set)"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v) or "(none)"
    if isinstance(v, str):
        return v or "(empty)"
    return fmt(v)


def _with_unit(v: Any, unit: str) -> str:
    s = _plain(v)
    if not unit or v in (None, "") or isinstance(v, (list, str)):
        return s
    return f"{s}{unit}" if unit.startswith("/") else f"{s} {unit}"


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A line diff of two TOML texts for the advanced view: (kind, line), kind one of
    ' ', '-', '+', '@' (a hunk header)."""
    import difflib

    out = []
    for line in list(difflib.unified_diff(old.splitlines(), new.splitlines(), "in force",
                                          "new", lineterm="", n=2))[2:]:
        out.append((line[:1] if line[:1] in " -+@" else " ", line))
    return out


# ------------------------------------------------------------------ the reason
_REASON_HEAD = "# Reason for this version"
_REASON = re.compile(r"^# Reason for this version \((?P<who>[^)]*)\): ?(?P<first>.*)$")


def with_reason(text: str, reason: str, author: str, on: str) -> str:
    """The plan text with the therapist's reason for this version as its first comment
    lines (an older version's reason, copied along with the text, is replaced)."""
    lines = text.splitlines(keepends=True)
    i = 0
    if lines and _REASON.match(lines[0].rstrip("\r\n")):
        i = 1
        while i < len(lines) and lines[i].startswith("#   "):
            i += 1
    clean = "".join(c if c in "\n\t" or not unicodedata.category(c).startswith("C") else " "
                    for c in reason)  # a TOML comment may hold no control characters
    body = [" ".join(x.split()) for x in clean.strip().splitlines() if x.strip()]
    who = " ".join("".join(c for c in f"{author}, {on}" if c.isprintable() and c != ")").split())
    head = [f"{_REASON_HEAD} ({who}): {body[0] if body else ''}\n"]
    head += [f"#   {x}\n" for x in body[1:]]
    return "".join(head + lines[i:])


def reason_of(text: str) -> str | None:
    """The reason written for a version (None: saved without one, e.g. from the CLI)."""
    lines = text.splitlines()
    if not lines:
        return None
    m = _REASON.match(lines[0])
    if not m:
        return None
    more = []
    for x in lines[1:]:
        if not x.startswith("#   "):
            break
        more.append(x[4:])
    return " ".join([m.group("first"), *more]).strip()


__all__ = ["PARAM_HELP", "RULES", "RULE_GROUPS", "Change", "FormResult", "Param", "Rule",
           "Section", "apply_form", "field_errors", "form_values", "plan_diff", "reason_of",
           "sections", "text_diff", "toml_error_line", "with_reason"]
