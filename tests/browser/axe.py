"""axe-core on a page: serious and critical violations fail the test; moderate and minor ones
are printed (shown with -rP or on failure), not failed."""

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING_IMPACTS = {"serious", "critical"}


def format_violations(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}" for node in v["nodes"])
        for v in violations
    )


def assert_accessible(page: Page, where: str) -> None:
    violations = Axe().run(page).response["violations"]
    if violations:
        print(f"axe-core on {where}:\n{format_violations(violations)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {where}:\n{format_violations(blocking)}"
