"""The ``eval`` command: run the suites against a configured model, raw and/or guarded, in
this process, and write results, report and fact sheet to an output folder (resumable)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from ..cli import EXIT_USAGE, CliError, _settings
from ..errors import GatewayError
from .reports import OUTPUT_FILES, pct
from .runner import MODES, ConsoleProgress, Evaluator, RunConfig, RunError
from .suites import SUITES, SuiteError, select_cases


def add_eval_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "eval",
        parents=[common],
        help="evaluate a model: red-team and refusal suites, report and fact sheet",
        description="Run the evaluation suites against a configured model, without the guards "
        "(--raw) and/or through the default guards (--guarded; both if neither is given).",
    )
    parser.add_argument("--model", help="a model name from the config (see /v1/models)")
    parser.add_argument("--raw", action="store_true", help="the model without guard stages")
    parser.add_argument("--guarded", action="store_true", help="through the full pipeline")
    parser.add_argument(
        "--suite",
        action="append",
        choices=list(SUITES),
        help="a suite to run (repeatable; default: all)",
    )
    parser.add_argument("--language", action="append", choices=["en", "zh"], default=None)
    parser.add_argument("--limit", type=int, default=None, help="at most N cases per suite+lang")
    parser.add_argument("--out", type=Path, default=None, help="output folder (resumable)")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--tenant", default="eval", help="whose guard policy applies (guarded)")
    parser.add_argument("--llm-judge", default=None, metavar="MODEL", help="also judge refusals")
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
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", EXIT_USAGE)
    modes = tuple(mode for mode in MODES if getattr(args, mode)) or MODES
    try:
        config = RunConfig(
            model=args.model,
            modes=modes,
            suites=tuple(args.suite or SUITES),
            languages=tuple(args.language or ("en", "zh")),
            limit_per_suite=args.limit,
            max_tokens=args.max_tokens,
            temperature=args.temperature,
            seed=args.seed,
            concurrency=args.concurrency,
            tenant=args.tenant,
            llm_judge=args.llm_judge,
        )
    except RunError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    settings = _settings(args)
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
