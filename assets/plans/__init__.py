"""Plan templates (TOML) shipped as package data; see exercises/plans.py for the schema."""
