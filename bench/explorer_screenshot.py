"""Write docs/img/explorer.png: the explorer on the demo store (`gov demo`), in headless Chromium
against a real `gov serve`, signed in as an auditor: model credit-risk 3, upstream to its raw sources,
the model version's panel open at its validation-stage evidence (values, intervals, submitter).

Needs Debian's chromium + chromium-driver and selenium. Usage: python bench/explorer_screenshot.py [OUT.png]
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODEL = "model:credit-risk@3"
SIZE = (1280, 800)
MAX_BYTES = 300_000


def main() -> None:
    out = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "docs" / "img" / "explorer.png"
    )
    from PIL import Image
    from selenium import webdriver

    from governance.auth.roles import Role
    from governance.demo import run_demo
    from governance.store.db import make_engine
    from tests.service_helpers import ServeProcess, make_token

    with tempfile.TemporaryDirectory() as tmp:
        demo = run_demo(Path(tmp), echo=lambda _line: None)
        engine = make_engine(demo.database_url)
        token = make_token(engine, Role.AUDITOR, "auditor")
        engine.dispose()
        server = ServeProcess(demo.database_url, Path(tmp) / "home", "--reports-dir", tmp).start()
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars"):
            options.add_argument(arg)
        driver = webdriver.Chrome(options=options, service=webdriver.ChromeService("/usr/bin/chromedriver"))
        try:
            driver.set_window_size(*SIZE)
            # the window's inner size is what the screenshot shows: make it SIZE exactly
            inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
            driver.set_window_size(2 * SIZE[0] - inner[0], 2 * SIZE[1] - inner[1])
            driver.get(f"{server.base}/ui/")
            driver.execute_script("sessionStorage.setItem('gov.explorer.token', arguments[0])", token)
            driver.get(f"{server.base}/ui/index.html#node={quote(MODEL, safe='')}&depth=6&dir=upstream")
            deadline = time.time() + 60
            script = (
                "const h = window.__explorer; const s = document.getElementById('stage-evidence');"
                " return !!(h && h.ready && h.loads > 0 && s)"
            )
            while not driver.execute_script(script):
                if time.time() > deadline:
                    state = driver.execute_script(
                        "return [window.__explorer, document.getElementById('panel').innerText.slice(0, 300),"
                        " document.getElementById('status').innerText, document.body.innerText.slice(0, 300)]"
                    )
                    raise SystemExit(f"the explorer did not draw the model's graph and panel within 60 s: {state}")
                time.sleep(0.1)
            # the panel scrolled to the evidence: fairness, then the other validation stages
            driver.execute_script(
                "const p = document.getElementById('panel');"
                " const h = [...p.querySelectorAll('h3')].find((x) => x.textContent.startsWith('Validation-stage'));"
                " const title = document.getElementById('panel-title');"
                " p.scrollTop += h.getBoundingClientRect().top - p.getBoundingClientRect().top - title.offsetHeight;"
            )
            time.sleep(0.5)
            png = driver.get_screenshot_as_png()
        finally:
            driver.quit()
            server.stop()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.size != SIZE:
        image = image.crop((0, 0, *SIZE))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    if buffer.tell() > MAX_BYTES:  # a palette of 256 colours: text and flat shapes lose nothing visible
        buffer = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    print(f"wrote {out} ({image.size[0]}x{image.size[1]}, {len(buffer.getvalue())} bytes)")


if __name__ == "__main__":
    main()
