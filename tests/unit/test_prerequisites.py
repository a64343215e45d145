"""What the machine must have, told plainly when it is missing."""

import pytest

from devtools.emulator import dynamodb_local


def test_a_missing_java_stops_dynamodb_local_with_what_to_install(monkeypatch):
    monkeypatch.setattr(dynamodb_local.shutil, "which", lambda _: None)

    with pytest.raises(SystemExit, match="needs Java 17 or later, and `java` is not on PATH"):
        dynamodb_local.find_jar()


def test_a_missing_package_says_to_run_make_install(monkeypatch, tmp_path):
    monkeypatch.setattr(dynamodb_local, "PACKAGE", tmp_path)
    monkeypatch.setattr(dynamodb_local, "ROOT", tmp_path.parent)

    with pytest.raises(SystemExit, match="run `make install`"):
        dynamodb_local.find_jar()
