"""One exception root for everything the harness raises on purpose.

A `HarnessError` is a *user's* mistake or an unusable input: the CLI prints its message (which names the file,
line or field and the fix) and exits 2, with no traceback. Anything else escaping to the CLI is a bug (exit 1).
Candidate failures are never exceptions: they are scored results with a status (see harness.results).
"""


class HarnessError(Exception):
    """Root of the harness's deliberate errors; `str(err)` is the message a user reads."""


class BankError(HarnessError):
    """A bank folder, bank spec or objective pickle is missing, malformed or inconsistent."""


class RubricError(HarnessError):
    """A rubric YAML file is malformed or names something that does not exist."""


class SubmissionError(HarnessError):
    """A submission path cannot be read at all (not: the code inside is bad; that is a scored status)."""


class SandboxError(HarnessError):
    """The sandbox cannot be started on this machine (for example a broken bubblewrap install)."""


class ResultsError(HarnessError):
    """A saved results file is unreadable or of another schema version."""
