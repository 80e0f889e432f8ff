"""``python -m doorstep_verify`` is the same as the ``doorstep-verify`` command."""

from doorstep_verify.cli import main

raise SystemExit(main())
