"""Redraw the report's sample pictures in docs/screenshots from a generated patient.

Why a script: the report's look changes with the report code (colours, few-point charts,
triage first), and its pictures must show what the code draws now. The patient is the
seeded generated course of telemetry/synthetic.py (six weeks of daily reaching, a flare in
week 4, a few missed days), never a real person. The top of the HTML report is shot with
Debian's Chromium (headless); the charts are the report's own figures saved as PNG.

    python docs/screenshots/regenerate_report.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent
CHARTS = {"Pain and interference": "telemetry_report_pain.png",
          "Function (PSFS)": "telemetry_report_function.png",
          "Movement": "telemetry_report_movement.png",
          "Sessions and adherence": "telemetry_report_sessions.png"}


def main() -> int:
    from telemetry.flagging import refresh_flags
    from telemetry.report import build_report, figures, write_html
    from telemetry.store import Store
    from telemetry.synthetic import Course, days, generate

    work = Path(tempfile.mkdtemp())
    try:
        store = Store.open(data_dir=str(work))
        store.ensure_patient("p-demo", affected_side="right")
        generate(store, "p-demo", Course(flare_days=days(range(22, 25)),
                                         skip_days=days(9, 16, 30)))
        tz = timezone.utc
        data, assessment = refresh_flags(store, "p-demo", tz=tz, today=date(2026, 2, 16))
        model = build_report(data, assessment, tz=tz,
                             generated_at=datetime(2026, 2, 16, 9, 0, tzinfo=tz))
        for title, fig in figures(model):
            if title in CHARTS:
                fig.savefig(OUT / CHARTS[title], dpi=100)
        html = write_html(model, work / "report.html")
        store.close()
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            print("no Chromium: the charts were redrawn, the report's top was not", file=sys.stderr)
            return 0
        subprocess.run([chromium, "--headless", "--no-sandbox", "--hide-scrollbars",
                        "--window-size=1100,1500", f"--screenshot={OUT / 'telemetry_report_summary.png'}",
                        html.as_uri()], check=True, capture_output=True, timeout=120)
        print(f"redrawn in {OUT}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
