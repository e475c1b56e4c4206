"""The therapist dashboard (clinic mode): a local FastAPI web app.

`app.create_app(store, clinic)` builds it; `neuroplay dashboard` serves it with
uvicorn. Server-rendered jinja2 pages, PNG plots, one small canvas script for
the live skeletons and session playback. No video is ever sent or stored.
"""
