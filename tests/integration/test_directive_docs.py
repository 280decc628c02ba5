"""The directive documentation cannot drift from the directive table.

docs/DIRECTIVES.md must be exactly what scripts/directive-reference.py prints
from the module's compiled command_rec table (`apache2 -L`), and README.md's
Directives table must explain every directive the module has and no other.
"""
import os
import re
import subprocess
import sys
import unittest

from harness import MODULE_SO, SRCDIR, module_available

SCRIPT = os.path.join(SRCDIR, "scripts", "directive-reference.py")


def compiled_reference():
    return subprocess.run([sys.executable, SCRIPT, "--module", MODULE_SO],
                          capture_output=True, text=True, check=True).stdout


def compiled_names(reference):
    return re.findall(r"^\| `<?(SequrSAML\w+)>?` \|", reference, re.M)


def readme_directive_rows():
    """Directive names in the first cell of README's Directives table rows."""
    with open(os.path.join(SRCDIR, "README.md")) as f:
        text = f.read()
    section = text.split("\n## Directives", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split(" | ", 1)[0]
            names.update(re.findall(r"SequrSAML\w+", first_cell))
    return names


@unittest.skipIf(module_available() is not None, module_available() or "")
class DirectiveDocs(unittest.TestCase):
    def test_reference_matches_the_compiled_table(self):
        with open(os.path.join(SRCDIR, "docs", "DIRECTIVES.md")) as f:
            committed = f.read()
        self.assertEqual(committed, compiled_reference(),
                         "docs/DIRECTIVES.md is stale: run "
                         "scripts/directive-reference.py > docs/DIRECTIVES.md")

    def test_readme_explains_every_directive_and_no_other(self):
        compiled = set(compiled_names(compiled_reference()))
        self.assertGreater(len(compiled), 20)
        documented = readme_directive_rows()
        self.assertEqual(sorted(compiled - documented), [],
                         "directives missing from README's Directives table")
        self.assertEqual(sorted(documented - compiled), [],
                         "README documents directives the module does not have")


if __name__ == "__main__":
    unittest.main()
