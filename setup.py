"""Build hook: the repository keeps the command line as the top-level cli.py (its layout is
fixed), while the wheel must add a single import name. The copy below puts cli.py into the
package as xuke/cli.py; everything else is declared in setup.cfg. In a checkout (and under an
editable install) engine/__init__.py finds cli.py beside the package instead."""

import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self):
        super().run()
        if not self.editable_mode:
            self.copy_file("cli.py", os.path.join(self.build_lib, "xuke", "cli.py"))

    def get_outputs(self, include_bytecode=True):
        extra = [] if self.editable_mode else [os.path.join(self.build_lib, "xuke", "cli.py")]
        return super().get_outputs(include_bytecode) + extra


setup(cmdclass={"build_py": BuildPy})
