"""The docs that must stay true: the README's two commands and the configuration reference."""

from __future__ import annotations

import re
from pathlib import Path

from aigc_gateway.config_reference import option_paths, reference

ROOT = Path(__file__).resolve().parent.parent


def test_configuration_reference_matches_the_code() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    block = text.split("<!-- reference:start -->\n```yaml\n")[1].split("```\n<!-- reference:end")[0]
    assert block == reference(), (
        "docs/configuration.md is stale: paste the output of 'aigc-gateway config reference' "
        "between the reference markers"
    )
    for path in option_paths():
        assert f"{path.rsplit('.', 1)[-1]}:" in block, path


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme, flags=re.S)[:2]
    assert commands[0].endswith("aigc-gateway serve")
    assert commands[1] == "bash scripts/test.sh"
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
