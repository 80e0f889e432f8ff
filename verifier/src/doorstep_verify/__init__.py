"""Doorstep's verifiable ledger, checkable by anyone: RFC 6962 Merkle proofs, C2SP checkpoints.

A standalone distribution that depends only on ``cryptography``, so an auditor can install it
without Doorstep. The Doorstep server imports these modules to build its log; nothing here
imports Doorstep.
"""

__version__ = "0.1.0"
