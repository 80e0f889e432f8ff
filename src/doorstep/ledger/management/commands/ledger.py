"""`doorstep ledger …`: keys, signed heads, exports and proofs for auditors, and the full check.

    doorstep ledger public-key                  # the hex key auditors receive out of band
    doorstep ledger sign                        # sign the current tree head now
    doorstep ledger export ledger.json          # the whole log as of the latest checkpoint
    doorstep ledger prove-inclusion 17 --tree-size 1000
    doorstep ledger prove-consistency 500 1000
    doorstep ledger verify                      # rehash everything, check every signature
    doorstep ledger witnesses add regulator.example/w1 regulator.example/w1+1c2d3e4f+BA…
    doorstep ledger generate-key ledger.key     # a new signing key (for LEDGER_SIGNING_KEY_FILE)

Proofs and the export are JSON in the formats ``doorstep-verify`` reads; ``verify`` prints the
same kind of report and exits with the same codes (0 only when everything checks).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils import timezone
from doorstep_verify.cli import render

from doorstep.core.errors import DomainError
from doorstep.ledger.keys import generate_key_file, log_signer
from doorstep.ledger.selectors import (
    consistency_proof,
    export_bundle,
    inclusion_proof,
    witness_list,
    witnessed_note,
)
from doorstep.ledger.services import ledger_sign_checkpoint, ledger_witness_add
from doorstep.ledger.verification import ledger_verify


class _Unterminated:
    """The command's standard output as a plain text stream (no newline added per write)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> int:
        self.out.write(text, ending="")
        return len(text)


def _whole(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "The verifiable ledger: public key, signing, export, proofs, verification, witnesses."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        key = sub.add_parser("public-key", help="Print the log's public key (hex).")
        key.add_argument("--vkey", action="store_true", help="As a signed-note verifier key.")
        sub.add_parser("sign", help="Sign the current tree head and print the signed note.")
        export = sub.add_parser("export", help="Write the export bundle of the latest checkpoint.")
        export.add_argument("file", help="Where to write it ('-' for standard output).")
        inclusion = sub.add_parser("prove-inclusion", help="Inclusion proof of one entry.")
        inclusion.add_argument("index", type=_whole, help="The entry's 0-based index.")
        inclusion.add_argument(
            "--tree-size", type=_whole, help="Default: the latest checkpoint's tree size."
        )
        consistency = sub.add_parser("prove-consistency", help="Consistency proof M → N.")
        consistency.add_argument("first", type=_whole, metavar="M")
        consistency.add_argument("second", type=_whole, metavar="N")
        verify = sub.add_parser("verify", help="Check the whole stored log and its signatures.")
        verify.add_argument("--json", action="store_true", help="Print the report as JSON.")
        witnesses = sub.add_parser("witnesses", help="The witnesses that cosign checkpoints.")
        witness_sub = witnesses.add_subparsers(dest="witness_action", required=True)
        add = witness_sub.add_parser("add", help="Register a witness and its cosigner key.")
        add.add_argument("name")
        add.add_argument("key", help="64 hex digits or the vkey name+keyid+base64 (type 0x04).")
        witness_sub.add_parser("list", help="List the registered witnesses.")
        generate = sub.add_parser("generate-key", help="Write a new signing key to FILE (0600).")
        generate.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._run(options)
        except (DomainError, ImproperlyConfigured) as error:
            raise CommandError(str(getattr(error, "message", error))) from None

    def _run(self, options: dict[str, Any]) -> None:
        match options["action"]:
            case "public-key":
                signer = log_signer()
                vkey = options["vkey"]
                self.stdout.write(signer.verifier.vkey() if vkey else signer.public_key.hex())
            case "sign":
                checkpoint = ledger_sign_checkpoint()
                self.stdout.write(witnessed_note(checkpoint), ending="")
            case "export":
                self._export(options["file"])
            case "prove-inclusion":
                included = inclusion_proof(index=options["index"], tree_size=options["tree_size"])
                self.stdout.write(json.dumps(included.to_json(), indent=2))
            case "prove-consistency":
                grown = consistency_proof(first=options["first"], second=options["second"])
                self.stdout.write(json.dumps(grown.to_json(), indent=2))
            case "verify":
                self._verify(as_json=options["json"])
            case "witnesses":
                self._witnesses(options)
            case "generate-key":
                try:
                    signer = generate_key_file(Path(options["file"]), settings.LEDGER_ORIGIN)
                except FileExistsError:
                    raise CommandError(f"{options['file']} exists; not overwriting a key") from None
                self.stdout.write(f"{options['file']}: {signer.public_key.hex()}")

    def _export(self, name: str) -> None:
        if name == "-":
            export_bundle(_Unterminated(self.stdout))
            return
        with open(name, "w", encoding="utf-8") as out:
            checkpoint = export_bundle(out)
        signed = f"{timezone.localtime(checkpoint.timestamp):%Y-%m-%d %H:%M:%S}"
        self.stdout.write(f"{name}: {checkpoint.tree_size} entries, signed {signed}")

    def _verify(self, *, as_json: bool) -> None:
        report = ledger_verify()
        if as_json:
            self.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(report))
        if report.decisive is not None:
            raise CommandError(report.decisive.message, returncode=int(report.outcome))

    def _witnesses(self, options: dict[str, Any]) -> None:
        if options["witness_action"] == "add":
            witness = ledger_witness_add(name=options["name"], key=options["key"])
            self.stdout.write(f"{witness.name}: {witness.vkey}")
            return
        for witness in witness_list():
            self.stdout.write(f"{witness.name}\t{witness.vkey}")
