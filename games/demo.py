"""Hooks that extend `manage.py seed_demo` (bookings, sessions, matches…).

A feature registers `@demo_hook` functions taking the club; each must be idempotent.
"""

from collections.abc import Callable

_HOOKS: list[Callable] = []


def demo_hook(fn: Callable) -> Callable:
    _HOOKS.append(fn)
    return fn


def run_hooks(*, club) -> None:
    # Import the modules that register hooks so they exist whatever was imported before.
    from importlib import import_module

    for module in (
        "games.demo_data",
        "games.scoring.demo_data",
        "stats.demo_data",
        "realtime.demo_data",
    ):
        try:
            import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    for hook in _HOOKS:
        hook(club=club)
