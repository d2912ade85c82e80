"""FHIR R4 and CSV mapping, framework-free."""
