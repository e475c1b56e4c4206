"""A session's stored landmark stream (chunks in `telemetry.landmarks`' codec)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from telemetry import schema as S
from telemetry.errors import StoreError
from telemetry.landmarks import CODEC, decode_frames
from telemetry.store.core import StoreCore
from vision.bodyframe import BodyFrame


class LandmarksMixin(StoreCore):
    def landmark_frames(self, session_id: str) -> list[BodyFrame]:
        """The stored landmark stream of a session, in order."""
        with self._tx() as conn:
            return self._stored_frames(conn, session_id)

    @staticmethod
    def _stored_frames(conn: Connection, session_id: str) -> list[BodyFrame]:
        rows = conn.execute(select(S.landmark_chunks.c.codec, S.landmark_chunks.c.data)
                            .where(S.landmark_chunks.c.session_id == session_id)
                            .order_by(S.landmark_chunks.c.seq)).all()
        frames: list[BodyFrame] = []
        for codec, blob in rows:
            if codec != CODEC:
                raise StoreError(f"landmark chunk in unknown format {codec!r}")
            frames.extend(decode_frames(bytes(blob)))
        return frames

