"""The ledger's tables: entries, the Merkle tree's stored nodes, signed heads and witnesses.

Rows here are only ever inserted (entries, nodes, checkpoints, cosignatures): changing one would
change a hash an auditor already holds. Only ``LedgerHead`` (the size, under its row lock) and
``SubjectSalt`` (erased on request) are updated.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerHead(models.Model):
    """The one row (pk 1) that says how many entries the log has.

    Every append locks it (``select_for_update``) for the rest of its transaction: writers queue
    on it, so indexes are handed out in commit order with no gap and no repeat, and a rolled-back
    append gives its index back.
    """

    SINGLETON = 1

    size = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("ledger head")

    def __str__(self) -> str:
        return f"{self.size}"


class LedgerEntry(models.Model):
    """One leaf: ``data`` is the exact canonical JSON text whose hash is ``leaf_hash``."""

    index = models.BigIntegerField(_("index"), primary_key=True)
    kind = models.CharField(_("kind"), max_length=64)
    data = models.TextField(_("data"))
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32)
    created_at = models.DateTimeField(_("appended at"))

    class Meta:
        ordering = ["index"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["kind", "index"], name="ledger_entry_kind")]

    def __str__(self) -> str:
        return f"{self.index} {self.kind}"


class LedgerSubject(models.Model):
    """Which ids an entry is about (``case`` → ``C260416-0000001``), to find a case's entries.

    The key is the lookup itself (name, value, entry): no row id, no second index to maintain.
    """

    pk = models.CompositePrimaryKey("name", "value", "entry")
    name = models.CharField(max_length=32)
    value = models.CharField(max_length=64)
    # No constraint of its own: only the append service writes these rows, with their entries,
    # in the same transaction, and a per-row key check would cost a bulk append as much again.
    entry = models.ForeignKey(
        LedgerEntry,
        on_delete=models.DO_NOTHING,
        related_name="subjects",
        db_column="entry_index",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("ledger subject")
        verbose_name_plural = _("ledger subjects")

    def __str__(self) -> str:
        return f"{self.name}:{self.value}"


class LedgerNode(models.Model):
    """The hash of one perfect subtree above the leaves, keyed by ``merkle.node_key``.

    Leaf hashes (level 0) live on the entries; these are levels 1 and up, about one per leaf.
    """

    key = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("ledger node")
        verbose_name_plural = _("ledger nodes")

    def __str__(self) -> str:
        return f"{self.key}"


class Checkpoint(models.Model):
    """A signed tree head (C2SP tlog-checkpoint) exactly as it was signed."""

    tree_size = models.BigIntegerField(_("tree size"))
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    timestamp = models.DateTimeField(_("signed at"))
    text = models.TextField(_("checkpoint text"))
    note = models.TextField(_("signed note"))
    signature = models.BinaryField(_("signature"), max_length=64)
    key_id = models.CharField(_("key id"), max_length=8)
    public_key = models.CharField(_("public key"), max_length=64)

    class Meta:
        ordering = ["-tree_size", "-id"]
        get_latest_by = ["tree_size", "id"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        indexes = [models.Index(fields=["tree_size", "id"], name="checkpoint_size")]

    def __str__(self) -> str:
        return f"{self.tree_size} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"

    @property
    def root_hex(self) -> str:
        return bytes(self.root_hash).hex()


class Witness(models.Model):
    """An outside party that cosigns checkpoints, known by its cosigner key (C2SP vkey)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    vkey = models.CharField(_("verifier key"), max_length=400)
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("witness")
        verbose_name_plural = _("witnesses")

    def __str__(self) -> str:
        return self.name


class Cosignature(models.Model):
    """A witness's C2SP tlog-cosignature of a checkpoint: its time (8 bytes) ‖ Ed25519 signature."""

    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="cosignatures")
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    signature = models.BinaryField(_("signature"), max_length=72)
    cosigned_at = models.DateTimeField(_("cosigned at"))
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["checkpoint", "witness"]
        verbose_name = _("cosignature")
        verbose_name_plural = _("cosignatures")
        constraints = [
            models.UniqueConstraint(
                fields=["witness", "checkpoint"], name="cosignature_once_per_witness"
            )
        ]

    def __str__(self) -> str:
        return f"{self.witness_id} {self.checkpoint_id}"


class SubjectSalt(models.Model):
    """A customer's random salt for the commitments to their personal data in the log.

    ``customer_id`` is a plain number, not a foreign key: the tombstone (``salt`` empty,
    ``erased_at`` set) must outlive the customer's row, so nothing is committed for them again.
    """

    customer_id = models.BigIntegerField(unique=True)
    salt = models.BinaryField(max_length=32, null=True)
    created_at = models.DateTimeField()
    erased_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("subject salt")
        verbose_name_plural = _("subject salts")

    def __str__(self) -> str:
        return f"{self.customer_id}"
