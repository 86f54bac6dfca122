"""The plan's domain as data plus one engine: form definitions, reference data, validators.

Pure Python, shared by the office app and the provincial endpoint.
"""
