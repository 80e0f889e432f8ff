"""``doorstep-verify``: check a Doorstep ledger export, proof or checkpoint against trusted keys.

    doorstep-verify ledger.json --key 3b6a27bc…           # an export bundle
    doorstep-verify proof.json --key 3b6a… --checkpoint checkpoint.txt
    doorstep-verify checkpoint.txt --key 3b6a… --witness regulator.example/w1+1c2d3e4f+BA…

It prints one line per check and exits with the code of the most serious failure, 0 only when
everything checks against a trusted key (the exit codes are listed in ``--help``).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from doorstep_verify import __version__
from doorstep_verify.checks import (
    Outcome,
    Report,
    SignedHead,
    TrustedKey,
    UsageError,
    check_text,
    load_head,
)
from doorstep_verify.cosignature import CosignatureVerifier
from doorstep_verify.i18n import _, gettext_noop

EXIT_CODES = gettext_noop(
    """exit codes:
  0  verified: every check passed against a trusted key
  1  tampered: a leaf changed, missing, extra or out of order, a wrong root or a failing proof
  2  usage: the command line is wrong
  3  malformed: the file is unreadable or not one of the documented formats
  4  bad signature: a signature does not verify with the trusted key
  5  untrusted key: signed, but not by a trusted key (rewritten and re-signed by someone else)
  6  not checked: the hashes agree but nothing tied them to a trusted key (no --key, or a
     proof without a --checkpoint of its tree size)
  7  not witnessed: a witness given with --witness did not cosign the checkpoint"""
)

LABELS = {
    Outcome.VERIFIED: gettext_noop("ok"),
    Outcome.TAMPERED: gettext_noop("TAMPERED"),
    Outcome.MALFORMED: gettext_noop("MALFORMED"),
    Outcome.BAD_SIGNATURE: gettext_noop("BAD SIGNATURE"),
    Outcome.UNTRUSTED_KEY: gettext_noop("UNTRUSTED KEY"),
    Outcome.UNCHECKED: gettext_noop("NOT CHECKED"),
    Outcome.NOT_WITNESSED: gettext_noop("NOT WITNESSED"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doorstep-verify",
        description=textwrap.fill(
            _(
                "Checks a Doorstep ledger export bundle, inclusion proof, consistency proof or "
                "signed checkpoint. Trust comes only from the keys you give; a key inside the "
                "file is never trusted."
            )
        ),
        epilog=_(EXIT_CODES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", help=_("the JSON document or signed checkpoint note to check ('-' reads stdin)")
    )
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="KEY",
        help=_(
            "a trusted log public key: 64 hex digits (as `doorstep ledger public-key` prints) "
            "or a note verifier key name+keyid+base64; repeat it to trust rotated keys"
        ),
    )
    parser.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help=_(
            "a signed checkpoint (note text or export bundle) whose root anchors a proof's "
            "root of the same tree size; repeat it for both sizes of a consistency proof"
        ),
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help=_("with an inclusion proof: the exact entry bytes that must hash to leaf_hash"),
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY",
        help=_("a witness cosigner key (name+keyid+base64) that must have cosigned the checkpoint"),
    )
    parser.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def render(report: Report) -> str:
    width = max(len(_(label)) for label in LABELS.values())
    lines = [f"doorstep-verify: {report.subject}"]
    lines += [f"  {_(LABELS[check.outcome]):<{width}}  {check.message}" for check in report.checks]
    decisive = report.decisive
    if decisive is None:
        lines.append(_("VERIFIED against the trusted key (exit 0)"))
    else:
        lines.append(
            _("NOT VERIFIED (exit {code}, {label}): {message}").format(
                code=int(report.outcome), label=_(LABELS[report.outcome]), message=decisive.message
            )
        )
    return "\n".join(lines)


def _read_text(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        keys = [TrustedKey.parse(key) for key in args.key]
        witnesses = [CosignatureVerifier.from_vkey(key) for key in args.witness]
    except ValueError as error:
        parser.error(str(error))
    source = args.file
    try:
        text = _read_text(source)
        heads: list[SignedHead] = []
        for source in args.checkpoint:
            heads.append(load_head(_read_text(source), source))
        source = args.data or source
        data = Path(args.data).read_bytes() if args.data else None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        message = _("doorstep-verify: cannot read {source}: {error}")
        print(message.format(source=source, error=error), file=sys.stderr)
        return int(Outcome.MALFORMED)
    try:
        report = check_text(
            text, source=args.file, keys=keys, heads=heads, witnesses=witnesses, data=data
        )
    except UsageError as error:
        parser.error(str(error))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render(report))
    return int(report.outcome)
