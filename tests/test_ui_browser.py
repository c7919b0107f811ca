"""The MLflow UI over a real search, in a real browser: `mlflow server` on 127.0.0.1 and
Debian's headless Chromium driven by Selenium. Screenshots land in test-artifacts/."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, TINY_TRIALS

pytestmark = pytest.mark.slow

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = REPO / "test-artifacts"
# Without the background-networking flags Chromium's own connections are refused here.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1800,1100",
]
WAIT_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tiny_search) -> Iterator[str]:
    """`mlflow server` over the tiny search's SQLite store; its URL."""
    root, uri, _ = tiny_search
    port = _free_port()
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("mlflow")), "server", "--backend-store-uri", uri,
         "--artifacts-destination", str(root / "mlartifacts"), "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, root / "server.log")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and the workers it started
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mlflow server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"mlflow server not healthy after {WAIT_S}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[object]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not installed: apt-get install chromium chromium-driver "
            "(.ci/run installs them, so CI runs this test)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def search_records(tiny_search):
    from mlflow.tracking import MlflowClient

    _, uri, _ = tiny_search
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("image-cnn")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if r.data.tags["search.kind"] == "search")
    trials = [r for r in runs if r.data.tags["search.kind"] == "trial"]
    return experiment.experiment_id, parent, trials


def _page_shows(driver, texts: list[str], screenshot: str) -> None:
    """Waits for every text to appear (the UI is a React app), then saves a screenshot."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    SCREENSHOTS.mkdir(exist_ok=True)

    def missing() -> list[str]:
        body = driver.find_element(By.TAG_NAME, "body").text
        return [text for text in texts if text not in body]

    try:
        WebDriverWait(driver, WAIT_S, poll_frequency=0.5).until(lambda _: not missing())
    except TimeoutException:
        driver.save_screenshot(str(SCREENSHOTS / screenshot))
        pytest.fail(f"not shown after {WAIT_S}s: {missing()} (see test-artifacts/{screenshot})")
    time.sleep(1)  # let images and charts finish drawing
    driver.save_screenshot(str(SCREENSHOTS / screenshot))


def _close_assistant_panel(driver) -> None:
    """MLflow 3's assistant panel takes a third of the screenshots; close it if shown."""
    from selenium.webdriver.common.by import By

    for button in driver.find_elements(By.CSS_SELECTOR, 'button[aria-label="Close"]'):
        if button.is_displayed():
            button.click()


def test_runs_page_shows_the_search_and_its_trials(server, browser, search_records) -> None:
    from selenium.webdriver.common.by import By

    experiment_id, parent, trials = search_records
    browser.get(f"{server}/#/experiments/{experiment_id}/runs")
    _page_shows(browser, [parent.info.run_name, "sklearn_digits/train"], "ui-runs.png")
    _close_assistant_panel(browser)
    # Trials are nested under the parent run: open its row.
    expander = 'button[data-component-id*="runnamecellrenderer"]'
    browser.find_element(By.CSS_SELECTOR, expander).click()
    names = [t.info.run_name for t in trials]
    assert len(names) == TINY_TRIALS and all(n.startswith("trial-") for n in names)
    _page_shows(browser, [parent.info.run_name, *names, "image-cnn", "v1"], "ui-runs.png")


def test_parent_run_page_shows_description_child_runs_model_and_report(
    server, browser, search_records
) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    experiment_id, parent, trials = search_records
    run = f"{server}/#/experiments/{experiment_id}/runs/{parent.info.run_id}"
    browser.get(run)
    texts = ["Search image-cnn", "Child runs", "sklearn_digits/train", "Registered models"]
    _page_shows(browser, texts + [t.info.run_name[:20] for t in trials], "ui-parent-run.png")
    browser.get(f"{run}/artifacts/report/parallel_coordinates.png")
    _page_shows(browser, ["parallel_coordinates.png", "learning_curves.png"], "ui-report.png")
    # The chart itself is drawn in the artifact viewer, not only listed.
    loaded = "return [...document.images].some(i => i.complete && i.naturalWidth > 300)"
    WebDriverWait(browser, WAIT_S).until(lambda d: d.execute_script(loaded))
    browser.save_screenshot(str(SCREENSHOTS / "ui-report.png"))


def test_registered_model_page_shows_the_champion_version(server, browser) -> None:
    browser.get(f"{server}/#/models/image-cnn")
    _page_shows(browser, ["image-cnn", "Version 1", "champion"], "ui-registered-model.png")
