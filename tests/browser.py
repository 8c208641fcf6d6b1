"""Drives the demo in Debian's headless Chromium with Playwright (never `playwright install`)."""

import contextlib
import os

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out, which this machine refuses.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


@contextlib.contextmanager
def demo_page(url, height=900):
    """A Chromium page on the demo, its tabs drawn. (Not "networkidle": the Fine-tune tab's gr.State
    makes Gradio keep a heartbeat stream open to notice a visitor leaving: the network is never idle.)"""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = chromium.new_page(viewport={"width": 1280, "height": height})
            page.goto(url, wait_until="load")
            page.get_by_role("tab").first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            yield page
        finally:
            chromium.close()


def drive_demo(url, out_dir, review, prompt="ROMEO:", length="300"):
    """Classifies `review`, generates from `prompt`; returns what the page showed and the screenshots."""
    shots = [os.path.join(out_dir, "demo.png"), os.path.join(out_dir, "demo-generate.png")]
    with demo_page(url) as page:
        page.get_by_label("Text to classify").fill(review)
        page.get_by_role("button", name="Classify", exact=True).click()
        label = page.locator("[data-testid='label-output-value']").first
        label.wait_for(timeout=30_000)
        page.wait_for_timeout(500)  # let the word highlights render
        page.screenshot(path=shots[0], full_page=True)
        page.get_by_role("tab", name="Generate").click()
        page.get_by_label("Prompt").fill(prompt)
        page.get_by_label("Length (characters)").first.fill(length)
        page.get_by_role("button", name="Generate", exact=True).click()
        output = page.get_by_label("Generated text")
        page.wait_for_function("([el, n]) => el.value.length >= n", arg=[output.element_handle(), len(prompt) + 20],
                               timeout=30_000)
        page.get_by_role("button", name="Stop").wait_for()
        page.wait_for_timeout(1500)  # streaming: the text keeps growing
        page.screenshot(path=shots[1], full_page=True)
        return {"label": label.inner_text().strip(), "generated": output.input_value(), "screenshots": shots}


def first_screen(url, out_dir):
    """At 1280x800: where the tab bar starts, and what "About the models" shows closed, then opened."""
    shot = os.path.join(out_dir, "first-screen.png")
    with demo_page(url, height=800) as page:
        about = page.get_by_text("About the models", exact=True)
        seen = {"tabs_top": page.get_by_role("tablist").first.bounding_box()["y"],
                "table_shown_closed": page.get_by_role("table").first.is_visible()}
        page.screenshot(path=shot)
        about.click()
        page.get_by_role("table").first.wait_for(timeout=10_000)
        seen.update(table=page.get_by_role("table").first.inner_text(), screenshot=shot)
        return seen


def drive_inside_tab(url, out_dir):
    """Opens "Inside the LSTM", traces the default passage; returns the coloured pieces' background
    colours (one per character shown) and a screenshot."""
    shot = os.path.join(out_dir, "inside.png")
    with demo_page(url) as page:
        page.get_by_role("tab", name="Inside the LSTM").click()
        page.get_by_role("button", name="Trace", exact=True).click()
        pieces = page.locator(".score-token")  # HighlightedText: one span per scored piece
        pieces.first.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)  # the plot and table render after the text
        page.screenshot(path=shot, full_page=True)
        colours = pieces.evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)")
        return {"colours": colours, "screenshot": shot}


def drive_fine_tune_tab(url, out_dir, table_path):
    """Opens "Fine-tune", uploads `table_path`, fine-tunes; returns the status and comparison shown, the
    held-out rows, the "after" label of the tried text, and a screenshot."""
    shot = os.path.join(out_dir, "demo-fine-tune.png")
    with demo_page(url, height=1100) as page:
        page.get_by_role("tab", name="Fine-tune").click()
        page.locator("input[type=file]").first.set_input_files(table_path)
        page.wait_for_timeout(1000)  # the upload finishes before the click
        page.get_by_role("button", name="Fine-tune", exact=True).first.click()
        page.get_by_text("Done: try it below").wait_for(timeout=120_000)
        page.get_by_role("button", name="Compare", exact=True).click()
        label = page.locator("[data-testid='label-output-value']").nth(1)
        label.wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        page.screenshot(path=shot, full_page=True)
        comparison = page.get_by_text("held-out slice").first.inner_text()
        rows = page.locator("table tbody tr").count()
        return {"comparison": comparison, "rows": rows, "after": label.inner_text().strip(), "screenshot": shot}
