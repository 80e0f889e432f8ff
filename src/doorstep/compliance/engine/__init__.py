"""The pure compliance engine: facts about a proposed contact in, an explained decision out.

No Django anywhere below this package (a test imports it with Django unconfigured). The Django
side stores parameter versions and arrangements, passes them in, and logs what comes back::

    decision = decide(contact, debtor, history, profile="cn", params=params,
                      calendar=calendar, version="7")
    explain(decision, "zh-hans")
"""

from .batch import BatchDecider, Outcome, Proposal
from .calendar import Calendar, DayKind, YearArrangement
from .content import Kind, Screening, screen
from .evaluate import decide
from .explain import Explanation, explain, explain_limitation, explain_screening
from .limitation import EventKind, Interruption, Limitation, Obstacle, limitation
from .model import (
    Channel,
    Contact,
    Debtor,
    Decision,
    EngineInputError,
    FiredRule,
    Hold,
    Initiator,
    PastContact,
    Target,
    Verdict,
    Window,
)
from .params import (
    CnParams,
    ParameterError,
    Params,
    UkParams,
    UsParams,
    default_params,
    params_from_dict,
    params_to_dict,
)
from .profiles import DEFAULT, PROFILES, get_profile

__all__ = [
    "DEFAULT",
    "PROFILES",
    "BatchDecider",
    "Calendar",
    "Channel",
    "CnParams",
    "Contact",
    "DayKind",
    "Debtor",
    "Decision",
    "EngineInputError",
    "EventKind",
    "Explanation",
    "FiredRule",
    "Hold",
    "Initiator",
    "Interruption",
    "Kind",
    "Limitation",
    "Obstacle",
    "Outcome",
    "ParameterError",
    "Params",
    "PastContact",
    "Proposal",
    "Screening",
    "Target",
    "UkParams",
    "UsParams",
    "Verdict",
    "Window",
    "YearArrangement",
    "decide",
    "default_params",
    "explain",
    "explain_limitation",
    "explain_screening",
    "get_profile",
    "limitation",
    "params_from_dict",
    "params_to_dict",
    "screen",
]
