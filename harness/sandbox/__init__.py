"""The trust boundary: candidate code runs in a sandboxed child; the objective stays on this side of a pipe."""

from harness.sandbox.bwrap import sandbox_mode
from harness.sandbox.environment import describe_environment
from harness.sandbox.policy import CallRequest, Policy
from harness.sandbox.protocol import EvaluationBudgetExhausted
from harness.sandbox.session import SandboxSession, open_session

__all__ = ["CallRequest", "EvaluationBudgetExhausted", "Policy", "SandboxSession", "describe_environment",
           "open_session", "sandbox_mode"]
