"""FHIR definitions NeuroPlay ships: the check-in Questionnaire and the local
CodeSystem of movement metrics that exports refer to (package data)."""
