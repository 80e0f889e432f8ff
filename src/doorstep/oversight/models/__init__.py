"""The oversight app's models: approvals, complaints, internal audit and training."""

from doorstep.oversight.models.approvals import (
    STATUS_CHOICES,
    STATUS_LABELS,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalVote,
    Committee,
)
from doorstep.oversight.models.audit import (
    METHOD_LABELS,
    AuditCampaign,
    AuditFinding,
    AuditItem,
    Remediation,
)
from doorstep.oversight.models.complaints import (
    CATEGORY_LABELS,
    COMPLAINT_STATUS_LABELS,
    EXTENSION_LABELS,
    OUTCOME_LABELS,
    ROOT_CAUSE_LABELS,
    Complaint,
    ComplaintEvent,
    ComplaintEvidence,
)
from doorstep.oversight.models.training import (
    TOPIC_LABELS,
    Completion,
    Course,
    TrainingAssignment,
)

__all__ = [
    "CATEGORY_LABELS",
    "COMPLAINT_STATUS_LABELS",
    "EXTENSION_LABELS",
    "METHOD_LABELS",
    "OUTCOME_LABELS",
    "ROOT_CAUSE_LABELS",
    "STATUS_CHOICES",
    "STATUS_LABELS",
    "TOPIC_LABELS",
    "ApprovalEvent",
    "ApprovalRequest",
    "ApprovalVote",
    "AuditCampaign",
    "AuditFinding",
    "AuditItem",
    "Committee",
    "Complaint",
    "ComplaintEvent",
    "ComplaintEvidence",
    "Completion",
    "Course",
    "Remediation",
    "TrainingAssignment",
]
