"""The privacy catalogue as data: processing purposes with their legal basis, data categories
and their retention rules (PIPL; rules.md CN-PI-01…05, CN-REC-01).

A pure module (no Django) so the whole table is read, reviewed and tested in one place. Names
are English msgids marked with ``gettext_noop``; the pages translate them.

- Collection itself rests on contract necessity (PIPL Art 13(1)(2)), so it needs no consent
  and withdrawing a consent never stops it (CN-PI-05).
- Keeping collection records rests on a legal obligation (Art 13(1)(3); CN-REC-01).
- Sensitive data (whereabouts, financial accounts; Arts 28–29) and giving the file to an
  independent processor such as a debt buyer (Art 23) need the debtor's *separate* consent
  (CN-PI-03, CN-PI-04); withdrawing it stops what relied on it.
- Entrusting an outside agency is entrusted processing (Art 21): no consent, but a contract,
  supervision and a prior impact assessment (the agencies app keeps those).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class LegalBasis(StrEnum):
    CONTRACT = "contract"  # PIPL Art 13(1)(2)
    LEGAL_OBLIGATION = "legal_obligation"  # Art 13(1)(3)
    CONSENT = "consent"  # Art 13(1)(1)
    SEPARATE_CONSENT = "separate_consent"  # Arts 23, 29: a consent of its own, not bundled


BASIS_NAMES: Mapping[LegalBasis, str] = {
    LegalBasis.CONTRACT: gettext_noop("Necessary for the contract"),
    LegalBasis.LEGAL_OBLIGATION: gettext_noop("Legal obligation"),
    LegalBasis.CONSENT: gettext_noop("Consent"),
    LegalBasis.SEPARATE_CONSENT: gettext_noop("Separate consent"),
}
CONSENT_BASES = frozenset({LegalBasis.CONSENT, LegalBasis.SEPARATE_CONSENT})


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    name: str
    basis: LegalBasis
    categories: tuple[str, ...]
    citation: str
    sensitive: bool = False

    @property
    def needs_consent(self) -> bool:
        return self.basis in CONSENT_BASES


COLLECTION = "collection"
RECORD_KEEPING = "record_keeping"
ENTRUSTED_AGENCY = "entrusted_agency"
SENSITIVE_WHEREABOUTS = "sensitive_whereabouts"
SENSITIVE_FINANCIAL = "sensitive_financial"
TRANSFER_TO_BUYER = "transfer_to_buyer"

PURPOSES: tuple[Purpose, ...] = (
    Purpose(
        COLLECTION,
        gettext_noop("Collecting the debt under the credit contract"),
        LegalBasis.CONTRACT,
        ("identity", "contact_details", "financial", "collection_records"),
        "PIPL Art 13(1)(2)",
    ),
    Purpose(
        RECORD_KEEPING,
        gettext_noop("Keeping the record of the collection process"),
        LegalBasis.LEGAL_OBLIGATION,
        ("collection_records",),
        "PIPL Art 13(1)(3); CN-REC-01",
    ),
    Purpose(
        ENTRUSTED_AGENCY,
        gettext_noop("Entrusting collection to an outside agency (entrusted processing)"),
        LegalBasis.CONTRACT,
        ("identity", "contact_details", "collection_records"),
        "PIPL Arts 21, 55, 56; CN-PI-04",
    ),
    Purpose(
        SENSITIVE_WHEREABOUTS,
        gettext_noop("Using whereabouts and location (GPS) to find the debtor"),
        LegalBasis.SEPARATE_CONSENT,
        ("whereabouts",),
        "PIPL Arts 28, 29; CN-PI-03",
        sensitive=True,
    ),
    Purpose(
        SENSITIVE_FINANCIAL,
        gettext_noop("Using financial accounts held elsewhere to assess repayment"),
        LegalBasis.SEPARATE_CONSENT,
        ("financial",),
        "PIPL Arts 28, 29; CN-PI-03",
        sensitive=True,
    ),
    Purpose(
        TRANSFER_TO_BUYER,
        gettext_noop("Giving the debt file to a buyer of the debt (an independent processor)"),
        LegalBasis.SEPARATE_CONSENT,
        ("identity", "contact_details", "financial", "collection_records"),
        "PIPL Art 23; CN-PI-04",
    ),
)
PURPOSE_BY_CODE: Mapping[str, Purpose] = {purpose.code: purpose for purpose in PURPOSES}
CONSENT_PURPOSES: tuple[str, ...] = tuple(p.code for p in PURPOSES if p.needs_consent)


class Action(StrEnum):
    ANONYMISE = "anonymise"  # personal values blanked, the row stays for the records
    DELETE = "delete"  # rows removed
    ERASE_SALT = "erase_salt"  # the ledger's salt erased: commitments no longer linkable


class HoldKind(StrEnum):
    """Why records past their period are still kept (CN-PI-05: as long as the law needs)."""

    OPEN_CASE = "open_case"
    LIMITATION = "limitation"  # a written-off debt whose limitation still runs (CN-LIM-01)
    LITIGATION = "litigation"  # a legal matter is open
    DISPUTE = "dispute"  # an open dispute (CN-DISP-01)
    COMPLAINT = "complaint"  # an open complaint
    GUARANTEE = "guarantee"  # guarantor of a debt whose case is open


HOLD_NAMES: Mapping[HoldKind, str] = {
    HoldKind.OPEN_CASE: gettext_noop("A case is still open"),
    HoldKind.LIMITATION: gettext_noop("The limitation period still runs"),
    HoldKind.LITIGATION: gettext_noop("A legal matter is open"),
    HoldKind.DISPUTE: gettext_noop("A dispute is open"),
    HoldKind.COMPLAINT: gettext_noop("A complaint is open"),
    HoldKind.GUARANTEE: gettext_noop("Guarantor of a debt still in collection"),
}


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """How long one data category is kept after the customer's last case closed, and what is
    done with it then. Every hold kind applies to every category: a record the law still
    needs is kept whole (evidence is not kept half-anonymised)."""

    category: str
    name: str
    years_after_close: int
    action: Action
    citation: str


RETENTION_RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        "identity",
        gettext_noop("Identity: name, national ID, birth date, gender, employer, occupation"),
        2,
        Action.ANONYMISE,
        "CN-REC-01 (at least 2 years); PIPL Art 47",
    ),
    RetentionRule(
        "contact_details",
        gettext_noop("Contact details: phones and street addresses"),
        2,
        Action.DELETE,
        "CN-REC-01; PIPL Art 47",
    ),
    RetentionRule(
        "financial",
        gettext_noop("Income, assets and other debts declared"),
        2,
        Action.ANONYMISE,
        "CN-REC-01; PIPL Arts 28, 47",
    ),
    RetentionRule(
        "ledger_commitments",
        gettext_noop("Commitments to personal data in the ledger (the customer's salt)"),
        2,
        Action.ERASE_SALT,
        "CN-REC-01; PIPL Art 47",
    ),
)
# Every data category a purpose names. ``collection_records`` (contacts, decisions, notes,
# visit reports) are the record CN-REC-01 keeps: they stay, de-identified once the customer's
# identity and contact details are erased. ``whereabouts`` are the visit app's GPS points.
CATEGORY_NAMES: Mapping[str, str] = {
    **{rule.category: rule.name for rule in RETENTION_RULES},
    "collection_records": gettext_noop(
        "Collection records: contacts, decisions, notes, visit reports (kept, de-identified)"
    ),
    "whereabouts": gettext_noop("Whereabouts: location points recorded on visits"),
}
RULE_BY_CATEGORY: Mapping[str, RetentionRule] = {rule.category: rule for rule in RETENTION_RULES}
MIN_YEARS = 2  # CN-REC-01: collection records are kept at least 2 years


def purpose(code: str) -> Purpose:
    """The purpose ``code`` names; KeyError when there is none."""
    return PURPOSE_BY_CODE[code]
