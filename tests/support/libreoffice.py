"""LibreOffice in headless mode, to get files really written by Calc."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MISSING = "LibreOffice (soffice) absent : lancez scripts/install-libreoffice.sh"


def convert(source: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    """`soffice --convert-to fmt`; its own profile directory: LibreOffice needs a writable
    one and two instances sharing one block each other."""
    assert SOFFICE is not None
    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(source),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    target = outdir / f"{source.stem}.{fmt}"
    assert completed.returncode == 0 and target.exists(), completed.stderr.decode(errors="replace")
    return target


def saved_by_calc(data: bytes, fmt: str, name: str = "classeur") -> bytes:
    """The workbook opened and saved again by LibreOffice Calc, as ``fmt`` (xlsx or ods)."""
    if SOFFICE is None:
        pytest.skip(MISSING)
    work = Path(tempfile.mkdtemp(prefix="lo-"))
    try:
        source = work / f"{name}.xlsx"
        source.write_bytes(data)
        return convert(source, fmt, work / "out", work / "profile").read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
