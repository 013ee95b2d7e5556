"""The install the README and the test script run: llama.cpp built portable, one pinned source."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _llama_requirement() -> str:
    text = (ROOT / "requirements.txt").read_text().replace("\\\n", " ")
    lines = [line for line in text.splitlines() if line.startswith("llama-cpp-python")]
    assert len(lines) == 1
    return lines[0]


def test_requirements_build_llama_cpp_for_any_x86_64_cpu() -> None:
    line = _llama_requirement()
    defines = dict(re.findall(r"--config-settings=cmake\.define\.(\w+)=(\w+)", line))
    assert defines["GGML_NATIVE"] == "OFF"
    assert defines["GGML_AVX2"] == "ON"
    for name in ("GGML_AVX512", "GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16"):
        assert defines[name] == "OFF", name


def test_requirements_pin_the_version_of_pyproject_under_their_own_cache_key() -> None:
    line = _llama_requirement()
    url = re.search(r"@ (\S+)", line)
    assert url is not None
    pinned = [
        d
        for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
        if d.startswith("llama-cpp-python")
    ]
    version = pinned[0].split("==")[1]
    assert f"/llama_cpp_python-{version}.tar.gz?" in url.group(1), "a tag gives its own cache key"
    assert re.search(r"#sha256=[0-9a-f]{64}$", url.group(1))
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    assert "-e ." in lines


def test_readme_and_test_script_install_from_the_requirements() -> None:
    readme = (ROOT / "README.md").read_text()
    first = re.findall(r"```bash\n(.+?)\n```", readme, flags=re.S)[0]
    assert "pip install -r requirements.txt" in first
    assert "--no-deps" not in first
    assert "pip install -q -r requirements.txt" in (ROOT / "scripts" / "test.sh").read_text()
