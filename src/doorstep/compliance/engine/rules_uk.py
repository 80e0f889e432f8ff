"""Profile ``uk``: the subset of FCA CONC 7 that a proposed contact can be checked against.

CONC sets no clock hours; "unreasonable times" defaults to the bank's 08:00–21:00 window
(start included, end excluded) in the customer's local time, and the times the customer said
not to call are respected too (both UK-TIME-01). A first visit must have been announced with
its purpose, and customers known to be vulnerable are not visited (UK-VIS-01).
"""

from __future__ import annotations

from .history import any_before
from .model import BLOCK, VISIT, Citation, Hold
from .params import UkParams
from .rules import (
    NOT_LETTERS,
    Hit,
    Profile,
    Rule,
    Situation,
    first_of,
    holds,
    stated_times,
    targets,
    time_window,
)

TIME = Citation(zh="FCA CONC 7.9.4R", en="FCA CONC 7.9.4R")
THIRD_PARTY = Citation(zh="FCA CONC 7.9.7R–7.9.10R", en="FCA CONC 7.9.7R–7.9.10R")
VISITS = Citation(zh="FCA CONC 7.9.12R", en="FCA CONC 7.9.12R")
POLICY = Citation(zh="本行政策", en="bank policy")

hours = first_of(
    time_window(param="contact_window", channels=NOT_LETTERS, consent_exempts=True),
    stated_times(channels=NOT_LETTERS),
)


def visit(sit: Situation, params: UkParams) -> Hit | None:
    if sit.contact.channel is not VISIT:
        return None
    if sit.debtor.vulnerable:
        return Hit(BLOCK, lambda: {"reason": "vulnerable"})
    if sit.contact.announced or not sit.by_bank:  # a visit the customer asked for is announced
        return None
    if any_before(sit.history.visits(), sit.contact.at):
        return None
    return Hit(BLOCK, lambda: {"reason": "first_visit_unannounced"})


PROFILE = Profile(
    code="uk",
    home_timezone="Europe/London",
    params_type=UkParams,
    rules=(
        Rule("UK-TIME-01", TIME, ("contact_window",), hours),
        Rule("UK-3P-01", THIRD_PARTY, ("allowed_targets",), targets),
        Rule("UK-VIS-01", VISITS, (), visit),
        Rule(
            "UK-HOLD-01",
            POLICY,
            (),
            holds(Hold.CEASE_CONTACT, Hold.DISPUTE, Hold.HARDSHIP, Hold.COMPLAINT),
        ),
    ),
)
