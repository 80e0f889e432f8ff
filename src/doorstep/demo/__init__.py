"""The demo bank: a deterministic, realistic bank in Hangzhou to try Doorstep with.

``doorstep demo load --accounts 5000 --seed 7`` fills an empty database; ``doorstep demo logins``
prints the fixed demo logins. The rows come from pure modules (``generate`` and the modules it
draws on, no Django), and ``services`` writes them in bulk through ``writer``.
"""
