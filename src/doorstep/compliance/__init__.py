"""Compliance: every contact with a debtor is decided first, by explained and versioned rules.

``compliance.engine`` is the pure core (no Django): facts in, a decision out. The Django side
(parameter versions with maker-checker, the decision log, the gate in every contact path) is
built on top of it and never re-implements a rule.
"""
