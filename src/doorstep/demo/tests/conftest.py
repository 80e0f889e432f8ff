"""The demo signs a checkpoint after a load: with the ledger tests' fixed key, not a key file."""

from doorstep.ledger.tests.conftest import log_key

__all__ = ["log_key"]
