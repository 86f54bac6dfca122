"""The office application: encrypted local store, services, command line and Qt GUI.

Only ``desktop.gui`` imports Qt; the store and services are plain Python.
"""
