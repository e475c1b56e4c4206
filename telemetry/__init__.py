"""telemetry: what a session leaves behind, and what therapists decide from.

Modules (no pygame, no game imports; see docs/telemetry.md):
  api        the Protocols the game writes through (contract)
  store      SQLite/PostgreSQL store, crash-safe session recorder
  schema, migrations   tables and their ordered, recorded versions
  paths      data directory (--data-dir, NEUROPLAY_HOME, platformdirs), atomic writes
  landmarks  compact landmark stream codec (never video)
  metrics    per-repetition kinematics and dexterity (pure)
  derive     trials and summaries from the event log (pure)
  proms, psfs  our 0-10 check-in items and the Patient-Specific Functional Scale
  trends     series, MCID/RCI change, plateau, decline, flare, adherence (pure)
  flagging   keeps stored flags in step with the data
  snapshot   one patient's rows, the input of trends/exports/report
  exports    tidy CSV and FHIR R4 Bundle
  report     the therapist report (HTML, PDF)
  synthetic  generated patients for tests, benchmarks and samples
"""
