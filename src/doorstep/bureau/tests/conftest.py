"""The demo load signs a checkpoint: with the ledger tests' fixed key, not a key file."""

from doorstep.ledger.tests.conftest import log_key

__all__ = ["log_key"]
