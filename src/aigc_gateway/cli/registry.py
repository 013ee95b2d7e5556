"""The command registry: every top-level command, its one-line help and where it is defined.

A capability adds a command with one line here and a function ``NAME(parser)`` in its own
``cli`` module that adds the command's options (and actions) to ``parser`` and sets
``run=`` on each. Only the command being run is imported, so ``--help`` and quick commands
start without loading the model, the guards or the HTTP layer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    define: str
    """``module:function`` that adds the command's options to its parser."""


COMMANDS = (
    Command("serve", "run the gateway", "aigc_gateway.cli.server:serve"),
    Command("keys", "manage API keys", "aigc_gateway.cli.keys:keys"),
    Command("config", "work with the config file", "aigc_gateway.cli.configuration:config"),
    Command("audit", "verify, export and maintain the audit trail", "aigc_gateway.audit.cli:audit"),
    Command("report", "reports from the audit trail", "aigc_gateway.audit.cli:report"),
    Command(
        "eval",
        "evaluate a model: red-team and refusal suites, report and fact sheet",
        "aigc_gateway.evaluation.cli:evaluate",
    ),
    Command(
        "verify",
        "was a text or image generated here? (verdict + evidence)",
        "aigc_gateway.labeling.cli:verify",
    ),
    Command(
        "labels", "content labels: signing, watermark keys", "aigc_gateway.labeling.cli:labels"
    ),
    Command(
        "scan",
        "scan datasets for personal data, secrets, unsafe and AI-generated text",
        "aigc_gateway.scan.cli:scan",
    ),
)
