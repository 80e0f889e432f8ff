"""`doorstep scoring …`: evaluate on a CSV, train on the bank's history, ask to promote, run.

`evaluate` prints the issue's JSON; usage errors (bad file, column or target) exit with 2.
`run` scores every open case with the champion for a date, with a progress bar, and is safe to
repeat: the date's scores are replaced, not doubled.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from doorstep.core.errors import DomainError
from doorstep.scoring import services
from doorstep.scoring.evaluation import evaluate
from doorstep.scoring.models import ModelVersion
from doorstep.scoring.table import DataError, prepare, read_csv


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date like 2026-06-30: {value!r}", returncode=2) from exc


# Usage errors exit with 2, like argparse, so scripts can tell bad input from a crash.
USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Risk scoring: evaluate on a CSV, train, request promotion, score open cases."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate_parser = sub.add_parser(
            "evaluate",
            help="Stratified 5-fold CV (seed 42) of the scorecard and LightGBM on a CSV.",
        )
        evaluate_parser.add_argument("--csv", required=True, type=Path, help="CSV file (or .gz).")
        evaluate_parser.add_argument("--target", required=True, help="The outcome column.")
        evaluate_parser.add_argument(
            "--positive",
            help="Target value that counts as the event (required for a text target; "
            "a numeric target defaults to 1).",
        )

        train = sub.add_parser("train", help="Train a challenger on the bank's own history.")
        train.add_argument("--as-of", type=_day, help="Last day of data (default: today).")
        train.add_argument("--user", required=True, help="Username of the model's owner.")
        promote = sub.add_parser("promote", help="Ask for approval to make a version champion.")
        promote.add_argument("--version", type=int, required=True)
        promote.add_argument("--user", required=True, help="Username asking (not the approver).")
        promote.add_argument("--reason", required=True)
        run = sub.add_parser("run", help="Score every open case with the champion.")
        run.add_argument("--date", type=_day, help="Date to score as of (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "evaluate":
            self._evaluate(options)
            return
        try:
            if action == "train":
                self._train(options)
            elif action == "promote":
                self._promote(options)
            else:
                self._run(options)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=USAGE_ERROR) from exc

    def _user(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.", returncode=USAGE_ERROR)
        return user

    def _train(self, options: dict[str, Any]) -> None:
        as_of = options["as_of"] or timezone.localdate()
        version = services.model_train(as_of=as_of, owner=self._user(options["user"]))
        summary = version.metrics["models"]
        self.stdout.write(
            f"Trained {version} on {version.rows:,} customer-months "
            f"({version.data_from} … {version.data_to}), fingerprint "
            f"{version.data_fingerprint[:12]}: 5-fold CV AUC scorecard "
            f"{summary['scorecard']['auc']:.3f}, LightGBM {summary['lightgbm']['auc']:.3f}."
        )

    def _promote(self, options: dict[str, Any]) -> None:
        version = ModelVersion.objects.filter(
            name=services.MODEL_NAME, version=options["version"]
        ).first()
        if version is None:
            raise CommandError(f"No model version {options['version']}.", returncode=USAGE_ERROR)
        request = services.model_promotion_request(
            version=version, requested_by=self._user(options["user"]), reason=options["reason"]
        )
        self.stdout.write(f"Approval request #{request.pk} is waiting for a checker.")

    def _run(self, options: dict[str, Any]) -> None:
        as_of = options["date"] or timezone.localdate()
        with tqdm(unit=" cases", file=self.stderr, disable=None) as bar:
            result = services.scores_run(as_of=as_of, progress=bar.update)
        run = result.run
        self.stdout.write(
            f"Scored {run.cases:,} open cases as of {as_of} with {run.model_version}"
            f"{' (replaced the earlier run)' if result.replaced else ''}; "
            f"score PSI {run.stability.get('score_psi', 0):.3f}, {len(run.alerts)} drift alerts."
        )

    def _evaluate(self, options: dict[str, Any]) -> None:
        try:
            data = prepare(read_csv(options["csv"]), options["target"], options["positive"])
        except DataError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from exc
        self.stdout.write(json.dumps(evaluate(data), indent=2))
