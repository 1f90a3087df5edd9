"""System programs that some tests drive (nginx, Chromium and its driver, promtool).

A test that needs one calls require(): it runs when the program is on PATH; when it is missing the
test fails under CI=true (CI installs every one of them, see .ci/run) and is skipped elsewhere, both
with a message naming the package to install.
"""
import os
import shutil

import pytest

# program -> (Debian/Ubuntu package, macOS Homebrew formula or cask)
PACKAGES = {
    "nginx": ("nginx", "nginx"),
    "chromium": ("chromium", "--cask chromium"),
    "chromedriver": ("chromium-driver", "chromedriver"),
    "promtool": ("prometheus", "prometheus"),
}


def missing_message(program):
    debian, brew = PACKAGES[program]
    return (f"{program} is not on PATH: install it with `apt-get install {debian}` (Debian/Ubuntu) "
            f"or `brew install {brew}` (macOS)")


def require(program):
    """The path of `program`; otherwise fail (CI=true) or skip the calling test, naming the package."""
    # nginx lives in /usr/sbin, which is not on every user's PATH.
    path = shutil.which(program, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"]))
    if path:
        return path
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(missing_message(program), pytrace=False)
    pytest.skip(missing_message(program))
