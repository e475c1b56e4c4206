"""The dashboard's routes, one router an area: auth, patients, plans, sessions, live,
stations, therapies (`clinic.dashboard.app.create_app` includes them all)."""

from __future__ import annotations

from clinic.dashboard.routers import (
    auth,
    live,
    patients,
    plans,
    sessions,
    stations,
    therapies,
)

ROUTERS = (auth.router, patients.router, plans.router, sessions.router, live.router,
           stations.router, therapies.router)
