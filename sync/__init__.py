"""The wire between offices and the province: envelopes, signatures, transport, endpoint.

Never imports Qt or ``desktop``.
"""
