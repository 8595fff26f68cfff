"""The site configuration file: the shipped samples load, unknown keys and wrong types are typed errors, the
command line overrides the file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from cli.main import build_parser
from cli.run import apply_site_config
from kiosk.site_config import SiteConfig, SiteConfigError, load_site_config
from tests.deploy.conftest import ROOT

SITES = ROOT / "config" / "sites"


@pytest.mark.parametrize("kind", ["one-stop", "clinic", "lodging"])
def test_every_sample_loads_as_its_kind(kind: str) -> None:
    site = load_site_config(SITES / f"{kind}.toml")
    assert site.profile == kind and site.fullscreen and site.intake_url == "https://intake.example.vn/"
    assert site.devices.camera == "0" and site.devices.reader is None and site.devices.printer is None
    assert site.heartbeat.interval_seconds == 60 and site.operator_pin == "246810"  # development; installs replace it


def test_no_file_means_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert load_site_config() == SiteConfig()


def test_environment_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\nprofile = "clinic"\noperator_pin = "8642"\n[devices]\ncamera = 2\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    site = load_site_config()
    assert (site.profile, site.operator_pin, site.devices.camera) == ("clinic", "8642", "2")


@pytest.mark.parametrize(("text", "key", "code_word"), [
    ('[kiosk]\nprofil = "clinic"\n', "kiosk.profil", "unknown key"),
    ('[kiosque]\nprofile = "clinic"\n', "kiosque", "unknown section"),
    ('[kiosk]\nprofile = "hotel"\n', "kiosk.profile", "one of"),
    ('[kiosk]\nidle_seconds = "60"\n', "kiosk.idle_seconds", "positive number"),
    ('[kiosk]\nidle_seconds = -1\n', "kiosk.idle_seconds", "positive number"),
    ('[kiosk]\nfullscreen = "yes"\n', "kiosk.fullscreen", "true or false"),
    ('[kiosk]\nintake_url = "intake.example.vn"\n', "kiosk.intake_url", "https://"),
    ('[kiosk]\noperator_pin = 1234\n', "kiosk.operator_pin", "a string"),
    ('[kiosk]\noperator_pin = "12a4"\n', "kiosk.operator_pin", "4 to 8 digits"),
    ('[devices]\ncamera = true\n', "devices.camera", "camera index"),
    ('[heartbeat]\ninterval_seconds = 0\n', "heartbeat.interval_seconds", "positive number"),
    ('kiosk = 1\n', "kiosk", "table"),
])
def test_bad_keys_and_types_name_the_key(tmp_path: Path, text: str, key: str, code_word: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(SiteConfigError) as caught:
        load_site_config(path)
    error = caught.value
    assert error.code == "invalid-site-config" and error.field == key
    assert code_word in error.message and key in error.message
    assert "«" in error.message_vi  # the Vietnamese text names the key too


def test_unreadable_files_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(SiteConfigError, match="not found"):
        load_site_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[kiosk\n")
    with pytest.raises(SiteConfigError, match="not valid TOML"):
        load_site_config(broken)


def parse_run(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", *argv])


def test_command_line_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("KIOSK_CONFIG_DIR", "")  # recorded, so that the value set below is undone after the test
    monkeypatch.delenv("KIOSK_CONFIG_DIR")
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\nprofile = "lodging"\nidle_seconds = 45\nfullscreen = true\n'
                    'intake_url = "https://a.example/"\n[devices]\nprinter = "file:/tmp/r"\ncamera = "/dev/video2"\n')
    args = parse_run("--config", str(path), "--profile", "clinic", "--no-fullscreen", "--camera", "1")
    site = apply_site_config(args)
    assert site.profile == "lodging"
    assert (args.profile, args.fullscreen, args.camera) == ("clinic", False, "1")  # given on the command line
    assert (args.idle_seconds, args.intake_url, args.printer) == (45, "https://a.example/", "file:/tmp/r")
    assert "KIOSK_CONFIG_DIR" not in os.environ
    (tmp_path / "site.toml").write_text('[kiosk]\nconfig_dir = "/etc/cccd-kiosk/config"\n')
    apply_site_config(parse_run("--config", str(tmp_path / "site.toml")))
    assert os.environ["KIOSK_CONFIG_DIR"] == "/etc/cccd-kiosk/config"  # read by kiosk.workflows.registry
    defaults = parse_run()
    apply_site_config(defaults)
    assert (defaults.profile, defaults.fullscreen, defaults.idle_seconds, defaults.camera) == \
        ("one-stop", False, 60.0, "0")
