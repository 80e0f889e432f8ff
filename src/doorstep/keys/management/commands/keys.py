"""``doorstep keys``: the encryption keys of personal fields (docs/encryption.md).

doorstep keys status                 # keys, their state and how many values each encrypts
doorstep keys rotate [--batch 2000]  # new data key, re-encrypt every row (resumes if cut)
doorstep keys rotate-kek             # rewrap the data keys under the current DOORSTEP_KEK
doorstep keys generate-kek           # print a new KEK (base64) for DOORSTEP_KEK
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from doorstep.keys import keyring, rotation


class Command(BaseCommand):
    help = "Show, rotate and rewrap the keys that encrypt personal fields."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Keys, their state and the values each encrypts.")
        rotate = sub.add_parser("rotate", help="A new data key; re-encrypt every stored value.")
        rotate.add_argument("--batch", type=int, default=rotation.BATCH, help="Rows a batch.")
        rotate.add_argument(
            "--no-wait",
            action="store_true",
            help="Retire the old key without waiting for other processes' key cache to expire "
            "(only when no other process is writing).",
        )
        sub.add_parser("rotate-kek", help="Rewrap the data keys under the current KEK.")
        sub.add_parser("generate-kek", help="Print a new key-encryption key (base64).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "generate-kek":
            self.stdout.write(keyring.generate_kek())
        elif action == "status":
            self._status()
        elif action == "rotate-kek":
            count = rotation.kek_rotate()
            self.stdout.write(f"{count} keys rewrapped under {keyring.kek().key_id}")
        else:
            self._rotate(options["batch"], wait=not options["no_wait"])

    def _status(self) -> None:
        self.stdout.write(f"key-encryption key: {keyring.kek().key_id}")
        for key in rotation.keys_status():
            values = "" if key.values is None else f" {key.values:>10,} values"
            self.stdout.write(
                f"{key.purpose:<5} {key.key_id} {key.state:<8} {key.created_at:%Y-%m-%d %H:%M}"
                f" wrapped by {key.kek_id}{values}"
            )

    def _rotate(self, batch: int, *, wait: bool) -> None:
        key, new = rotation.rotation_start()
        self.stdout.write(
            f"{'rotating to new' if new else 'resuming the rotation to'} data key {key.key_id}"
        )
        total = sum(rotation.pending(key.key_id).values())
        with tqdm(total=total, unit="rows", file=sys.stderr, disable=None) as bar:
            moved = rotation.reencrypt(batch=batch, progress=bar.update)
        self.stdout.write(f"{moved:,} rows re-encrypted")
        left = rotation.rotation_finish(key.created_at, wait=wait)
        if left:
            self.stdout.write(f"{left} rows still under an old key; run `keys rotate` again")
        else:
            self.stdout.write("old data keys retired")
