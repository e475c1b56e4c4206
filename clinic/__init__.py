"""Clinic mode: the therapist dashboard and the station link, apart from the game.

`clinic.dashboard` is the FastAPI web app a clinic serves (`neuroplay dashboard`);
`clinic.station` streams a playing station's live state and events to it
(`neuroplay play --station`), in the messages of `clinic.station_protocol`;
`clinic.overview` is the patient overview both the dashboard and
`neuroplay patients` show. The accounts and stations live in the store
(`telemetry.clinic`). The game imports this package only to start a station link.
"""
