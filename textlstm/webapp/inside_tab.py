"""The "Inside the LSTM" tab: a text coloured by one cell or gate, gate saturation, found cells.

One named endpoint, /trace: (model, text, layer, direction, what, cell) -> the coloured text, the
saturation plot, the cells that follow a property of the text (character model), the pooled-feature
account (sentiment model) and a compact JSON of the chosen cell: every field at every step.
"""

import gradio as gr

from textlstm import artifacts
from textlstm.errors import TextLSTMError
from textlstm.input_checks import check_index
from textlstm.inside import cell_analysis, heatmap
from textlstm.inside.trace import FIELDS
from textlstm.models.charlm_model import lstm_layers
from textlstm.webapp import warmup
from textlstm.webapp.controls import CONCURRENCY_GROUP, checked

PASSAGE = """ROMEO:
But, soft! what light through yonder window breaks?
It is the east, and Juliet is the sun.
Arise, fair sun, and kill the envious moon,
Who is already sick and pale with grief,
That thou her maid art far more fair than she:
Be not her maid, since she is envious;
Her vestal livery is but sick and green
And none but fools do wear it; cast it off.

JULIET:
Ay me!

ROMEO:
She speaks:
O, speak again, bright angel! for thou art
As glorious to this night, being o'er my head
As is a winged messenger of heaven.
"""
REVIEW = "Not a bad film at all. The plot is thin, but the acting is wonderful and I was never bored."
CHARACTER, SENTIMENT = "Character model (Shakespeare)", "Sentiment model (reviews)"
SHOWN = {"cell state": "cell", "hidden state": "hidden", "input gate": "input_gate",
         "forget gate": "forget_gate", "output gate": "output_gate", "candidate (tanh proposal)": "candidate"}
GATE_BOUND = 1.0  # gates are sigmoids: coloured on their own scale (0 to 1), not the text's largest value
TOP_CELLS = 8  # rows of the found-cells table


def saturation_figure(trace):
    """Karpathy et al.'s scatter: per gate, each unit at (fraction shut, fraction open), a colour per layer."""
    plt = artifacts.pyplot()

    fig, axes = plt.subplots(1, 3, figsize=(10, 3.3), sharex=True, sharey=True)
    for layer in cell_analysis.gate_saturation(trace):
        for ax, gate in zip(axes, cell_analysis.GATES):
            left, right = layer[gate]
            ax.scatter(left, right, s=6, alpha=0.6, label=f"layer {layer['layer']} {layer['direction']}")
    for ax, gate in zip(axes, cell_analysis.GATES):
        ax.plot([0, 1], [1, 0], color="lightgray", linewidth=0.8)
        ax.set_title(gate.replace("_", " "), fontsize=10)
        ax.set_xlabel("fraction of steps shut (< 0.1)", fontsize=8)
    axes[0].set_ylabel("fraction of steps open (> 0.9)", fontsize=8)
    axes[-1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    plt.close(fig)
    return fig


def inspect(classifier, generator, model, text, layer, direction, shown, cell):
    """The /trace endpoint. Raises gr.Error (one sentence naming the parameter) on bad input."""
    try:
        choices = {CHARACTER: generator, SENTIMENT: classifier}
        if choices.get(model) is None:
            available = ", ".join(name for name, m in choices.items() if m is not None)
            raise TextLSTMError(f"model must be one of {available}; got {model!r}")
        if shown not in SHOWN:
            raise TextLSTMError(f"what must be one of {', '.join(SHOWN)}; got {shown!r}")
        trace = choices[model].trace(text)
        chosen = trace.layer(layer, direction)
        cell = check_index("cell", cell, chosen.units)
    except TextLSTMError as e:
        raise gr.Error(str(e)) from None
    values = getattr(chosen, SHOWN[shown])[:, cell]
    gate = SHOWN[shown].endswith("_gate")
    coloured = heatmap.scaled(trace.pieces, values, GATE_BOUND if gate else None)
    if trace.unit == "word":  # words with the spaces between them, as typed
        coloured = [piece for pair in zip(coloured, [(" ", None)] * len(coloured)) for piece in pair][:-1]
    cells = [[c["layer"], c["direction"], c["unit"], c["property"], c["correlation"]]
             for c in cell_analysis.interpretable_cells(trace, top=TOP_CELLS)] if trace.unit == "character" else []
    pooled = classifier.explain(text, method="pooling")[1] if trace.unit == "word" else []
    summary = {"unit": trace.unit, "note": trace.note, "layer": chosen.layer, "direction": chosen.direction,
               "cell": cell, "pieces": trace.pieces,
               **{f: [round(float(v), 4) for v in getattr(chosen, f)[:, cell]] for f in FIELDS}}
    return coloured, saturation_figure(trace), cells, pooled, summary


def first_cell(generator) -> tuple:
    """(layer, cell) the tab opens on: the character model's strongest interpretable cell as its
    metrics.json records it (benchmarks/inside_lstm.py), so the first Trace shows a cell that tracks
    something; (0, 0) when none is recorded or the record does not fit the model."""
    found = ((generator.metrics if generator is not None else {}).get("inside") or {}).get("interpretable_cells")
    if found:
        lstms = lstm_layers(generator.model)
        try:  # the /trace endpoint's own checks: the tab never opens on values it would refuse
            layer = check_index("layer", found[0].get("layer"), len(lstms))
            return layer, check_index("cell", found[0].get("cell"), lstms[layer].units)
        except TextLSTMError:
            pass
    return 0, 0


def build_inside_tab(classifier, generator):
    models = [name for name, m in ((CHARACTER, generator), (SENTIMENT, classifier)) if m is not None]
    start_layer, start_cell = first_cell(generator) if models[0] == CHARACTER else (0, 0)
    warmup.warm_trace(classifier, generator)
    with gr.Row():
        with gr.Column(scale=1):
            model = checked(gr.Radio(models, value=models[0], label="Model"))
            text = gr.Textbox(label="Text to trace", lines=8, max_lines=20,
                              value=PASSAGE if models[0] == CHARACTER else REVIEW)
            with gr.Row():
                layer = checked(gr.Number(value=start_layer, precision=0, minimum=0, label="Layer (from 0)"))
                cell = checked(gr.Number(value=start_cell, precision=0, minimum=0, label="Cell (from 0)"))
            direction = checked(gr.Radio(["forward", "backward"], value="forward",
                                         label="Direction (backward: the BiLSTM's right-to-left half)"))
            shown = checked(gr.Dropdown(list(SHOWN), value="cell state", label="Colour the text by"))
            run = gr.Button("Trace", variant="primary")
        with gr.Column(scale=2):
            coloured = gr.HighlightedText(label="The text, coloured by the chosen cell (red high, purple low)",
                                          combine_adjacent=False, show_legend=False)
            cells = gr.Dataframe(headers=["layer", "direction", "cell", "property", "correlation"],
                                 label="Cells that follow a property of the text (character model): try one above",
                                 interactive=False)
            pooled = gr.HighlightedText(label="Which words the pooled features came from (sentiment model)",
                                        combine_adjacent=False, show_legend=False)
    saturation = gr.Plot(label="Gate saturation: each dot a unit (Karpathy et al. 2015, section 4.2)")
    with gr.Accordion("The chosen cell, every gate and state (JSON)", open=False):
        summary = gr.JSON(label="trace")
    model.change(lambda m: PASSAGE if m == CHARACTER else REVIEW, inputs=model, outputs=text,
                 api_visibility="private")
    run.click(lambda *a: inspect(classifier, generator, *a), inputs=[model, text, layer, direction, shown, cell],
              outputs=[coloured, saturation, cells, pooled, summary], api_name="trace",
              concurrency_id=CONCURRENCY_GROUP)
