"""The exercise scene: the game itself, with the safety controls always on top.

Drives a session runner (exercises/session.py: rest breaks, time cap, pause
while not tracked, stop, pain stop) at the fixed step and draws the
exercise through its registered renderer (game/views). What is always on
screen: the orange STOP (Esc/Space or a hand held on it), a "Pain" button that
asks a rating and ends the session gracefully, a time-left bar, and the cue
banner when tracking is lost (the runner pauses; no hits, no clock). Rest
breaks are a pushed `RestScene` (which asks the in-session pain question).
The game never decides a rule: hits, misses, pauses and rests are the
runner's. Events go to the sink through the runner's `drain()`, so those
raised between steps (a pain check-in, its pause) are logged too.

Smooth motion: the hands are drawn between the previous and the newest
fixed step's input by the loop's alpha, and a renderer with an
`after_step(exercise)` hook (game/views/reaching.py) is told of every step
so it can do the same for what moves in the game.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import pygame

from exercises.events import Event
from exercises.scenes.activities import trains_line
from game.context import DrawContext
from game.feedback import set_progress
from game.registry import display_title
from game.scenes.base import Scene
from game.scenes.checkin import CheckinScene
from game.scenes.common import stop_button
from game.scenes.rest import runner_events
from game.theme import OKABE_ITO, Theme
from game.views import ViewContext, renderer_for, renderer_or_generic
from game.widgets import (
    CUE_TEXT,
    DwellButton,
    anchor_button,
    below_header,
    camera_shown,
    draw_background,
    draw_body,
    draw_cue_banner,
    draw_hands,
    draw_silhouette,
    face_box,
    keep_off_face,
    place_rail,
    rail_rects,
)
from vision.intents import HandIntent, Intents

Side = Literal["left", "right"]


def _lerp_hand(a: HandIntent | None, b: HandIntent | None, alpha: float) -> HandIntent | None:
    if a is None or b is None:
        return b  # appeared or lost this step: drawn where it is now (or not at all)
    k = min(1.0, max(0.0, alpha))
    return dataclasses.replace(b, x=a.x + (b.x - a.x) * k, y=a.y + (b.y - a.y) * k)


def interpolate_intents(prev: Intents | None, cur: Intents | None, alpha: float) -> Intents | None:
    """The hands between two fixed steps' input (alpha 0 = previous, 1 = current);
    everything else is the current step's."""
    if prev is None or cur is None:
        return cur
    return dataclasses.replace(cur, left=_lerp_hand(prev.left, cur.left, alpha),
                               right=_lerp_hand(prev.right, cur.right, alpha))


class SessionLike(Protocol):
    """What the scene reads of exercises.session.SessionRunner."""

    exercise: Any
    end_reason: str | None
    cue: str | None

    def step(self, intents: Intents, dt: float) -> list[Event]: ...

    def stop(self, t: float | None = None, *, reason: str = "user") -> list[Event]: ...

    def pain_stop(self, nrs: int, t: float | None = None) -> list[Event]: ...

    @property
    def state(self) -> str: ...

    @property
    def done(self) -> bool: ...

    @property
    def rest_remaining_s(self) -> float: ...

    @property
    def time_remaining_s(self) -> float: ...

    def summary(self) -> dict[str, Any]: ...


@dataclass
class ExerciseOutcome:
    """The exercise scene's result. `reason`: completed, time_cap, stopped or pain_stop."""

    reason: str
    summary: dict[str, Any]
    pain_stop_rating: int | None = None
    events: int = 0


class ExerciseScene(Scene[ExerciseOutcome]):
    name = "exercise"
    camera_view = True
    later_screenshot_s = 14.0  # `--screenshots`: a second shot with the game under way (cups on the table)

    def __init__(self, runner: SessionLike, *, affected: Side = "right",
                 sink: Callable[[list[Event]], None] | None = None,
                 on_pain_rating: Callable[[int], None] | None = None,
                 rest_factory: Callable[[SessionLike], Scene[Any]] | None = None,
                 pace: float = 1.0, goals: Sequence[str] = ()) -> None:
        super().__init__()
        self.runner = runner
        self.affected = affected
        self.sink = sink or (lambda events: None)
        self.on_pain_rating = on_pain_rating
        self.rest_factory = rest_factory
        self.pace = pace
        # "This trains: ..." and the patient's own goal it serves (their PSFS activities)
        self.trains = trains_line(runner.exercise.name, goals)
        self.stop_btn = stop_button(affected, dwell_s=1.0 / max(0.25, pace))
        px = -1.75 if affected == "right" else 1.75
        self.pain_btn = DwellButton("Pain", center=(px, 1.05), half=(0.4, 0.22),
                                    dwell_s=1.0 / max(0.25, pace), color=OKABE_ITO["reddish_purple"],
                                    value="pain")
        # Mirror therapy: an on-screen "Mirror off" (besides the M key), shown while mirroring;
        # the app drains `take_actions()` and turns the mirror off (and logs MIRROR_MODE).
        self.mirror_btn = DwellButton("Mirror off", center=(px, 0.45), half=(0.4, 0.2),
                                      dwell_s=1.0 / max(0.25, pace), color=OKABE_ITO["blue"],
                                      value="toggle_mirror")
        self.mirror_shown = False
        self._actions: list[str] = []
        self.renderer = renderer_or_generic(runner.exercise.name)
        self._after_step: Callable[[Any], None] | None = getattr(self.renderer, "after_step", None)
        self.prev_intents: Intents | None = None  # the previous fixed step's (for interpolation)
        self.last_intents: Intents | None = None
        self.t = 0.0
        self.n_events = 0
        self._pain_rating: int | None = None
        self._asking_pain = False
        self.progress_rect: pygame.Rect | None = None  # the set's progress bar, once drawn
        self.text_rects: list[pygame.Rect] = []  # where the HUD drew its bar and lines (last frame)
        self.last_ctx: DrawContext | None = None  # the context the last frame was drawn with
        self.drawn_transform: Any = None  # set when the scene drew with its own transform

    # ---------------------------------------------------------------- update
    def _emit(self, returned: list[Event]) -> None:
        events = runner_events(self.runner, returned)  # drain(): also what calls between steps raised
        if events:
            self.n_events += len(events)
            self.sink(events)

    def _finish(self, reason: str) -> None:
        self.dismiss(ExerciseOutcome(reason=reason, summary=self.runner.summary(),
                                     pain_stop_rating=self._pain_rating, events=self.n_events))

    def update(self, intents: Intents, dt: float) -> None:
        self.prev_intents = self.last_intents if self.last_intents is not None else intents
        self.last_intents = intents
        self.t = intents.t
        stop_fired = self.stop_btn.update(intents, dt)
        pain_fired = self.pain_btn.update(intents, dt)
        if self.mirror_shown and self.mirror_btn.update(intents, dt):
            self._actions.append("toggle_mirror")
        if intents.stop or stop_fired:
            # A recording that ran out stops with its own reason (not the player's stop).
            why = intents.stop_reason if intents.stop and not stop_fired else None
            self._emit(self.runner.stop(intents.t, reason=why or "user"))
            self._finish(why or "stopped")
            return
        if pain_fired:
            self.ask_pain()
            return
        self._emit(self.runner.step(intents, dt))
        if self._after_step is not None:
            self._after_step(self.runner.exercise)
        if self.runner.done:
            self._finish(self.runner.end_reason or "completed")
        elif self.runner.state == "resting" and self.rest_factory is not None and self.stack is not None:
            self.stack.push(self.rest_factory(self.runner), self._after_rest)

    def _after_rest(self, result: object) -> None:
        if result == "pain_stop":  # "Stop for today" at a pain pause: already recorded
            ratings = getattr(self.runner, "pain_ratings", [])
            self._pain_rating = ratings[-1] if ratings else None
            self._finish("pain_stop")
            self._resolve()
        elif result == "stop":
            self._emit(self.runner.stop(self.t))
            self._finish("stopped")
            self._resolve()

    def ask_pain(self) -> None:
        """Pain stop: ask the rating now; the session ends gracefully after it."""
        if self.stack is None:
            return
        self.stack.push(CheckinScene("pain_stop", ("pain",)), self._after_pain)

    def _after_pain(self, answers: dict[str, int] | None) -> None:
        rating = None if answers is None else answers.get("pain")
        if rating is not None:
            self._pain_rating = rating
            if self.on_pain_rating is not None:
                self.on_pain_rating(rating)
            self._emit(self.runner.pain_stop(rating, self.t))
            self._finish("pain_stop")
        else:  # stopped while rating: still a stop
            self._emit(self.runner.stop(self.t))
            self._finish("stopped")
        self._resolve()

    def _resolve(self) -> None:
        if self.stack is not None:
            self.stack.resolve()

    # ------------------------------------------------------------------ draw
    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        if ctx.intents is not None and ctx.intents is self.last_intents:
            # The hands between the last two steps (ctx.intents is the newest step's).
            ctx = dataclasses.replace(ctx, intents=interpolate_intents(self.prev_intents, ctx.intents, ctx.alpha))
        self.drawn_transform = None
        in_3d = ctx.view3d is not None and ctx.view3d.on
        if camera_shown(ctx) and not in_3d:  # the picture below the header bar: it never covers the head
            ctx = below_header(ctx, surface.get_size(), self.header_height(ctx))
            self.drawn_transform = ctx.transform  # the app reads the mouse through it (game/app.py)
        self.last_ctx = ctx
        view = ViewContext(transform=ctx.transform, theme=ctx.theme, intents=ctx.intents,
                           alpha=ctx.alpha, t=ctx.t, mirror=ctx.mirror, frame=ctx.frame,
                           placement=ctx.placement,
                           camera_image=ctx.camera_image if in_3d or camera_shown(ctx) else None,
                           pace=self.pace)
        controls = [self.stop_btn, self.pain_btn] + ([self.mirror_btn] if ctx.mirror else [])
        if in_3d:  # --view 3d / --stereo sbs (game/views/scene3d.py); the rail below is the same
            from game.views.scene3d import draw_exercise_3d, hands_on

            draw_exercise_3d(surface, self.runner.exercise, view, ctx.view3d)
            self.place_buttons(ctx, surface.get_size())
            draw_hands(surface, dataclasses.replace(ctx, intents=hands_on(ctx.intents, controls)),
                       controls)
        else:
            draw_background(surface, ctx, body=False)
            backdrop = getattr(self.renderer, "backdrop", None)
            if backdrop is not None and not camera_shown(ctx) and not ctx.mirror:
                backdrop(surface, self.runner.exercise, view)  # the everyday scene behind the avatar
            draw_body(surface, ctx, self.affected)
            if ctx.frame is None:
                draw_silhouette(surface, ctx)
            if ctx.mirror:
                try:
                    renderer_for("mirror")(surface, self.runner.exercise, view)
                except KeyError:
                    pass  # no mirror view installed: the plain view is shown
            self.renderer(surface, self.runner.exercise, view)
            if getattr(self.runner.exercise, "mode", "plane") == "forward":  # depth, shown in 2-D
                from game.views.forward_gauge import draw_forward_gauge

                draw_forward_gauge(surface, self.runner.exercise, ctx.intents, ctx.theme,
                                   "left" if self.affected == "right" else "right")
            self.place_buttons(ctx, surface.get_size())
            draw_hands(surface, ctx, controls)
        self.draw_hud(surface, ctx)
        if ctx.view3d is not None:  # the one key back to 2-D (and to 3-D again), always shown
            from game.views.scene3d import HINT_2D, HINT_3D, draw_hint

            draw_hint(surface, ctx.theme.font("small", bold=True), ctx.theme.palette,
                      HINT_3D if in_3d else HINT_2D, "left" if self.affected == "right" else "right")
        state = self.runner.state
        if state == "tracking_lost":
            draw_cue_banner(surface, ctx, self.runner.cue or "move_into_frame")
        elif state == "paused":
            draw_cue_banner(surface, ctx, "Paused: press P to go on")
        self.place_buttons(ctx, surface.get_size())  # last: the safety buttons are never covered
        self.stop_btn.draw(surface, ctx, font_kind="title")
        self.pain_btn.draw(surface, ctx)
        self.mirror_shown = bool(ctx.mirror)
        if self.mirror_shown:
            self.mirror_btn.draw(surface, ctx)

    def place_buttons(self, ctx: DrawContext, size: tuple[int, int]) -> None:
        """STOP and Pain on the safety rail (the unaffected side: screen left for a right
        arm), the same rectangles as in every other scene; "Mirror off" under them."""
        side = "left" if self.affected == "right" else "right"
        place_rail(ctx, size, side, self.stop_btn, self.pain_btn)
        pain = rail_rects(size, side)[1]
        anchor_button(self.mirror_btn, ctx.transform, size, screen_side=side,
                      top=pain.bottom + pain.h * 0.25, height_frac=0.09)

    def take_actions(self) -> list[str]:
        """App-level actions the scene's buttons asked for since the last call."""
        out, self._actions = self._actions, []
        return out

    @staticmethod
    def header_height(ctx: DrawContext) -> int:
        """The header bar's height in pixels."""
        return int(ctx.theme.font("body", bold=True).get_linesize() * 1.3)

    @staticmethod
    def picture_top(theme: Theme) -> int:
        """Where the camera picture starts (below the header; the app scales it to fit)."""
        return int(theme.font("body", bold=True).get_linesize() * 1.3)

    def hud_words(self, view: ViewContext) -> tuple[str, Any, str | None]:
        """The header's first words (the game's own terms when its renderer has them),
        its reward (score and combo) and a line of encouragement, if any."""
        hud = getattr(self.renderer, "hud", None)
        if hud is not None:
            words, reward, message = hud(self.runner.exercise, view)
            return str(words), reward, message
        summary = self.runner.exercise.summary()
        quota = getattr(getattr(self.runner.exercise, "dose", None), "repetitions", None)
        if "hits" not in summary:
            return display_title(self.runner.exercise.name), None, None
        hits = summary.get("hits", 0)
        return (f"Hits {hits} of {quota}" if isinstance(quota, int) else f"Hits {hits}"), None, None

    def draw_hud(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        """The header (what is done, in the game's terms; the ONE timer; the score), the set's
        progress bar with the combo under it, and at the bottom what to do and what it trains."""
        th, pal = ctx.theme, ctx.theme.palette
        summary = self.runner.exercise.summary()
        w, h = surface.get_size()
        f = th.font("body", bold=True)
        bar = pygame.Rect(0, 0, w, self.header_height(ctx))
        pygame.draw.rect(surface, pal.panel, bar)
        view = ViewContext(transform=ctx.transform, theme=ctx.theme, intents=ctx.intents, t=ctx.t, pace=self.pace)
        first, reward, message = self.hud_words(view)
        left = max(0.0, self.runner.time_remaining_s)
        clock = f"{int(left // 60)}:{int(left % 60):02d} left"
        score = None if reward is None else f"Score {reward.score}"
        g = th.font("small", bold=True)
        need = f.size(first)[0] + f.size(clock)[0] + (g.size(score)[0] if score else 0) + w // 10
        if need > w:  # a narrow window: the header in the small type
            f = g
        img0 = f.render(first, True, pal.text)
        img1 = f.render(clock, True, pal.text)
        surface.blit(img0, (max(4, w // 2 - img0.get_width() - w // 40), (bar.h - img0.get_height()) // 2))
        x1 = max(w // 2 + w // 40, 4 + img0.get_width() + w // 20) if need > w else w // 2 + w // 40
        surface.blit(img1, (x1, (bar.h - img1.get_height()) // 2))
        score_drawn = False
        if score is not None:  # the gentle score, at the header's right end when there is room
            img = g.render(score, True, pal.target_hold)
            x = max(x1 + img1.get_width() + w // 40, w - img.get_width() - w // 40)
            if x + img.get_width() <= w - 2:
                surface.blit(img, (x, (bar.h - img.get_height()) // 2))
                score_drawn = True
        progress = getattr(self.renderer, "progress", None)
        if progress is not None:  # the game's own share done (sets, berries, squeezes)
            done = progress(self.runner.exercise)
        else:
            hits = summary.get("hits", 0)
            quota = getattr(getattr(self.runner.exercise, "dose", None), "repetitions", None)
            done = set_progress(int(hits) if isinstance(hits, int) else 0,
                                quota if isinstance(quota, int) else None)
        below = bar.bottom
        # over the camera picture, nothing of ours covers the patient's face
        face = face_box(ctx) if camera_shown(ctx) else None
        area = surface.get_rect()
        self.text_rects = []
        if done is not None:  # the set's progress, under the header
            self.progress_rect = track = keep_off_face(
                pygame.Rect(w // 4, bar.bottom + th.small_px // 3, w // 2, max(8, th.small_px // 2)), face, area)
            self.text_rects.append(track)
            pygame.draw.rect(surface, pal.panel, track, border_radius=track.h // 2)
            if done > 0:
                pygame.draw.rect(surface, pal.hit, (track.x, track.y, round(track.w * done), track.h),
                                 border_radius=track.h // 2)
            pygame.draw.rect(surface, pal.text, track, width=2, border_radius=track.h // 2)
            below = track.bottom
        combo = getattr(reward, "combo_text", None)
        if score is not None and not score_drawn:  # no room in the header: with the combo
            combo = f"{score}   {combo}" if combo else score
        if combo:
            g = th.font("small", bold=True)
            img = g.render(combo, True, pal.text)
            r = keep_off_face(img.get_rect(midtop=(w // 2, below + th.small_px // 4)), face, area)
            if face is not None:  # over a picture: on a panel, so it reads on any background
                pygame.draw.rect(surface, pal.panel, r.inflate(12, 4), border_radius=6)
            surface.blit(img, r)
            self.text_rects.append(r)
        comp = getattr(self.runner.exercise, "cue", None)
        if comp in CUE_TEXT:  # a tracking cue: its banner says it in words (never the code name)
            comp = None
        bottom = h - 8
        if self.trains:  # what it trains, on the bottom line, on a panel (read over any picture)
            bottom = self._bottom_line(surface, ctx, self.trains, bottom, pal.text, pal.panel)
        if comp:
            self._bottom_line(surface, ctx, str(comp), bottom, pal.cue_text, pal.cue)
        elif message:
            self._bottom_line(surface, ctx, message, bottom, pal.cue_text, pal.cue)
        elif any(getattr(tv, "state", "") in ("waiting", "holding")
                 for tv in getattr(self.runner.exercise, "targets", ())):
            forward = getattr(self.runner.exercise, "mode", "plane") == "forward"
            self._bottom_line(surface, ctx, "Reach forward to the orange cup and hold it" if forward
                              else "Reach for the orange cup and hold it", bottom, pal.text, pal.panel)

    def _bottom_line(self, surface: pygame.Surface, ctx: DrawContext, text: str, bottom: int,
                     colour: tuple[int, int, int], panel: tuple[int, int, int]) -> int:
        """One line of text on its own panel, its bottom at `bottom`; returns the panel's top."""
        g = ctx.theme.font("small", bold=True)
        w = surface.get_width()
        img = g.render(text, True, colour)
        if img.get_width() > w * 0.66:  # beside the rail on a narrow window: the smaller font
            g = ctx.theme.font("small")
            img = g.render(text, True, colour)
        r = img.get_rect(midbottom=(w // 2, bottom)).inflate(24, 10)
        if camera_shown(ctx):
            r = keep_off_face(r, face_box(ctx), surface.get_rect())
        self.text_rects.append(r)
        pygame.draw.rect(surface, panel, r, border_radius=8)
        surface.blit(img, img.get_rect(center=r.center))
        return r.top - 4
