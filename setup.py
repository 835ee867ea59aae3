"""Build hook only (configuration is in pyproject.toml): wheels carry the top-level data folders
(policies/, reports/, lineage/) as governance/_assets/<folder>, found by governance/assets.py."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FOLDERS = ("policies", "reports", "lineage")


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree itself
        here = Path(__file__).resolve().parent
        for folder in FOLDERS:
            target = Path(self.build_lib) / "governance" / "_assets" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(here / folder, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithAssets})
