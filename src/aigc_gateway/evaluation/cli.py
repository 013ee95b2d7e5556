"""The ``eval`` command: run the suites against a configured model, raw and/or guarded, in
this process, and write results, report and fact sheet to an output folder (resumable)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from ..cli.common import EXIT_USAGE, CliError, add_common, load_settings
from ..errors import GatewayError
from .options import add_options, options_from_args, run_config
from .reports import OUTPUT_FILES, pct
from .runner import MODES, ConsoleProgress, Evaluator, RunConfig, RunError
from .suites import SUITES, SuiteError, select_cases


def evaluate(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run the evaluation suites against a configured model, without the guards "
        "(--raw) and/or through the default guards (--guarded; both if neither is given)."
    )
    add_common(parser)
    parser.add_argument("--raw", action="store_true", help="the model without guard stages")
    parser.add_argument("--guarded", action="store_true", help="through the full pipeline")
    add_options(parser, skip=frozenset({"modes"}))
    parser.add_argument("--out", type=Path, default=None, help="output folder (resumable)")
    parser.add_argument("--fresh", action="store_true", help="redo the chosen modes in --out")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--list-suites", action="store_true", help="list the suites and exit")
    parser.set_defaults(run=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> None:
    if args.list_suites:
        _list_suites()
        return
    if not args.model:
        raise CliError("--model is required (or --list-suites)", EXIT_USAGE)
    modes = [mode for mode in MODES if getattr(args, mode)] or list(MODES)
    try:
        config = run_config(options_from_args(args, modes=modes))
    except RunError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    settings = load_settings(args)
    out_dir = args.out or args.data_dir / "evaluations" / args.model.replace("/", "_")
    results = asyncio.run(_run(settings, args, config, out_dir))
    _print_summary(results, out_dir)


async def _run(settings: Any, args: argparse.Namespace, config: RunConfig, out_dir: Path) -> Any:
    from ..gateway import Gateway

    try:
        gateway = Gateway(settings, args.data_dir)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot start the gateway: {exc}") from exc
    try:
        progress = None if args.no_progress else ConsoleProgress()
        try:
            evaluator = Evaluator(gateway, config, out_dir, fresh=args.fresh, progress=progress)
        except (RunError, SuiteError) as exc:
            raise CliError(str(exc)) from exc
        except GatewayError as exc:
            raise CliError(exc.message, EXIT_USAGE) from exc
        ran = await evaluator.run()
        return await evaluator.finish(ran)
    finally:
        await gateway.close()


def _list_suites() -> None:
    cases = select_cases(SUITES)
    print(f"{'SUITE':<18} {'EN':>4} {'ZH':>4}  DESCRIPTION")
    for name, info in SUITES.items():
        en = sum(c.suite == name and c.language == "en" for c in cases)
        zh = sum(c.suite == name and c.language == "zh" for c in cases)
        print(f"{name:<18} {en:>4} {zh:>4}  {info.title}")


def _print_summary(results: dict[str, Any], out_dir: Path) -> None:
    modes = list(results["modes"])
    print(f"\n{'':<34}" + "".join(f"{mode:>22}" for mode in modes))
    for key, name in (
        ("attack_success", "attack success"),
        ("refusal_should_refuse", "refusal (should refuse)"),
        ("over_refusal", "over-refusal (should not)"),
        ("unsafe_output", "unsafe answers"),
    ):
        for part in ("overall", "en", "zh"):
            label = f"{name} [{part}]"
            cells = "".join(f"{pct(results['modes'][m][key][part]):>22}" for m in modes)
            print(f"{label:<34}{cells}")
    timing = "".join(
        f"{str(results['modes'][m]['time']['s_per_100_prompts']) + ' s':>22}" for m in modes
    )
    print(f"{'time per 100 prompts':<34}{timing}")
    print(f"\nwrote {', '.join(OUTPUT_FILES)} to {out_dir}")
