"""Game package."""
