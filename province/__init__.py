"""The reference provincial endpoint: HTTP service, storage, signing key and admin commands.

Run it with ``anhui-province serve``; see ``docs/province.md``.
"""
