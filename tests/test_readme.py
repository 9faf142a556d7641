"""The README is what a newcomer runs: CI runs its test command verbatim, and what it links to exists."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    test_command = next(b.strip() for b in _bash_blocks(readme) if "pytest" in b)
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
    # nothing but the shell settings and the move to the repository root before it
    assert ci == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', test_command]


def test_readme_and_docs_links_resolve():
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text()):
            if not target.startswith("http"):
                assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
