"""Loading submissions: a .py, .ipynb, folder or .zip into a `Submission` with call plans, never running it.

Public entry points (docs/internals.md): `load_submission`, `submission_id`, `submission_sha256`,
`static_policy_flags`, `source_location` and the default forbidden-module list `DEFAULT_FORBIDDEN`;
docs/submissions.md lists the accepted shapes, adapters, statuses and messages.
"""

from harness.load.discover import DEFAULT_LIMITS, Limits, submission_id, submission_sha256
from harness.load.loader import load_submission
from harness.load.policy import DEFAULT_FORBIDDEN, static_policy_flags
from harness.load.source import source_location

__all__ = ["DEFAULT_FORBIDDEN", "DEFAULT_LIMITS", "Limits", "load_submission", "source_location",
           "static_policy_flags", "submission_id", "submission_sha256"]
