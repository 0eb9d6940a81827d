"""The Vietnamese catalogue is complete and the committed .mo is compiled from the .po."""

import shutil
import subprocess
from pathlib import Path

import pytest

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES"


@pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="needs gettext's msgfmt (apt-get install gettext; make test does as root)"
)
def test_every_message_is_translated_and_compiled(tmp_path):
    compiled = tmp_path / "django.mo"

    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(compiled), str(CATALOGUE / "django.po")],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes(), "run `make messages`"
