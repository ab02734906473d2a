"""LibreOffice opens the productivity workbook headless and prints it to PDF, charts included."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.reports.conftest import KnownStore, keep_artifact, produce_workbook


def tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        message = f"{name} is missing: apt-get install -y {package}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.slow
def test_workbook_converts_to_pdf_with_its_charts(known_store: KnownStore, tmp_path: Path) -> None:
    soffice = tool("soffice", "libreoffice-calc-nogui")
    pdftotext = tool("pdftotext", "poppler-utils")
    workbook = produce_workbook(known_store).xlsx
    # A profile of its own: another soffice running on the machine must not capture the job.
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(workbook)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = tmp_path / "pdf" / f"{workbook.stem}.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run([shutil.which("pdfinfo") or "pdfinfo", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 7  # at least one page per sheet
    dashboard = subprocess.run([pdftotext, "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
                               capture_output=True, text=True, check=True).stdout
    # The charts are drawn on the Dashboard's page: their titles, legends and axis labels.
    for text in ("Productivity report", "Items per day", "Hours of manual work replaced per day",
                 "Items done", "Items in exception", "03-23", "03-29", "2.87"):
        assert text in dashboard, text
    keep_artifact(pdf)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:  # the Dashboard as an image, for a person to look at
        subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(tmp_path / "productivity-dashboard")], check=True)
        keep_artifact(tmp_path / "productivity-dashboard.png")
