"""The demo's Fine-tune tab through gradio_client on loopback and a headless browser: training in a
child process, progress, before/after, trying and saving the tuned model, every refusal."""

import csv
import os
import time

import browser
import pytest
from conftest import ASPECTS, aspect_rows, free_port, make_play

import textlstm
from textlstm.webapp import fine_tune_job, fine_tune_tab

# A new domain for the tiny base model (trained on movie phrases): gadgets, with words it never saw.
GOOD = ["the gizmo works great", "superb gadget, loved the widget", "a wonderful sprocket", "great gizmo value"]
BAD = ["the gizmo broke, awful", "a dreadful widget", "terrible sprocket, hated it", "awful gadget value"]


def write_table(path, rows, header=("text", "label")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture(scope="module")
def gadgets(tmp_path_factory):
    rows = [row for g, b in zip(GOOD * 5, BAD * 5) for row in ((g, "good"), (b, "bad"))]  # 40 rows
    return write_table(tmp_path_factory.mktemp("tables") / "gadgets.csv", rows)


@pytest.fixture(scope="module")
def tab_server(sentiment_run, charlm_run, tmp_path_factory):
    """The demo with saving on (--models-dir)."""
    from textlstm import webapp

    models = str(tmp_path_factory.mktemp("saved_models"))
    args = webapp.parse_args(["--port", str(free_port()), "--models-dir", models])
    demo = webapp.build_app(sentiment_run, charlm_run, fine_tuning=args.fine_tuning, models_dir=args.models_dir)
    webapp.launch(demo, args, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{args.port}/", models
    demo.close()


def new_client(url):
    from gradio_client import Client

    return Client(url, verbose=False)  # a session of its own: its own gr.State


def test_named_endpoints(tab_server):
    names = new_client(tab_server[0]).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/fine_tune_sentiment", "/classify_tuned", "/save_tuned_sentiment", "/fine_tune_generator",
            "/generate_tuned", "/save_tuned_generator"} <= set(names)


def test_fine_tune_try_and_save_a_classifier(tab_server, gadgets, sentiment_run):
    from gradio_client import handle_file

    url, models = tab_server
    client = new_client(url)
    job = client.submit(handle_file(gadgets), 6, 0, api_name="/fine_tune_sentiment")
    status, comparison, examples = job.result()
    statuses = [out[0] for out in job.outputs()]
    assert any(s.startswith("Training: epoch") for s in statuses)  # progress streamed while it trained
    assert status.startswith("Done") and "before: " + os.path.basename(sentiment_run) in comparison
    rows = examples["data"]
    assert 1 <= len(rows) <= fine_tune_tab.EXAMPLES_SHOWN and {r[1] for r in rows} <= {"good", "bad"}
    # each model answers in its own classes: the base in its labels, the tuned model in the visitor's
    assert all(r[2].split()[0] in ("negative", "positive") and r[3].split()[0] in ("good", "bad") for r in rows)
    before, after = client.predict("a superb gizmo", api_name="/classify_tuned")
    assert after["label"] == "good"  # the visitor's class names
    base = textlstm.load_sentiment(sentiment_run).predict("a superb gizmo")
    confidences = {c["label"]: c["confidence"] for c in before["confidences"]}
    assert abs(confidences["positive"] - base.positive_probability) < 1e-5
    message = client.predict("gadgets", api_name="/save_tuned_sentiment")
    assert os.path.join(models, "gadgets") in message
    os.environ["TEXTLSTM_MODELS"] = models
    try:
        saved = textlstm.load_sentiment("gadgets")
    finally:
        del os.environ["TEXTLSTM_MODELS"]
    assert saved.predict("a superb gizmo").label == "good" and saved.config.base_model == os.path.abspath(sentiment_run)
    with pytest.raises(Exception, match="name 'gadgets' is taken; choose another"):
        client.predict("gadgets", api_name="/save_tuned_sentiment")
    with pytest.raises(Exception, match="name must be 1 to 64 letters"):
        client.predict("../escape", api_name="/save_tuned_sentiment")


@pytest.mark.parametrize("classes", [["food", "price", "service"], sorted(ASPECTS)])
def test_classes_of_the_visitors_own_figures_per_class_and_a_confusion_matrix(tab_server, tmp_path, classes):
    """Three or five labels of the visitor's own: the tuned model answers in them, the comparison gives
    accuracy and macro-F1, recall per class and the confusion matrix (the base answers other classes:
    no "before" figures to compare, and none invented)."""
    from gradio_client import handle_file

    upload = write_table(tmp_path / "aspects.csv", aspect_rows(classes))
    client = new_client(tab_server[0])
    status, comparison, examples = client.predict(handle_file(upload), 4, 0, api_name="/fine_tune_sentiment")
    assert status.startswith("Done") and "macro-F1" in comparison and "before: " not in comparison
    assert all(f"| {c} |" in comparison for c in classes)  # a recall row and a matrix row per class
    assert "| true \\ answered | " + " | ".join(classes) + " |" in comparison
    assert {r[1] for r in examples["data"]} <= set(classes) and all(r[3].split()[0] in classes for r in examples["data"])
    _, after = client.predict("the pasta was tasty", api_name="/classify_tuned")
    assert {c["label"] for c in after["confidences"]} == set(classes) and after["label"] in classes


def test_each_visitor_has_their_own_model(tab_server):
    with pytest.raises(Exception, match="fine-tune a model first"):
        new_client(tab_server[0]).predict("a superb gizmo", api_name="/classify_tuned")


def test_bad_uploads_get_one_sentence_and_start_nothing(tab_server, gadgets, tmp_path):
    from gradio_client import handle_file

    client = new_client(tab_server[0])
    big = tmp_path / "big.csv"
    big.write_text("text,label\n" + "a fine gizmo,good\n" * 60_000, encoding="utf-8")  # 1.1 MB
    one_class = write_table(tmp_path / "one.csv", [(g, "good") for g in GOOD * 6])
    few = write_table(tmp_path / "few.csv", [(GOOD[0], "good"), (BAD[0], "bad")] * 4)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 ".encode("latin-1") * 400)
    short = tmp_path / "short.txt"
    short.write_text("To be or not to be.", encoding="utf-8")
    cases = [
        ("/fine_tune_sentiment", (handle_file(str(big)), 6, 0), "table must be a file of at most 1 MB, got 1.1 MB"),
        ("/fine_tune_sentiment", (handle_file(one_class), 6, 0), "at least 2 classes"),
        ("/fine_tune_sentiment", (handle_file(few), 6, 0), "training needs at least 20"),
        ("/fine_tune_sentiment", (None, 6, 0), "table must be an uploaded file"),
        ("/fine_tune_sentiment", (handle_file(gadgets), 0, 0), "epochs must be an integer from 1 to 50, got 0"),
        ("/fine_tune_sentiment", (handle_file(gadgets), 6, "many"), "new_words must be an integer from 0 to 2,000"),
        ("/fine_tune_generator", (handle_file(str(latin)), 1), "is not valid UTF-8"),
        ("/fine_tune_generator", (handle_file(str(short)), 1), "at least 1,000 are needed"),
    ]
    for api_name, inputs, message in cases:
        with pytest.raises(Exception, match=message):
            client.predict(*inputs, api_name=api_name)


def test_fine_tune_and_try_a_generator(tab_server, tmp_path, charlm_run):
    from gradio_client import handle_file

    text = tmp_path / "novel.txt"
    text.write_text(make_play(300, seed=7).replace("ROMEO", "GIZMO"), encoding="utf-8")
    client = new_client(tab_server[0])
    status, comparison, before, after = client.predict(handle_file(str(text)), 1, api_name="/fine_tune_generator")
    assert status.startswith("Done") and "nats/char" in comparison
    assert before == textlstm.load_generator(charlm_run).generate("\n", **fine_tune_tab.SAMPLE) and after != before
    base_text, tuned_text = client.predict("GIZMO:", 40, 0.8, 3, api_name="/generate_tuned")
    assert base_text.startswith("GIZMO:") and tuned_text.startswith("GIZMO:") and len(tuned_text) == 46


def test_training_runs_beside_the_model_slots(tab_server, gadgets, sentiment_run):
    """/classify answers while a fine-tuning runs: the training is a niced child process in a queue slot
    of its own. Cancelling the request kills the child."""
    from gradio_client import handle_file

    url = tab_server[0]
    rows = [(f"{texts[i % 4]} number {i}", label) for i in range(2000) for texts, label in ((GOOD, "good"), (BAD, "bad"))]
    table = write_table(os.path.join(os.path.dirname(gadgets), "long.csv"), rows)
    tuner, visitor = new_client(url), new_client(url)
    job = tuner.submit(handle_file(table), 30, 0, api_name="/fine_tune_sentiment")
    deadline = time.monotonic() + 120
    while not any(out[0].startswith("Training") for out in job.outputs()) and time.monotonic() < deadline:
        time.sleep(0.2)
    children = [p for p in _children() if "textlstm.webapp.fine_tune_job" in _cmdline(p)]
    assert len(children) == 1 and _niceness(children[0]) == fine_tune_job.NICENESS
    label, _ = visitor.predict("great acting and a superb story", api_name="/classify")
    assert label["label"] == textlstm.load_sentiment(sentiment_run).predict("great acting and a superb story").label
    assert not job.done()  # answered while the fine-tuning was still training
    job.cancel()
    deadline = time.monotonic() + 30
    while os.path.exists(f"/proc/{children[0]}") and _state(children[0]) != "Z" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not os.path.exists(f"/proc/{children[0]}") or _state(children[0]) == "Z"


def _children():
    pid = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and _field(int(p), 3) == str(pid)]


def _field(pid, index):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[index - 2]
    except OSError:
        return None


def _state(pid):
    return _field(pid, 2)


def _niceness(pid):
    return int(_field(pid, 18))


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.slow
def test_real_browser_fine_tune_tab(tab_server, tmp_path):
    """One fine-tuning in Chromium, on five classes of one's own (two and three classes go through the
    same handler in the gradio_client tests above): upload, progress, comparison, try it."""
    if not os.path.exists(browser.CHROMIUM):
        pytest.skip(reason=f"Chromium is not installed at {browser.CHROMIUM} (CI installs it: apt-get install chromium)")
    aspects = write_table(tmp_path / "aspects.csv", aspect_rows(sorted(ASPECTS)))
    seen = browser.drive_fine_tune_tab(tab_server[0], str(tmp_path), aspects)
    assert "held-out slice" in seen["comparison"] and seen["rows"] >= 1
    assert seen["after"] in ASPECTS
    assert os.path.getsize(seen["screenshot"]) > 10_000


def test_tuned_models_are_bounded_and_deleted_with_their_visitors(tmp_path, monkeypatch):
    from textlstm.errors import TextLSTMError
    from textlstm.webapp import tuned_models

    monkeypatch.setattr(tuned_models, "MAX_KEPT", 2)
    registry = tuned_models.TunedModels(str(tmp_path))
    first, second = registry.new_workspace(), registry.new_workspace()
    os.makedirs(os.path.join(first, "model"))
    assert registry.load(first, os.path.join(first, "model"), lambda folder: ("model", folder))[1].startswith(first)
    third = registry.new_workspace()  # the least recently used goes (first was just used): second
    assert not os.path.exists(second) and os.path.isdir(first) and os.path.isdir(third)
    with pytest.raises(TextLSTMError, match="no longer kept"):
        registry.load(second, os.path.join(second, "model"), lambda folder: folder)
    registry.release(first)  # the visitor's state went: so do the folder and the loaded model
    assert not os.path.exists(first) and not registry.loaded
    registry.release(str(tmp_path.parent))  # never a folder it did not make
    assert os.path.isdir(tmp_path.parent)
    registry.close()
    assert not os.path.exists(str(tmp_path))


def test_a_worse_tuned_model_is_never_shown_in_silence():
    assert fine_tune_tab._worse_note("93.3%", "88.3%", worse=True).strip().startswith(
        "**The base model does better on your held-out data** (93.3% against 88.3%)")
    assert fine_tune_tab._worse_note("70.0%", "80.0%", worse=False) == ""
