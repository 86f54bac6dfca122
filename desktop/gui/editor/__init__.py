"""The record editor, generated from a form definition (no form is a hand-written widget)."""
