"""The edition's web page in a real browser (Debian's Chromium): clicking a chapter moves the player there."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from audio.edition import manifest
from audio.podcast.serve import server


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--mute-audio", "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def page_url(seed_edition_path):
    httpd = server(seed_edition_path.parent, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{seed_edition_path.stem}.html"
    httpd.shutdown()
    httpd.server_close()


def wait_for(browser, script, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def test_clicking_a_chapter_seeks_the_player_and_highlights_the_sentence(browser, page_url, seed_edition_path):
    record = manifest.load(manifest.path_for(seed_edition_path))
    browser.get(page_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == record.title
    buttons = browser.find_elements(By.CSS_SELECTOR, "#chapters button")
    assert [b.text for b in buttons] == [s.title for s in record.sections]
    wait_for(browser, "return document.getElementById('player').readyState >= 1")
    buttons[2].click()
    position = wait_for(browser, "const t = document.getElementById('player').currentTime; return t > 0 ? t : null;")
    assert abs(position - record.sections[2].start) < 0.5
    highlighted = wait_for(browser, "const c = document.querySelector('.cue.now'); return c ? c.textContent : null;")
    assert highlighted == record.sections[2].chunks[0].text
