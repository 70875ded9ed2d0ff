"""The trust boundary: candidate code runs in a sandboxed child; the objective stays on this side of a pipe."""

from harness.sandbox.policy import CallRequest, Policy

__all__ = ["CallRequest", "Policy"]
