"""harness: grades 'minimize this unknown function' take-homes.

Stages (see harness/pipeline.py for their order): bank -> load -> sandbox -> score -> report.
"""

__version__ = "0.1.0"
