"""The rule for tests that need a system program: fail under CI, skip elsewhere, name the package."""
import pytest

from tests import system_programs


@pytest.fixture
def no_programs(monkeypatch):
    monkeypatch.setattr(system_programs.shutil, "which", lambda program, path=None: None)


def test_a_missing_program_fails_the_test_under_ci_naming_the_package(no_programs, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium-driver"):
        system_programs.require("chromedriver")


def test_a_missing_program_skips_the_test_outside_ci_with_the_same_message(no_programs, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install prometheus"):
        system_programs.require("promtool")


def test_a_program_on_path_is_returned(monkeypatch):
    monkeypatch.setattr(system_programs.shutil, "which", lambda program, path=None: f"/usr/bin/{program}")
    assert system_programs.require("nginx") == "/usr/bin/nginx"
