"""Privacy (PIPL): notices and legal bases, consents, retention and erasure.

See docs/privacy.md. ``selectors.consent_in_force`` is the one read other apps use to ask
whether processing that relies on a consent may go ahead; contacts are decided by the
compliance engine's rule CN-PI-05, which reads the same consent records.
"""
